do $$ begin raise notice 'plain notice'; end $$;
do $$ begin raise notice 'with fields' using detail = 'd', hint = 'h'; raise warning 'a warning'; raise info 'some info'; end $$;
drop table if exists nothing_here;
create function noisy(i int) returns int language plpgsql as $$
begin
  raise notice 'row %', i;
  return i * 10;
end $$;
select noisy(i) from generate_series(1, 3) i;
create table n (a int);
create function n_trigger() returns trigger language plpgsql as $$
begin
  raise notice 'trigger sees %', new.a;
  return new;
end $$;
create trigger n_t before insert on n for each row execute function n_trigger();
insert into n values (1), (2) returning a;
do $$ begin raise notice 'then fail'; perform 1/0; end $$;
set client_min_messages = warning;
do $$ begin raise notice 'hidden'; raise warning 'shown'; end $$;
reset client_min_messages;
commit;
rollback;

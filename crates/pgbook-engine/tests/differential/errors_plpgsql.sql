create function typo() returns int language plpgsql as $$
begin
  retrun 1;
end $$;
create function badsql() returns int language plpgsql as $$
begin
  return (select nosuch from pg_class limit 1);
end $$;
select badsql();
set plpgsql.extra_warnings = 'all';
create function shadow(x int) returns int language plpgsql as $$
declare
  x int := 1;
begin
  return x;
end $$;
reset plpgsql.extra_warnings;
do $$
declare
  r record;
begin
  for r in execute 'select 1 as a, nosuch' loop
  end loop;
end $$;
create table c (a int check (a > 0));
insert into c values (-1);
insert into c values (1), (2), ('three');
alter table c add constraint u unique (a);
insert into c values (1);
select * from c where a = 1 and a = (select a from c);
with recursive r(n) as (select 1 union all select n + 1 from r) select * from r limit 3;
select 1::int / (select 0);
select array[1,2][3] as out_of_range, '{1,2}'::int[] as arr;
select 'x'::regclass;
select row(1, 'a', null) as rec, (1, 2) as pair;

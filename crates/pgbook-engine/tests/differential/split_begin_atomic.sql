create function add_one(i int) returns int language sql
begin atomic
  select i + 1;
end;
select add_one(1);
create or replace procedure bump(inout n int) language sql
BEGIN ATOMIC
  select case when n > 0 then n + 1 else 0 end;
  select n + 100;
END;
call bump(1);
create function plpgsql_style() returns text language plpgsql as $$
begin
  return 'body; with semicolons;';
end
$$;
select plpgsql_style();
begin; select 1 as in_tx; end;
create table begin_words (begin int, "end" int); insert into begin_words values (1, 2);
select * from begin_words;

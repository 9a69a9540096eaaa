create function f() returns int language plpgsql as $$ begin return (select x from nosuch); end $$;
select f();
do $$ declare r int; begin execute 'select 1 +* 2' into r; end $$;
do $$ begin perform 1/0; end $$;
do $$
begin
  raise exception 'custom failure' using detail = 'the detail', hint = 'the hint', errcode = '22012';
end
$$;
create function g(n int) returns int language plpgsql as $$
begin
  if n = 0 then
    raise exception 'bottom reached';
  end if;
  return g(n - 1);
end $$;
select g(2);
create function h() returns int language sql as 'select 1 +* 1';
do $$ begin raise exception using message = 'multi
line message', detail = 'detail
on two lines'; end $$;

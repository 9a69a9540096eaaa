create table t (id int primary key, name text not null, n int check (n > 0));
create domain positive as int check (value > 0);
create function f() returns int language plpgsql as $$ begin raise notice 'hello'; return 1/0; end $$;
\set VERBOSITY verbose
select * from nosuch;
select 1 +;
insert into t values (1, 'a', 1);
insert into t values (1, 'b', 2);
insert into t values (2, null, 2);
insert into t values (3, 'c', -1);
select (-1)::positive;
select f();
\set SHOW_CONTEXT never
select f();
\set SHOW_CONTEXT always
do $$ begin raise warning 'careful' using detail = 'd', hint = 'h'; end $$;
do $$ begin perform 1 +; end $$;
select 1 as x, 2 as y \gset
select 1 where false \gset
\set VERBOSITY VERBOSE
select 1/0;
\set VERBOSITY default
select 1/0;

create function f() returns int language plpgsql as $$ begin raise notice 'hello'; return 1/0; end $$;
\set VERBOSITY terse
select f();
select 1 +;
select foo from bar;
\set VERBOSITY sqlstate
select f();
select 1 +;
\set VERBOSITY default
\set SHOW_CONTEXT always
select f();
\set SHOW_CONTEXT never
select f();
\set SHOW_CONTEXT errors
\set VERBOSITY bogus
\set VERBOSITY TERSE
select 1 +;
\set VERBOSITY default
\set SHOW_CONTEXT bogus
\unset VERBOSITY
select 1 +;
\set VERBOSITY terse
do $$ begin perform 1 +; end $$;
\set VERBOSITY sqlstate
select 1 as x \gset
select 1 where false \gset
select 1/0 \gset
\unset VERBOSITY
select 1/0 \gset
\timing on
\timing off
\timing maybe

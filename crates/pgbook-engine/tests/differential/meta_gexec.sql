select format('create table %I (id int)', 't' || g) from generate_series(1, 3) g
\gexec
select 'select 1 as a', null, 'select 2 as b'
union all select 'insert into t1 values (1)', 'select * from nosuch', 'select count(*) from t1' \gexec
select 'select 1/0' \gexec
\echo :ROW_COUNT :ERROR :SQLSTATE
select 'select 1/0', 'select 5' \gexec
\echo :ROW_COUNT :ERROR :SQLSTATE
select 'select 5', 'do $$begin end$$' union all select 'select 6', 'select 7' \gexec
\echo :ROW_COUNT :ERROR :SQLSTATE
select 1/0 \gexec
\echo :ROW_COUNT :ERROR :SQLSTATE
create table t9 (a int) \gexec
select 'vacuum t1' where false \gexec
\echo :ROW_COUNT :ERROR :SQLSTATE
select 'select 1; select 2' \gexec
select 'do $$ begin raise notice ''hi''; end $$' \gexec
select ' ' \gexec
\x on
select 'select 1 as a, 2 as b' \gexec
\x off
select 'select ' || g || ' as n' from generate_series(1, 2) g;
\gexec
select 'select 42 as x \gset' \gexec

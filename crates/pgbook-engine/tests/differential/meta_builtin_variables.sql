\echo :USER :ENCODING
\echo :SERVER_VERSION_NAME :SERVER_VERSION_NUM
\echo :VERSION
\echo :VERSION_NAME :VERSION_NUM
\echo [:LAST_ERROR_MESSAGE] :LAST_ERROR_SQLSTATE
select :'SERVER_VERSION_NUM'::int / 10000 as major;
\echo :ERROR :SQLSTATE :ROW_COUNT
create table t (id int primary key);
\echo :ERROR :SQLSTATE :ROW_COUNT
insert into t select generate_series(1, 5);
\echo :ERROR :SQLSTATE :ROW_COUNT
select * from t where id > 3;
\echo :ROW_COUNT
update t set id = id + 10 where id < 3;
\echo :ROW_COUNT
delete from t where id > 4;
\echo :ROW_COUNT
select * from nosuch;
\echo :ERROR :SQLSTATE :ROW_COUNT [:LAST_ERROR_MESSAGE] :LAST_ERROR_SQLSTATE
select 1;
\echo :ERROR :SQLSTATE :ROW_COUNT [:LAST_ERROR_MESSAGE] :LAST_ERROR_SQLSTATE
select 1/0;
select :'LAST_ERROR_MESSAGE' as message, :'LAST_ERROR_SQLSTATE' as code;
copy t to stdout;
\echo :ROW_COUNT
copy t from stdin;
100
101
\.
\echo :ROW_COUNT
select 1 as a \gset
\echo :ERROR :SQLSTATE :ROW_COUNT :a
select 1 where false \gset
\echo :ERROR :SQLSTATE :ROW_COUNT [:LAST_ERROR_MESSAGE] :LAST_ERROR_SQLSTATE
select 1 \; select 2 \; select 3 from generate_series(1, 4);
\echo :ROW_COUNT
select 1 \; select 1/0 \; select 3;
\echo :ERROR :SQLSTATE :ROW_COUNT
begin;
select 1/0;
select 1;
\echo :ERROR :SQLSTATE [:LAST_ERROR_MESSAGE]
rollback;
\echo :ERROR :SQLSTATE :ROW_COUNT
\d t
\echo :ROW_COUNT
;
\echo :ERROR :SQLSTATE :ROW_COUNT
\set ROW_COUNT 42
\echo :ROW_COUNT
select 2;
\echo :ROW_COUNT
\set USER someone
\echo :USER
do $$ begin raise exception 'custom' using errcode = 'P0099'; end $$;
\echo :LAST_ERROR_SQLSTATE [:LAST_ERROR_MESSAGE]
\unset USER
\echo :USER
\unset ROW_COUNT
\echo :ROW_COUNT
select 1;
\echo :ROW_COUNT

set statement_timeout = '50ms';
select pg_sleep(2);
reset statement_timeout;
create table parent (id int primary key);
create table child (pid int references parent);
create view pv as select * from parent;
drop table parent cascade;
select E'ab\n\tc\r\nd' as mixed, E'x\r\ny' as crlf;
select 'a' as "日本語ヘッダー", 1 as n;
select E'multi\nline' as "two
lines", 7 as num;
select 'spans
two lines' as "quoted
ident";
select E'line one\
still', 'done';
select 1 -- comment with ; semicolon
 as one;
select 2 /* block ; semicolon
spanning lines */ as two;
select length(repeat('x', 100000)) as big;
select string_agg(g::text, ',') from generate_series(1, 200) g;
select g, repeat('*', g) from generate_series(1, 15) g;

create table w (id int, name text, note text, n numeric);
insert into w values (1, 'short', null, 1.5), (22, 'a much longer name than the rest', E'two\nlines', -3), (333, '日本語テキスト', 'tab	here', null);
\x
select * from w order by id;
\pset border 0
select * from w order by id;
\pset border 2
select * from w order by id;
\t
select * from w order by id;
\pset border 1
select * from w order by id;
\pset border 0
select * from w order by id;
\t
\x off
\pset null '∅'
select * from w order by id;
\pset border 0
select * from w order by id;
\pset border 2
select * from w order by id;
\t on
select * from w order by id;
\t off
\pset footer off
select * from w order by id;
\pset footer on
\pset border 1
\a
select * from w order by id;
select * from w where false;
\t
select * from w order by id;
\t
\x
select * from w order by id;
select * from w where false;
\x
\pset format csv
select * from w order by id;
select 'a,b' as "x,y", '"q"' as q, '\.' as dot, '' as empty;
\x on
select * from w order by id;
\pset format aligned
\x auto
select * from w order by id;
\x off
select 1 as "multi
line header", 2 as b;
\x on
select 1 as "multi
line header", 2 as b;
\pset border 2
select 1 as "multi
line header", 2 as b;
insert into w values (4, 'x', 'y', 0) returning id, name;
\pset format unaligned
insert into w values (5, 'x', 'y', 0) returning id, name;
\pset unknown_thing 1
\pset format aligned extra
\pset border 0
select;
\pset border 1
select;
\t
select;
\t
\pset border 2
select;
\x
select;
select from generate_series(1,2);
\x
\a
select;
\pset format csv
select;

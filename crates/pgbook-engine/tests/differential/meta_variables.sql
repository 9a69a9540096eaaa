\set a 5
\set b 'it''s' x
\set bs 'back\\slash'
\set id 'My "Table"'
\echo :a :'b' :"b" :undefined :'undefined' -n
\echo -n hi
\echo there
\echo 'a\tb' "q q"  spaced   out
\echo
select :a as n, :'b' as s, :'bs' as bs, 1::int as c, ':a' as q, $$:a$$ as d /* :a */ -- :a
;
create table :"id" (x int);
select count(*) from :"id";
select :undefined;
select :'a' || :'undefined';
select 1 as x, 'v' as y \gset
\echo :x :y
select 1 as x, 'v' as y \gset p_
\echo :p_x :p_y
select 1 where false \gset
select 1 union all select 2 \gset
create table t(a int) \gset
select null::int as x \gset
\echo :x
select 1 as "a b" \gset
select 1 as "ok", 2 as "not ok" \gset
\echo :ok
\unset a
\echo :a
\set 1bad x
\echo :1bad
\set x 'select 7 as seven'
:x;
select 1 as a \gx
select 2 as b \g
\g
\x \\ select 5 as e;
\x
select
  :a,
  :'b'
  \g
select 1 +
\echo in the middle
2 as three;

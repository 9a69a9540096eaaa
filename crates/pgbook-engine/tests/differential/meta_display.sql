\x
select 1 as a, 'hello world long value' as name, null as n, E'multi\nline' as m, '日本語' as cjk;
select 1 as a where false;
\pset border 0
select 1 as a, 'hello world long value' as name, null as n, E'multi\nline' as m;
\pset border 2
select 1 as a, 'hello world long value' as name, null as n, E'multi\nline' as m;
select 1 as a, 2 as b union all select 3, 4;
\pset null '(null)'
\t
select 1 as a, 'x' as name, null as n;
\t
\pset footer off
select 1 as a, 'x' as name, null as n;
\x off
select 1 as a, 'x' as name, null as n;
\pset border 2
select 1 as a, E'multi\nline' as m, null as n;
\pset border 0
select 1 as a, E'multi\nline' as m, null as n;
\pset footer on
\a
select 1 as a, E'multi\nline' as m, null as n;
\x
select 1 as a, E'multi\nline' as m, null as n union all select 2, 'y', 'z';
\pset format csv
select 1 as a, E'multi\nline' as m, null as n, 'a,b"c' as q union all select 2, 'y', 'z', ' s';
\x
select 1 as a, E'multi\nline' as m, null as n, 'a,b"c' as q union all select 2, 'y', 'z', ' s';
\t
select 1 as a, E'multi\nline' as m;
\pset format aligned
\pset tuples_only

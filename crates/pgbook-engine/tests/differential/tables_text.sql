select 'ab' || chr(10) || 'c' as v, null as n;
select 'x' as a, null::int as n union all select 'y
z', 5;
select 1 as "multi
line
header", 'short' as b;
select E'a\tb\tc' as tabs, E'12345678\tx' as tab8, E'\tlead' as lead;
select E'\x01\x1f' as ctl, E'cr\rhere' as cr, U&'\0080\009f' as c1;
select '日本語' as 列, 'ｶﾅ' as halfwidth, '한국어' as korean, 'e' || U&'\0301' as combining;
select 'trailing newline
' as t, '' as empty, ' padded ' as spaces;
select repeat('long', 30) as l;
select null as "NULL", 'x' as "", 1 as "?column?";
select 'a' as first, 'b
c
d' as last;
select 'tabs	in	header' as "h	t";
select 'emoji 🎉' as e, '→ arrow' as a;
select array[1, 2] as arr, '{"a": [1, 2]}'::jsonb as j, true as b, 'a'::char(3) as c;

select 1::int2 as i2, 2::int4 as i4, 3::int8 as i8, 1.5::float4 as f4, 2.25::float8 as f8;
select 12345.678::numeric as num, 10::money as m, 3::oid as o, '7'::xid as x, '8'::xid8 as x8, '9'::cid as c;
select -1 as neg, 1000000 as big, 'text' as t, 1.0e10::float8 as sci, 'NaN'::numeric as nan;
select 1 as n union all select null union all select 123456789;
select 'x' as t, 42 as last_number;
select 1 as "wide header for a number", 2 as n;
select '1'::text as text_number, 1::bigint as bigint_number;
select 1.5::real as r, 'Infinity'::float8 as inf;
select 1 as a, 'multi
line' as b, 22 as c;
select E'1\n22'::text as t, 5 as n;

\a\t
select 1 as x \echo hi\echo there
;
\a\t
\echo a \x off
select 1 +
\echo in the middle
  \echo indented
2 as three;
\x on \\ select 5 as e;
\x off
select 6 as f \g
select (7 \g
select 8 as h;
\echo a\\select 9 as i;
select 10 as j
\echo end of input

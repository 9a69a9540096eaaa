-- Results larger than the rows an outcome keeps (pgbook_book::KEPT_ROWS): printed while
-- every row is at hand, in every format, with notices and several results around them.
select g, md5(g::text) as hash, case when g % 1000 = 0 then E'two\nlines' end as note
from generate_series(1, 12000) g;
do $$ begin raise notice 'between'; end $$;
select g as n from generate_series(1, 10001) g \; select 'after' as word;
\x
select g, repeat('x', g % 7) as r from generate_series(1, 10500) g;
\x
\pset format unaligned
select g from generate_series(1, 10002) g;
\pset format aligned
create table big_returning (id int);
insert into big_returning select generate_series(1, 10003) returning id;

select 1 as a \; select 2 as b;
select 1 as a \; do $$ begin raise notice 'from the second'; end $$;
create table mr (x int) \; insert into mr values (1) \; select * from mr;
select 1 as a \; select 1/0 \; select 3 as never;

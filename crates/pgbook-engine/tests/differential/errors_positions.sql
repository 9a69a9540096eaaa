select nosuch;
select 1,
  2,
  nosuch;
select 1 +* 2;
select 'abc'::int;
select 1 from
;
select 1 +;
select	1,	'tab'	+	nosuch;
select '日本語' as 列, 名前 from (select 1) s;
create table t (id int primary key, v text not null check (v <> ''));
insert into t values (1, 'a'), (1, 'b');
insert into t values (2, null);
insert into t values (3, '');
select * from t where id = 'x';
select 1/0;
select * from t join nosuchtable using (id);
select count(*) from pg_class where relname = 1;

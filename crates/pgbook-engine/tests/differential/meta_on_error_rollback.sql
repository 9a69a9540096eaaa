create table r (id int primary key);
\set ON_ERROR_ROLLBACK on
begin;
insert into r values (1);
insert into r values (1);
insert into r values (2);
savepoint mine;
insert into r values (3);
rollback to mine;
release mine;
select 1/0;
select * from r order by id;
commit;
select * from r order by id;
\set ON_ERROR_ROLLBACK interactive
begin;
insert into r values (4);
insert into r values (4);
insert into r values (5);
commit;
\set ON_ERROR_ROLLBACK off
\set ON_ERROR_ROLLBACK maybe
select * from r order by id;

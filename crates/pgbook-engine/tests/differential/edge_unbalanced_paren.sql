select 1 as fine;
select (1;
select 2;

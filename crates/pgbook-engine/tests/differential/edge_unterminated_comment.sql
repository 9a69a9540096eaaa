select 1 as fine;
select 2 /* never closed;

select 3;

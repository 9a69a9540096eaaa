select 1 as fine;
select 'never closed;
select 2;

still inside

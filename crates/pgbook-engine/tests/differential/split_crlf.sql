select current_query();
select
  current_query(),

  1 / 0 as boom;
select 1 +

 nosuch;

select 1 as before;
select pg_terminate_backend(pg_backend_pid());
select 2 as never_sent;

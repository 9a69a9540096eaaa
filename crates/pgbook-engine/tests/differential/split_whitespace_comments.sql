-- Leading comment lines are not sent.
   -- nor indented ones
select current_query();
select current_query();   select current_query(); -- trailing comment

select
  -- a comment inside the statement is sent


  current_query()   ;
/* a block comment at the start is sent */ select current_query();
select 1 as a; /* a comment alone after a statement is an empty query */
select current_query()   -- comment before the semicolon
;
	select	current_query();
select current_query()

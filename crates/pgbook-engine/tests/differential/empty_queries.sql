;
/* only a comment */;
select 1 as one;
;;
-- just a comment at the end

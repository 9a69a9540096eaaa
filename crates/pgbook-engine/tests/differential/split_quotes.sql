select 'a;b' as plain, 'it''s; fine' as doubled;
select E'back\\slash\'; still' as escaped, e'\n;' as newline;
select U&'d\0061t\+000061;' as unicode;
select "x;y".* from (select 1) as "x;y";
select 1 as "quoted "" ident;";
select $$dollar; quoted$$ as d, $tag$ with $$ inside; $tag$ as t;
select $a$ $b$ ; $b$ $a$ as nested_tags;
prepare p(int) as select $1 + 1 as param; execute p(41);
select b'101' as bits, x'1F' as hex, n'nat;' as national;
select /* outer /* inner ; */ still comment ; */ 'after comment' as c;
select (1; 2);
select ((1)); select 2;
select $$multi

line; with a blank line$$ as m;
select current_query() as "after quotes";

create table c (id int, name text, note text);
copy c from stdin;
1	one	\N
2	two words	x\ty
\.
copy c (id, name) from stdin with (format csv, header true);
id,name
3,"three, quoted"
4,"multi
line"
\.
COPY c FROM STDIN;
5	five	z
\.
select * from c order by id;
copy c to stdout;
copy (select id, name from c where id < 4 order by id) to stdout with (format csv, header);
copy c to stdout with (format csv);
\x
copy (select 1 as a) to stdout;
\x
copy c from stdin;
not a number	x	y
\.
copy c (id) from stdin;
6
copy (select 1 where false) to stdout;
copy (select 1 where false) to stdout with (format csv, header);

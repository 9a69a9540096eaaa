create table t (id int primary key, name text not null, note text);
create sequence s;
\x
\dt
\d t
\d s
\x off
\pset border 2
\dt
\d t
\pset border 0
\dn
\pset border 1
\a
\dt
\d t
\x on
\dt
\pset format csv
\dt
\x off
\d t
\pset format aligned
\t
\dt
\d t
\t off
\pset footer off
\dt
\d t
\pset footer on
\pset null ∅
\d t
\x auto
\dt

-- The same 100,000 keys inserted in generation order, three ways. The "random" bits of
-- the UUIDs come from md5() of the row number so that every run builds identical indexes.
CREATE TABLE ids_bigint (id bigint PRIMARY KEY);
CREATE TABLE ids_v4 (id uuid PRIMARY KEY);
CREATE TABLE ids_v7 (id uuid PRIMARY KEY);

INSERT INTO ids_bigint SELECT i FROM generate_series(1, 100000) AS i;

-- v4: 122 random bits, version nibble 4, variant 8.
INSERT INTO ids_v4
SELECT overlay(overlay(md5(i::text) PLACING '4' FROM 13) PLACING '8' FROM 17)::uuid
FROM generate_series(1, 100000) AS i;

-- v7: 48-bit millisecond timestamp (one millisecond apart), version 7, variant 8, random tail.
INSERT INTO ids_v7
SELECT (lpad(to_hex(1700000000000 + i), 12, '0') || '7' || substr(md5(i::text), 1, 3)
        || '8' || substr(md5(i::text), 4, 15))::uuid
FROM generate_series(1, 100000) AS i;

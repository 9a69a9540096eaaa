-- 100,000 metric samples, one per second from 2024-01-01 00:00 UTC, inserted in time
-- order: the physical order of the table is the order of ts. Values derive from the id.
CREATE TABLE metrics (
    id    bigint NOT NULL,
    ts    timestamptz NOT NULL,
    host  text NOT NULL,
    value double precision NOT NULL
);
INSERT INTO metrics
SELECT i,
       timestamptz '2024-01-01 00:00:00+00' + i * interval '1 second',
       'host-' || (i % 20),
       (i % 1000) / 10.0
FROM generate_series(1, 100000) AS i;
VACUUM ANALYZE metrics;

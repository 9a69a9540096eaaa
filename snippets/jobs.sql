-- A job queue of 200,000 jobs, one second apart; every 100th job is still pending.
CREATE TABLE jobs (
    id         bigint PRIMARY KEY,
    status     text NOT NULL,
    created_at timestamptz NOT NULL,
    payload    text
);
INSERT INTO jobs
SELECT i,
       CASE WHEN i % 100 = 0 THEN 'pending' ELSE 'completed' END,
       '2024-01-01 00:00:00+00'::timestamptz + i * interval '1 second',
       md5(i::text)
FROM generate_series(1, 200000) AS i;
ANALYZE jobs;

-- 50,000 events with a 32-character hash as payload: about 3MB of data, enough to
-- overflow a small work_mem and to fit comfortably in a moderate one.
CREATE TABLE events (
    id      int PRIMARY KEY,
    kind    text NOT NULL,
    payload text NOT NULL
);
INSERT INTO events
SELECT i, (ARRAY['click', 'view', 'purchase'])[1 + i % 3], md5(i::text)
FROM generate_series(1, 50000) AS i;
ANALYZE events;

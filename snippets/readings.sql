-- IoT sensor readings: 100 sensors, one reading each every 15 minutes for 10 days of
-- January 2024 (96,000 rows), in a table partitioned by day. Every value derives from
-- the sensor id and the time, so every build stores the same bytes.
CREATE TABLE readings (
    sensor_id int NOT NULL,
    ts        timestamptz NOT NULL,
    value     numeric(6, 2) NOT NULL
) PARTITION BY RANGE (ts);
DO $$
BEGIN
    FOR d IN 0..9 LOOP
        EXECUTE format(
            'CREATE TABLE %I PARTITION OF readings FOR VALUES FROM (%L) TO (%L)',
            'readings_' || to_char(date '2024-01-01' + d, 'YYYY_MM_DD'),
            date '2024-01-01' + d, date '2024-01-01' + d + 1);
    END LOOP;
END
$$;
INSERT INTO readings
SELECT s, t, round((20 + 5 * sin(s + extract(epoch FROM t) / 3600))::numeric, 2)
FROM generate_series(1, 100) AS s,
     generate_series(timestamptz '2024-01-01 00:00+00', '2024-01-10 23:45+00', interval '15 minutes') AS t;
CREATE INDEX ON readings (sensor_id, ts);
VACUUM ANALYZE readings;

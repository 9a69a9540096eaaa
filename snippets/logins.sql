-- Eight weeks of logins (weeks start on Monday 2024-01-01) for 300 users. A user signs
-- up in week u % 4 and logs in on two days of every week they are active. After
-- sign-up, a user is active in a week with a probability that fades by 10 points a
-- week; the "dice" are md5 hashes of (user, week), so every run gets the same data.
CREATE TABLE logins (
    user_id    int NOT NULL,
    login_date date NOT NULL
);
INSERT INTO logins
SELECT u, '2024-01-01'::date + w * 7 + day_of_week
FROM generate_series(1, 300) AS u,
     generate_series(0, 7) AS w,
     LATERAL (VALUES (u % 7), ((u * 3 + 1) % 7)) AS days(day_of_week)
WHERE w >= u % 4
  AND (w = u % 4
       OR ('x' || left(md5(u || ':' || w), 4))::bit(16)::int % 100 < 80 - 10 * (w - u % 4));
CREATE INDEX logins_user_id ON logins (user_id);
ANALYZE logins;

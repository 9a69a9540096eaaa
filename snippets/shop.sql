-- A small shop: 2,000 customers, 200,000 orders (100 per customer, spread over
-- 2024), and a users table for the OR-versus-UNION example. All values derive from ids.
CREATE TABLE customers (
    id      int PRIMARY KEY,
    name    text NOT NULL,
    country text NOT NULL
);
INSERT INTO customers
SELECT i, 'customer ' || i, (ARRAY['DE', 'FR', 'US', 'JP', 'BR'])[1 + i % 5]
FROM generate_series(1, 2000) AS i;

CREATE TABLE orders (
    id          int PRIMARY KEY,
    customer_id int NOT NULL,
    ordered_at  timestamptz NOT NULL,
    total       numeric(10, 2) NOT NULL
);
INSERT INTO orders
SELECT i,
       1 + (i * 7919) % 2000,
       '2024-01-01 00:00:00+00'::timestamptz + (i * 157) % 31536000 * interval '1 second',
       (i % 1000) + 0.99
FROM generate_series(1, 200000) AS i;
-- Adding the foreign key after loading checks all rows in one join instead of one
-- lookup per inserted row.
ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers;
CREATE INDEX orders_customer_id ON orders (customer_id);

CREATE TABLE users (
    id       int PRIMARY KEY,
    email    text NOT NULL UNIQUE,
    username text NOT NULL UNIQUE
);
INSERT INTO users
SELECT i, 'user' || i || '@example.com', 'user' || i
FROM generate_series(1, 100000) AS i;

VACUUM ANALYZE customers, orders, users;

-- A product catalog of 30,000 products, stored twice: once as EAV rows, once with a
-- JSONB details column. Electronics (every 3rd product) have voltage and screen size,
-- clothing has size and fabric; everything has a colour. All values derive from the id.
CREATE TABLE products (
    id       int PRIMARY KEY,
    name     text NOT NULL,
    category text NOT NULL,
    details  jsonb NOT NULL
);
INSERT INTO products
SELECT i,
       'product ' || i,
       CASE WHEN i % 3 = 0 THEN 'electronics' ELSE 'clothing' END,
       CASE WHEN i % 3 = 0 THEN
           jsonb_build_object(
               'color', (ARRAY['black', 'white', 'silver', 'red', 'blue'])[1 + i % 5],
               'voltage', (ARRAY[110, 230])[1 + i % 2],
               'screen_size', 5 + i % 60)
       ELSE
           jsonb_build_object(
               'color', (ARRAY['black', 'white', 'red', 'blue', 'green', 'navy', 'grey'])[1 + i % 7],
               'size', (ARRAY['XS', 'S', 'M', 'L', 'XL', 'XXL'])[1 + i % 6],
               'fabric', (ARRAY['cotton', 'wool', 'linen', 'polyester'])[1 + i % 4])
       END
FROM generate_series(1, 30000) AS i;

CREATE TABLE product_attributes (
    product_id int NOT NULL,
    meta_key   text NOT NULL,
    meta_value text NOT NULL,
    PRIMARY KEY (product_id, meta_key)
);
INSERT INTO product_attributes
SELECT p.id, kv.key, kv.value
FROM products AS p, jsonb_each_text(p.details) AS kv;
ALTER TABLE product_attributes ADD FOREIGN KEY (product_id) REFERENCES products;
CREATE INDEX product_attributes_key_value ON product_attributes (meta_key, meta_value);
ANALYZE products, product_attributes;

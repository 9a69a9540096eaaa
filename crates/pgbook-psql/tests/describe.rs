//! The describe family against psql itself: a schema with every kind of object a handbook
//! shows (tables with btree, unique, partial and expression indexes, checks, foreign keys
//! both ways, a partitioned table with a default partition, views, a materialized view,
//! owned and free sequences, a publication, an extension, comments), then every command
//! form through `describe::run` and through `psql -X`, compared byte for byte; and a set of
//! commands under each `\pset` setting (expanded, unaligned, csv, borders, tuples only,
//! footer, null) and their combinations.
//!
//! One server for the whole binary, so the checks run in sequence inside one test.

// The support module also serves the client tests, which use parts this test does not.
#[allow(dead_code)]
mod support;

use std::io::Write;
use std::process::{Command, Stdio};

use pgbook_book::Event;
use pgbook_psql::describe::{self, DescribeCommand};
use pgbook_psql::{ConnectOptions, Connection, Target};
use support::TestServer;

const SCHEMA: &str = r#"
CREATE EXTENSION pg_trgm;
CREATE SCHEMA app;
COMMENT ON SCHEMA app IS 'the application';
CREATE TABLE customers (
    id serial PRIMARY KEY,
    email text NOT NULL UNIQUE,
    name varchar(40) COLLATE "C",
    created date DEFAULT current_date,
    CHECK (length(email) > 3)
);
COMMENT ON TABLE customers IS 'People who buy';
COMMENT ON COLUMN customers.email IS 'login';
CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id int REFERENCES customers (id) ON DELETE CASCADE,
    total numeric(10,2) CHECK (total >= 0),
    doubled numeric GENERATED ALWAYS AS (total * 2) STORED,
    parent_id bigint REFERENCES orders (id)
);
CREATE INDEX orders_total_idx ON orders (total) WHERE total > 100;
CREATE INDEX orders_lower_idx ON orders (lower(customer_id::text));
CREATE UNIQUE INDEX orders_parent_key ON orders (parent_id, customer_id);
CREATE INDEX customers_name_trgm ON customers USING gin (name gin_trgm_ops);
CREATE TABLE measurements (city text, logdate date NOT NULL, peak int)
    PARTITION BY RANGE (logdate);
CREATE TABLE measurements_2024 PARTITION OF measurements
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE measurements_default PARTITION OF measurements DEFAULT;
CREATE TABLE empty_parent (a int) PARTITION BY LIST (a);
CREATE TABLE "Mixed Case" ("Key" int);
CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100;
COMMENT ON VIEW big_orders IS 'orders over 100';
CREATE MATERIALIZED VIEW order_totals AS
    SELECT customer_id, sum(total) AS s FROM orders GROUP BY customer_id;
CREATE SEQUENCE free_seq START 10 INCREMENT 5 CACHE 3 CYCLE;
CREATE UNLOGGED TABLE scratch (v text) WITH (fillfactor = 70);
CREATE TABLE app.things (x int, thing_id int REFERENCES customers (id));
CREATE FUNCTION app.add_one(i int) RETURNS int LANGUAGE sql IMMUTABLE RETURN i + 1;
CREATE PUBLICATION pub_all FOR TABLE customers, orders (id, total) WHERE (total > 0);
CREATE PUBLICATION pub_schema FOR TABLES IN SCHEMA app;
CREATE ROLE reader NOLOGIN CONNECTION LIMIT 3;
CREATE ROLE writer NOINHERIT LOGIN CONNECTION LIMIT 1 IN ROLE reader;
COMMENT ON ROLE writer IS 'writes';
GRANT SELECT ON customers TO reader;
GRANT UPDATE (name) ON customers TO writer;
CREATE TABLE accounts (id int PRIMARY KEY, owner text, balance int,
    CONSTRAINT no_overlap EXCLUDE USING btree (owner WITH =) DEFERRABLE INITIALLY DEFERRED);
ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON accounts USING (owner = current_user);
CREATE POLICY admins ON accounts AS RESTRICTIVE FOR UPDATE TO reader, writer
    USING (true) WITH CHECK (balance >= 0);
CREATE TABLE audited (a int, b int, c int);
ALTER TABLE audited REPLICA IDENTITY FULL;
ALTER TABLE audited FORCE ROW LEVEL SECURITY;
CREATE STATISTICS audited_ab (dependencies) ON a, b FROM audited;
CREATE STATISTICS audited_all ON a, c FROM audited;
ALTER STATISTICS audited_all SET STATISTICS 50;
CREATE FUNCTION note() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER audited_note BEFORE INSERT ON audited FOR EACH ROW EXECUTE FUNCTION note();
CREATE TRIGGER audited_off AFTER UPDATE ON audited FOR EACH ROW EXECUTE FUNCTION note();
ALTER TABLE audited DISABLE TRIGGER audited_off;
CREATE RULE audited_nothing AS ON DELETE TO audited DO INSTEAD NOTHING;
CREATE TRIGGER measurements_note BEFORE INSERT ON measurements
    FOR EACH ROW EXECUTE FUNCTION note();
CREATE TABLE parent_a (p int);
CREATE TABLE parent_b (q int);
CREATE TABLE child_ab (r int) INHERITS (parent_a, parent_b);
CREATE TABLE child_a2 () INHERITS (parent_a);
CREATE VIEW writable AS SELECT a, b FROM audited;
CREATE RULE writable_insert AS ON INSERT TO writable DO INSTEAD
    INSERT INTO audited (a, b) VALUES (NEW.a, NEW.b);
CREATE INDEX measurements_city ON measurements (city);
CREATE TRIGGER writable_update INSTEAD OF UPDATE ON writable
    FOR EACH ROW EXECUTE FUNCTION note();
CREATE TRIGGER audited_always AFTER DELETE ON audited FOR EACH ROW EXECUTE FUNCTION note();
ALTER TABLE audited ENABLE ALWAYS TRIGGER audited_always;
CREATE TRIGGER audited_replica AFTER DELETE ON audited FOR EACH ROW EXECUTE FUNCTION note();
ALTER TABLE audited ENABLE REPLICA TRIGGER audited_replica;
CREATE RULE audited_update AS ON UPDATE TO audited DO ALSO NOTIFY audited;
ALTER TABLE audited DISABLE RULE audited_update;
CLUSTER customers USING customers_pkey;
CREATE VIEW checked AS SELECT * FROM customers WHERE id > 0 WITH LOCAL CHECK OPTION;
CREATE INDEX customers_created ON customers (created) WITH (fillfactor = 80);
CREATE TYPE pair AS (x int, y text);
COMMENT ON COLUMN pair.x IS 'first';
CREATE UNLOGGED SEQUENCE scratch_seq AS smallint;
CREATE TABLE tuned (
    k int GENERATED BY DEFAULT AS IDENTITY,
    body text COMPRESSION pglz,
    tag text NOT NULL,
    CONSTRAINT tuned_pk PRIMARY KEY (k) DEFERRABLE,
    CONSTRAINT tuned_tag UNIQUE NULLS NOT DISTINCT (tag)
);
ALTER TABLE tuned ALTER COLUMN body SET STATISTICS 500;
ALTER TABLE tuned ALTER COLUMN body SET STORAGE external;
ALTER TABLE tuned REPLICA IDENTITY USING INDEX tuned_tag;
CREATE TABLE sales (region text, amount int, customer_id int REFERENCES customers (id))
    PARTITION BY LIST (region);
CREATE TABLE sales_eu PARTITION OF sales FOR VALUES IN ('eu') PARTITION BY RANGE (amount);
CREATE TABLE sales_eu_small PARTITION OF sales_eu FOR VALUES FROM (0) TO (100);
CREATE TABLE "Odd ""Name""" (id int PRIMARY KEY);
CREATE TABLE refers_odd (odd_id int REFERENCES "Odd ""Name""");
CREATE UNIQUE INDEX order_totals_key ON order_totals (customer_id);
CREATE TABLE "表" ("列" int, "説明" text);
CREATE TABLE nocols ();
CREATE ROLE expiring LOGIN VALID UNTIL '2031-05-06 07:08:09+00' CONNECTION LIMIT 0;
CREATE PUBLICATION pub_every FOR ALL TABLES;
CREATE PROCEDURE app.tidy() LANGUAGE sql AS $$ SELECT 1 $$;
CREATE AGGREGATE app.total(int) (sfunc = int4pl, stype = int);
CREATE EXTENSION file_fdw;
CREATE SERVER files FOREIGN DATA WRAPPER file_fdw;
CREATE FOREIGN TABLE readings (at int OPTIONS (force_not_null 'true'), note text)
    SERVER files OPTIONS (filename '/dev/null', format 'csv');
COMMENT ON FOREIGN TABLE readings IS 'from a file';
CREATE SUBSCRIPTION elsewhere CONNECTION 'dbname=nowhere' PUBLICATION pub_all, pub_schema
    WITH (connect = false, enabled = false, slot_name = NONE);
CREATE TABLE quiet_fk (c int REFERENCES customers (id));
ALTER TABLE quiet_fk DISABLE TRIGGER ALL;
CREATE FOREIGN TABLE bare (x int) SERVER files OPTIONS (filename '/dev/null');
"#;

/// Every command form, as typed after the backslash with its argument.
const COMMANDS: &[(&str, &str)] = &[
    ("d", ""),
    ("d+", ""),
    ("d", "customers"),
    ("d+", "customers"),
    ("d", "orders"),
    ("d+", "orders"),
    ("d", "measurements"),
    ("d+", "measurements"),
    ("d", "measurements_2024"),
    ("d+", "measurements_2024"),
    ("d", "measurements_default"),
    ("d", "empty_parent"),
    ("d+", "empty_parent"),
    ("d", "\"Mixed Case\""),
    ("d", "customers_pkey"),
    ("d+", "customers_pkey"),
    ("d", "orders_total_idx"),
    ("d", "orders_lower_idx"),
    ("d", "orders_parent_key"),
    ("d+", "customers_name_trgm"),
    ("d", "big_orders"),
    ("d+", "big_orders"),
    ("d", "order_totals"),
    ("d+", "order_totals"),
    ("d", "free_seq"),
    ("d+", "free_seq"),
    ("d", "customers_id_seq"),
    ("d", "orders_id_seq"),
    ("d+", "scratch"),
    ("d", "app.things"),
    ("d", "app.*"),
    ("d", "measurements*"),
    ("d", "CUSTOMERS"),
    ("d", "nosuch"),
    ("d", "nosuch*"),
    ("d", "accounts"),
    ("d+", "accounts"),
    ("d", "audited"),
    ("d+", "audited"),
    ("d", "measurements"),
    ("d+", "measurements_city"),
    ("d", "measurements_2024_city_idx"),
    ("d", "parent_a"),
    ("d+", "parent_a"),
    ("d", "child_ab"),
    ("d+", "writable"),
    ("d", "writable"),
    ("d", "a.b.c"),
    ("d", "postgres.public.customers"),
    ("d", "a.b.c.d"),
    ("dn", "postgres.public"),
    ("du", "a.b"),
    ("d+", "measurements_2024_city_idx"),
    ("dt", "("),
    ("d+", "checked"),
    ("d+", "customers_created"),
    ("d", "pair"),
    ("d+", "pair"),
    ("d", "scratch_seq"),
    ("d", "tuned"),
    ("d+", "tuned"),
    ("d", "tuned_pk"),
    ("d", "tuned_tag"),
    ("d", "sales"),
    ("d+", "sales"),
    ("d+", "sales_eu"),
    ("d", "sales_eu_small"),
    ("d", "\"Odd \"\"Name\"\"\""),
    ("d", "refers_odd"),
    ("d", "order_totals"),
    ("d", "pg_class"),
    ("d+", "pg_class"),
    ("d", "pg_toast.pg_toast_1262"),
    ("dS", ""),
    ("dnS", ""),
    ("dx+", "pg_trgm"),
    ("d", "表"),
    ("d+", "\"表\""),
    ("d", "nocols"),
    ("du", "exp*"),
    ("dg", ""),
    ("dRp+", "pub_every"),
    ("dfa", ""),
    ("dfn", "app.*"),
    ("dfp+", ""),
    ("dft", ""),
    ("dfw", ""),
    ("dfap", "app.*"),
    ("dfanptw", "app.*"),
    ("dfaS", "count"),
    ("dt", "c(ustomers|x)"),
    ("dt", "\"MIXED CASE\""),
    ("dt", "app.*"),
    ("di", "*_pkey"),
    ("d", "\"public\".\"customers\""),
    ("dt", "PUBLIC.Customers"),
    ("dn", "pg_*"),
    ("dv", "pg_stat_a*"),
    ("dt", "sales_e?"),
    ("ds", "*seq"),
    ("dt", "\"\""),
    ("dt", "''"),
    ("d", "\"a\"b"),
    ("dt", "*.*.*"),
    ("d", "readings"),
    ("d+", "readings"),
    ("d", "bare"),
    ("dE", ""),
    ("dE+", ""),
    ("dt", ""),
    ("dt+", ""),
    ("dt", "m*"),
    ("dt", "*.things"),
    ("dt", "nosuch"),
    ("dtS", "pg_class"),
    ("di", ""),
    ("di+", ""),
    ("di", "orders_*"),
    ("dv", ""),
    ("dv+", ""),
    ("dm", ""),
    ("dm+", ""),
    ("ds", ""),
    ("ds+", ""),
    ("dtv", ""),
    ("dn", ""),
    ("dn+", ""),
    ("dn", "app"),
    ("dn", "nosuch"),
    ("du", ""),
    ("du+", ""),
    ("du", "reader"),
    ("dx", ""),
    ("dx+", ""),
    ("dx", "pg_trgm"),
    ("dx+", "nosuch"),
    ("df", ""),
    ("df+", ""),
    ("df", "app.*"),
    ("df", "similarity"),
    ("df", "app.add_one int4"),
    ("df", "app.add_one int"),
    ("df", "app.add_one integer"),
    ("df", "app.add_one -"),
    ("df", "app.add_one text"),
    ("df", "app.add_one int4 -"),
    ("df", "app.* int*"),
    ("dfa", "app.* int"),
    ("df", "app.tidy -"),
    ("df", "similarity text text"),
    ("df", "similarity text -"),
    ("df", "similarity pg_catalog.text"),
    ("df", "similarity \"TEXT\""),
    ("df", "array_length anyarray int"),
    ("df", "array_dims int[]"),
    ("df", "round \"double precision\""),
    ("df", "round float"),
    ("df", "round decimal int"),
    ("dp", ""),
    ("dp", "customers"),
    ("z", "accounts"),
    ("d", "quiet_fk"),
    ("dRp", ""),
    ("dRp+", ""),
    ("dRp+", "pub_schema"),
    ("dRp+", "nosuch"),
    ("dRs", ""),
    ("dRs+", ""),
    ("dRs", "else*"),
    ("dRs", "nosuch"),
];

/// Commands run in a database holding no relations.
const EMPTY_COMMANDS: &[(&str, &str)] = &[("d", ""), ("dt", ""), ("di+", ""), ("dRp+", "")];

#[test]
fn describe_commands_print_what_psql_prints() {
    let server = TestServer::start();
    let mut connection = Connection::connect(&options(&server, "postgres")).unwrap();
    for event in connection.execute(SCHEMA).unwrap() {
        assert!(!matches!(event, Event::Error(_)), "{event:?}");
    }
    connection.execute("CREATE DATABASE empty").unwrap();
    let mut mismatches = compare(&server, &mut connection, "postgres", COMMANDS);
    mismatches.extend(in_failed_transaction(
        &server,
        &options(&server, "postgres"),
    ));
    mismatches.extend(with_display_settings(&server, &mut connection));
    let mut empty = Connection::connect(&options(&server, "empty")).unwrap();
    mismatches.extend(compare(&server, &mut empty, "empty", EMPTY_COMMANDS));
    assert!(
        mismatches.is_empty(),
        "{} of {} commands differ from psql:\n{}",
        mismatches.len(),
        COMMANDS.len() + EMPTY_COMMANDS.len(),
        mismatches.join("\n")
    );
}

/// The commands whose output differs from psql's, each with both outputs.
fn compare(
    server: &TestServer,
    connection: &mut Connection,
    database: &str,
    commands: &[(&str, &str)],
) -> Vec<String> {
    let mut mismatches = Vec::new();
    for (name, args) in commands {
        let command = DescribeCommand::parse(name, args)
            .unwrap_or_else(|| panic!("\\{name} {args} did not parse"));
        let ours = describe::run(connection, &command);
        let (psql, psql_failed) = psql(server, database, &format!("\\{name} {args}"), true);
        let expects_error = psql.starts_with("Did not find") || psql_failed;
        if ours.text != psql || ours.is_error != expects_error {
            mismatches.push(format!(
                "--- \\{name} {args} (is_error {}, psql {expects_error})\n\
                 pgbook:\n{}psql:\n{}",
                ours.is_error, ours.text, psql
            ));
        }
    }
    mismatches
}

/// psql's `\pset` settings (given as `-P NAME=VALUE`), alone and combined.
const DISPLAY_SETTINGS: &[&[(&str, &str)]] = &[
    &[("expanded", "on")],
    &[("expanded", "on"), ("border", "2")],
    &[("expanded", "on"), ("border", "0")],
    &[("expanded", "on"), ("tuples_only", "on")],
    &[("expanded", "on"), ("footer", "off")],
    &[("format", "unaligned")],
    &[("format", "unaligned"), ("expanded", "on")],
    &[("format", "unaligned"), ("tuples_only", "on")],
    &[
        ("format", "unaligned"),
        ("expanded", "on"),
        ("tuples_only", "on"),
    ],
    &[("format", "csv")],
    &[("format", "csv"), ("expanded", "on")],
    &[("border", "0")],
    &[("border", "2")],
    &[("tuples_only", "on")],
    &[("footer", "off")],
    &[("null", "(null)")],
];

/// The commands run under each of [`DISPLAY_SETTINGS`]: lists, relations with footers, a
/// sequence, an index, empty results, footers of publications and extensions.
const DISPLAY_COMMANDS: &[(&str, &str)] = &[
    ("dt", ""),
    ("d", ""),
    ("d", "customers"),
    ("d+", "orders"),
    ("d", "free_seq"),
    ("d", "orders_id_seq"),
    ("d", "customers_pkey"),
    ("d+", "big_orders"),
    ("d", "nocols"),
    ("dn", "nosuch"),
    ("dn+", ""),
    ("dt", "nosuch"),
    ("dRp+", "pub_all"),
    ("dRp+", "pub_every"),
    ("dRp", ""),
    ("dx+", "pg_trgm"),
    ("dx", ""),
    ("du", "reader"),
    ("df", "app.*"),
    ("dp", "customers"),
    ("dRs", ""),
    ("dRs+", ""),
    ("d+", "measurements"),
    ("di", "orders_*"),
];

/// Every command of [`DISPLAY_COMMANDS`] under every setting of [`DISPLAY_SETTINGS`], with
/// pgbook's `Display` made by the same `\pset` commands.
fn with_display_settings(server: &TestServer, connection: &mut Connection) -> Vec<String> {
    let mut mismatches = Vec::new();
    for settings in DISPLAY_SETTINGS {
        let mut display = pgbook_psql::Display::default();
        let mut arguments = String::new();
        for (name, value) in *settings {
            display.pset(name, Some(value));
            arguments.push_str(&format!(" -P '{name}={value}'"));
        }
        for (name, args) in DISPLAY_COMMANDS {
            let mut command = DescribeCommand::parse(name, args).unwrap();
            command.display = display.clone();
            let ours = describe::run(connection, &command);
            let input = format!("\\{name} {args}");
            let (psql, _) = psql_with(server, "postgres", &arguments, &input, true);
            if ours.text != psql {
                mismatches.push(format!(
                    "--- \\{name} {args} with{arguments}\npgbook:\n{}psql:\n{psql}",
                    ours.text
                ));
            }
        }
    }
    mismatches
}

/// In a failed transaction the catalog queries fail too, and the server's error is printed.
fn in_failed_transaction(server: &TestServer, options: &ConnectOptions) -> Vec<String> {
    let mut connection = Connection::connect(options).unwrap();
    let mut ours = String::new();
    for sql in ["begin;", "select 1/0;"] {
        let events = connection.execute(sql).unwrap();
        pgbook_psql::format_statement(sql, &events, &mut ours);
    }
    let mut all_errors = true;
    for (name, args) in [("d", "customers"), ("dt", ""), ("du", "")] {
        let command = DescribeCommand::parse(name, args).unwrap();
        let output = describe::run(&mut connection, &command);
        all_errors &= output.is_error;
        ours.push_str(&output.text);
    }
    let (psql, _) = psql(
        server,
        &options.dbname,
        "begin;\nselect 1/0;\n\\d customers\n\\dt\n\\du",
        false,
    );
    if ours == psql && all_errors {
        Vec::new()
    } else {
        vec![format!(
            "--- in a failed transaction (all errors: {all_errors})\npgbook:\n{ours}psql:\n{psql}"
        )]
    }
}

fn options(server: &TestServer, dbname: &str) -> ConnectOptions {
    ConnectOptions {
        target: Target::Unix {
            dir: server.socket_dir().to_path_buf(),
            port: server.tcp_port,
        },
        user: "postgres".to_string(),
        password: None,
        dbname: dbname.to_string(),
        application_name: "pgbook-test".to_string(),
        connect_timeout: Some(std::time::Duration::from_secs(10)),
    }
}

/// What `psql -X` prints (stdout and stderr together) for `input` read from a pipe, and
/// whether it reported a failure (with `stop`, `ON_ERROR_STOP` makes a failed meta-command
/// exit 3).
fn psql(server: &TestServer, database: &str, input: &str, stop: bool) -> (String, bool) {
    psql_with(server, database, "", input, stop)
}

/// [`psql`] with extra arguments (`-P expanded=on` …).
fn psql_with(
    server: &TestServer,
    database: &str,
    arguments: &str,
    input: &str,
    stop: bool,
) -> (String, bool) {
    let script = format!(
        "psql -X {arguments} -v ON_ERROR_STOP={} -h '{}' -p {} -U postgres -d {database} 2>&1",
        u8::from(stop),
        server.socket_dir().display(),
        server.tcp_port
    );
    let mut child = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.as_bytes()).unwrap();
    stdin.write_all(b"\n").unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    (text, !output.status.success())
}

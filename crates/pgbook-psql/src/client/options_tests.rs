//! Table-driven tests of connection-string parsing: URLs and `key=value` pairs, libpq's
//! built-in defaults, and errors that say why without showing the password.

use super::*;

fn unix(dir: &str, port: u16) -> Target {
    Target::Unix {
        dir: PathBuf::from(dir),
        port,
    }
}

fn tcp(host: &str, port: u16) -> Target {
    Target::Tcp {
        host: host.to_string(),
        port,
    }
}

#[test]
fn urls() {
    let cases: Vec<(&str, Target, &str, Option<&str>, &str)> = vec![
        (
            "postgres://alice:s3cret@db.example:6543/books",
            tcp("db.example", 6543),
            "alice",
            Some("s3cret"),
            "books",
        ),
        (
            "postgresql://bob@localhost:5432/app?application_name=x",
            tcp("localhost", 5432),
            "bob",
            None,
            "app",
        ),
        (
            "postgres://u%40x:p%3Aw%2F@[::1]:7000/d%20b",
            tcp("::1", 7000),
            "u@x",
            Some("p:w/"),
            "d b",
        ),
        (
            "postgres://postgres@%2Ftmp%2Fpg:5499/postgres",
            unix("/tmp/pg", 5499),
            "postgres",
            None,
            "postgres",
        ),
        (
            "postgres:///db?host=/run/pg&port=5433&user=carol&password=pw",
            unix("/run/pg", 5433),
            "carol",
            Some("pw"),
            "db",
        ),
        (
            "host=/run/pg port=5433 user=dave password='a b' dbname=books",
            unix("/run/pg", 5433),
            "dave",
            Some("a b"),
            "books",
        ),
        (
            "postgres://erin@db.example",
            tcp("db.example", 5432),
            "erin",
            None,
            "erin",
        ),
        (
            "postgres://nobody@localhost:1/nodb?host=/nonexistent",
            unix("/nonexistent", 1),
            "nobody",
            None,
            "nodb",
        ),
        (
            "postgres:///",
            unix("/var/run/postgresql", 5432),
            "postgres",
            None,
            "postgres",
        ),
    ];
    for (url, target, user, password, dbname) in cases {
        let options = ConnectOptions::from_url(url).unwrap();
        assert_eq!(options.target, target, "{url}");
        assert_eq!(options.user, user, "{url}");
        assert_eq!(options.password.as_deref(), password, "{url}");
        assert_eq!(options.dbname, dbname, "{url}");
    }
}

#[test]
fn bad_urls_say_why_and_hide_the_password() {
    let cases = [
        ("mysql://x@y/z", "invalid database URL"),
        ("postgres://u@h:99999/d", "port"),
        ("postgres://u@h/d?foo=1", "foo"),
        (
            "postgres://u@h/d?sslmode=require",
            "sslmode=require is not supported",
        ),
    ];
    for (url, reason) in cases {
        let message = ConnectOptions::from_url(url).unwrap_err().to_string();
        assert!(message.contains(reason), "{url}: {message}");
    }
    for url in [
        "postgres://u:hunter2@h:1/d?foo=1",
        "host=h password=hunter2 foo=1",
        "host=h password = 'hunter2 x' foo=1",
    ] {
        let message = ConnectOptions::from_url(url).unwrap_err().to_string();
        assert!(!message.contains("hunter2"), "{message}");
    }
}

#[test]
fn connect_timeout_is_honoured_and_survives_a_round_trip_through_postgres_config() {
    let options =
        ConnectOptions::from_url("postgres://a:b@h:1/x?connect_timeout=7&application_name=t")
            .unwrap();
    assert_eq!(options.connect_timeout, Some(Duration::from_secs(7)));
    assert_eq!(options.application_name, "t");
    assert_eq!(
        ConnectOptions::from_config(&options.to_config()).unwrap(),
        options
    );
    let unix = ConnectOptions::from_url("host=/tmp/sock port=5499 user=u dbname=d").unwrap();
    assert_eq!(
        ConnectOptions::from_config(&unix.to_config()).unwrap(),
        unix
    );
}

#[test]
fn with_dbname_keeps_the_rest() {
    let options = ConnectOptions::from_url("postgres://a:b@h:1/x").unwrap();
    let other = options.with_dbname("y");
    assert_eq!(other.dbname, "y");
    assert_eq!(other.target, options.target);
    assert_eq!(other.password, options.password);
}

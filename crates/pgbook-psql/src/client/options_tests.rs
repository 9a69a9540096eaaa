//! Table-driven tests of URL parsing. Every case names user, host, port and database so
//! that the environment's PG* variables do not change the outcome.

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
        ("mysql://x@y/z", "must start with postgres://"),
        ("postgres://u@h:99999/d", "invalid port `99999`"),
        (
            "postgres://u@h/d?foo=1",
            "unknown connection parameter `foo`",
        ),
        (
            "postgres://u@h/d?sslmode=require",
            "sslmode=require is not supported",
        ),
        ("postgres://u@h/%zz", "invalid percent-encoding"),
        ("postgres://u@a,b/d", "several hosts"),
    ];
    for (url, reason) in cases {
        let message = ConnectOptions::from_url(url).unwrap_err().to_string();
        assert!(message.contains(reason), "{url}: {message}");
    }
    let message = ConnectOptions::from_url("postgres://u:hunter2@h:1/d?foo=1")
        .unwrap_err()
        .to_string();
    assert!(!message.contains("hunter2"), "{message}");
}

#[test]
fn with_dbname_keeps_the_rest() {
    let options = ConnectOptions::from_url("postgres://a:b@h:1/x").unwrap();
    let other = options.with_dbname("y");
    assert_eq!(other.dbname, "y");
    assert_eq!(other.target, options.target);
    assert_eq!(other.password, options.password);
}

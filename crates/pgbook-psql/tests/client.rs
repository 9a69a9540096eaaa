//! The wire client against a real server: every authentication method, URLs over Unix
//! sockets and TCP, transaction status, non-blocking send/poll with cancel, connections the
//! server ends, COPY refusal, and large results.
//!
//! One server for the whole binary, so the checks run in sequence inside one test.

mod support;

use std::time::Duration;

use pgbook_book::{Event, ServerMessage};
use pgbook_psql::{ClientError, ConnectOptions, Connection, Target};
use support::{TestServer, PASSWORD_ROLES};

#[test]
fn client_against_a_real_server() {
    let server = TestServer::start();
    let admin = unix_options(&server, "postgres", None);
    create_password_roles(&admin);

    authenticates_with_every_method(&server);
    rejects_wrong_or_missing_passwords(&server);
    connects_from_urls(&server);
    reports_session_facts(&admin);
    tracks_transaction_status(&admin);
    sends_polls_and_cancels(&admin);
    reports_a_connection_the_server_ended(&admin);
    copies_in_given_data_or_fails_and_stays_usable(&admin);
    returns_large_results_and_notices_in_order(&admin);
}

fn unix_options(server: &TestServer, user: &str, password: Option<&str>) -> ConnectOptions {
    ConnectOptions {
        target: Target::Unix {
            dir: server.socket_dir().to_path_buf(),
            port: server.tcp_port,
        },
        user: user.to_string(),
        password: password.map(str::to_string),
        dbname: "postgres".to_string(),
        application_name: "pgbook-test".to_string(),
        connect_timeout: Some(std::time::Duration::from_secs(10)),
    }
}

fn run_ok(connection: &mut Connection, sql: &str) -> Vec<Event> {
    let events = connection.execute(sql).unwrap();
    assert!(error_of(&events).is_none(), "{sql}: {events:?}");
    events
}

fn error_of(events: &[Event]) -> Option<&ServerMessage> {
    events.iter().find_map(|e| match e {
        Event::Error(m) => Some(m),
        _ => None,
    })
}

/// The single value of a one-row, one-column result.
fn single_value(events: &[Event]) -> String {
    match events.last() {
        Some(Event::Complete {
            rows: Some(rows), ..
        }) => rows.rows[0][0].clone().unwrap(),
        other => panic!("expected one row, got {other:?}"),
    }
}

fn create_password_roles(admin: &ConnectOptions) {
    let mut connection = Connection::connect(admin).unwrap();
    for (role, password, method) in PASSWORD_ROLES {
        // md5 needs an md5 verifier; the others work with SCRAM verifiers.
        let encryption = if method == "md5" {
            "md5"
        } else {
            "scram-sha-256"
        };
        run_ok(
            &mut connection,
            &format!("set password_encryption = '{encryption}'"),
        );
        run_ok(
            &mut connection,
            &format!("create role {role} login password '{password}'"),
        );
    }
    connection.close();
}

fn authenticates_with_every_method(server: &TestServer) {
    for (role, password, method) in PASSWORD_ROLES {
        let options = unix_options(server, role, Some(password));
        let mut connection = Connection::connect(&options)
            .unwrap_or_else(|e| panic!("{method} authentication as {role}: {e}"));
        assert_eq!(
            single_value(&run_ok(&mut connection, "select current_user")),
            role
        );
        connection.close();
    }
}

fn rejects_wrong_or_missing_passwords(server: &TestServer) {
    for (role, _, method) in PASSWORD_ROLES {
        let wrong = unix_options(server, role, Some("not the password"));
        match Connection::connect(&wrong) {
            Err(ClientError::Rejected(message)) => {
                assert_eq!(message.sqlstate, "28P01", "{method}: {message:?}");
                assert!(message.message.contains("password authentication failed"));
            }
            Err(other) => panic!("{method}: unexpected error {other}"),
            Ok(_) => panic!("{method}: a wrong password was accepted"),
        }
        let missing = unix_options(server, role, None);
        match Connection::connect(&missing) {
            Err(ClientError::Authentication(reason)) => assert!(reason.contains(role), "{reason}"),
            Err(other) => panic!("{method}: unexpected error {other}"),
            Ok(_) => panic!("{method}: connected without a password"),
        }
    }
    let nowhere = ConnectOptions {
        dbname: "no_such_database".into(),
        ..unix_options(server, "postgres", None)
    };
    let error = Connection::connect(&nowhere)
        .err()
        .expect("no such database");
    assert!(error.to_string().contains("no_such_database"), "{error}");
}

fn connects_from_urls(server: &TestServer) {
    let dir = server.socket_dir().to_str().unwrap().replace('/', "%2F");
    let port = server.tcp_port;
    let (scram_role, scram_password, _) = PASSWORD_ROLES[2];
    let encoded_password = scram_password
        .replace('%', "%25")
        .replace('@', "%40")
        .replace('/', "%2F")
        .replace(':', "%3A")
        .replace('?', "%3F")
        .replace(' ', "%20");
    let urls = [
        format!("postgres://postgres@{dir}:{port}/postgres"),
        format!(
            "postgresql:///postgres?host={}&port={port}&user=postgres",
            server.socket_dir().display()
        ),
        format!("postgres://{scram_role}:{encoded_password}@127.0.0.1:{port}/postgres"),
    ];
    for url in urls {
        let options = ConnectOptions::from_url(&url).unwrap();
        let mut connection = Connection::connect(&options).unwrap_or_else(|e| panic!("{url}: {e}"));
        let user = single_value(&run_ok(&mut connection, "select current_user"));
        assert_eq!(user, options.user, "{url}");
        connection.close();
    }
}

fn reports_session_facts(admin: &ConnectOptions) {
    let mut connection = Connection::connect(admin).unwrap();
    let version = single_value(&run_ok(&mut connection, "show server_version"));
    assert_eq!(connection.server_version(), version);
    let pid = single_value(&run_ok(&mut connection, "select pg_backend_pid()"));
    assert_eq!(connection.backend_pid().to_string(), pid);
    let encoding = single_value(&run_ok(&mut connection, "show client_encoding"));
    assert_eq!(encoding, "UTF8");
    assert_eq!(connection.execute("").unwrap(), vec![Event::EmptyQuery]);
    connection.close();
}

fn tracks_transaction_status(admin: &ConnectOptions) {
    let mut connection = Connection::connect(admin).unwrap();
    assert_eq!(connection.transaction_status(), b'I');
    run_ok(&mut connection, "begin");
    assert_eq!(connection.transaction_status(), b'T');
    let events = connection.execute("select 1/0").unwrap();
    assert_eq!(error_of(&events).unwrap().sqlstate, "22012");
    assert_eq!(connection.transaction_status(), b'E');
    let events = run_ok(&mut connection, "commit");
    assert!(matches!(&events[..], [Event::Complete { tag, rows: None }] if tag == "ROLLBACK"));
    assert_eq!(connection.transaction_status(), b'I');
    connection.close();
}

fn sends_polls_and_cancels(admin: &ConnectOptions) {
    let mut connection = Connection::connect(admin).unwrap();
    connection.send("select pg_sleep(600)").unwrap();
    // A ten-minute sleep cannot have finished after 50 ms.
    assert_eq!(connection.poll(Duration::from_millis(50)).unwrap(), None);
    assert!(matches!(
        connection.send("select 1"),
        Err(ClientError::Busy)
    ));
    connection.cancel().unwrap();
    let events = loop {
        if let Some(events) = connection.poll(Duration::from_secs(1)).unwrap() {
            break events;
        }
    };
    assert_eq!(error_of(&events).unwrap().sqlstate, "57014", "{events:?}");
    // A statement finished before polling is returned at once.
    connection.send("select 42").unwrap();
    let events = loop {
        if let Some(events) = connection.poll(Duration::ZERO).unwrap() {
            break events;
        }
        std::thread::yield_now();
    };
    assert_eq!(single_value(&events), "42");
    connection.close();
}

fn reports_a_connection_the_server_ended(admin: &ConnectOptions) {
    // Its own backend terminated while running a statement.
    let mut connection = Connection::connect(admin).unwrap();
    let events = connection
        .execute("select pg_terminate_backend(pg_backend_pid())")
        .unwrap();
    assert_eq!(error_of(&events).unwrap().severity, "FATAL", "{events:?}");
    assert!(connection.is_closed());
    assert!(matches!(
        connection.execute("select 1"),
        Err(ClientError::Closed)
    ));

    // Terminated by someone else while idle: the next statement reports the FATAL.
    let mut victim = Connection::connect(admin).unwrap();
    let mut killer = Connection::connect(admin).unwrap();
    let pid = victim.backend_pid();
    let events = run_ok(&mut killer, &format!("select pg_terminate_backend({pid})"));
    assert_eq!(single_value(&events), "t");
    // Wait until the victim's backend is gone, so the FATAL is already on its socket.
    loop {
        let sql = format!("select count(*) from pg_stat_activity where pid = {pid}");
        if single_value(&run_ok(&mut killer, &sql)) == "0" {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let events = victim.execute("select 1").unwrap();
    let error = error_of(&events).expect("an error for the lost connection");
    assert!(
        matches!(error.severity.as_str(), "FATAL" | ""),
        "{events:?}"
    );
    assert!(victim.is_closed());
    killer.close();
}

fn copies_in_given_data_or_fails_and_stays_usable(admin: &ConnectOptions) {
    let mut connection = Connection::connect(admin).unwrap();
    run_ok(&mut connection, "create temp table c (a int)");
    // Without data the copy fails, and the connection can still be used.
    let events = connection.execute("copy c from stdin").unwrap();
    let error = error_of(&events).expect("COPY FROM STDIN without data must fail");
    assert!(error.message.contains("without data"), "{error:?}");
    assert_eq!(single_value(&run_ok(&mut connection, "select 7")), "7");
    // With data, the rows arrive, and COPY TO STDOUT gives them back as sent.
    connection
        .send_with_copy_data("copy c from stdin", Some("1\n2\n"))
        .unwrap();
    let events = connection.poll(Duration::from_secs(30)).unwrap().unwrap();
    assert!(error_of(&events).is_none(), "{events:?}");
    let events = connection.execute("copy c to stdout").unwrap();
    assert_eq!(
        events[0],
        pgbook_book::Event::CopyOut("1\n2\n".into()),
        "{events:?}"
    );
    connection.close();
}

fn returns_large_results_and_notices_in_order(admin: &ConnectOptions) {
    let mut connection = Connection::connect(admin).unwrap();
    let events = run_ok(
        &mut connection,
        "select g, repeat('x', g % 50), null from generate_series(1, 100000) g",
    );
    let Some(Event::Complete {
        rows: Some(rows),
        tag,
    }) = events.last()
    else {
        panic!("no rows: {events:?}");
    };
    assert_eq!(tag, "SELECT 100000");
    // A large result: the first rows as values, every row in the compact copy.
    assert_eq!(rows.total_rows(), 100_000);
    assert_eq!(rows.rows.len(), pgbook_book::KEPT_ROWS);
    assert_eq!(rows.columns.len(), 3);
    assert_eq!(rows.rows[0][2], None);
    let mut all = Vec::new();
    rows.for_each_row(|row| {
        all.push((
            row[0].map(str::to_string),
            row[1].map(str::len),
            row[2].is_none(),
        ))
    });
    assert_eq!(all.len(), 100_000);
    assert_eq!(all[99_999], (Some("100000".to_string()), Some(0), true));
    assert_eq!(all[12_344], (Some("12345".to_string()), Some(45), true));

    let events = run_ok(
        &mut connection,
        "do $$ begin raise notice 'one'; raise warning 'two'; end $$",
    );
    let kinds: Vec<String> = events
        .iter()
        .map(|e| match e {
            Event::Notice(m) => format!("{}:{}", m.severity, m.message),
            Event::Complete { tag, .. } => tag.clone(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(kinds, ["NOTICE:one", "WARNING:two", "DO"]);
    connection.close();
}

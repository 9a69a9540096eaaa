//! The statement splitter against psql itself, on generated SQL full of quotes, dollar
//! quotes, comments, parentheses and semicolons in every one of them (proptest, a bounded
//! number of cases). psql's `--echo-queries` prints exactly each query it sends, so the
//! statements pgbook splits, each followed by a newline, must equal that output byte for byte.
//! (Backslash meta-commands are left to the splitter's own tables while they are being
//! extended elsewhere.)

mod support;

use std::io::Write;
use std::process::{Command, Stdio};

use pgbook_psql::split::split_statements;
use proptest::prelude::*;
use support::TestServer;

/// What psql sends for `sql`, each query followed by a newline.
fn psql_sends(server: &TestServer, sql: &str) -> String {
    let mut child = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-e",
            "-o",
            "/dev/null",
            "-U",
            "postgres",
            "-d",
            "postgres",
        ])
        .arg("-h")
        .arg(server.socket_dir())
        .arg("-p")
        .arg(server.tcp_port.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(sql.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "psql could not run");
    String::from_utf8(out.stdout).unwrap()
}

/// Pieces of SQL whose meaning depends on the lexer state they appear in.
fn piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "select 1",
        " ",
        "\n",
        "\n\n",
        "\t",
        ";",
        ";;",
        "'a;b'",
        "'it''s;'",
        "'",
        "E'x\\';'",
        "\"id;\"",
        "\"",
        "$$ ; ' \" $$",
        "$$",
        "$q$ ; $$ $q$",
        "$q$",
        "-- c ; ' \n",
        "--",
        "/* c ; ' */",
        "/* a /* nested ; */ b */",
        "/*",
        "(",
        ")",
        "( ; )",
        "x",
        "1",
        "é",
    ])
}

fn sql() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..14).prop_map(|p| p.concat())
}

#[test]
fn the_splitter_sends_what_psql_sends() {
    let server = TestServer::start();
    let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
        // Each case runs psql once: enough to cover the pieces' pairings, still seconds.
        cases: 100,
        failure_persistence: None,
        max_global_rejects: 10_000,
        ..Default::default()
    });
    runner
        .run(&sql(), |sql| {
            // A backslash outside quotes (`xE'\'` lexes as an identifier, then a string
            // ending at the backslash's quote) starts a meta-command: not this test's concern.
            let split = split_statements(&sql);
            prop_assume!(split.is_ok());
            let ours: String = split
                .unwrap()
                .iter()
                .map(|s| format!("{}\n", s.text))
                .collect();
            prop_assert_eq!(ours, psql_sends(&server, &sql), "input: {:?}", sql);
            Ok(())
        })
        .unwrap();
}

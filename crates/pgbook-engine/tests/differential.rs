//! Differential suite: pgbook's transcript must be byte-identical to psql's.
//!
//! Every `tests/differential/*.sql` file is run twice on one scratch cluster, each time in a
//! freshly created database of the same name: once through the real
//! `psql -X -h SOCKET_DIR -p PORT -U SUPERUSER -d DB < file 2>&1`, once through
//! `split_statements` → `Connection::execute` → `transcript`. The two outputs are compared
//! byte for byte; nothing here states what psql prints — psql itself is the oracle.
//!
//! Not covered, by design: `COPY ... FROM STDIN` (psql feeds it the rest of its own input;
//! pgbook refuses it) and `COPY ... TO STDOUT` (psql prints the data rows; pgbook's events
//! have no place for them), psql variables (`:name`), and output that differs between two
//! runs anyway (PIDs, OIDs, timestamps, `application_name`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use pgbook_book::StatementOutcome;
use pgbook_engine::cluster::{ClusterOptions, ScratchCluster};
use pgbook_psql::{split_statements, transcript, Connection};

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "sql"))
        .collect();
    files.sort();
    files
}

/// Runs psql on `file` against `db`, stdout and stderr into one pipe as `2>&1` does.
fn psql_transcript(cluster: &ScratchCluster, db: &str, file: &Path) -> String {
    let psql = cluster.bin_dir().join("psql");
    let script = "exec \"$0\" -X -h \"$1\" -p \"$2\" -U \"$3\" -d \"$4\" < \"$5\" 2>&1";
    let output = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(&psql)
        .arg(cluster.socket_dir())
        .arg(cluster.port().to_string())
        .arg(cluster.superuser())
        .arg(db)
        .arg(file)
        // Only the locale: no PG* variable may change what psql sends or prints.
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("LC_ALL", "C.UTF-8")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", psql.display()));
    String::from_utf8(output.stdout).expect("psql printed UTF-8")
}

/// Runs `sql` the way pgbook does and returns its transcript.
fn pgbook_transcript(cluster: &ScratchCluster, db: &str, sql: &str) -> String {
    let mut connection = Connection::connect(&cluster.connect_options(db)).expect("connect");
    let mut statements = Vec::new();
    let split = split_statements(sql).unwrap_or_else(|e| panic!("split: {e}"));
    for statement in split {
        let events = connection.execute(&statement.text).expect("execute");
        statements.push(StatementOutcome {
            sql: statement.text,
            offset: statement.offset,
            events,
        });
        // psql gives up once its connection is gone.
        if connection.is_closed() {
            break;
        }
    }
    if !connection.is_closed() {
        connection.close();
    }
    transcript(&statements)
}

/// (Re)creates `db` so each run starts from the same empty database.
fn fresh_database(admin: &mut Connection, db: &str) {
    for sql in [
        format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
        format!("CREATE DATABASE {db}"),
    ] {
        let events = admin.execute(&sql).expect("admin statement");
        assert!(
            events
                .iter()
                .all(|e| !matches!(e, pgbook_book::Event::Error(_))),
            "{sql}: {events:?}"
        );
    }
}

/// Where two transcripts first differ, with both shown in full (invisible bytes escaped).
fn describe_difference(name: &str, psql: &str, ours: &str) -> String {
    let mut report = format!("== {name}: transcripts differ\n");
    let psql_lines: Vec<&str> = psql.split_inclusive('\n').collect();
    let our_lines: Vec<&str> = ours.split_inclusive('\n').collect();
    let first = psql_lines
        .iter()
        .zip(&our_lines)
        .position(|(a, b)| a != b)
        .unwrap_or(psql_lines.len().min(our_lines.len()));
    let _ = writeln!(report, "first difference at line {}:", first + 1);
    let _ = writeln!(report, "  psql:   {:?}", psql_lines.get(first));
    let _ = writeln!(report, "  pgbook: {:?}", our_lines.get(first));
    let _ = writeln!(report, "--- psql\n{psql}--- pgbook\n{ours}---");
    report
}

#[test]
fn transcripts_are_byte_identical_to_psql() {
    let cluster = ScratchCluster::start(&ClusterOptions::default()).expect("scratch cluster");
    let mut admin = Connection::connect(&cluster.connect_options("postgres")).expect("connect");
    let files = fixtures();
    assert!(files.len() >= 10, "the differential corpus is missing");

    let mut failures = Vec::new();
    for file in &files {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let sql = std::fs::read_to_string(file).unwrap();
        let db = format!("diff_{name}");

        fresh_database(&mut admin, &db);
        let expected = psql_transcript(&cluster, &db, file);
        fresh_database(&mut admin, &db);
        let actual = pgbook_transcript(&cluster, &db, &sql);
        admin
            .execute(&format!("DROP DATABASE {db} WITH (FORCE)"))
            .expect("drop database");

        assert!(!expected.is_empty(), "{name}: psql printed nothing");
        if expected != actual {
            failures.push(describe_difference(&name, &expected, &actual));
        }
    }
    admin.close();
    cluster.stop().expect("stop the scratch cluster");
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from psql:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

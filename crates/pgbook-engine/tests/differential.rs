//! Differential suite: the engine's transcripts must be byte-identical to psql's.
//!
//! Every `tests/differential/*.sql` file is run through the real
//! `psql -X -h SOCKET_DIR -p PORT -U SUPERUSER -d DB < file 2>&1` in a fresh database of the
//! engine's scratch cluster, and through the production path — a chapter whose snippet is
//! the file, given to `Engine::run_chapter` — twice: once as the chapter's only session (no
//! lock monitor, each statement waited for), and once after a step on another session (the
//! several-sessions path: short polls, the lock monitor asking about every statement, the
//! chapter's `deadlock_timeout`). Each transcript is compared with psql's byte for byte;
//! nothing here states what psql prints — psql itself is the oracle.
//!
//! Not covered, by design: `\timing` figures and notifications (their PIDs differ between
//! two clients; `tests/volatile.rs` checks them through bless), psql's connection variables
//! `:DBNAME`, `:HOST`, `:PORT` (checked against the server by the second test here), and output that differs between two runs or two clients
//! anyway (PIDs, OIDs, timestamps, `application_name`, the database name, `random()` which
//! pgbook seeds). The `meta_*.sql` files cover the meta-commands and variables pgbook runs.

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use pgbook_book::{Chapter, SnippetOutcome};
use pgbook_engine::ScratchCluster;
use pgbook_psql::Connection;

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

/// The two ways a corpus file runs through the engine.
#[derive(Debug, Clone, Copy)]
enum Mode {
    /// The chapter's only session.
    Alone,
    /// The main session of a chapter whose first step ran on another session, so the lock
    /// monitor is open while the file runs.
    BesideAnotherSession,
}

impl Mode {
    fn chapter(self, name: &str, sql: &str) -> Chapter {
        match self {
            Mode::Alone => common::sql_chapter(name, &[(None, sql)]),
            Mode::BesideAnotherSession => {
                common::sql_chapter(name, &[(Some("neighbour"), "SELECT 1;"), (None, sql)])
            }
        }
    }
}

/// Runs `sql` through the engine as `mode` says and returns the file's step.
fn engine_outcome(name: &str, sql: &str, mode: Mode) -> SnippetOutcome {
    let chapter = mode.chapter(name, sql);
    let outcome = common::engine()
        .run_chapter(&chapter)
        .unwrap_or_else(|e| panic!("{name} ({mode:?}): {e}"));
    outcome
        .snippets
        .into_iter()
        .last()
        .flatten()
        .expect("the file's step ran")
}

/// (Re)creates `db` so each run starts from the same empty database.
fn fresh_database(admin: &mut Connection, db: &str) {
    for sql in [
        format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
        // As the engine creates a chapter's database.
        format!("CREATE DATABASE {db} TEMPLATE template0"),
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
    let engine = common::engine();
    let cluster = engine
        .scratch_cluster()
        .expect("the engine runs a scratch cluster");
    let mut admin = Connection::connect(&cluster.connect_options("postgres")).expect("connect");
    let files = fixtures();
    assert!(files.len() >= 10, "the differential corpus is missing");

    let mut failures = Vec::new();
    for file in &files {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let sql = std::fs::read_to_string(file).unwrap();
        let db = format!("diff_{name}");

        fresh_database(&mut admin, &db);
        let expected = psql_transcript(cluster, &db, file);
        admin
            .execute(&format!("DROP DATABASE {db} WITH (FORCE)"))
            .expect("drop database");
        assert!(!expected.is_empty(), "{name}: psql printed nothing");

        for mode in [Mode::Alone, Mode::BesideAnotherSession] {
            let step = engine_outcome(&name, &sql, mode);
            let label = format!("{name} ({mode:?})");
            if expected != step.transcript {
                failures.push(describe_difference(&label, &expected, &step.transcript));
            }
            // The engine gives a step up only where psql gave up too.
            let psql_lost = expected.contains("connection to server was lost");
            if step.failure.is_some() != psql_lost {
                failures.push(format!(
                    "== {label}: engine failure {:?}, but psql lost its connection: {psql_lost}\n",
                    step.failure
                ));
            }
        }
    }
    admin.close();
    assert!(
        failures.is_empty(),
        "{} differences from psql in {} files:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

/// psql's connection variables name the connection the session really has. (The corpus
/// cannot show them: psql there connects to another database, of another cluster.)
#[test]
fn connection_variables_name_the_session_connection() {
    let sql = "\\a\n\\t on\n\\echo :DBNAME|:PORT|:HOST|:USER\n\
               select current_database(), current_setting('port'), \
               current_setting('unix_socket_directories'), current_user;\n";
    let chapter = common::sql_chapter("connection_variables", &[(None, sql)]);
    let outcome = common::engine()
        .run_chapter(&chapter)
        .expect("chapter runs");
    let transcript = outcome.snippets[0]
        .as_ref()
        .expect("ran")
        .transcript
        .clone();
    let lines: Vec<&str> = transcript.lines().collect();
    // "Output format is unaligned.", then the echo, then the query's row.
    assert_eq!(lines.len(), 3, "{transcript}");
    assert!(
        !lines[1].contains(':'),
        "a variable was not set: {transcript}"
    );
    assert_eq!(lines[1], lines[2], "{transcript}");
}

//! What a signal does to `pgbook test` and `pgbook build` while a snippet runs: the run is
//! cancelled at once (not after the statement), every scratch server and directory goes,
//! and the process exits with 128 + the signal (see `src/signals.rs`).

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SIGINT: i32 = 2;
const SIGTERM: i32 = 15;

/// A book whose only snippet sleeps for ten minutes.
fn sleepy_book(root: &Path) {
    support::write(&root.join("book.toml"), "[book]\ntitle = \"Sleepy\"\n");
    support::write(
        &root.join("content/SUMMARY.md"),
        "# Summary\n\n- [Sleep](sleep.md)\n",
    );
    support::write(
        &root.join("content/sleep.md"),
        "# Sleep\n\n```sql\nSELECT pg_sleep(600);\n```\n\n```sql\nSELECT 'never';\n```\n",
    );
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn interrupt_while_a_snippet_runs(command: &str, signal: i32) {
    let book = tempfile::tempdir().unwrap();
    sleepy_book(book.path());
    // A run directory of our own, traversable by the server user when we are root.
    let run = tempfile::Builder::new()
        .prefix("pgbook-signals-test-")
        .tempdir_in("/tmp")
        .unwrap();
    std::fs::set_permissions(run.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pgbook"))
        .args([command, book.path().to_str().unwrap()])
        .env("PGBOOK_RUN_DIR", run.path())
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    let began = Instant::now();
    let server_runs = || {
        entries(run.path())
            .iter()
            .any(|name| run.path().join(name).join("data/postmaster.pid").exists())
    };
    while !server_runs() {
        assert!(child.try_wait().unwrap().is_none(), "{command} ended early");
        assert!(
            began.elapsed() < Duration::from_secs(60),
            "no server started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Let the chapter reach its ten-minute statement.
    std::thread::sleep(Duration::from_secs(1));

    let signalled = Instant::now();
    support::signal(child.id(), &signal.to_string());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(128 + signal), "{command}");
    assert!(
        signalled.elapsed() < Duration::from_secs(30),
        "{command} took {:?} to stop",
        signalled.elapsed()
    );
    assert_eq!(
        entries(run.path()),
        Vec::<String>::new(),
        "{command} left files"
    );
}

#[test]
fn sigint_stops_pgbook_test_at_once_and_leaves_nothing() {
    interrupt_while_a_snippet_runs("test", SIGINT);
}

#[test]
fn sigterm_stops_pgbook_build_at_once_and_leaves_nothing() {
    interrupt_while_a_snippet_runs("build", SIGTERM);
}

#[test]
fn sigint_stops_pgbook_build_at_once_and_leaves_nothing() {
    interrupt_while_a_snippet_runs("build", SIGINT);
}

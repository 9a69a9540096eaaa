//! Transcripts that stay stable after bless: a chapter with a deadlock (fresh process and
//! transaction ids on every run), one with a notification (the sender's PID), and one using
//! psql variables across sessions and `\timing`, blessed once
//! through the real binary, must then pass every later run with no hand-written `[..]`.

use std::path::Path;
use std::process::{Command, Output};

mod support;
use support::{copy_dir, stderr, stdout};

fn pgbook_test(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgbook"))
        .arg("test")
        .arg(dir)
        .args(args)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap()
}

fn describe(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        stdout(o),
        stderr(o)
    )
}

#[test]
fn a_deadlock_chapter_blessed_once_passes_every_later_run() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/test/volatile");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&src, dir.path());
    let root = dir.path();

    let blessed = pgbook_test(root, &["--bless"]);
    assert_eq!(blessed.status.code(), Some(0), "{}", describe(&blessed));
    let deadlock = std::fs::read_to_string(root.join("content/deadlock.md")).unwrap();
    // The run's own figures are recorded, not wildcards.
    assert!(!deadlock.contains("[..]"), "{deadlock}");
    let detail = deadlock
        .lines()
        .find(|l| l.starts_with("DETAIL:  Process "))
        .unwrap_or_else(|| panic!("no deadlock recorded:\n{deadlock}"));
    assert!(detail.chars().any(|c| c.is_ascii_digit()), "{detail}");
    let variables = std::fs::read_to_string(root.join("content/variables.md")).unwrap();
    // Variables are the chapter's; `\x` stays with the session that set it.
    assert!(
        variables.contains("seen_from_another_session | accounts"),
        "{variables}"
    );
    assert!(
        variables.contains(" n |   tab\n---+----------\n 2 | accounts\n"),
        "{variables}"
    );

    let notify = std::fs::read_to_string(root.join("content/notify.md")).unwrap();
    assert!(
        notify.contains(
            "(1 row)\n\nAsynchronous notification \"orders\" with payload \"order 42 paid\" \
             received from server process with PID "
        ),
        "{notify}"
    );

    for run in 1..=3 {
        let out = pgbook_test(root, &[]);
        assert_eq!(out.status.code(), Some(0), "run {run}: {}", describe(&out));
    }
    // Blessing again keeps the recorded figures: the masked lines agree.
    let again = pgbook_test(root, &["--bless"]);
    assert_eq!(again.status.code(), Some(0), "{}", describe(&again));
    assert_eq!(
        std::fs::read_to_string(root.join("content/deadlock.md")).unwrap(),
        deadlock
    );
}

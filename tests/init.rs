//! `pgbook init` makes a book that tests green, and never overwrites an existing one.

use std::process::Command;

fn pgbook() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pgbook"))
}

#[test]
fn new_book_tests_green_and_init_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("handbook");
    let out = pgbook().arg("init").arg(&root).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = pgbook().arg("test").arg(&root).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.trim_end().ends_with("3 passed, 0 failed, 0 ignored"),
        "{stdout}"
    );

    let chapter = root.join("content/first-steps.md");
    let before = std::fs::read(&chapter).unwrap();
    let out = pgbook().arg("init").arg(&root).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already holds a book"));
    assert_eq!(
        std::fs::read(&chapter).unwrap(),
        before,
        "init must not rewrite files"
    );
}

//! Helpers shared by the integration tests of the `pgbook` binary (`mod support;`, or by path
//! from `tests/browser`): copy a fixture book, write a file, run the binary, read its output.
//! They know nothing of what any test expects. Each test target uses only some of them.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Copies the directory tree `from` into `to` (created if missing).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Writes `text` to `path`, creating its parent directories.
pub fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Runs the `pgbook` binary with `args`, without a `DATABASE_URL` from the environment (so
/// that it starts its own scratch cluster).
pub fn pgbook(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgbook"))
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .expect("pgbook runs")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

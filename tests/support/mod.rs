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

/// A run directory of a test's own (`PGBOOK_RUN_DIR`), where pgbook puts every scratch
/// cluster, socket and staging directory it makes: if it is empty after a run, and no
/// process names it, nothing was left behind. In /tmp and traversable, so that the server
/// user can reach its socket when the tests run as root.
pub fn run_dir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let run = tempfile::Builder::new()
        .prefix("pgbook-test-run-")
        .tempdir_in("/tmp")
        .unwrap();
    std::fs::set_permissions(run.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    run
}

/// Runs `pgbook args` with its run directory in `run` (see [`run_dir`]).
pub fn pgbook_in(run: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgbook"))
        .args(args)
        .env("PGBOOK_RUN_DIR", run)
        .env_remove("DATABASE_URL")
        .output()
        .expect("pgbook runs")
}

/// Starts `pgbook args` in the background, its run directory in `run`, its output discarded.
pub fn spawn_pgbook_in(run: &Path, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_pgbook"))
        .args(args)
        .env("PGBOOK_RUN_DIR", run)
        .env_remove("DATABASE_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("pgbook starts")
}

/// The pids of running processes whose command line mentions `path` (a postmaster is
/// started with `-D <run dir>/.../data`, its children inherit the title's data directory).
pub fn processes_naming(path: &Path) -> Vec<(u32, String)> {
    let needle = path.to_string_lossy().into_owned();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(raw) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&raw).replace('\0', " ");
        if cmdline.contains(&needle) && pid != std::process::id() {
            found.push((pid, cmdline));
        }
    }
    found
}

/// Fails unless the run directory `run` is empty and no process (a postmaster, a backend)
/// still refers to it: what every fault case asserts after pgbook has ended.
pub fn assert_nothing_left(run: &Path, what: &str) {
    let left: Vec<String> = std::fs::read_dir(run)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        left.is_empty(),
        "{what}: left in the run directory: {left:?}"
    );
    let running = processes_naming(run);
    assert!(running.is_empty(), "{what}: still running: {running:?}");
}

/// A book in `root`: `book.toml`, a SUMMARY listing `chapters` (file name, text) in order.
pub fn book(root: &Path, book_toml: &str, chapters: &[(&str, &str)]) {
    write(&root.join("book.toml"), book_toml);
    let mut summary = String::from("# Summary\n\n");
    for (name, text) in chapters {
        summary.push_str(&format!("- [{name}]({name})\n"));
        write(&root.join("content").join(name), text);
    }
    write(&root.join("content/SUMMARY.md"), &summary);
}

/// The socket directories of the servers running in `run` (each cluster has a directory of
/// its own there, holding its socket and its data).
pub fn socket_dirs(run: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(run)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|dir| {
            std::fs::read_dir(dir)
                .into_iter()
                .flatten()
                .flatten()
                .any(|f| f.file_name().to_string_lossy().starts_with(".s.PGSQL."))
        })
        .collect()
}

/// How many sessions of the server listening in `socket_dir` are running `pg_sleep(600)`
/// (asked of the server with psql: process titles are off on scratch servers).
pub fn sleeping_backends(socket_dir: &Path) -> usize {
    let out = Command::new("psql")
        .args(["-X", "-At", "-U", "postgres", "-d", "postgres", "-h"])
        .arg(socket_dir)
        .arg("-c")
        .arg("select count(*) from pg_stat_activity where state = 'active' and query like '%pg_sleep(600)%' and pid <> pg_backend_pid()")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

/// Whether a session of a server running in `run` is inside `pg_sleep(600)`.
pub fn a_statement_sleeps_in(run: &Path) -> bool {
    socket_dirs(run)
        .iter()
        .any(|dir| sleeping_backends(dir) > 0)
}

/// Waits until a chapter run by `child` in `run` is inside `pg_sleep(600)` (polled: no
/// deadline, a hang shows as a hung test); fails if `child` ends first.
pub fn wait_until_a_statement_sleeps(run: &Path, child: &mut std::process::Child) {
    loop {
        assert!(child.try_wait().unwrap().is_none(), "pgbook ended early");
        if a_statement_sleeps_in(run) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Sends signal `name` (`INT`, `TERM`, `KILL`, ...) to process `pid` with `kill`.
pub fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .status();
    assert!(status.unwrap().success(), "kill -{name} {pid}");
}

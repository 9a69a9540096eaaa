//! Scratch cluster lifecycle: whatever way a pgbook process ends, no server process and no
//! file of its run is left behind; the template cache is reused; root runs work from a
//! directory the `postgres` user cannot read.
//!
//! Each test runs the `scratch_cluster` example in its own run directory (via
//! `PGBOOK_RUN_DIR`) and then looks at what remains.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use common::{example, process_running, wait_gone, Sandbox};

/// The `ready SOCKET_DIR PID INITDB` line of the example.
struct Ready {
    socket_dir: String,
    postmaster: i32,
    ran_initdb: bool,
}

fn spawn(sandbox: &Sandbox, mode: &str) -> (Child, Ready) {
    let mut child = launch(sandbox, mode);
    let ready = read_ready(sandbox, &mut child);
    (child, ready)
}

fn launch(sandbox: &Sandbox, mode: &str) -> Child {
    sandbox
        .command(example("scratch_cluster"))
        .arg(mode)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn scratch_cluster")
}

fn read_ready(sandbox: &Sandbox, child: &mut Child) -> Ready {
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words.first(), Some(&"ready"), "unexpected output {line:?}");
    let ready = Ready {
        socket_dir: words[1].to_string(),
        postmaster: words[2].parse().unwrap(),
        ran_initdb: words[3] == "true",
    };
    assert!(process_running(ready.postmaster), "postmaster should run");
    assert!(ready
        .socket_dir
        .starts_with(sandbox.run_dir().to_str().unwrap()));
    ready
}

fn finish(mut child: Child) -> ExitStatus {
    // Drain stdout so the child never blocks on a full pipe.
    let mut rest = String::new();
    let _ = std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut rest);
    child.wait().unwrap()
}

fn assert_nothing_left(sandbox: &Sandbox, ready: &Ready) {
    assert!(
        wait_gone(ready.postmaster),
        "postmaster {} still runs",
        ready.postmaster
    );
    assert_eq!(
        sandbox.leftovers(),
        Vec::<String>::new(),
        "files left in the run directory"
    );
}

#[test]
fn nothing_is_left_after_success() {
    let sandbox = Sandbox::new();
    let (child, ready) = spawn(&sandbox, "ok");
    assert!(finish(child).success());
    assert_nothing_left(&sandbox, &ready);
}

#[test]
fn nothing_is_left_after_an_error_return() {
    let sandbox = Sandbox::new();
    let (child, ready) = spawn(&sandbox, "error");
    assert_eq!(finish(child).code(), Some(1));
    assert_nothing_left(&sandbox, &ready);
}

#[test]
fn nothing_is_left_after_a_panic() {
    let sandbox = Sandbox::new();
    let (child, ready) = spawn(&sandbox, "panic");
    assert_eq!(finish(child).code(), Some(101));
    assert_nothing_left(&sandbox, &ready);
}

#[test]
fn nothing_is_left_after_process_exit() {
    let sandbox = Sandbox::new();
    let (child, ready) = spawn(&sandbox, "exit");
    assert_eq!(finish(child).code(), Some(3));
    assert_nothing_left(&sandbox, &ready);
}

/// Sends `signal` to our own child.
fn send(child: &Child, signal: Signal) {
    kill(Pid::from_raw(child.id() as i32), signal).expect("signal the child");
}

fn signal_test(signal: Signal) {
    let sandbox = Sandbox::new();
    let (child, ready) = spawn(&sandbox, "wait");
    send(&child, signal);
    assert_eq!(finish(child).code(), Some(128 + signal as i32));
    assert_nothing_left(&sandbox, &ready);
}

#[test]
fn nothing_is_left_after_sigint() {
    signal_test(Signal::SIGINT);
}

#[test]
fn nothing_is_left_after_sigterm() {
    signal_test(Signal::SIGTERM);
}

#[test]
fn nothing_is_left_after_sighup() {
    signal_test(Signal::SIGHUP);
}

#[test]
fn a_run_killed_with_sigkill_is_cleaned_up_by_the_next_run() {
    let sandbox = Sandbox::new();
    let (mut child, orphan) = spawn(&sandbox, "wait");
    child.kill().unwrap();
    child.wait().unwrap();
    // The killed run could not remove its own files.
    assert!(!sandbox.leftovers().is_empty());
    let (next, ready) = spawn(&sandbox, "ok");
    assert!(finish(next).success());
    assert!(
        wait_gone(orphan.postmaster),
        "the orphaned server still runs"
    );
    assert_nothing_left(&sandbox, &ready);
}

#[test]
fn the_template_cache_is_reused() {
    let sandbox = Sandbox::with_private_cache();
    let (first, ready) = spawn(&sandbox, "ok");
    assert!(finish(first).success());
    assert!(ready.ran_initdb, "a fresh cache needs initdb");
    let (second, ready) = spawn(&sandbox, "ok");
    assert!(finish(second).success());
    assert!(
        !ready.ran_initdb,
        "the second start must copy the cached template"
    );
    assert_nothing_left(&sandbox, &ready);
}

#[test]
fn concurrent_first_runs_share_one_template() {
    let sandbox = Sandbox::with_private_cache();
    // Both start before either is ready, so both find the cache empty.
    let mut children: Vec<Child> = (0..2).map(|_| launch(&sandbox, "wait")).collect();
    let readies: Vec<Ready> = children
        .iter_mut()
        .map(|c| read_ready(&sandbox, c))
        .collect();
    for child in children {
        send(&child, Signal::SIGTERM);
        assert_eq!(finish(child).code(), Some(128 + Signal::SIGTERM as i32));
    }
    for ready in &readies {
        assert_nothing_left(&sandbox, ready);
    }
    let templates = std::fs::read_dir(sandbox.cache_dir().join("clusters"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        // Each template's use stamp (`<key>.used`) sits beside it.
        .filter(|name| !name.ends_with(".used"))
        .collect::<Vec<_>>();
    assert_eq!(
        templates.len(),
        1,
        "exactly one template, no staging left: {templates:?}"
    );
}

#[test]
fn runs_from_a_directory_the_server_user_cannot_read() {
    // The book, the working directory and the cache are all private to the invoking user.
    let sandbox = Sandbox::with_private_cache();
    let book = sandbox.private_dir("book");
    let sql = book.join("snippet.sql");
    std::fs::write(
        &sql,
        "SELECT 'reached-the-' || current_user || (1 + 1)::text;\n",
    )
    .unwrap();
    let output = sandbox
        .command(example("run_sql"))
        .arg(&sql)
        .current_dir(&book)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "run_sql failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("reached-the-postgres2"),
        "transcript: {stdout}"
    );
    assert_eq!(sandbox.leftovers(), Vec::<String>::new());
}

/// The single value `sql` returns.
fn query(connection: &mut pgbook_psql::Connection, sql: &str) -> String {
    connection
        .execute(sql)
        .unwrap()
        .into_iter()
        .find_map(|e| match e {
            pgbook_book::Event::Complete {
                rows: Some(rows), ..
            } => rows.rows[0][0].clone(),
            _ => None,
        })
        .unwrap()
}

#[test]
fn a_signal_drops_the_chapter_database_on_a_database_url_server() {
    let sandbox = Sandbox::new();
    sandbox.apply_to_this_process();
    let cluster = pgbook_engine::ScratchCluster::start(&pgbook_engine::ClusterOptions {
        cache_dir: Some(sandbox.cache_dir().to_path_buf()),
        ..pgbook_engine::ClusterOptions::default()
    })
    .unwrap();
    let url = format!(
        "postgresql://postgres@/postgres?host={}&port={}",
        cluster.socket_dir().display(),
        cluster.port()
    );
    let sql = sandbox.private_dir("sql").join("sleep.sql");
    std::fs::write(&sql, "SELECT pg_sleep(600);\n").unwrap();
    let mut child = sandbox
        .command(example("run_sql"))
        .arg(&sql)
        .arg(&url)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut admin = pgbook_psql::Connection::connect(&cluster.connect_options("postgres")).unwrap();
    let sleeping = "SELECT count(*) FROM pg_stat_activity \
                    WHERE datname LIKE 'pgbook\\_%' AND query LIKE '%pg_sleep%'";
    while query(&mut admin, sleeping) == "0" {
        assert!(child.try_wait().unwrap().is_none(), "run_sql ended early");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    send(&child, Signal::SIGTERM);
    assert_eq!(
        child.wait().unwrap().code(),
        Some(128 + Signal::SIGTERM as i32)
    );
    let databases = "SELECT count(*) FROM pg_database WHERE datname LIKE 'pgbook\\_%'";
    assert_eq!(query(&mut admin, databases), "0");
    admin.close();
    cluster.stop().unwrap();
    assert_eq!(sandbox.leftovers(), Vec::<String>::new());
}

#[test]
fn a_server_that_will_not_start_is_reported_with_its_log_and_leaves_nothing() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .command(example("scratch_cluster"))
        .args(["ok", "no_such_setting_in_postgres=1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the scratch PostgreSQL server did not start"),
        "{stderr}"
    );
    assert!(stderr.contains("no_such_setting_in_postgres"), "{stderr}");
    assert_eq!(sandbox.leftovers(), Vec::<String>::new());
}

#[test]
fn a_signal_cancels_a_long_statement_on_the_scratch_cluster_at_once() {
    let sandbox = Sandbox::new();
    let sql = sandbox.private_dir("sql").join("sleep.sql");
    std::fs::write(&sql, "SELECT pg_sleep(600);\nSELECT pg_sleep(600);\n").unwrap();
    let mut child = sandbox
        .command(example("run_sql"))
        .arg(&sql)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the server runs the first statement, i.e. its run directory has a server.
    let began = Instant::now();
    while !sandbox.leftovers().iter().any(|name| {
        sandbox
            .run_dir()
            .join(name)
            .join("data/postmaster.pid")
            .exists()
    }) {
        assert!(child.try_wait().unwrap().is_none(), "run_sql ended early");
        assert!(
            began.elapsed() < Duration::from_secs(60),
            "no server started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    let signalled = Instant::now();
    send(&child, Signal::SIGINT);
    assert_eq!(
        child.wait().unwrap().code(),
        Some(128 + Signal::SIGINT as i32)
    );
    // Twenty minutes of pg_sleep were cut short: only cleanup time is spent.
    assert!(
        signalled.elapsed() < Duration::from_secs(30),
        "took {:?}",
        signalled.elapsed()
    );
    assert_eq!(sandbox.leftovers(), Vec::<String>::new());
}

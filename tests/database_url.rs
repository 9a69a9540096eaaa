//! `--database-url` the way a CI service container provides PostgreSQL: a server on a TCP
//! port of 127.0.0.1 (started here with `initdb` and `pg_ctl` as the `postgres` OS user),
//! reached with a role that is not a superuser. A role with CREATEDB tests the book green;
//! one without it gets one clear message and exit 2 before anything runs.

mod support;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::{stderr, stdout};

/// A server on 127.0.0.1 for one test, stopped and removed on drop.
struct TcpServer {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
}

/// Runs a PostgreSQL program as the `postgres` OS user when we are root (the server refuses
/// root), as ourselves otherwise.
fn as_server_user(program: &Path) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

fn check(out: Output, what: &str) -> Output {
    assert!(
        out.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

impl TcpServer {
    fn start() -> TcpServer {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL server binaries in /usr/lib/postgresql")
            .map(|e| e.unwrap().path().join("bin"))
            .max()
            .unwrap();
        let dir = tempfile::Builder::new()
            .prefix("pgbook-tcp-")
            .tempdir_in("/tmp")
            .unwrap();
        if is_root() {
            check(
                Command::new("chown")
                    .args(["postgres:postgres"])
                    .arg(dir.path())
                    .output()
                    .unwrap(),
                "chown",
            );
        }
        let data = dir.path().join("data");
        check(
            as_server_user(&bin.join("initdb"))
                .args(["-U", "postgres", "--auth=trust", "--no-sync", "-D"])
                .arg(&data)
                .output()
                .unwrap(),
            "initdb",
        );
        // A free port: bind port 0, read it, release it for the server.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {}",
            dir.path().display()
        );
        check(
            as_server_user(&bin.join("pg_ctl"))
                .args(["-w", "-D"])
                .arg(&data)
                .args(["-o", &options, "-l"])
                .arg(dir.path().join("log"))
                .arg("start")
                .output()
                .unwrap(),
            "pg_ctl start",
        );
        TcpServer { bin, dir, port }
    }

    /// Runs `sql` as the superuser over TCP.
    fn psql(&self, sql: &str) {
        check(
            Command::new("psql")
                .args([
                    "-X",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "postgres",
                ])
                .args(["-p", &self.port.to_string(), "-d", "postgres", "-c", sql])
                .output()
                .unwrap(),
            sql,
        );
    }

    fn url(&self, role: &str) -> String {
        format!("postgresql://{role}@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for TcpServer {
    fn drop(&mut self) {
        let _ = as_server_user(&self.bin.join("pg_ctl"))
            .args(["-w", "-m", "immediate", "-D"])
            .arg(self.dir.path().join("data"))
            .arg("stop")
            .output();
    }
}

fn new_book(root: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_pgbook"))
        .arg("init")
        .arg(root)
        .output()
        .unwrap();
    check(out, "pgbook init");
}

fn test_with_url(root: &Path, url: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgbook"))
        .arg("test")
        .arg(root)
        .args(["--database-url", url])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap()
}

#[test]
fn a_createdb_role_over_tcp_tests_green_and_one_without_is_told_why_not() {
    let server = TcpServer::start();
    server.psql("CREATE ROLE builder LOGIN CREATEDB");
    server.psql("CREATE ROLE reader LOGIN");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("book");
    new_book(&root);

    let out = test_with_url(&root, &server.url("builder"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("3 passed, 0 failed"),
        "{}",
        stdout(&out)
    );

    // The DATABASE_URL environment variable is the same path as the flag.
    let out = Command::new(env!("CARGO_BIN_EXE_pgbook"))
        .arg("test")
        .arg(&root)
        .env("DATABASE_URL", server.url("reader"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let message = stderr(&out);
    assert!(
        message.contains("the role \"reader\" cannot create databases")
            && message.contains("ALTER ROLE \"reader\" CREATEDB"),
        "{message}"
    );
    assert!(stdout(&out).is_empty(), "nothing ran: {}", stdout(&out));
}

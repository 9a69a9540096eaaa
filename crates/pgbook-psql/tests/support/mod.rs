//! A throw-away PostgreSQL server for the client tests: initdb into a temporary directory,
//! password authentication for a few roles, a Unix socket and a TCP port on 127.0.0.1.
//! As root the server runs as the `postgres` OS user (PostgreSQL refuses root). It is
//! stopped and its files removed when the `TestServer` is dropped.
//!
//! pgbook-psql cannot use pgbook-engine's scratch clusters (the engine depends on this
//! crate), hence this small stand-in that knows only what these tests need.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Roles with passwords, and the pg_hba method each must authenticate with.
pub const PASSWORD_ROLES: [(&str, &str, &str); 3] = [
    ("pw_clear", "clear text", "password"),
    ("pw_md5", "md5 secret", "md5"),
    ("pw_scram", "scr@m s3cret/:?", "scram-sha-256"),
];

pub struct TestServer {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub tcp_port: u16,
}

impl TestServer {
    pub fn start() -> TestServer {
        let bin = pg_bin();
        let dir = tempfile::Builder::new()
            .prefix("pgbook-psql-test-")
            .tempdir_in("/tmp")
            .unwrap();
        run(Command::new("chmod").arg("777").arg(dir.path()));
        let data = dir.path().join("data");
        as_server_user(&[
            bin.join("initdb").to_str().unwrap(),
            "-D",
            data.to_str().unwrap(),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ]);
        let mut hba = String::new();
        for (role, _, method) in PASSWORD_ROLES {
            hba.push_str(&format!("local all {role} {method}\n"));
            hba.push_str(&format!("host all {role} 127.0.0.1/32 {method}\n"));
        }
        hba.push_str("local all all trust\nhost all all 127.0.0.1/32 trust\n");
        std::fs::write(data.join("pg_hba.conf"), hba).unwrap();
        let tcp_port = free_port();
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {tcp_port} -k {} -c lc_messages=C -c fsync=off",
            dir.path().display()
        );
        as_server_user(&[
            bin.join("pg_ctl").to_str().unwrap(),
            "-D",
            data.to_str().unwrap(),
            "-l",
            dir.path().join("log").to_str().unwrap(),
            "-o",
            &options,
            "-w",
            "start",
        ]);
        TestServer { dir, bin, tcp_port }
    }

    pub fn socket_dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        as_server_user(&[
            self.bin.join("pg_ctl").to_str().unwrap(),
            "-D",
            data.to_str().unwrap(),
            "-m",
            "immediate",
            "-w",
            "stop",
        ]);
    }
}

fn pg_bin() -> PathBuf {
    let output = Command::new("pg_config").arg("--bindir").output();
    if let Some(output) = output.ok().filter(|o| o.status.success()) {
        let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        if dir.join("initdb").exists() {
            return dir;
        }
    }
    let fallback = PathBuf::from("/usr/lib/postgresql/15/bin");
    assert!(
        fallback.join("initdb").exists(),
        "PostgreSQL server binaries not found"
    );
    fallback
}

fn is_root() -> bool {
    let output = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&output.stdout).trim() == "0"
}

fn as_server_user(args: &[&str]) {
    let mut command = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]);
        c
    } else {
        Command::new(args[0])
    };
    let args = if is_root() { args } else { &args[1..] };
    run(command.args(args));
}

fn run(command: &mut Command) {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

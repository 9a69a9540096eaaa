//! Running the `postgres` server process: spawned directly as our child (never daemonised
//! through `pg_ctl`), as the server user, in its own process group, with a parent-death
//! signal so that it cannot outlive a pgbook that was killed.
//!
//! `PR_SET_PDEATHSIG` fires when the *thread* that forked the child ends, so each server is
//! spawned by a keeper thread that lives exactly as long as the server. This module knows
//! nothing of templates or readiness.

use std::fs::File;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;

use super::cleanup;
use super::osuser::ServerUser;
use crate::EngineError;

/// Makes `command` run as `user`: supplementary groups, gid and uid are all switched in the
/// child before exec, and with `die_with_parent` the child gets SIGQUIT (PostgreSQL's
/// immediate shutdown) when the spawning thread ends.
pub(crate) fn run_as(command: &mut Command, user: ServerUser, die_with_parent: bool) {
    // SAFETY: getpid has no preconditions.
    let parent = unsafe { libc::getpid() };
    let switch = move || -> io::Result<()> {
        // SAFETY: only async-signal-safe syscalls between fork and exec.
        unsafe {
            let groups = [user.gid];
            check(libc::setgroups(1, groups.as_ptr()))?;
            check(libc::setgid(user.gid))?;
            check(libc::setuid(user.uid))?;
        }
        if die_with_parent {
            set_parent_death_signal(parent)?;
        }
        Ok(())
    };
    // SAFETY: the closure only performs raw syscalls (see above).
    unsafe { command.pre_exec(switch) };
}

/// Arms the parent-death signal (after any uid change, which would clear it).
fn set_parent_death_signal(parent: i32) -> io::Result<()> {
    // SAFETY: prctl and getppid are async-signal-safe syscalls.
    unsafe {
        check(libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGQUIT, 0, 0, 0))?;
        // The parent may have died between fork and prctl: then nobody would ever signal us.
        if libc::getppid() != parent {
            return Err(io::Error::other("pgbook exited while starting the server"));
        }
    }
    Ok(())
}

fn check(result: libc::c_int) -> io::Result<()> {
    if result == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// What to start: `postgres -D data -k socket_dir -p port`, output appended to `log`.
pub(crate) struct ServerSpec {
    pub postgres: PathBuf,
    pub data_dir: PathBuf,
    pub socket_dir: PathBuf,
    pub port: u16,
    pub log: File,
    pub user: Option<ServerUser>,
}

/// A running postmaster and the keeper thread that spawned it.
pub(crate) struct ServerProcess {
    pub pid: i32,
    stop: mpsc::Sender<()>,
    keeper: Option<JoinHandle<()>>,
}

impl ServerProcess {
    pub fn spawn(spec: ServerSpec) -> Result<ServerProcess, EngineError> {
        let (started_tx, started_rx) = mpsc::channel();
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        let keeper = std::thread::Builder::new()
            .name("pgbook-postmaster".into())
            .spawn(move || keep(spec, started_tx, stop_rx))
            .map_err(|e| EngineError::setup("cannot start a thread for the server", e))?;
        match started_rx.recv() {
            Ok(Ok(pid)) => Ok(ServerProcess {
                pid,
                stop: stop_tx,
                keeper: Some(keeper),
            }),
            Ok(Err(e)) => {
                let _ = keeper.join();
                Err(e)
            }
            Err(_) => Err(EngineError::Setup("the server's keeper thread died".into())),
        }
    }

    /// Fast shutdown; escalates if the server does not go. Blocks until it is gone.
    pub fn stop(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        let _ = self.stop.send(());
        if let Some(keeper) = self.keeper.take() {
            let _ = keeper.join();
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// The keeper thread: spawn, report the pid, wait for the stop request, stop and reap.
fn keep(
    spec: ServerSpec,
    started: mpsc::Sender<Result<i32, EngineError>>,
    stop: mpsc::Receiver<()>,
) {
    let mut child = match build_command(&spec).and_then(|mut c| c.spawn()) {
        Ok(child) => child,
        Err(e) => {
            let _ = started.send(Err(EngineError::setup(
                format!("cannot start {}", spec.postgres.display()),
                e,
            )));
            return;
        }
    };
    let pid = child.id() as i32;
    let _ = started.send(Ok(pid));
    // Either a stop request or the ServerProcess being dropped (sender gone) ends the wait.
    let _ = stop.recv();
    cleanup::stop_process(pid, libc::SIGINT);
    let _ = child.wait();
}

fn build_command(spec: &ServerSpec) -> io::Result<Command> {
    let mut command = Command::new(&spec.postgres);
    command
        .arg("-D")
        .arg(&spec.data_dir)
        .arg("-k")
        .arg(&spec.socket_dir)
        .arg("-p")
        .arg(spec.port.to_string())
        .arg("-c")
        .arg("listen_addresses=")
        .current_dir(&spec.socket_dir)
        .stdin(Stdio::null())
        .stdout(spec.log.try_clone()?)
        .stderr(spec.log.try_clone()?)
        // Ctrl-C in a terminal signals the whole foreground group; the server must be
        // stopped by us, in order, not by the terminal.
        .process_group(0);
    match spec.user {
        Some(user) => run_as(&mut command, user, true),
        None => {
            // SAFETY: getpid has no preconditions.
            let parent = unsafe { libc::getpid() };
            // SAFETY: the closure only performs raw syscalls.
            unsafe { command.pre_exec(move || set_parent_death_signal(parent)) };
        }
    }
    Ok(command)
}

/// Path of the server's Unix socket for `port` in `dir`.
pub(crate) fn socket_path(dir: &Path, port: u16) -> PathBuf {
    dir.join(format!(".s.PGSQL.{port}"))
}

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

use nix::sys::prctl::set_pdeathsig;
use nix::sys::signal::Signal;
use nix::unistd::{getpid, getppid, setgid, setgroups, setuid, Gid, Pid, Uid};

use super::cleanup;
use super::osuser::ServerUser;
use crate::EngineError;

/// Makes `command` run as `user`: supplementary groups, gid and uid are all switched in the
/// child before exec, and with `die_with_parent` the child gets SIGQUIT (PostgreSQL's
/// immediate shutdown) when the spawning thread ends.
pub(crate) fn run_as(command: &mut Command, user: ServerUser, die_with_parent: bool) {
    let parent = getpid();
    let switch = move || -> io::Result<()> {
        let (uid, gid) = (Uid::from_raw(user.uid), Gid::from_raw(user.gid));
        // Each of these is a single syscall on a stack value: nothing between fork and exec
        // allocates or takes a lock.
        setgroups(&[gid])?;
        setgid(gid)?;
        setuid(uid)?;
        if die_with_parent {
            set_parent_death_signal(parent)?;
        }
        Ok(())
    };
    // SAFETY: the closure only makes async-signal-safe syscalls (see above).
    unsafe { command.pre_exec(switch) };
}

/// Arms the parent-death signal (after any uid change, which would clear it).
fn set_parent_death_signal(parent: Pid) -> io::Result<()> {
    set_pdeathsig(Signal::SIGQUIT)?;
    // The parent may have died between fork and prctl: then nobody would ever signal us.
    if getppid() != parent {
        return Err(io::Error::other("pgbook exited while starting the server"));
    }
    Ok(())
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
    stop: mpsc::Sender<Signal>,
    keeper: Option<JoinHandle<()>>,
}

impl ServerProcess {
    pub fn spawn(spec: ServerSpec) -> Result<ServerProcess, EngineError> {
        let (started_tx, started_rx) = mpsc::channel();
        let (stop_tx, stop_rx) = mpsc::channel::<Signal>();
        let keeper = std::thread::Builder::new()
            .name("pgbook-postmaster".into())
            .spawn(move || keep(spec, started_tx, stop_rx))
            .map_err(EngineError::io("cannot start a thread for the server"))?;
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
            Err(_) => Err(EngineError::Io {
                what: "the server's keeper thread died".into(),
                cause: io::Error::other("it ended without reporting the server's pid"),
            }),
        }
    }

    /// Fast shutdown; escalates if the server does not go. Blocks until it is gone.
    pub fn stop(mut self) {
        self.stop_now(Signal::SIGINT);
    }

    /// Immediate shutdown (SIGQUIT: no shutdown checkpoint), for a cluster whose files are
    /// thrown away next. Blocks until it is gone.
    pub fn discard(mut self) {
        self.stop_now(Signal::SIGQUIT);
    }

    fn stop_now(&mut self, signal: Signal) {
        let _ = self.stop.send(signal);
        if let Some(keeper) = self.keeper.take() {
            let _ = keeper.join();
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.stop_now(Signal::SIGINT);
    }
}

/// The keeper thread: spawn, report the pid, wait for the stop request, stop and reap.
fn keep(
    spec: ServerSpec,
    started: mpsc::Sender<Result<i32, EngineError>>,
    stop: mpsc::Receiver<Signal>,
) {
    let mut child = match build_command(&spec).and_then(|mut c| c.spawn()) {
        Ok(child) => child,
        Err(e) => {
            let _ = started.send(Err(EngineError::Io {
                what: format!("cannot start {}", spec.postgres.display()),
                cause: e,
            }));
            return;
        }
    };
    let pid = child.id() as i32;
    let _ = started.send(Ok(pid));
    // Either a stop request or the ServerProcess being dropped (sender gone) ends the wait.
    let signal = stop.recv().unwrap_or(Signal::SIGINT);
    cleanup::stop_process(pid, signal);
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
            let parent = getpid();
            // SAFETY: the closure only makes async-signal-safe syscalls.
            unsafe { command.pre_exec(move || set_parent_death_signal(parent)) };
        }
    }
    Ok(command)
}

/// Path of the server's Unix socket for `port` in `dir`.
pub(crate) fn socket_path(dir: &Path, port: u16) -> PathBuf {
    dir.join(format!(".s.PGSQL.{port}"))
}

//! Making sure nothing a run started outlives it.
//!
//! Every directory pgbook creates for a cluster (run directories, initdb scratch space) is
//! registered here with the postmaster's pid once there is one, and carries an `owner` file
//! naming the pgbook process that made it. On a normal exit `Drop` cleans up; on SIGINT,
//! SIGTERM or SIGHUP the handler installed by [`install_signal_cleanup`] does, and an
//! `atexit` hook covers `std::process::exit`. After a `kill -9` the server gets SIGQUIT
//! (parent-death signal) and a later run removes what is left via [`reap_orphans`].
//!
//! This module must not know how clusters are built; it only stops pids and removes paths.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

/// Name of the file in a pgbook-made directory that identifies its owning process.
pub(crate) const OWNER_FILE: &str = "pgbook-owner";

/// Prefix of every directory pgbook creates under the run base directory.
pub(crate) const DIR_PREFIX: &str = "pgbook-";

struct LiveEntry {
    id: u64,
    dir: PathBuf,
    postmaster: Option<i32>,
}

static LIVE: Mutex<Vec<LiveEntry>> = Mutex::new(Vec::new());

/// Other things to undo on a signal or exit, e.g. dropping a chapter database on a server
/// named by a URL.
type Hook = Box<dyn FnOnce() + Send>;
static HOOKS: Mutex<Vec<(u64, Hook)>> = Mutex::new(Vec::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(1);
static AT_EXIT: Once = Once::new();

/// The signal being handled (0: none), and whether its cleanup has finished. While a
/// signal's cleanup runs, any other thread that tries to end the process waits for it and
/// then exits with the signal's status instead of its own.
static SIGNALLED: AtomicI32 = AtomicI32::new(0);
static SIGNAL_CLEANUP_DONE: AtomicBool = AtomicBool::new(false);

/// Registers a directory that must be removed however the process ends; returns its id.
/// Writes the `owner` file into it.
pub(crate) fn register_dir(dir: &Path) -> io::Result<u64> {
    ensure_at_exit_hook();
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    lock_live().push(LiveEntry {
        id,
        dir: dir.to_path_buf(),
        postmaster: None,
    });
    fs::write(dir.join(OWNER_FILE), owner_identity(std::process::id())?)?;
    Ok(id)
}

/// Records the postmaster that runs out of the registered directory `id`.
pub(crate) fn set_postmaster(id: u64, pid: i32) {
    if let Some(entry) = lock_live().iter_mut().find(|e| e.id == id) {
        entry.postmaster = Some(pid);
    }
}

/// Registers `hook` to run if the process is stopped by a signal or exits before
/// [`unregister_hook`]; returns its id.
pub(crate) fn register_hook(hook: Hook) -> u64 {
    ensure_at_exit_hook();
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    HOOKS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push((id, hook));
    id
}

fn ensure_at_exit_hook() {
    AT_EXIT.call_once(|| {
        // SAFETY: registering a plain extern "C" function with no captured state.
        unsafe { libc::atexit(cleanup_at_exit) };
    });
}

/// Forgets a hook whose work was done the normal way.
pub(crate) fn unregister_hook(id: u64) {
    HOOKS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .retain(|(hook_id, _)| *hook_id != id);
}

/// Forgets `id` once its owner has cleaned it up.
pub(crate) fn unregister(id: u64) {
    lock_live().retain(|e| e.id != id);
}

fn lock_live() -> std::sync::MutexGuard<'static, Vec<LiveEntry>> {
    LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Installs SIGINT/SIGTERM/SIGHUP handling that stops every cluster of this process, removes
/// its files and exits with 128 + the signal number. Call once, early, from the binary.
pub fn install_signal_cleanup() -> io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    static INSTALLED: Mutex<bool> = Mutex::new(false);
    let mut installed = INSTALLED.lock().unwrap_or_else(|p| p.into_inner());
    if *installed {
        return Ok(());
    }
    ensure_at_exit_hook();
    for signal in [SIGINT, SIGTERM, SIGHUP] {
        // Recorded in the handler itself, before any interrupted system call returns, so
        // that a thread racing to exit already knows a signal's cleanup is coming.
        // SAFETY: the action is a single atomic store, which is async-signal-safe.
        unsafe {
            signal_hook::low_level::register(signal, move || {
                let _ = SIGNALLED.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
            })?;
        }
    }
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new()
        .name("pgbook-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                let _ = SIGNALLED.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
                let signal = SIGNALLED.load(Ordering::SeqCst);
                cleanup_everything();
                SIGNAL_CLEANUP_DONE.store(true, Ordering::SeqCst);
                #[allow(clippy::disallowed_methods)] // removed by the engine rework
                std::process::exit(128 + signal);
            }
        })?;
    *installed = true;
    Ok(())
}

/// Runs every registered hook, stops every registered server and removes every
/// registered directory.
pub fn cleanup_everything() {
    let hooks = std::mem::take(&mut *HOOKS.lock().unwrap_or_else(|p| p.into_inner()));
    let entries = std::mem::take(&mut *lock_live());
    undo(hooks, entries);
}

extern "C" fn cleanup_at_exit() {
    let signal = SIGNALLED.load(Ordering::SeqCst);
    if signal != 0 {
        // Some thread is exiting while a signal's cleanup runs: let the cleanup finish,
        // then end with the signal's status.
        let deadline = Instant::now() + Duration::from_secs(60);
        while !SIGNAL_CLEANUP_DONE.load(Ordering::SeqCst) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        // SAFETY: _exit ends the process at once; everything has been cleaned up.
        unsafe { libc::_exit(128 + signal) };
    }
    // A thread holding a lock at exit time would deadlock us; skip rather than hang.
    let hooks = HOOKS.try_lock().map(|mut h| std::mem::take(&mut *h));
    let entries = LIVE.try_lock().map(|mut l| std::mem::take(&mut *l));
    undo(hooks.unwrap_or_default(), entries.unwrap_or_default());
}

fn undo(hooks: Vec<(u64, Hook)>, entries: Vec<LiveEntry>) {
    for (_, hook) in hooks {
        hook();
    }
    for entry in entries {
        if let Some(pid) = entry.postmaster {
            stop_process(pid, libc::SIGINT);
        }
        let _ = fs::remove_dir_all(&entry.dir);
    }
}

/// Sends `first` to `pid` and waits for it to go, escalating to SIGQUIT (PostgreSQL's
/// immediate shutdown) and then SIGKILL.
pub(crate) fn stop_process(pid: i32, first: i32) {
    for (signal, patience) in [
        (first, Duration::from_secs(10)),
        (libc::SIGQUIT, Duration::from_secs(5)),
        (libc::SIGKILL, Duration::from_secs(5)),
    ] {
        // SAFETY: kill with a positive pid only signals that process.
        if pid <= 0 || unsafe { libc::kill(pid, signal) } != 0 {
            return;
        }
        if wait_until_gone(pid, patience) {
            return;
        }
    }
}

/// Polls until `pid` no longer runs (a zombie awaiting its parent counts as gone).
pub(crate) fn wait_until_gone(pid: i32, patience: Duration) -> bool {
    let deadline = Instant::now() + patience;
    let mut pause = Duration::from_micros(200);
    loop {
        if !process_running(pid) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

/// Whether `pid` exists and is not a zombie.
pub(crate) fn process_running(pid: i32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat_state(&stat) != Some('Z'),
        // SAFETY: signal 0 only checks for existence.
        Err(_) => pid > 0 && unsafe { libc::kill(pid, 0) } == 0,
    }
}

/// `/proc/PID/stat` fields after the parenthesised command name (which may hold spaces).
fn stat_fields(stat: &str) -> Vec<&str> {
    stat.rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default()
}

fn stat_state(stat: &str) -> Option<char> {
    stat_fields(stat).first().and_then(|s| s.chars().next())
}

/// "PID STARTTIME": the start time (clock ticks since boot) tells a live owner from a
/// recycled pid.
fn owner_identity(pid: u32) -> io::Result<String> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let start = stat_fields(&stat)
        .get(19)
        .copied()
        .unwrap_or("0")
        .to_string();
    Ok(format!("{pid} {start}\n"))
}

fn owner_alive(identity: &str) -> bool {
    let Some(pid) = identity
        .split_whitespace()
        .next()
        .and_then(|p| p.parse::<u32>().ok())
    else {
        return false;
    };
    match owner_identity(pid) {
        Ok(current) => current.trim() == identity.trim() && process_running(pid as i32),
        Err(_) => false,
    }
}

/// Removes directories under `base` left by pgbook processes that no longer run, stopping
/// any server still running out of them. Directories of live pgbook processes are kept.
pub(crate) fn reap_orphans(base: &Path) {
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with(DIR_PREFIX) {
            continue;
        }
        let dir = entry.path();
        // No owner file yet: being created right now, or not ours. Leave it.
        let Ok(identity) = fs::read_to_string(dir.join(OWNER_FILE)) else {
            continue;
        };
        if owner_alive(&identity) {
            continue;
        }
        if let Some(pid) = orphan_postmaster(&dir) {
            stop_process(pid, libc::SIGQUIT);
        }
        let _ = fs::remove_dir_all(&dir);
    }
}

/// The pid in `DIR/data/postmaster.pid`, if that process still runs out of `DIR`.
fn orphan_postmaster(dir: &Path) -> Option<i32> {
    let pid_file = fs::read_to_string(dir.join("data").join("postmaster.pid")).ok()?;
    let pid: i32 = pid_file.lines().next()?.trim().parse().ok()?;
    let cmdline = fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let dir_text = dir.to_string_lossy();
    String::from_utf8_lossy(&cmdline)
        .contains(dir_text.as_ref())
        .then_some(pid)
}

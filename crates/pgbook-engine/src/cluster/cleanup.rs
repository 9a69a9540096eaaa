//! Making sure nothing a run started outlives it, and stopping a run early.
//!
//! Every directory pgbook creates for a cluster (run directories, initdb scratch space, and
//! the binary's own scratch directories through [`ScratchDir::create_named`]) is registered
//! here, with the postmaster's pid once there is one, and carries an `owner` file naming the
//! process that made it. On a normal exit `Drop` cleans up. Whoever decides how the process
//! ends — the binary's signal handling, an example — calls [`cleanup`] first (it is safe to
//! call from any thread, e.g. a signal-handling one). After a `kill -9` the server gets
//! SIGQUIT (parent-death signal) and a later run removes what is left via
//! [`reap_abandoned`], the one test of "left by a process that no longer runs".
//!
//! [`cancel`] sets the process-wide cancel flag that a running `Engine::run_chapters`
//! watches, and runs the registered cancel hooks (forcibly dropping the chapter databases in
//! use, which ends their statements).
//!
//! This module does not install signal handlers or end the process: the binary owns both.
//! It must not know how clusters are built; it only stops pids and removes paths.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use super::osuser::{self, ServerUser};
use crate::EngineError;

/// Name of the file in a pgbook-made directory that identifies its owning process.
pub(crate) const OWNER_FILE: &str = "pgbook-owner";

/// Prefix of every directory pgbook creates under a run base directory.
pub(crate) const DIR_PREFIX: &str = "pgbook-";

struct LiveEntry {
    id: u64,
    dir: PathBuf,
    postmaster: Option<i32>,
}

static LIVE: Mutex<Vec<LiveEntry>> = Mutex::new(Vec::new());

/// Work to do when the run is cancelled, e.g. dropping a chapter database (which ends the
/// statements running in it).
type Hook = Box<dyn FnOnce() + Send>;
static HOOKS: Mutex<Vec<(u64, Hook)>> = Mutex::new(Vec::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(1);
static CANCELLED: AtomicBool = AtomicBool::new(false);

fn lock<T>(mutex: &'static Mutex<T>) -> MutexGuard<'static, T> {
    // A panic elsewhere must not stop cleanup: the data (lists of paths) stays consistent.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Sets the cancel flag for this process: chapters not yet started are not started, and the
/// chapter databases in use are dropped forcibly so that no further statement runs in them.
/// A running `Engine::run_chapters` then returns promptly with [`EngineError::Cancelled`]
/// for every chapter it did not finish. The flag stays set for the life of the process.
pub fn cancel() {
    CANCELLED.store(true, Ordering::SeqCst);
    let hooks = std::mem::take(&mut *lock(&HOOKS));
    // At once, not one after another: each may wait for its server's connect timeout.
    std::thread::scope(|scope| {
        for (_, hook) in hooks {
            scope.spawn(hook);
        }
    });
}

/// Whether [`cancel`] was called.
pub fn is_cancelled() -> bool {
    CANCELLED.load(Ordering::SeqCst)
}

/// Cancels the run, stops every server this process started and removes every directory it
/// registered. Callable from any thread; the binary calls it before it ends the process on a
/// signal. Objects still holding those servers simply find them gone.
pub fn cleanup() {
    cancel();
    let entries = std::mem::take(&mut *lock(&LIVE));
    for entry in entries {
        if let Some(pid) = entry.postmaster {
            stop_process(pid, Signal::SIGINT);
        }
        remove_dir_racing_a_writer(&entry.dir);
    }
}

/// Removes `dir` even while another thread is still filling it (a cluster being copied
/// when the run was cancelled: the copy stops at its next file, since the cancel flag is
/// set, but may add a file or two after the first removal pass).
fn remove_dir_racing_a_writer(dir: &Path) {
    for _ in 0..20 {
        let _ = fs::remove_dir_all(dir);
        if !dir.exists() {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Registers `hook` to run if the run is cancelled before [`unregister_hook`]; returns its
/// id. After a cancel the hook runs at once: the caller's work is already doomed.
pub(crate) fn register_hook(hook: Hook) -> u64 {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    if is_cancelled() {
        hook();
    } else {
        lock(&HOOKS).push((id, hook));
    }
    id
}

/// Forgets a hook whose work was done the normal way.
pub(crate) fn unregister_hook(id: u64) {
    lock(&HOOKS).retain(|(hook_id, _)| *hook_id != id);
}

/// Records the postmaster that runs out of the registered directory `id`.
pub(crate) fn set_postmaster(id: u64, pid: i32) {
    if let Some(entry) = lock(&LIVE).iter_mut().find(|e| e.id == id) {
        entry.postmaster = Some(pid);
    }
}

/// A registered `pgbook-…` directory: removed when dropped, by [`cleanup`], or — if this
/// process is killed — by the next run's [`reap_abandoned`].
pub struct ScratchDir {
    path: PathBuf,
    id: u64,
}

impl ScratchDir {
    /// A new private `BASE/pgbook-WHAT-PID-N-NANOS` directory given to `owner`.
    pub(crate) fn create(
        base: &Path,
        what: &str,
        owner: Option<ServerUser>,
    ) -> Result<ScratchDir, EngineError> {
        let path = unique_dir_name(base, what);
        osuser::create_private_dir(&path, owner)
            .map_err(EngineError::io(format!("cannot create {}", path.display())))?;
        ScratchDir::register(path)
    }

    /// Creates the private directory `path` (whose name must start with `pgbook-` for a later
    /// run to find it after a `kill -9`, and should hold this process's pid), replacing what
    /// a process that no longer runs left there.
    pub fn create_named(path: PathBuf) -> Result<ScratchDir, EngineError> {
        let owner = fs::read_to_string(path.join(OWNER_FILE));
        if path.exists() && !owner.is_ok_and(|identity| owner_alive(&identity)) {
            let _ = fs::remove_dir_all(&path);
        }
        osuser::create_private_dir(&path, None)
            .map_err(EngineError::io(format!("cannot create {}", path.display())))?;
        ScratchDir::register(path)
    }

    fn register(path: PathBuf) -> Result<ScratchDir, EngineError> {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        lock(&LIVE).push(LiveEntry {
            id,
            dir: path.clone(),
            postmaster: None,
        });
        let dir = ScratchDir { path, id };
        let owner = owner_identity(std::process::id())
            .and_then(|identity| fs::write(dir.path.join(OWNER_FILE), identity));
        // On error `dir` is dropped here, which removes and unregisters it.
        owner.map_err(EngineError::io(format!(
            "cannot write into {}",
            dir.path.display()
        )))?;
        Ok(dir)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
        lock(&LIVE).retain(|e| e.id != self.id);
    }
}

fn unique_dir_name(base: &Path, what: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    base.join(format!(
        "{DIR_PREFIX}{what}-{}-{}-{nanos:08x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Sends `signal` to `pid` without waiting (a non-positive pid is ignored: it would signal
/// a whole process group).
pub(crate) fn signal_process(pid: i32, signal: Signal) {
    if pid > 0 {
        let _ = kill(Pid::from_raw(pid), signal);
    }
}

/// Sends `first` to `pid` and waits for it to go, escalating to SIGQUIT (PostgreSQL's
/// immediate shutdown) and then SIGKILL.
pub(crate) fn stop_process(pid: i32, first: Signal) {
    for (signal, patience) in [
        (first, Duration::from_secs(10)),
        (Signal::SIGQUIT, Duration::from_secs(5)),
        (Signal::SIGKILL, Duration::from_secs(5)),
    ] {
        // A non-positive pid would signal a whole process group.
        if pid <= 0 || kill(Pid::from_raw(pid), signal).is_err() {
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
        // Without /proc, signal "none" only checks that the process exists.
        Err(_) => pid > 0 && kill(Pid::from_raw(pid), None).is_ok(),
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

/// Removes `pgbook-…` directories under `base` left by processes that no longer run,
/// stopping any server still running out of them. Directories of live processes, and
/// directories without an owner file (being created right now, or not ours), are kept.
pub fn reap_abandoned(base: &Path) {
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with(DIR_PREFIX) {
            continue;
        }
        let dir = entry.path();
        let Ok(identity) = fs::read_to_string(dir.join(OWNER_FILE)) else {
            continue;
        };
        if owner_alive(&identity) {
            continue;
        }
        if let Some(pid) = orphan_postmaster(&dir) {
            stop_process(pid, Signal::SIGQUIT);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_of_a_dead_owner_is_reaped_and_a_live_ones_kept() {
        let base = tempfile::tempdir().unwrap();
        let live = ScratchDir::create_named(base.path().join("pgbook-live")).unwrap();
        let dead = base.path().join("pgbook-dead");
        fs::create_dir(&dead).unwrap();
        // A pid that cannot run: above the kernel's pid_max limit.
        fs::write(dead.join(OWNER_FILE), "2147483646 1\n").unwrap();
        let foreign = base.path().join("pgbook-no-owner-file");
        fs::create_dir(&foreign).unwrap();

        reap_abandoned(base.path());
        assert!(live.path().is_dir(), "a live owner's directory is kept");
        assert!(!dead.exists(), "a dead owner's directory is removed");
        assert!(
            foreign.is_dir(),
            "a directory without an owner file is not ours"
        );

        let path = live.path().to_path_buf();
        drop(live);
        assert!(!path.exists(), "dropping removes the directory");
    }
}

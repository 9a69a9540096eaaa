//! Scratch PostgreSQL clusters: found, initialised once, copied, started, stopped, removed.
//!
//! [`ScratchCluster::start`] finds the server binaries, makes sure a template for this
//! (version, settings) is in the cache (running initdb only the first time), copies it into
//! a fresh private run directory, starts `postgres` listening only on a Unix socket in that
//! directory, and returns once a connection succeeds. Stopping (explicitly, on drop, on a
//! signal, or in a later run after `kill -9`) stops the server and removes the directory.
//! The fixed settings are listed in [`settings`].
//!
//! Run directories are created under `$PGBOOK_RUN_DIR`, else `/dev/shm`, else the system temp
//! directory; as root that base must be traversable by the `postgres` user (all of these are).
//!
//! This module knows nothing of books or chapters, and runs no SQL beyond a readiness probe.

mod backup;
mod binaries;
pub(crate) mod cleanup;
mod osuser;
mod ready;
mod server;
pub mod settings;
mod standby;
mod template;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use backup::{Backup, RestoreTarget, WalArchive};
pub use cleanup::{cancel, cleanup, is_cancelled, reap_abandoned, ScratchDir};
pub use standby::StandbyRecipe;

use crate::EngineError;
use server::{ServerProcess, ServerSpec};

/// The Unix-socket "port": it only names the socket file in our private directory.
pub(crate) const PORT: u16 = 5432;

/// How to start a scratch cluster.
#[derive(Debug, Default, Clone)]
pub struct ClusterOptions {
    /// Directory of `postgres` and `initdb`; searched for when `None`.
    pub pg_bin: Option<PathBuf>,
    /// Extra server settings (a book's `[database.settings]`), applied after the fixed ones.
    pub settings: Vec<(String, String)>,
    /// The template cache directory (the binary resolves `PGBOOK_CACHE_DIR`, the XDG cache
    /// directory or `~/.cache/pgbook`); `None` is `pgbook-cache` in the system temp directory.
    pub cache_dir: Option<PathBuf>,
}

/// A running scratch cluster. Dropping it stops the server and removes its files.
pub struct ScratchCluster {
    bin_dir: PathBuf,
    version: String,
    ran_initdb: bool,
    phases: Vec<(&'static str, Duration)>,
    user: Option<osuser::ServerUser>,
    /// Added to a start-up failure's message.
    start_hint: &'static str,
    // Field order matters: the server stops before its directory is removed.
    server: Option<ServerProcess>,
    run_dir: ScratchDir,
}

/// Everything needed to start scratch clusters of one (version, settings), found and
/// prepared once: the binaries, the server user and the cached template. Each
/// [`ClusterTemplate::start`] copies the template into a new private directory and starts
/// a server there — the per-chapter cost (tens of milliseconds), with no initdb.
pub struct ClusterTemplate {
    bins: binaries::PgBinaries,
    user: Option<osuser::ServerUser>,
    data_dir: PathBuf,
    run_base: PathBuf,
    created: bool,
    has_book_settings: bool,
    phases: Vec<(&'static str, Duration)>,
}

impl ClusterTemplate {
    /// Finds the binaries and makes sure the template for these settings is in the cache
    /// (running initdb only the first time); also removes what killed runs left behind.
    pub fn prepare(options: &ClusterOptions) -> Result<ClusterTemplate, EngineError> {
        let began = Instant::now();
        let mut phases = Vec::new();
        let run_base = run_base();
        reap_all_orphans(&run_base);
        let cache_dir = options.cache_dir.as_deref();
        let bins = binaries::find(options.pg_bin.as_deref(), cache_dir)?;
        phases.push(("found binaries", began.elapsed()));
        let user = osuser::server_user()?;
        let template =
            template::ensure_template(&bins, &options.settings, user, &run_base, cache_dir)?;
        phases.push(("template ready", began.elapsed()));
        Ok(ClusterTemplate {
            bins,
            user,
            data_dir: template.data_dir,
            run_base,
            created: template.created,
            has_book_settings: !options.settings.is_empty(),
            phases,
        })
    }

    /// Short server version of the binaries, e.g. `15.18`.
    pub fn version(&self) -> &str {
        &self.bins.version
    }

    /// The directory of the server binaries used (`initdb`, `postgres`, `pg_basebackup`).
    pub fn bin_dir(&self) -> &Path {
        &self.bins.bin_dir
    }

    /// The arguments the template was initialised with, besides its data directory.
    pub fn initdb_args(&self) -> &'static [&'static str] {
        template::INITDB_ARGS
    }

    /// A new cluster copied from the template, started and accepting connections.
    pub fn start(&self) -> Result<ScratchCluster, EngineError> {
        self.start_with(&[])
    }

    /// Like [`ClusterTemplate::start`], with `settings` appended to this cluster's
    /// `postgresql.conf` (after the template's, so they win). A node that standbys are
    /// made from needs `full_page_writes = on` from its start, for instance: the scratch
    /// default `off` makes a backup taken from a standby of it unusable.
    pub fn start_with(&self, settings: &[(String, String)]) -> Result<ScratchCluster, EngineError> {
        self.start_in(self.new_run_dir("run")?, settings)
    }

    /// A new private directory for a cluster, registered for cleanup; its path (the
    /// socket directory) is known before the cluster is made in it.
    pub fn new_run_dir(&self, what: &str) -> Result<ScratchDir, EngineError> {
        ScratchDir::create(&self.run_base, what, self.user)
    }

    /// [`ClusterTemplate::start_with`] in a directory from [`ClusterTemplate::new_run_dir`].
    pub fn start_in(
        &self,
        run_dir: ScratchDir,
        settings: &[(String, String)],
    ) -> Result<ScratchCluster, EngineError> {
        if is_cancelled() {
            return Err(EngineError::Cancelled);
        }
        let began = Instant::now();
        let data_dir = run_dir.path().join("data");
        osuser::copy_tree(&self.data_dir, &data_dir, self.user)
            .map_err(EngineError::io("cannot copy the cluster template"))?;
        if !settings.is_empty() {
            append_settings(&data_dir, settings)
                .map_err(EngineError::io("cannot write the cluster's settings"))?;
        }
        let copied = began.elapsed();
        let mut cluster = self.launch(run_dir, began)?;
        cluster.phases.insert(0, ("template copied", copied));
        Ok(cluster)
    }

    /// Starts `postgres` on the data directory `run_dir/data`, listening in `run_dir`, and
    /// returns once it accepts connections (a standby: once it is consistent).
    pub(crate) fn launch(
        &self,
        run_dir: ScratchDir,
        began: Instant,
    ) -> Result<ScratchCluster, EngineError> {
        let mut cluster = ScratchCluster {
            bin_dir: self.bins.bin_dir.clone(),
            version: self.bins.version.clone(),
            ran_initdb: self.created,
            phases: Vec::new(),
            user: self.user,
            start_hint: if self.has_book_settings {
                " (check the book's [database.settings])"
            } else {
                ""
            },
            server: None,
            run_dir,
        };
        cluster.run_server(began)?;
        Ok(cluster)
    }
}

impl ScratchCluster {
    /// Starts `postgres` on this cluster's data directory (its output appended to
    /// `server.log`) and waits until it accepts connections.
    pub(crate) fn run_server(&mut self, began: Instant) -> Result<(), EngineError> {
        let data_dir = self.run_dir.path().join("data");
        let log_path = server_log_in(self.run_dir.path());
        let log = File::options()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(EngineError::io(format!(
                "cannot open {}",
                log_path.display()
            )))?;
        let server = ServerProcess::spawn(ServerSpec {
            postgres: self.bin_dir.join("postgres"),
            data_dir,
            socket_dir: self.run_dir.path().to_path_buf(),
            port: PORT,
            log,
            user: self.user,
        })?;
        cleanup::set_postmaster(self.run_dir.id(), server.pid);
        let pid = server.pid;
        self.server = Some(server);
        self.phases.push(("server spawned", began.elapsed()));

        let socket = server::socket_path(self.socket_dir(), PORT);
        ready::wait_until_ready(
            &socket,
            template::SUPERUSER,
            "postgres",
            Duration::from_secs(60),
            || cleanup::process_running(pid),
        )
        .map_err(|problem| EngineError::ServerStart {
            problem,
            hint: self.start_hint,
            log_tail: read_log_tail(&log_path),
        })?;
        self.phases.push(("server ready", began.elapsed()));
        Ok(())
    }

    /// Restarts the server on the same data: a fast shutdown, or with `immediate` a crash
    /// (SIGQUIT, no shutdown checkpoint), so that the start replays the WAL. Connections to
    /// it are ended; returns once it accepts new ones.
    pub fn restart(&mut self, immediate: bool) -> Result<(), EngineError> {
        if let Some(server) = self.server.take() {
            if immediate {
                server.discard();
            } else {
                server.stop();
            }
        }
        self.phases.clear();
        self.run_server(Instant::now())
    }
}

impl ScratchCluster {
    /// Prepares the template ([`ClusterTemplate::prepare`]) and starts one cluster from it.
    pub fn start(options: &ClusterOptions) -> Result<ScratchCluster, EngineError> {
        let template = ClusterTemplate::prepare(options)?;
        let mut cluster = template.start()?;
        let before = template.phases.last().map_or(Duration::ZERO, |p| p.1);
        let mut phases = template.phases.clone();
        phases.extend(
            cluster
                .phases
                .iter()
                .map(|(name, at)| (*name, before + *at)),
        );
        cluster.phases = phases;
        Ok(cluster)
    }

    /// Connection options for `dbname` as the superuser, over the Unix socket.
    pub fn connect_options(&self, dbname: &str) -> pgbook_psql::ConnectOptions {
        connect_options_in(self.socket_dir(), dbname)
    }

    /// The server's log file (its stderr), which pgbook reads for deadlock checks.
    pub fn log_path(&self) -> PathBuf {
        server_log_in(self.run_dir.path())
    }

    /// The private directory holding the server's socket (and its data directory).
    pub fn socket_dir(&self) -> &Path {
        self.run_dir.path()
    }

    pub fn port(&self) -> u16 {
        PORT
    }

    pub fn superuser(&self) -> &str {
        template::SUPERUSER
    }

    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    /// Short server version, e.g. `15.18`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Whether starting this cluster ran initdb (false when the template came from the cache).
    pub fn ran_initdb(&self) -> bool {
        self.ran_initdb
    }

    /// How long after the start call each phase of starting this cluster ended ("found
    /// binaries", "template ready", "template copied", "server spawned", "server ready"),
    /// for benchmarks.
    pub fn startup_phases(&self) -> &[(&'static str, Duration)] {
        &self.phases
    }

    /// The postmaster's process id.
    pub fn postmaster_pid(&self) -> Option<i32> {
        self.server.as_ref().map(|s| s.pid)
    }

    /// Stops the server at once (immediate shutdown: nothing is flushed, since nothing is
    /// kept) and removes every file of this run; what a chapter's cluster gets at its end.
    pub fn discard(mut self) {
        if let Some(server) = self.server.take() {
            server.discard();
        }
    }

    /// Stops the server (fast shutdown) and removes every file of this run.
    pub fn stop(mut self) -> Result<(), EngineError> {
        if let Some(server) = self.server.take() {
            server.stop();
        }
        let path = self.run_dir.path().to_path_buf();
        drop(self);
        if path.exists() {
            return Err(EngineError::Leftover { path });
        }
        Ok(())
    }
}

/// The log file of the server whose run directory is `run_dir` (known before it starts).
pub(crate) fn server_log_in(run_dir: &Path) -> PathBuf {
    run_dir.join("server.log")
}

/// Appends `settings` to `data_dir/postgresql.conf` (appending keeps the file's owner).
fn append_settings(data_dir: &Path, settings: &[(String, String)]) -> std::io::Result<()> {
    use std::io::Write;
    let mut conf = std::fs::OpenOptions::new()
        .append(true)
        .open(data_dir.join("postgresql.conf"))?;
    writeln!(conf, "# Added by pgbook: this cluster's own settings.")?;
    for (name, value) in settings {
        writeln!(conf, "{name} = '{}'", value.replace('\'', "''"))?;
    }
    Ok(())
}

/// Connection options for `dbname` as the superuser, over the socket of a cluster whose
/// run directory is `socket_dir` (known before the cluster starts).
pub fn connect_options_in(socket_dir: &Path, dbname: &str) -> pgbook_psql::ConnectOptions {
    pgbook_psql::ConnectOptions {
        target: pgbook_psql::Target::Unix {
            dir: socket_dir.to_path_buf(),
            port: PORT,
        },
        user: template::SUPERUSER.to_string(),
        password: None,
        dbname: dbname.to_string(),
        application_name: "pgbook".to_string(),
        // The socket is local, but a server stopped under us (e.g. on a signal) must
        // not leave a reconnect waiting.
        connect_timeout: Some(crate::database::CONNECT_TIMEOUT),
    }
}

/// Removes what killed runs left, wherever a run directory may have been put.
fn reap_all_orphans(run_base: &Path) {
    let mut bases = vec![run_base.to_path_buf()];
    for other in [PathBuf::from("/dev/shm"), std::env::temp_dir()] {
        if !bases.contains(&other) {
            bases.push(other);
        }
    }
    for base in bases {
        cleanup::reap_abandoned(&base);
    }
}

/// The version (e.g. `15.18`) of the server binaries a scratch cluster would run, found
/// without starting anything, so callers can key cached results by it.
pub fn installed_version(
    pg_bin: Option<&Path>,
    cache_dir: Option<&Path>,
) -> Result<String, EngineError> {
    binaries::find(pg_bin, cache_dir).map(|b| b.version)
}

/// Where run directories are created: `$PGBOOK_RUN_DIR`, else `/dev/shm` when it is a
/// writable directory with room to spare (copying the template into memory is ~15× faster
/// than onto disk, and the data is scratch anyway; containers often have a tiny /dev/shm,
/// hence the free-space check), else the system temp directory.
// PGBOOK_RUN_DIR is pgbook's documented override, read where the default is decided (like
// TMPDIR); the cache directory, by contrast, comes from the binary as data.
#[allow(clippy::disallowed_methods)]
pub(crate) fn run_base() -> PathBuf {
    if let Some(dir) = std::env::var_os("PGBOOK_RUN_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let shm = Path::new("/dev/shm");
    if shm.is_dir() && writable(shm) && free_bytes(shm).unwrap_or(0) >= MIN_SHM_FREE {
        return shm.to_path_buf();
    }
    std::env::temp_dir()
}

/// Free space /dev/shm needs before run directories go there.
const MIN_SHM_FREE: u64 = 2 << 30;

fn free_bytes(dir: &Path) -> Option<u64> {
    let stat = nix::sys::statvfs::statvfs(dir).ok()?;
    Some(stat.blocks_available() as u64 * stat.fragment_size() as u64)
}

fn writable(dir: &Path) -> bool {
    use nix::unistd::{access, AccessFlags};
    access(dir, AccessFlags::W_OK | AccessFlags::X_OK).is_ok()
}

/// The end of the server's log, quoted in errors (the file itself goes with the run
/// directory).
fn read_log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let tail = &lines[lines.len().saturating_sub(20)..];
    format!("last lines of the server's log:\n{}", tail.join("\n"))
}

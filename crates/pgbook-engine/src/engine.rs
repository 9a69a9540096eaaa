//! The [`Engine`]: where a build's chapters run — each on its own scratch cluster copied
//! from the template, or each in its own database on the server a database URL names —
//! several at once.
//!
//! This module wires options to the cluster, databases and runner; it knows nothing of
//! how statements are split or printed.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use pgbook_book::node_attrs::Restart;
use pgbook_book::{Chapter, ChapterOutcome, Config, Diagnostic, Snippet};
use sha2::{Digest, Sha256};

use crate::cluster::is_cancelled;
use crate::database::{
    chapter_database_name, check_can_create_databases, describe_target, server_version, AdminPool,
    ChapterCluster, ChapterDatabase, Server,
};
use crate::{
    node_run, nodes, role, runner, ClusterOptions, ClusterTemplate, EngineError, ScratchCluster,
};

/// Everything the engine needs from configuration and the command line.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    pub pg_bin: Option<PathBuf>,
    pub settings: Vec<(String, String)>,
    /// Use this server instead of a scratch cluster: a `postgres://` URL or libpq
    /// `key=value` pairs (`connect_timeout` honoured, 10 s when absent).
    pub database_url: Option<String>,
    /// Default per-statement timeout (`[execute] timeout`).
    pub statement_timeout: Duration,
    /// Chapters run in parallel; 0 = number of cores.
    pub jobs: usize,
    /// The template cache directory, resolved by the caller (see
    /// [`ClusterOptions::cache_dir`]).
    pub cache_dir: Option<PathBuf>,
    /// Run snippets as this ordinary role (`[execute] role`), not the superuser.
    pub role: Option<String>,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            pg_bin: None,
            settings: Vec::new(),
            database_url: None,
            statement_timeout: Duration::from_secs(30),
            jobs: 0,
            cache_dir: None,
            role: None,
        }
    }
}

impl EngineOptions {
    /// Options from `book.toml`. The URL given here (the binary's `--database-url`, which
    /// also reads `DATABASE_URL`) wins over `[database] url`. The engine reads no
    /// environment variable itself.
    pub fn from_config(config: &Config, database_url: Option<String>) -> Self {
        let database_url = database_url
            .filter(|u| !u.is_empty())
            .or_else(|| config.database.url.clone());
        EngineOptions {
            pg_bin: config.database.pg_bin.clone(),
            settings: config.database.settings_as_strings(),
            database_url,
            statement_timeout: config.execute.timeout,
            jobs: config.execute.jobs,
            cache_dir: None,
            role: config.execute.role.clone(),
        }
    }
}

/// What [`Engine::run_chapters_observed`] reports about one chapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChapterProgress {
    /// A worker began running it.
    Started,
    /// Its result is ready (whatever it is).
    Finished,
}

/// Runs chapters. Dropping it stops the reference scratch cluster, if it started one
/// (each chapter's own cluster is stopped when the chapter ends).
pub struct Engine {
    options: EngineOptions,
    // Declared before `server`: pooled connections close before the cluster stops.
    admin_pool: AdminPool,
    server: Server,
    server_version: String,
    server_version_num: u32,
}

impl Engine {
    /// Prepares the cluster template and starts one reference cluster from it (so a
    /// setting the server refuses is reported before any chapter runs), or checks that the
    /// database URL's server is reachable.
    pub fn start(options: EngineOptions) -> Result<Engine, EngineError> {
        let server = match &options.database_url {
            Some(url) => Server::from_url(url)?,
            None => {
                let template = ClusterTemplate::prepare(&ClusterOptions {
                    pg_bin: options.pg_bin.clone(),
                    settings: options.settings.clone(),
                    cache_dir: options.cache_dir.clone(),
                })?;
                let reference = template.start()?;
                Server::Scratch {
                    template,
                    reference,
                }
            }
        };
        let mut admin = server.admin_client()?;
        let (server_version, server_version_num) = server_version(&mut admin)?;
        if let Server::Url(_) = server {
            check_can_create_databases(&mut admin, &server)?;
        }
        let admin_pool = AdminPool::default();
        admin_pool.give_back(admin);
        Ok(Engine {
            options,
            server,
            admin_pool,
            server_version,
            server_version_num,
        })
    }

    /// Short server version, e.g. `15.18`, for "verified on PostgreSQL 15.18".
    pub fn server_version(&self) -> &str {
        self.server_version
            .split_whitespace()
            .next()
            .unwrap_or(&self.server_version)
    }

    /// Results can be reused while this stays the same: server version, whether it is a
    /// scratch cluster, and its settings.
    pub fn cache_key(&self) -> String {
        let mut digest = Sha256::new();
        digest.update(self.server_version.as_bytes());
        let mode = match &self.server {
            Server::Scratch { .. } => "scratch".to_string(),
            Server::Url(options) => format!("url {}", describe_target(options)),
        };
        digest.update(format!("\0{mode}").as_bytes());
        for (name, value) in &self.options.settings {
            digest.update(format!("\0{name}\0{value}").as_bytes());
        }
        if let Some(role) = &self.options.role {
            digest.update(format!("\0role\0{role}").as_bytes());
        }
        let hash = hex::encode(digest.finalize());
        format!("{}-{}", self.server_version(), &hash[..16])
    }

    /// Runs one chapter on a fresh scratch cluster of its own (or in a fresh database on
    /// the URL's server), stopped (dropped) afterwards. After [`crate::cancel`] it returns
    /// [`EngineError::Cancelled`] instead of an outcome that the cancellation cut short.
    pub fn run_chapter(&self, chapter: &Chapter) -> Result<ChapterOutcome, EngineError> {
        // A meta-command stops the chapter before anything is created or run.
        let plans = runner::split_chapter(chapter)?;
        let node_plan = nodes::plan(chapter).map_err(EngineError::Input)?;
        let with_nodes = nodes::first_node_snippet(chapter);
        if let (Some(snippet), Server::Url(_)) = (with_nodes, &self.server) {
            return Err(EngineError::Input(nodes_need_binaries(snippet)));
        }
        if is_cancelled() {
            return Err(EngineError::Cancelled);
        }
        let hint = chapter
            .path
            .with_extension("")
            .to_string_lossy()
            .into_owned();
        let timeout = self.options.statement_timeout;
        let role = self.options.role.as_deref();
        let mut nodes = Vec::new();
        let snippets = match &self.server {
            Server::Scratch { template, .. } if with_nodes.is_some() => {
                let database = chapter_database_name(&hint);
                let run = node_run::NodeChapter {
                    template,
                    chapter,
                    plan: &node_plan,
                    database: &database,
                    server_version_num: self.server_version_num,
                    default_timeout: timeout,
                    role,
                };
                let done = node_run::run_with_nodes(&run, plans).map_err(|e| {
                    if is_cancelled() {
                        EngineError::Cancelled
                    } else {
                        e
                    }
                })?;
                nodes = done.nodes;
                done.outcomes
            }
            Server::Scratch { template, .. } => {
                let place = ChapterCluster::start(template, &hint, self.server_version_num)
                    // A start the cancellation interrupted is the cancellation's doing.
                    .map_err(|e| {
                        if is_cancelled() {
                            EngineError::Cancelled
                        } else {
                            e
                        }
                    })?;
                if let Some(role) = role {
                    let mut admin = place.admin_client()?;
                    role::prepare(&mut admin, role, place.database())?;
                }
                let options = role::connect_as(place.connect_options(), role);
                runner::run_snippets(chapter, plans, &options, timeout, Some(place.log_path()))
            }
            Server::Url(_) => {
                let database = ChapterDatabase::create(
                    &self.server,
                    &self.admin_pool,
                    &hint,
                    self.server_version_num,
                )?;
                if let Some(role) = role {
                    let mut admin = self.admin_pool.take(&self.server)?;
                    role::prepare(&mut admin, role, database.name())?;
                    self.admin_pool.give_back(admin);
                }
                let options = role::connect_as(
                    self.server.admin_options().with_dbname(database.name()),
                    role,
                );
                runner::run_snippets(chapter, plans, &options, timeout, None)
            }
        };
        if is_cancelled() {
            return Err(EngineError::Cancelled);
        }
        Ok(ChapterOutcome {
            snippets,
            server_version: self.server_version.clone(),
            nodes,
        })
    }

    /// Runs chapters `jobs` at a time; results are in the order of `chapters`. Once
    /// [`crate::cancel`] is called no further chapter starts, the running ones end
    /// promptly, and every chapter not finished by then is [`EngineError::Cancelled`].
    pub fn run_chapters(&self, chapters: &[&Chapter]) -> Vec<Result<ChapterOutcome, EngineError>> {
        self.run_chapters_observed(chapters, &|_, _| {})
    }

    /// [`Engine::run_chapters`], telling `observe` when each chapter (by its index in
    /// `chapters`) starts and ends, from the worker thread that runs it — for progress
    /// displays, which the engine leaves to its caller.
    pub fn run_chapters_observed(
        &self,
        chapters: &[&Chapter],
        observe: &(dyn Fn(usize, ChapterProgress) + Sync),
    ) -> Vec<Result<ChapterOutcome, EngineError>> {
        let workers = self.worker_count().min(chapters.len()).max(1);
        let next = AtomicUsize::new(0);
        let results: Vec<Mutex<Option<Result<ChapterOutcome, EngineError>>>> =
            chapters.iter().map(|_| Mutex::new(None)).collect();
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(chapter) = chapters.get(index) else {
                        break;
                    };
                    observe(index, ChapterProgress::Started);
                    // A bug in one chapter's run must not take the others down with it.
                    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        self.run_chapter(chapter)
                    }))
                    .unwrap_or_else(|_| {
                        Err(EngineError::Panicked {
                            chapter: chapter.source_path.clone(),
                        })
                    });
                    *results[index].lock().unwrap_or_else(|p| p.into_inner()) = Some(outcome);
                    observe(index, ChapterProgress::Finished);
                });
            }
        });
        results
            .into_iter()
            .map(|slot| {
                slot.into_inner()
                    .unwrap_or_else(|p| p.into_inner())
                    // Only a worker that panicked outside `catch_unwind` leaves a slot empty.
                    .unwrap_or(Err(EngineError::Cancelled))
            })
            .collect()
    }

    fn worker_count(&self) -> usize {
        match self.options.jobs {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            jobs => jobs,
        }
    }

    /// The server's version and non-default settings, for the "How this book was verified"
    /// page (see [`crate::settings_report`]).
    pub fn server_report(&self) -> Result<crate::ServerReport, EngineError> {
        let mut client = self.admin_pool.take(&self.server)?;
        let scratch = matches!(self.server, Server::Scratch { .. });
        let report =
            crate::settings_report::server_report(&mut client, &self.options.settings, scratch);
        self.admin_pool.give_back(client);
        report
    }

    /// A running scratch cluster with the book's settings, like the ones chapters get but
    /// never used by them (None with a database URL): for tools and tests that compare
    /// with psql on an identical server.
    pub fn scratch_cluster(&self) -> Option<&ScratchCluster> {
        match &self.server {
            Server::Scratch { reference, .. } => Some(reference),
            Server::Url(_) => None,
        }
    }
}

/// Why a chapter that uses nodes cannot run on a database URL's server, located at its
/// first node snippet.
fn nodes_need_binaries(snippet: &Snippet) -> Diagnostic {
    let message = format!(
        "this chapter uses nodes ({}): nodes are scratch clusters of their own and need \
         PostgreSQL's server binaries, but this run uses the server of --database-url; run \
         it without --database-url (and with postgres and pg_basebackup installed)",
        describe_node_use(snippet)
    );
    let fence = &snippet.origin;
    Diagnostic::new(&fence.file, fence.line, fence.col, message)
}

/// The node attributes of `snippet`, as written (`node=replica,standby-of=main`).
fn describe_node_use(snippet: &Snippet) -> String {
    let n = &snippet.attrs.nodes;
    let mut parts = Vec::new();
    if let Some(node) = &n.node {
        parts.push(format!("node={node}"));
    }
    if let Some(of) = &n.standby_of {
        parts.push(format!("standby-of={of}"));
    }
    if let Some(backup) = &n.restore {
        parts.push(format!("restore={backup}"));
    }
    if let Some(backup) = &n.backup {
        parts.push(format!("backup={backup}"));
    }
    match n.restart {
        Some(Restart::Clean) => parts.push("restart".into()),
        Some(Restart::Immediate) => parts.push("restart=immediate".into()),
        None => {}
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_url_comes_from_the_caller_then_book_toml() {
        let mut config = Config::default();
        config.database.url = Some("postgres://from-book-toml/db".into());
        config.execute.timeout = Duration::from_secs(5);
        config.execute.jobs = 3;

        let options = EngineOptions::from_config(&config, None);
        assert_eq!(
            options.database_url.as_deref(),
            Some("postgres://from-book-toml/db")
        );
        assert_eq!(options.statement_timeout, Duration::from_secs(5));
        assert_eq!(options.jobs, 3);

        let given = Some("postgres://from-flag/db".to_string());
        let options = EngineOptions::from_config(&config, given);
        assert_eq!(
            options.database_url.as_deref(),
            Some("postgres://from-flag/db")
        );

        // An empty DATABASE_URL (clap passes it on) means "not set".
        let options = EngineOptions::from_config(&config, Some(String::new()));
        assert_eq!(
            options.database_url.as_deref(),
            Some("postgres://from-book-toml/db")
        );
    }
}

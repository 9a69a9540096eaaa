//! The [`Engine`]: one server for a whole build (scratch cluster or database URL), and
//! chapters run on it — each in a fresh database, several at once.
//!
//! This module wires options to the cluster, databases and runner; it knows nothing of
//! how statements are split or printed.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use pgbook_book::{Chapter, ChapterOutcome, Config};
use sha2::{Digest, Sha256};

use crate::cluster::is_cancelled;
use crate::database::{describe_target, server_version, AdminPool, ChapterDatabase, Server};
use crate::{role, runner, ClusterOptions, EngineError, ScratchCluster};

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
            role: config.execute.role.clone(),
        }
    }
}

/// Runs chapters. Dropping it drops the scratch cluster, if it started one.
pub struct Engine {
    options: EngineOptions,
    // Declared before `server`: pooled connections close before the cluster stops.
    admin_pool: AdminPool,
    server: Server,
    server_version: String,
    server_version_num: u32,
}

impl Engine {
    /// Starts a scratch cluster, or checks that the database URL's server is reachable.
    pub fn start(options: EngineOptions) -> Result<Engine, EngineError> {
        let server = match &options.database_url {
            Some(url) => Server::from_url(url)?,
            None => Server::Scratch(ScratchCluster::start(&ClusterOptions {
                pg_bin: options.pg_bin.clone(),
                settings: options.settings.clone(),
            })?),
        };
        let mut admin = server.admin_client()?;
        let (server_version, server_version_num) = server_version(&mut admin)?;
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
            Server::Scratch(_) => "scratch".to_string(),
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

    /// Runs one chapter in a fresh database that is dropped afterwards. After
    /// [`crate::cancel`] it returns [`EngineError::Cancelled`] instead of an outcome that
    /// the cancellation cut short.
    pub fn run_chapter(&self, chapter: &Chapter) -> Result<ChapterOutcome, EngineError> {
        // A meta-command stops the chapter before anything is created or run.
        let plans = runner::split_chapter(chapter)?;
        if is_cancelled() {
            return Err(EngineError::Cancelled);
        }
        let hint = chapter
            .path
            .with_extension("")
            .to_string_lossy()
            .into_owned();
        let database = ChapterDatabase::create(
            &self.server,
            &self.admin_pool,
            &hint,
            self.server_version_num,
        )?;
        if let Some(role) = &self.options.role {
            role::prepare(&self.server, &self.admin_pool, role, database.name())?;
        }
        let options = role::connect_as(
            self.server.admin_options().with_dbname(database.name()),
            self.options.role.as_deref(),
        );
        let snippets =
            runner::run_snippets(chapter, plans, &options, self.options.statement_timeout);
        drop(database);
        if is_cancelled() {
            return Err(EngineError::Cancelled);
        }
        Ok(ChapterOutcome {
            snippets,
            server_version: self.server_version.clone(),
        })
    }

    /// Runs chapters `jobs` at a time; results are in the order of `chapters`. Once
    /// [`crate::cancel`] is called no further chapter starts, the running ones end
    /// promptly, and every chapter not finished by then is [`EngineError::Cancelled`].
    pub fn run_chapters(&self, chapters: &[&Chapter]) -> Vec<Result<ChapterOutcome, EngineError>> {
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

    /// The scratch cluster, when the engine runs one (None with a database URL).
    pub fn scratch_cluster(&self) -> Option<&ScratchCluster> {
        match &self.server {
            Server::Scratch(cluster) => Some(cluster),
            Server::Url(_) => None,
        }
    }
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

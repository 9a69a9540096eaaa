//! The servers a build runs against — a scratch cluster per chapter, or the one server a
//! database URL names — and the database each chapter gets on it.
//!
//! Administrative work (reading the version, creating and dropping chapter databases) goes
//! through the `postgres` crate with a connect timeout; snippets never do — they run on
//! pgbook-psql's client, whose transcripts match psql's. A chapter database is created from
//! `template0` (with the fast `FILE_COPY` strategy on PostgreSQL 15 and later). On a
//! scratch cluster it has a name derived from the chapter alone and goes with the cluster;
//! on a URL's server, shared with other runs, its name is unique and it is dropped again
//! when its guard goes, whatever happened in between, or at once when the run is
//! cancelled. This module runs only administrative SQL; it never runs snippets.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use pgbook_psql::ConnectOptions;
use postgres::{Client, NoTls};

use crate::cluster::cleanup;
use crate::{ClusterTemplate, EngineError, ScratchCluster};

/// How long opening any administrative connection may take, unless the database URL sets
/// its own `connect_timeout`.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest any administrative statement may run (creating a database copies
/// `template0`, which takes milliseconds).
const ADMIN_STATEMENT_TIMEOUT: &str = "-c statement_timeout=60s";

/// Where chapter databases are created.
pub(crate) enum Server {
    /// Scratch clusters: each chapter starts its own from `template`. `reference` is one
    /// started at once — it proves the settings start a server, answers the version, and
    /// is what `Engine::scratch_cluster` lends to callers that want a server configured
    /// like the chapters' (chapters never run on it).
    Scratch {
        template: ClusterTemplate,
        reference: ScratchCluster,
    },
    Url(ConnectOptions),
}

impl Server {
    /// The server a database URL (or `key=value` string) names; without a
    /// `connect_timeout` of its own it gets [`CONNECT_TIMEOUT`].
    pub fn from_url(url: &str) -> Result<Server, EngineError> {
        let mut options = ConnectOptions::from_url(url).map_err(EngineError::InvalidUrl)?;
        options.connect_timeout.get_or_insert(CONNECT_TIMEOUT);
        Ok(Server::Url(options))
    }

    /// Options for the server's maintenance database, as the user chapters run as.
    pub fn admin_options(&self) -> ConnectOptions {
        match self {
            Server::Scratch { reference, .. } => reference.connect_options("postgres"),
            Server::Url(options) => options.clone(),
        }
    }

    /// The administrative connection's configuration: the server's connect timeout, and a
    /// statement timeout so that no administrative statement can hang a run.
    pub fn admin_config(&self) -> postgres::Config {
        let mut config = self.admin_options().to_config();
        config.options(ADMIN_STATEMENT_TIMEOUT);
        config
    }

    /// A new administrative connection.
    pub fn admin_client(&self) -> Result<Client, EngineError> {
        self.admin_config()
            .connect(NoTls)
            .map_err(|cause| EngineError::Connect {
                target: self.describe(),
                cause,
            })
    }

    /// The server, for messages (never the password).
    pub fn describe(&self) -> String {
        match self {
            Server::Scratch { .. } => format!(
                "the scratch cluster ({})",
                describe_target(&self.admin_options())
            ),
            Server::Url(options) => {
                format!("the database URL's server ({})", describe_target(options))
            }
        }
    }
}

/// Where `options` points, for messages and cache keys (never the password).
pub(crate) fn describe_target(options: &ConnectOptions) -> String {
    format!(
        "{}, user {}, database {}",
        options.target, options.user, options.dbname
    )
}

/// The server's `server_version` (e.g. `15.18 (Debian 15.18-0+deb12u1)`) and
/// `server_version_num` (e.g. `150018`).
pub(crate) fn server_version(client: &mut Client) -> Result<(String, u32), EngineError> {
    let row = client
        .query_one(
            "SELECT current_setting('server_version'), \
                    current_setting('server_version_num')::integer",
            &[],
        )
        .map_err(|cause| EngineError::Admin {
            what: "cannot read the server's version".into(),
            cause,
        })?;
    let version: String = row.get(0);
    let number: i32 = row.get(1);
    let number = u32::try_from(number).map_err(|_| EngineError::UnexpectedAnswer {
        what: "reading server_version_num".into(),
        answer: number.to_string(),
    })?;
    Ok((version, number))
}

/// Refuses a server on which the connecting role cannot create databases (pgbook creates one
/// per chapter), before any chapter runs, with what to do about it.
pub(crate) fn check_can_create_databases(
    client: &mut Client,
    server: &Server,
) -> Result<(), EngineError> {
    let row = client
        .query_one(
            "SELECT current_user::text, rolcreatedb OR rolsuper \
               FROM pg_roles WHERE rolname = current_user",
            &[],
        )
        .map_err(|cause| EngineError::Admin {
            what: "cannot read the connecting role's privileges".into(),
            cause,
        })?;
    if row.get::<_, bool>(1) {
        return Ok(());
    }
    Err(EngineError::NoCreateDb {
        role: row.get(0),
        target: server.describe(),
    })
}

/// Idle administrative connections, reused across chapters: a connection costs a backend
/// start, which is a noticeable part of running a short chapter.
#[derive(Default)]
pub(crate) struct AdminPool {
    idle: Mutex<Vec<Client>>,
}

impl AdminPool {
    pub fn take(&self, server: &Server) -> Result<Client, EngineError> {
        let reused = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        match reused {
            Some(client) => Ok(client),
            None => server.admin_client(),
        }
    }

    pub fn give_back(&self, client: Client) {
        if client.is_closed() {
            return;
        }
        self.idle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(client);
    }
}

/// A chapter's own scratch cluster, started from the template, with the chapter's database
/// in it. Dropping it stops the server and removes its files; cancelling the run stops the
/// server at once (fast shutdown ends the chapter's sessions).
pub(crate) struct ChapterCluster {
    // Declared first: the hook is forgotten before the server it would stop goes away.
    cancel_hook: u64,
    // Always `Some` until dropped.
    cluster: Option<ScratchCluster>,
    database: String,
}

impl ChapterCluster {
    pub fn start(
        template: &ClusterTemplate,
        chapter_hint: &str,
        server_version_num: u32,
    ) -> Result<ChapterCluster, EngineError> {
        let cluster = template.start()?;
        let pid = cluster.postmaster_pid();
        let cancel_hook = cleanup::register_hook(Box::new(move || {
            if let Some(pid) = pid {
                cleanup::signal_process(pid, nix::sys::signal::Signal::SIGINT);
            }
        }));
        let database = chapter_database_name(chapter_hint);
        let chapter = ChapterCluster {
            cancel_hook,
            cluster: Some(cluster),
            database,
        };
        let cluster = chapter.cluster.as_ref().expect("just set");
        create_chapter_database(cluster, &chapter.database, server_version_num)?;
        Ok(chapter)
    }

    /// The chapter's database name.
    pub fn database(&self) -> &str {
        &self.database
    }

    /// An administrative connection (the superuser, the `postgres` database) to the
    /// chapter's cluster.
    pub fn admin_client(&self) -> Result<Client, EngineError> {
        cluster_admin(self.cluster.as_ref().expect("present until dropped"))
    }

    /// The cluster's log file.
    pub fn log_path(&self) -> std::path::PathBuf {
        self.cluster
            .as_ref()
            .expect("present until dropped")
            .log_path()
    }

    /// Options for the chapter's database, as the superuser, over the cluster's socket.
    pub fn connect_options(&self) -> ConnectOptions {
        let cluster = self.cluster.as_ref().expect("present until dropped");
        cluster.connect_options(&self.database)
    }
}

impl Drop for ChapterCluster {
    fn drop(&mut self) {
        cleanup::unregister_hook(self.cancel_hook);
        if let Some(cluster) = self.cluster.take() {
            cluster.discard();
        }
    }
}

/// Creates the chapter's database `name` on its own `cluster`.
pub(crate) fn create_chapter_database(
    cluster: &ScratchCluster,
    name: &str,
    server_version_num: u32,
) -> Result<(), EngineError> {
    let mut admin = cluster_admin(cluster)?;
    admin
        .batch_execute(&create_database_sql(name, server_version_num))
        .map_err(|cause| EngineError::Admin {
            what: format!("cannot create database {name}"),
            cause,
        })
    // The connection closes here: the chapter's own sessions are the only ones
    // `pg_stat_activity` shows.
}

/// An administrative connection to `cluster`: the superuser on its `postgres` database.
pub(crate) fn cluster_admin(cluster: &ScratchCluster) -> Result<Client, EngineError> {
    cluster_admin_on(cluster, "postgres")
}

/// An administrative connection to `cluster`'s database `dbname`, as the superuser (for
/// catalogs that are per database, such as `pg_subscription_rel`).
pub(crate) fn cluster_admin_on(
    cluster: &ScratchCluster,
    dbname: &str,
) -> Result<Client, EngineError> {
    let admin_options = cluster.connect_options(dbname);
    let mut config = admin_options.to_config();
    config.options(ADMIN_STATEMENT_TIMEOUT);
    config.connect(NoTls).map_err(|cause| EngineError::Connect {
        target: describe_target(&admin_options),
        cause,
    })
}

/// The database of a chapter on its own cluster: its path without the extension, in
/// lowercase letters, digits and underscores (`guide/03-mvcc.md` → `guide_03_mvcc`), so
/// `SELECT current_database()` prints the same on every run. Names the template already
/// has (`postgres`, `template0`, `template1`) get a `chapter_` prefix.
pub(crate) fn chapter_database_name(chapter_hint: &str) -> String {
    let mut name = slug(chapter_hint);
    if name.is_empty() || ["postgres", "template0", "template1"].contains(&name.as_str()) {
        name = format!("chapter_{name}");
    }
    name.truncate(63);
    name
}

fn slug(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

fn create_database_sql(name: &str, server_version_num: u32) -> String {
    let strategy = if server_version_num >= 150_000 {
        " STRATEGY FILE_COPY"
    } else {
        ""
    };
    // An identifier cannot be a query parameter; `quote_ident` makes any name safe.
    format!(
        "CREATE DATABASE {} TEMPLATE template0{strategy}",
        quote_ident(name)
    )
}

/// A chapter's own database on a URL's server; dropped (forcibly) when this guard is dropped, or as soon as
/// the run is cancelled.
pub(crate) struct ChapterDatabase<'a> {
    pool: &'a AdminPool,
    admin: Option<Client>,
    name: String,
    server_version_num: u32,
    cancel_hook: u64,
}

impl<'a> ChapterDatabase<'a> {
    pub fn create(
        server: &Server,
        pool: &'a AdminPool,
        chapter_hint: &str,
        server_version_num: u32,
    ) -> Result<ChapterDatabase<'a>, EngineError> {
        let mut admin = pool.take(server)?;
        let name = unique_name(chapter_hint);
        admin
            .batch_execute(&create_database_sql(&name, server_version_num))
            .map_err(|cause| EngineError::Admin {
                what: format!("cannot create database {name} on {}", server.describe()),
                cause,
            })?;
        // Dropping the database ends every session in it, so a cancelled run starts no
        // further statement there (a reconnect finds no database).
        let config = server.admin_config();
        let doomed = name.clone();
        let cancel_hook = cleanup::register_hook(Box::new(move || {
            if let Ok(mut admin) = config.connect(NoTls) {
                let _ = drop_database(&mut admin, &doomed, server_version_num);
            }
        }));
        Ok(ChapterDatabase {
            pool,
            admin: Some(admin),
            name,
            server_version_num,
            cancel_hook,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for ChapterDatabase<'_> {
    fn drop(&mut self) {
        cleanup::unregister_hook(self.cancel_hook);
        if let Some(mut admin) = self.admin.take() {
            let _ = drop_database(&mut admin, &self.name, self.server_version_num);
            self.pool.give_back(admin);
        }
    }
}

/// Drops `name`, ending the sessions a chapter left behind in it.
fn drop_database(
    admin: &mut Client,
    name: &str,
    server_version_num: u32,
) -> Result<(), postgres::Error> {
    if server_version_num >= 130_000 {
        return admin.batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(name)
        ));
    }
    // Before PostgreSQL 13 there is no FORCE: end the sessions first.
    admin.execute(
        "SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity \
         WHERE datname = $1 AND pid <> pg_catalog.pg_backend_pid()",
        &[&name],
    )?;
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {}", quote_ident(name)))
}

/// `pgbook_<pid>_<n>_<chapter>`: unique within this process and, through the pid and a
/// clock-derived suffix, across processes sharing one server. At most 63 bytes.
fn unique_name(chapter_hint: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let salt = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_micros())
        .unwrap_or(0);
    let slug = slug(chapter_hint);
    let mut name = format!(
        "pgbook_{}_{}_{salt:x}_{slug}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    name.truncate(63);
    name
}

pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chapter_databases_are_named_after_the_chapter() {
        for (hint, expected) in [
            ("guide/03-MVCC", "guide_03_mvcc"),
            ("intro", "intro"),
            ("postgres", "chapter_postgres"),
            ("template1", "chapter_template1"),
            ("", "chapter_"),
            ("caf\u{e9}", "caf_"),
        ] {
            assert_eq!(chapter_database_name(hint), expected, "{hint}");
        }
        let long = chapter_database_name(&"x".repeat(100));
        assert_eq!(long.len(), 63);
    }

    #[test]
    fn databases_on_a_shared_server_are_unique() {
        assert_ne!(unique_name("intro"), unique_name("intro"));
        assert!(unique_name("intro").ends_with("_intro"));
    }
}

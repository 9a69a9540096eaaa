//! The server a build runs against — a scratch cluster or the one a database URL names —
//! and the throw-away database each chapter gets on it.
//!
//! A chapter database is created from `template0` (with the fast `FILE_COPY` strategy on
//! PostgreSQL 15 and later) and dropped again when its guard goes, whatever happened in
//! between. This module runs only administrative SQL; it never runs snippets.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use pgbook_book::Event;
use pgbook_psql::{ConnectOptions, Connection};

use crate::cluster::cleanup;
use crate::{EngineError, ScratchCluster};

/// Where chapter databases are created.
pub(crate) enum Server {
    Scratch(ScratchCluster),
    Url(ConnectOptions),
}

impl Server {
    /// Options for the administrative connection (CREATE/DROP DATABASE).
    pub fn admin_options(&self) -> ConnectOptions {
        match self {
            Server::Scratch(cluster) => cluster.connect_options("postgres"),
            Server::Url(options) => options.clone(),
        }
    }

    pub fn admin_connection(&self) -> Result<Connection, EngineError> {
        let options = self.admin_options();
        Connection::connect(&options).map_err(|e| match self {
            Server::Scratch(_) => EngineError::setup("cannot connect to the scratch cluster", e),
            Server::Url(_) => EngineError::Connect(format!(
                "cannot connect to the database URL's server ({}): {e}",
                describe_target(&options)
            )),
        })
    }
}

/// Where `options` points, for messages (never the password).
pub(crate) fn describe_target(options: &ConnectOptions) -> String {
    let place = match &options.target {
        pgbook_psql::Target::Unix { dir, port } => {
            format!("socket {}/.s.PGSQL.{port}", dir.display())
        }
        pgbook_psql::Target::Tcp { host, port } => format!("{host}:{port}"),
    };
    format!(
        "{place}, user {}, database {}",
        options.user, options.dbname
    )
}

/// The first value of the first row that `sql` returned.
pub(crate) fn query_value(connection: &mut Connection, sql: &str) -> Result<String, String> {
    let events = connection.execute(sql).map_err(|e| e.to_string())?;
    for event in events {
        match event {
            Event::Complete {
                rows: Some(rows), ..
            } => {
                return rows
                    .rows
                    .first()
                    .and_then(|row| row.first().cloned().flatten())
                    .ok_or_else(|| format!("{sql} returned no value"));
            }
            Event::Error(message) => return Err(message.message),
            _ => {}
        }
    }
    Err(format!("{sql} returned no rows"))
}

/// Runs administrative SQL, turning a server ERROR into a message.
fn admin_execute(connection: &mut Connection, sql: &str) -> Result<(), String> {
    let events = connection.execute(sql).map_err(|e| e.to_string())?;
    match events.into_iter().find_map(|e| match e {
        Event::Error(message) => Some(message),
        _ => None,
    }) {
        Some(message) => Err(format!("{} ({})", message.message, message.sqlstate)),
        None => Ok(()),
    }
}

/// Idle administrative connections, reused across chapters: a connection costs a backend
/// start, which is a noticeable part of running a short chapter.
#[derive(Default)]
pub(crate) struct AdminPool {
    idle: Mutex<Vec<Connection>>,
}

impl AdminPool {
    pub fn take(&self, server: &Server) -> Result<Connection, EngineError> {
        let reused = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        match reused {
            Some(connection) => Ok(connection),
            None => server.admin_connection(),
        }
    }

    pub fn give_back(&self, connection: Connection) {
        if connection.is_closed() || connection.transaction_status() != b'I' {
            return;
        }
        self.idle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(connection);
    }
}

/// A chapter's own database; dropped (forcibly) when this guard is dropped.
pub(crate) struct ChapterDatabase<'a> {
    pool: &'a AdminPool,
    admin: Option<Connection>,
    name: String,
    server_version_num: u32,
    /// On a server of its own the whole cluster goes on a signal; on a URL's server the
    /// database is dropped by a cleanup hook.
    signal_hook: Option<u64>,
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
        let strategy = if server_version_num >= 150_000 {
            " STRATEGY FILE_COPY"
        } else {
            ""
        };
        let sql = format!(
            "CREATE DATABASE {} TEMPLATE template0{strategy}",
            quote_ident(&name)
        );
        admin_execute(&mut admin, &sql)
            .map_err(|e| EngineError::Setup(format!("cannot create database {name}: {e}")))?;
        let signal_hook = match server {
            Server::Scratch(_) => None,
            Server::Url(options) => {
                let (options, sql) = (options.clone(), drop_sql(&name, server_version_num));
                Some(cleanup::register_hook(Box::new(move || {
                    if let Ok(mut admin) = Connection::connect(&options) {
                        let _ = admin_execute(&mut admin, &sql);
                        admin.close();
                    }
                })))
            }
        };
        Ok(ChapterDatabase {
            pool,
            admin: Some(admin),
            name,
            server_version_num,
            signal_hook,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for ChapterDatabase<'_> {
    fn drop(&mut self) {
        if let Some(mut admin) = self.admin.take() {
            let _ = admin_execute(&mut admin, &drop_sql(&self.name, self.server_version_num));
            self.pool.give_back(admin);
        }
        if let Some(hook) = self.signal_hook {
            cleanup::unregister_hook(hook);
        }
    }
}

fn drop_sql(name: &str, server_version_num: u32) -> String {
    // FORCE (PostgreSQL 13+) ends sessions a chapter left behind.
    let force = if server_version_num >= 130_000 {
        " WITH (FORCE)"
    } else {
        ""
    };
    format!("DROP DATABASE IF EXISTS {}{force}", quote_ident(name))
}

/// `pgbook_<pid>_<n>_<chapter>`: unique within this process and, through the pid and a
/// clock-derived suffix, across processes sharing one server. At most 63 bytes.
fn unique_name(chapter_hint: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let salt = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_micros())
        .unwrap_or(0);
    let slug: String = chapter_hint
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let mut name = format!(
        "pgbook_{}_{}_{salt:x}_{slug}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    name.truncate(63);
    name
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

//! What the "How this book was verified" page says about the server: its version, every
//! setting that differs from PostgreSQL's built-in default (with who set it and why), and
//! the extensions it offers. Read from `pg_settings` over an administrative connection.
//!
//! This module only reads: it changes no setting and runs no snippet. It knows why pgbook
//! sets each of its deterministic settings (a test keeps that list in step with
//! `cluster/settings.rs`), but nothing of how the page looks.

use postgres::Client;
use serde::{Deserialize, Serialize};

use crate::EngineError;

/// The server a book was verified on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerReport {
    /// `SELECT version()`.
    pub version: String,
    /// `server_version`, e.g. `15.18`.
    pub short_version: String,
    /// Whether this is pgbook's scratch cluster (else a `--database-url` server).
    pub scratch: bool,
    /// Settings that differ from PostgreSQL's defaults, by name.
    pub settings: Vec<ServerSetting>,
}

/// One non-default setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerSetting {
    pub name: String,
    /// As `SHOW` prints it.
    pub value: String,
    /// PostgreSQL's built-in default: `boot_val` with its unit (`1024MB`, `16384 × 8kB`).
    pub default: String,
    /// Who set it: `pgbook`, `book.toml`, `initdb`, or (on a database URL's server) where
    /// PostgreSQL says it came from (`pg_settings.source`).
    pub set_by: String,
    /// Why, when pgbook knows.
    pub why: String,
}

/// Why pgbook sets each of its deterministic settings.
pub const REASONS: &[(&str, &str)] = &[
    (
        "listen_addresses",
        "no TCP port: the scratch cluster listens on a private Unix socket only",
    ),
    (
        "autovacuum",
        "statistics change only when a snippet runs ANALYZE, so plans are repeatable",
    ),
    ("TimeZone", "timestamps print the same everywhere"),
    ("log_timezone", "the server log's times are in UTC too"),
    (
        "lc_messages",
        "server messages untranslated, as the book shows them",
    ),
    ("datestyle", "psql's and PostgreSQL's default, pinned"),
    ("intervalstyle", "PostgreSQL's default, pinned"),
    (
        "extra_float_digits",
        "PostgreSQL's default (shortest exact floats), pinned",
    ),
    ("jit", "JIT lines would otherwise appear in EXPLAIN ANALYZE"),
    (
        "max_parallel_workers_per_gather",
        "the same plans on 2 cores and on 64",
    ),
    (
        "max_parallel_maintenance_workers",
        "index builds do not depend on the number of cores",
    ),
    ("fsync", "speed: the data is scratch"),
    (
        "temp_file_limit",
        "a runaway query fails with an error instead of filling the disk",
    ),
    ("synchronous_commit", "speed: the data is scratch"),
    ("full_page_writes", "speed: the data is scratch"),
    ("update_process_title", "speed"),
    (
        "logging_collector",
        "the log goes to one file in the run directory",
    ),
];

/// Settings that name where one run's server lives; they change every run and say nothing
/// about the results.
const PER_RUN: &[&str] = &["port", "unix_socket_directories"];

/// Reads the report. `book_settings` are the book's `[database.settings]` (attributed to
/// `book.toml` on the scratch cluster); `scratch` says whether `client` is on pgbook's own
/// cluster.
pub fn server_report(
    client: &mut Client,
    book_settings: &[(String, String)],
    scratch: bool,
) -> Result<ServerReport, EngineError> {
    let admin = |cause| EngineError::Admin {
        what: "cannot read the server's settings".into(),
        cause,
    };
    let row = client
        .query_one("SELECT version(), current_setting('server_version')", &[])
        .map_err(admin)?;
    let (version, short_version): (String, String) = (row.get(0), row.get(1));
    // `15.18 (Debian 15.18-0+deb12u1)`: the number is what "verified on" marks show.
    let short_version = match short_version.split_whitespace().next() {
        Some(number) => number.to_string(),
        None => short_version,
    };
    // `client` and `session` values are this connection's own; `override` ones are fixed by
    // the server itself (data directory, file locations). `boot_val` is PostgreSQL's default.
    let rows = client
        .query(
            "SELECT name, current_setting(name), source, \
                    coalesce(boot_val, '') || CASE WHEN unit IS NULL OR boot_val = '' THEN '' \
                         WHEN unit ~ '^[0-9]' THEN ' × ' || unit ELSE unit END \
             FROM pg_settings \
             WHERE source NOT IN ('default', 'client', 'session', 'override') \
               AND setting IS DISTINCT FROM boot_val \
             ORDER BY lower(name)",
            &[],
        )
        .map_err(admin)?;
    let mut settings = Vec::with_capacity(rows.len());
    for row in rows {
        let name: String = row.get(0);
        if scratch && PER_RUN.contains(&name.as_str()) {
            continue;
        }
        let source: String = row.get(2);
        let (set_by, why) = attribute(&name, &source, book_settings, scratch);
        settings.push(ServerSetting {
            value: row.get(1),
            default: row.get(3),
            name,
            set_by,
            why,
        });
    }
    Ok(ServerReport {
        version,
        short_version,
        scratch,
        settings,
    })
}

/// Who set `name` and why. On the scratch cluster the book's settings come last in
/// `postgresql.conf`, so they win over pgbook's; initdb wrote the rest of the file.
fn attribute(
    name: &str,
    source: &str,
    book_settings: &[(String, String)],
    scratch: bool,
) -> (String, String) {
    if !scratch {
        return (source.to_string(), String::new());
    }
    let is = |other: &str| other.eq_ignore_ascii_case(name);
    if book_settings.iter().any(|(n, _)| is(n)) {
        return ("book.toml".into(), "the book's [database.settings]".into());
    }
    if let Some((_, why)) = REASONS.iter().find(|(n, _)| is(n)) {
        return ("pgbook".into(), (*why).to_string());
    }
    match source {
        "configuration file" => ("initdb".into(), "written by initdb for this machine".into()),
        other => (other.to_string(), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::settings::DETERMINISTIC_SETTINGS;

    #[test]
    fn every_deterministic_setting_has_a_reason() {
        for (name, _) in DETERMINISTIC_SETTINGS {
            assert!(
                REASONS.iter().any(|(n, _)| n == name),
                "{name} has no reason"
            );
        }
        assert_eq!(REASONS.len(), DETERMINISTIC_SETTINGS.len());
    }

    #[test]
    fn the_book_wins_over_pgbook_and_initdb_writes_the_rest() {
        let book = vec![("JIT".to_string(), "on".to_string())];
        let by = |name, source, scratch| attribute(name, source, &book, scratch).0;
        assert_eq!(by("jit", "configuration file", true), "book.toml");
        assert_eq!(by("autovacuum", "configuration file", true), "pgbook");
        assert_eq!(by("shared_buffers", "configuration file", true), "initdb");
        assert_eq!(by("jit", "configuration file", false), "configuration file");
    }
}

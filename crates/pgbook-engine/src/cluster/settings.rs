//! The server settings every scratch cluster runs with.
//!
//! Books are written against exactly these; a book's `[database.settings]` is appended after
//! them and so adds to or overrides them. initdb already fixes UTF8 encoding, the C.UTF-8
//! locale (collation and character classes) and `lc_messages = 'C'`.
//!
//! | setting | value | why |
//! |---|---|---|
//! | `autovacuum` | `off` | statistics change only when a snippet runs ANALYZE |
//! | `TimeZone`, `log_timezone` | `UTC` | timestamps print the same everywhere |
//! | `lc_messages` | `C` | untranslated server messages |
//! | `datestyle` | `iso, mdy` | psql's and PostgreSQL's default, pinned |
//! | `intervalstyle` | `postgres` | pinned default |
//! | `extra_float_digits` | `1` | pinned default (shortest exact floats) |
//! | `jit` | `off` | JIT lines would otherwise appear in EXPLAIN ANALYZE |
//! | `max_parallel_workers_per_gather` | `0` | the same plans on 2 and 64 cores |
//! | `max_parallel_maintenance_workers` | `0` | index builds do not depend on cores |
//! | `fsync`, `synchronous_commit`, `full_page_writes` | `off` | speed: the data is scratch |
//! | `update_process_title` | `off` | speed |
//! | `logging_collector` | `off` | the log goes to a file in the run directory |
//!
//! This module is data only: it starts nothing and touches no file.

/// Settings written into every template's `postgresql.conf`, in this order.
pub const DETERMINISTIC_SETTINGS: &[(&str, &str)] = &[
    ("listen_addresses", ""),
    ("autovacuum", "off"),
    ("TimeZone", "UTC"),
    ("log_timezone", "UTC"),
    ("lc_messages", "C"),
    ("datestyle", "iso, mdy"),
    ("intervalstyle", "postgres"),
    ("extra_float_digits", "1"),
    ("jit", "off"),
    ("max_parallel_workers_per_gather", "0"),
    ("max_parallel_maintenance_workers", "0"),
    ("fsync", "off"),
    ("synchronous_commit", "off"),
    ("full_page_writes", "off"),
    ("update_process_title", "off"),
    ("logging_collector", "off"),
    // Not for determinism but for the machine: a snippet that spills without end would fill
    // the run directory (RAM, when it is /dev/shm). A book can raise it in [database.settings].
    ("temp_file_limit", "1GB"),
];

/// The block appended to `postgresql.conf`: the fixed settings, then the book's.
pub(crate) fn postgresql_conf_block(book_settings: &[(String, String)]) -> String {
    let mut block = String::from("\n# Added by pgbook: settings that keep output deterministic.\n");
    for (name, value) in DETERMINISTIC_SETTINGS {
        block.push_str(&conf_line(name, value));
    }
    if !book_settings.is_empty() {
        block.push_str("# Added by pgbook: the book's [database.settings].\n");
        for (name, value) in book_settings {
            block.push_str(&conf_line(name, value));
        }
    }
    block
}

/// `name = 'value'`; every PostgreSQL setting accepts a quoted value.
fn conf_line(name: &str, value: &str) -> String {
    let escaped = value.replace('\\', "\\\\").replace('\'', "''");
    format!("{name} = '{escaped}'\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn book_settings_come_after_and_are_quoted() {
        let block = postgresql_conf_block(&[
            ("work_mem".into(), "64MB".into()),
            ("search_path".into(), "a, 'b'".into()),
        ]);
        let jit = block.find("jit = 'off'").unwrap();
        let work_mem = block.find("work_mem = '64MB'").unwrap();
        assert!(jit < work_mem);
        assert!(block.contains("search_path = 'a, ''b'''\n"));
        assert!(block.contains("listen_addresses = ''\n"));
    }
}

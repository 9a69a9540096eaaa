//! Sending one catalog query and reading its answer, plus the small value helpers every
//! describe command needs (SQL literals, cells, left-aligned tables built by hand).
//!
//! It knows which answers are failures, not what any command prints around them.

use pgbook_book::{Column, Event, ResultSet};

use crate::format::format_statement;
use crate::Connection;

/// A command that failed: the text psql prints for it (an error, or "Did not find …").
#[derive(Debug)]
pub(super) struct Failure {
    pub text: String,
}

impl Failure {
    /// psql's own error lines (`pg_log_error`) carry no prefix when it reads a pipe.
    pub(super) fn message(text: impl Into<String>) -> Failure {
        let mut text = text.into();
        text.push('\n');
        Failure { text }
    }
}

pub(super) type Outcome = Result<String, Failure>;

/// Runs one catalog query; a server error becomes what psql prints for it.
pub(super) fn fetch(connection: &mut Connection, sql: &str) -> Result<ResultSet, Failure> {
    let events = connection
        .execute(sql)
        .map_err(|e| Failure::message(e.to_string()))?;
    if events.iter().any(|e| matches!(e, Event::Error(_))) {
        let mut text = String::new();
        format_statement(sql, &events, &mut text);
        return Err(Failure { text });
    }
    events
        .into_iter()
        .find_map(|e| match e {
            Event::Complete { rows, .. } => rows,
            _ => None,
        })
        .ok_or_else(|| Failure::message("the catalog query returned no rows"))
}

/// `s` as an SQL string literal that means the same whatever `standard_conforming_strings`.
pub(super) fn literal(s: &str) -> String {
    format!("E'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
}

/// The text of a cell; NULL reads as the empty string, as `PQgetvalue` gives it.
pub(super) fn cell(result: &ResultSet, row: usize, column: usize) -> &str {
    result
        .rows
        .get(row)
        .and_then(|r| r.get(column))
        .and_then(|v| v.as_deref())
        .unwrap_or("")
}

pub(super) fn is_null(result: &ResultSet, row: usize, column: usize) -> bool {
    result
        .rows
        .get(row)
        .and_then(|r| r.get(column))
        .is_none_or(Option::is_none)
}

/// A boolean cell is true (`t`).
pub(super) fn is_true(result: &ResultSet, row: usize, column: usize) -> bool {
    cell(result, row, column) == "t"
}

/// A table whose every column is left-aligned, as psql's `printTableAddHeader(…, 'l')`.
pub(super) fn left_aligned(headers: &[&str], rows: Vec<Vec<Option<String>>>) -> ResultSet {
    const TEXT: u32 = 25;
    ResultSet {
        elided_rows: 0,
        all_rows: None,
        columns: headers
            .iter()
            .map(|name| Column {
                name: name.to_string(),
                type_oid: TEXT,
            })
            .collect(),
        rows,
    }
}

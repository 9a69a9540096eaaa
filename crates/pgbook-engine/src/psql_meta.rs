//! The psql side of a step: running a meta-command on its session (the describe family with
//! the connection, the others with the chapter's variables and the session's display
//! settings), its place among the step's statement outcomes, what a statement sent by
//! `\gset` or `\gexec` prints (and the statements `\gexec` runs next), and psql's
//! `ON_ERROR_ROLLBACK` savepoint around a statement.
//!
//! It decides nothing about when statements run or wait; that is [`crate::steps`] and
//! [`crate::scheduler`]'s business.

use pgbook_book::{Event, Interpolation, ServerMessage, StatementOutcome};
use pgbook_psql::describe::{self, DescribeCommand};
use pgbook_psql::meta::{self, Kind, Printed};
use pgbook_psql::{Command, Display, MetaCommand, SplitStatement, Variables};

use crate::session::Session;

/// Runs a meta-command on its session: the describe family with the connection, the others
/// with the chapter's variables and the session's display settings.
pub(crate) fn run_meta(
    meta: &MetaCommand,
    session: &mut Session,
    variables: &mut Variables,
) -> Printed {
    match meta::kind(meta) {
        Kind::Describe(mut command) => {
            // psql applies the session's `\x` and `\pset` to describe output too.
            command.display = session.display.clone();
            describe_on(session, meta, &command)
        }
        // The runner refuses unsupported commands before anything runs, and a sending
        // command is never a `Command::Meta`; say so if either ever happens.
        Kind::Send | Kind::Unsupported => Printed {
            text: format!("invalid command \\{}\n", meta.name),
            is_error: true,
        },
        Kind::Local => meta::run(meta, variables, &mut session.display),
    }
}

/// Runs a describe command on the session's connection.
fn describe_on(session: &mut Session, meta: &MetaCommand, command: &DescribeCommand) -> Printed {
    match session.connection_mut() {
        Some(connection) => {
            let output = describe::run(connection, command);
            Printed {
                text: output.text,
                is_error: output.is_error,
            }
        }
        None => Printed {
            text: format!("\\{}: the session has no connection\n", meta.name),
            is_error: true,
        },
    }
}

/// A meta-command's place in the step: its text, what it printed, and an error event when
/// psql reports it as an error (so the snippet fails unless it expects an error).
pub(crate) fn meta_outcome(meta: &MetaCommand, printed: Printed) -> StatementOutcome {
    let events = if printed.is_error {
        vec![Event::Error(ServerMessage {
            severity: "ERROR".into(),
            message: printed.text.trim_end().to_string(),
            ..ServerMessage::default()
        })]
    } else {
        Vec::new()
    };
    StatementOutcome {
        sql: meta.text(),
        offset: meta.offset,
        events,
        printed: Some(printed.text),
        interpolations: Vec::new(),
        expanded: false,
        rows_consumed: false,
    }
}

/// What psql prints for a query sent by `\gset`: its notices and errors, a command tag when
/// it returned no rows at all, and `\gset`'s own error for no row or several rows (added to
/// `events` as an error). One row is stored and not printed. psql's result variables
/// (`ROW_COUNT`, …) are set unless `\gset` failed.
pub(crate) fn gset_printed(
    sent: &str,
    sent_by: Option<&MetaCommand>,
    display: &Display,
    events: &mut Vec<Event>,
    variables: &mut Variables,
) -> String {
    let meta = sent_by.expect("sent by \\gset");
    let mut shown = Vec::new();
    let mut stored = None;
    for event in events.iter() {
        match event {
            Event::Complete {
                rows: Some(rows), ..
            } => stored = Some(meta::gset(meta, rows, variables)),
            other => shown.push(other.clone()),
        }
    }
    let mut text = String::new();
    pgbook_psql::format_statement_with(sent, &shown, display, &mut text);
    // psql sets its result variables unless `\gset` found no row or several.
    if !stored.as_ref().is_some_and(|p| p.is_error) {
        pgbook_psql::builtin::set_result_variables(events, variables);
    }
    if let Some(printed) = stored.filter(|p| p.is_error) {
        text.push_str(&printed.text);
        events.push(Event::Error(ServerMessage {
            severity: "ERROR".into(),
            message: printed.text.trim_end().to_string(),
            ..ServerMessage::default()
        }));
    }
    text
}

/// What psql prints for a query sent by `\gexec`: its notices and errors, and its command
/// tag when it returned no rows at all; a result's rows are run, not printed.
pub(crate) fn gexec_printed(sent: &str, display: &Display, events: &[Event]) -> String {
    let shown: Vec<Event> = events
        .iter()
        .filter(|e| !matches!(e, Event::Complete { rows: Some(_), .. }))
        .cloned()
        .collect();
    let mut text = String::new();
    pgbook_psql::format_statement_with(sent, &shown, display, &mut text);
    text
}

/// The statements a `\gexec` query's result asks for: every non-NULL cell, row by row and
/// left to right, sent as it is (psql neither splits nor interpolates it), placed at the
/// `\gexec` for messages about it.
pub(crate) fn gexec_statements(events: &[Event], gexec: &MetaCommand) -> Vec<Command> {
    let Some(rows) = events.iter().rev().find_map(|e| match e {
        Event::Complete {
            rows: Some(rows), ..
        } => Some(rows),
        _ => None,
    }) else {
        return Vec::new();
    };
    rows.rows
        .iter()
        .flatten()
        .flatten()
        .map(|cell| {
            Command::Sql(SplitStatement {
                text: cell.clone(),
                offset: gexec.offset,
                variables: Vec::new(),
                sent_by: None,
                copy_data: None,
            })
        })
        .collect()
}

/// Where a statement `\gexec` generated came from, for `file.md:LINE:COL`: its whole text
/// stands for the `\gexec` that ran it.
pub(crate) fn gexec_origin(sent: &str) -> Vec<Interpolation> {
    vec![Interpolation {
        sent_start: 0,
        sent_end: sent.len(),
        written: "\\gexec".into(),
    }]
}

/// Sends a statement; with `ON_ERROR_ROLLBACK` on and a transaction open, first sets psql's
/// savepoint (out of band, as psql does: it prints nothing). True when it did.
pub(crate) fn send_statement(
    connection: &mut pgbook_psql::Connection,
    sent: &str,
    copy_data: Option<&str>,
    on_error_rollback: bool,
) -> Result<bool, String> {
    let savepoint = on_error_rollback && connection.transaction_status() == b'T';
    if savepoint {
        connection
            .execute("SAVEPOINT pg_psql_temporary_savepoint")
            .map_err(|e| e.to_string())?;
    }
    connection
        .send_with_copy_data(sent, copy_data)
        .map_err(|e| e.to_string())?;
    Ok(savepoint)
}

/// After a statement run under psql's savepoint: roll back to it if the statement failed,
/// release it if the transaction goes on, leave it if the statement ended the transaction
/// or was itself a savepoint command (psql's rules).
pub(crate) fn end_savepoint(connection: &mut pgbook_psql::Connection, events: &[Event]) {
    let command = match connection.transaction_status() {
        b'E' => "ROLLBACK TO pg_psql_temporary_savepoint",
        b'T' => {
            let savepoint_command = events.iter().any(|e| {
                matches!(e, Event::Complete { tag, .. }
                    if tag == "SAVEPOINT" || tag == "RELEASE" || tag == "ROLLBACK")
            });
            if savepoint_command {
                return;
            }
            "RELEASE pg_psql_temporary_savepoint"
        }
        _ => return,
    };
    // A failure here shows in the next statement, as it would in psql.
    let _ = connection.execute(command);
}

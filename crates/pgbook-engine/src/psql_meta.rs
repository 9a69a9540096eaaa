//! The psql side of a step: running a meta-command on its session (the describe family with
//! the connection, the others with the chapter's variables and the session's display
//! settings), its place among the step's statement outcomes, and what a statement sent by
//! `\gset` prints.
//!
//! It decides nothing about when statements run or wait; that is [`crate::steps`] and
//! [`crate::scheduler`]'s business.

use pgbook_book::{Event, ServerMessage, StatementOutcome};
use pgbook_psql::meta::{self, Kind, Printed};
use pgbook_psql::{describe, Display, MetaCommand, Variables};

use crate::session::Session;

/// Runs a meta-command on its session: the describe family with the connection, the others
/// with the chapter's variables and the session's display settings.
pub(crate) fn run_meta(
    meta: &MetaCommand,
    session: &mut Session,
    variables: &mut Variables,
) -> Printed {
    match meta::kind(meta) {
        Kind::Describe(command) => match session.connection_mut() {
            Some(connection) => {
                let output = describe::run(connection, &command);
                Printed {
                    text: output.text,
                    is_error: output.is_error,
                }
            }
            None => Printed {
                text: format!("\\{}: the session has no connection\n", meta.name),
                is_error: true,
            },
        },
        // The runner refuses unsupported commands before anything runs, and a sending
        // command is never a `Command::Meta`; say so if either ever happens.
        Kind::Send | Kind::Unsupported => Printed {
            text: format!("invalid command \\{}\n", meta.name),
            is_error: true,
        },
        Kind::Local => meta::run(meta, variables, &mut session.display),
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
    }
}

/// What psql prints for a query sent by `\gset`: its notices and errors, a command tag when
/// it returned no rows at all, and `\gset`'s own error for no row or several rows (added to
/// `events` as an error). One row is stored and not printed.
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

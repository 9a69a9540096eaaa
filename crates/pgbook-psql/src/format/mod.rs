//! The transcript: exactly what `psql -X -d DB < snippet.sql 2>&1` prints for statements,
//! given what the server said for each of them.
//!
//! It turns events into text and nothing else: no I/O, no knowledge of Markdown, clusters
//! or HTML.

mod message;
mod table;
mod width;

use pgbook_book::{Event, ServerMessage, StatementOutcome};

/// libpq's words when the server closes the connection, which psql prints after a FATAL.
const CONNECTION_CLOSED: &str = "server closed the connection unexpectedly\n\
\tThis probably means the server terminated abnormally\n\
\tbefore or while processing the request.\n";
/// What psql adds before it gives up on a lost connection.
const CONNECTION_LOST: &str = "connection to server was lost\n";

/// psql's output for one statement, given what the server said (appends to `out`).
///
/// Notices are printed as they arrive. Like psql 15, a result is printed only once the
/// next result (or the end of the statement) has arrived, so with several results (`\;`)
/// a notice raised by a later one comes out before an earlier table. Errors print at once.
pub fn format_statement(statement_sql: &str, events: &[Event], out: &mut String) {
    let mut pending: Option<&Event> = None;
    for event in events {
        match event {
            Event::Notice(message) => message::write_message(message, statement_sql, false, out),
            Event::Error(message) => {
                write_result(pending.take(), out);
                write_error(message, statement_sql, out);
            }
            Event::Complete { .. } | Event::EmptyQuery => {
                write_result(pending.replace(event), out);
            }
        }
    }
    write_result(pending, out);
}

/// The whole transcript of a snippet: every statement in order.
pub fn transcript(statements: &[StatementOutcome]) -> String {
    let mut out = String::new();
    for statement in statements {
        format_statement(&statement.sql, &statement.events, &mut out);
    }
    out
}

/// A table (plus the command tag after `INSERT/UPDATE/DELETE ... RETURNING`), or just the
/// command tag. An empty query prints nothing.
fn write_result(result: Option<&Event>, out: &mut String) {
    let Some(Event::Complete { rows, tag }) = result else {
        return;
    };
    if let Some(rows) = rows {
        table::write_table(rows, out);
        let returning = ["INSERT", "UPDATE", "DELETE"];
        if !returning.iter().any(|verb| tag.starts_with(verb)) {
            return;
        }
    }
    out.push_str(tag);
    out.push('\n');
}

/// An error; when it ended the session (FATAL, PANIC, or a connection that just closed —
/// severity empty) psql also reports the lost connection and stops reading its input.
fn write_error(message: &ServerMessage, statement_sql: &str, out: &mut String) {
    match message.severity.as_str() {
        "" => {
            out.push_str(CONNECTION_CLOSED);
            out.push_str(CONNECTION_LOST);
        }
        "FATAL" | "PANIC" => {
            message::write_message(message, statement_sql, true, out);
            out.push_str(CONNECTION_CLOSED);
            out.push_str(CONNECTION_LOST);
        }
        _ => message::write_message(message, statement_sql, true, out),
    }
}

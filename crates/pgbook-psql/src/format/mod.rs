//! The transcript: exactly what `psql -X -d DB < snippet.sql 2>&1` prints for statements,
//! given what the server said for each of them.
//!
//! It turns events into text and nothing else: no I/O, no knowledge of Markdown, clusters
//! or HTML.

pub mod display;
mod expanded;
mod message;
mod plain;
mod table;
mod titled;
mod width;

use pgbook_book::{Event, ResultSet, ServerMessage, StatementOutcome, KEPT_ROWS};

pub use display::{Display, Expanded, Format, PsetOutcome};
pub use message::{ErrorStyle, ShowContext, Verbosity};

pub use titled::{write_titled_table, Footer};

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
    format_statement_with(statement_sql, events, &Display::default(), out);
}

/// [`format_statement`] with the session's display settings (`\x`, `\pset`, ...).
pub fn format_statement_with(
    statement_sql: &str,
    events: &[Event],
    display: &Display,
    out: &mut String,
) {
    let mut pending: Option<&Event> = None;
    // psql prints no `COPY n` tag after data it wrote to stdout.
    let mut copied_out = false;
    for event in events {
        match event {
            Event::Complete { rows: None, .. } if copied_out => copied_out = false,
            Event::Notice(message) => {
                message::write_message(message, statement_sql, false, &display.errors, out)
            }
            Event::Error(message) => {
                write_result(pending.take(), display, out);
                write_error(message, statement_sql, &display.errors, out);
            }
            Event::Complete { .. } | Event::EmptyQuery => {
                write_result(pending.replace(event), display, out);
            }
            Event::CopyOut(data) => {
                write_result(pending.take(), display, out);
                out.push_str(data);
                copied_out = true;
            }
            Event::Notification { .. } => {}
        }
    }
    write_result(pending, display, out);
    // psql looks for notifications once a statement is done.
    for event in events {
        if let Event::Notification {
            channel,
            payload,
            pid,
        } = event
        {
            write_notification(channel, payload, *pid, out);
        }
    }
}

/// psql's line for a notification (no `with payload` part when the payload is empty).
fn write_notification(channel: &str, payload: &str, pid: i32, out: &mut String) {
    out.push_str(&format!("Asynchronous notification \"{channel}\""));
    if !payload.is_empty() {
        out.push_str(&format!(" with payload \"{payload}\""));
    }
    out.push_str(&format!(" received from server process with PID {pid}.\n"));
}

/// The whole transcript of a snippet: every statement in order (a statement whose output
/// was printed when it ran — a meta-command, or non-default display settings — as printed).
pub fn transcript(statements: &[StatementOutcome]) -> String {
    let mut out = String::new();
    for statement in statements {
        match &statement.printed {
            Some(printed) => out.push_str(printed),
            None => format_statement(&statement.sql, &statement.events, &mut out),
        }
    }
    out
}

/// The transcript of a snippet's statements that is about to become its outcome: like
/// [`transcript`], but the text of a statement with a large result (see
/// [`print_large_results`]) is moved into it rather than copied, so that it exists once.
pub fn take_transcript(statements: &mut [StatementOutcome]) -> String {
    if statements.len() == 1 && has_elided_rows(&statements[0].events) {
        if let Some(text) = statements[0].printed.take() {
            return text;
        }
    }
    let mut out = String::new();
    for statement in statements {
        let large = has_elided_rows(&statement.events);
        match &mut statement.printed {
            Some(printed) if large => out.push_str(&std::mem::take(printed)),
            Some(printed) => out.push_str(printed),
            None => format_statement(&statement.sql, &statement.events, &mut out),
        }
        if large {
            statement.printed = None;
        }
    }
    out
}

/// For a statement that returned more than [`KEPT_ROWS`] rows: prints it into `printed` now,
/// while every row is at hand (unless `printed` already holds what psql printed), then keeps
/// only the first rows of each result as values. The rest are counted in
/// `ResultSet::elided_rows`; their text lives in the transcript alone.
pub fn print_large_results(
    statement_sql: &str,
    events: &mut [Event],
    printed: &mut Option<String>,
) {
    let large = events.iter().any(|event| {
        matches!(event, Event::Complete { rows: Some(rows), .. }
            if rows.all_rows.is_some() || rows.rows.len() > KEPT_ROWS)
    });
    if !large {
        return;
    }
    if printed.is_none() {
        let mut text = String::new();
        format_statement(statement_sql, events, &mut text);
        *printed = Some(text);
    }
    for event in events {
        if let Event::Complete {
            rows: Some(rows), ..
        } = event
        {
            rows.keep_first(KEPT_ROWS);
        }
    }
}

fn has_elided_rows(events: &[Event]) -> bool {
    events.iter().any(
        |event| matches!(event, Event::Complete { rows: Some(rows), .. } if rows.elided_rows > 0),
    )
}

/// One result set as `display` says: aligned, expanded, unaligned or csv.
pub fn write_rows(rows: &ResultSet, display: &Display, out: &mut String) {
    match display.format {
        Format::Aligned if display.is_expanded() => expanded::write_expanded(rows, display, out),
        Format::Aligned if display.is_default() => table::write_table(rows, out),
        Format::Aligned => table::write_aligned(rows, display, out),
        Format::Unaligned => plain::write_unaligned(rows, display, out),
        Format::Csv => plain::write_csv(rows, display, out),
    }
}

/// A table (plus the command tag after `INSERT/UPDATE/DELETE ... RETURNING`), or just the
/// command tag. An empty query prints nothing.
fn write_result(result: Option<&Event>, display: &Display, out: &mut String) {
    let Some(Event::Complete { rows, tag }) = result else {
        return;
    };
    if let Some(rows) = rows {
        write_rows(rows, display, out);
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
fn write_error(message: &ServerMessage, statement_sql: &str, style: &ErrorStyle, out: &mut String) {
    match message.severity.as_str() {
        "" => {
            out.push_str(CONNECTION_CLOSED);
            out.push_str(CONNECTION_LOST);
        }
        "FATAL" | "PANIC" => {
            message::write_message(message, statement_sql, true, style, out);
            out.push_str(CONNECTION_CLOSED);
            out.push_str(CONNECTION_LOST);
        }
        _ => message::write_message(message, statement_sql, true, style, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pgbook_book::{Column, ResultSet};

    fn notice(text: &str) -> Event {
        Event::Notice(ServerMessage {
            severity: "NOTICE".into(),
            message: text.into(),
            ..ServerMessage::default()
        })
    }

    fn one_row(tag: &str) -> Event {
        Event::Complete {
            rows: Some(ResultSet {
                elided_rows: 0,
                all_rows: None,
                columns: vec![Column {
                    name: "a".into(),
                    type_oid: 23,
                }],
                rows: vec![vec![Some("5".into())]],
            }),
            tag: tag.into(),
        }
    }

    fn complete(tag: &str) -> Event {
        Event::Complete {
            rows: None,
            tag: tag.into(),
        }
    }

    /// Expected texts are psql 15's output for the same server messages.
    #[test]
    fn statements_like_psql() {
        let table = " a \n---\n 5\n(1 row)\n\n";
        let fatal = Event::Error(ServerMessage {
            severity: "FATAL".into(),
            message: "terminating connection due to administrator command".into(),
            ..ServerMessage::default()
        });
        let cases: Vec<(Vec<Event>, String)> = vec![
            (vec![one_row("SELECT 1")], table.to_string()),
            (vec![one_row("INSERT 0 1")], format!("{table}INSERT 0 1\n")),
            (vec![one_row("UPDATE 1")], format!("{table}UPDATE 1\n")),
            (vec![one_row("FETCH 1")], table.to_string()),
            (vec![notice("n"), complete("DO")], "NOTICE:  n\nDO\n".into()),
            (vec![Event::EmptyQuery], String::new()),
            // Notifications come after the statement's own output.
            (
                vec![
                    Event::Notification {
                        channel: "ch".into(),
                        payload: String::new(),
                        pid: 7,
                    },
                    complete("NOTIFY"),
                    Event::Notification {
                        channel: "ch".into(),
                        payload: "hi there".into(),
                        pid: 7,
                    },
                ],
                "NOTIFY\nAsynchronous notification \"ch\" received from server process with PID 7.\n\
                 Asynchronous notification \"ch\" with payload \"hi there\" received from server \
                 process with PID 7.\n"
                    .into(),
            ),
            // No `COPY n` after data written to stdout.
            (
                vec![Event::CopyOut("1\tx\n".into()), complete("COPY 1")],
                "1\tx\n".into(),
            ),
            // With several results (`\;`), a result waits for the next one.
            (
                vec![one_row("SELECT 1"), notice("later"), complete("DO")],
                format!("NOTICE:  later\n{table}DO\n"),
            ),
            (
                vec![fatal],
                "FATAL:  terminating connection due to administrator command\n\
                 server closed the connection unexpectedly\n\
                 \tThis probably means the server terminated abnormally\n\
                 \tbefore or while processing the request.\n\
                 connection to server was lost\n"
                    .into(),
            ),
        ];
        for (events, expected) in cases {
            let mut out = String::new();
            format_statement("select", &events, &mut out);
            assert_eq!(out, expected, "{events:?}");
        }
    }
}

//! One session of a chapter: a connection to the chapter's database that is opened on first
//! use, reopened after the server closed it, seeded, and given its statement timeout
//! out-of-band (nothing of that shows in transcripts).
//!
//! Statements are sent with `send` and collected with `poll`, so that a client-side
//! deadline can cancel a hung statement — and so that a later lock monitor can watch a step
//! that is still running. This module knows nothing of snippets or Markdown.

use std::time::{Duration, Instant};

use pgbook_book::Event;
use pgbook_psql::{ConnectOptions, Connection};

/// Run invisibly on every new connection so that `random()` repeats from run to run.
const SEED_STATEMENT: &str = "SELECT setseed(0.5)";

/// After the server's own statement_timeout should have fired, how long the client waits
/// before cancelling, and then how long it waits for the cancel to take effect.
const CLIENT_GRACE: Duration = Duration::from_secs(5);
const CANCEL_GRACE: Duration = Duration::from_secs(10);

/// How one statement ended.
pub(crate) enum StatementRun {
    /// The server answered; the connection is still usable.
    Done(Vec<Event>),
    /// The connection is gone. `events` holds whatever arrived (e.g. the FATAL).
    Lost { events: Vec<Event>, reason: String },
}

pub(crate) struct Session {
    options: ConnectOptions,
    connection: Option<Connection>,
    applied_timeout: Option<Duration>,
}

impl Session {
    pub fn new(options: ConnectOptions) -> Session {
        Session {
            options,
            connection: None,
            applied_timeout: None,
        }
    }

    /// Makes sure there is an open, seeded connection with `timeout` as statement_timeout.
    pub fn prepare(&mut self, timeout: Duration) -> Result<(), String> {
        if self.connection.as_ref().is_some_and(|c| c.is_closed()) {
            self.connection = None;
        }
        if self.connection.is_none() {
            let mut connection = Connection::connect(&self.options)
                .map_err(|e| format!("cannot connect to database {}: {e}", self.options.dbname))?;
            connection
                .execute(SEED_STATEMENT)
                .map_err(|e| format!("cannot seed the session: {e}"))?;
            self.connection = Some(connection);
            self.applied_timeout = None;
        }
        if self.applied_timeout != Some(timeout) {
            let set = format!("SET statement_timeout = {}", timeout.as_millis());
            let connection = self.connection.as_mut().expect("opened above");
            let events = connection
                .execute(&set)
                .map_err(|e| format!("cannot set statement_timeout: {e}"))?;
            let failed = events.iter().any(|e| matches!(e, Event::Error(_)));
            // Inside a transaction block the SET is undone by a later ROLLBACK, and in an
            // aborted one it fails: then apply it again before the next step.
            let lasting = !failed && connection.transaction_status() == b'I';
            self.applied_timeout = lasting.then_some(timeout);
        }
        Ok(())
    }

    /// Runs one statement; `timeout` is the server-side statement_timeout in force, from
    /// which the client-side deadline is derived. Call [`Session::prepare`] first.
    pub fn run(&mut self, sql: &str, timeout: Duration) -> StatementRun {
        let Some(connection) = self.connection.as_mut() else {
            return lost(Vec::new(), "the session has no connection".into());
        };
        if let Err(e) = connection.send(sql) {
            self.connection = None;
            return lost(Vec::new(), e.to_string());
        }
        let outcome = collect(connection, client_deadline(timeout));
        let closed = self.connection.as_ref().is_none_or(|c| c.is_closed());
        match outcome {
            StatementRun::Done(events) if closed => {
                self.connection = None;
                lost(events, "the server closed the connection".into())
            }
            StatementRun::Lost { .. } => {
                self.close();
                outcome
            }
            done => done,
        }
    }

    /// The open connection, for callers that drive statements themselves with `send` and
    /// `poll` (the sessions scheduler). Call [`Session::prepare`] first.
    pub fn connection_mut(&mut self) -> Option<&mut Connection> {
        self.connection.as_mut().filter(|c| !c.is_closed())
    }

    /// Closes the connection, if any.
    pub fn close(&mut self) {
        if let Some(connection) = self.connection.take() {
            if !connection.is_closed() {
                connection.close();
            }
        }
    }
}

fn lost(events: Vec<Event>, reason: String) -> StatementRun {
    StatementRun::Lost { events, reason }
}

/// A statement_timeout of 0 means "none" to PostgreSQL; the client still gives up
/// eventually rather than hang for ever.
fn client_deadline(timeout: Duration) -> Duration {
    if timeout.is_zero() {
        Duration::from_secs(24 * 3600)
    } else {
        timeout + CLIENT_GRACE
    }
}

/// Polls until the statement finishes; past `deadline` cancels it, and past the cancel's
/// grace period gives the connection up.
fn collect(connection: &mut Connection, deadline: Duration) -> StatementRun {
    let started = Instant::now();
    let mut cancelled_at: Option<Instant> = None;
    loop {
        let limit = match cancelled_at {
            Some(at) => at + CANCEL_GRACE,
            None => started + deadline,
        };
        let wait = limit.saturating_duration_since(Instant::now());
        match connection.poll(wait) {
            Ok(Some(events)) => return StatementRun::Done(events),
            Ok(None) if Instant::now() < limit => {}
            Ok(None) => match cancelled_at {
                None => {
                    if let Err(e) = connection.cancel() {
                        return lost(Vec::new(), format!("cannot cancel a hung statement: {e}"));
                    }
                    cancelled_at = Some(Instant::now());
                }
                Some(_) => {
                    return lost(
                        Vec::new(),
                        format!(
                            "no answer from the server {:?} after cancelling a statement that \
                             ran past its deadline",
                            CANCEL_GRACE
                        ),
                    )
                }
            },
            Err(e) => return lost(Vec::new(), e.to_string()),
        }
    }
}

//! One session of a chapter: a connection to the chapter's database that is opened on first
//! use, reopened after the server closed it, seeded, and given its statement timeout — and,
//! in a chapter with several sessions, its short `deadlock_timeout` and `log_lock_waits`
//! (see [`crate::blocking`]) — out of band (nothing of that shows in transcripts).
//!
//! This module owns the connection's lifecycle only. It never runs a snippet's statements
//! (that is [`crate::steps`]) and knows nothing of snippets, Markdown or other sessions.

use std::sync::Arc;
use std::time::Duration;

use pgbook_book::Event;
use pgbook_psql::builtin::ConnectionVariables;
use pgbook_psql::{ConnectOptions, Connection, Display};

use crate::blocking::{configure_session, DeadlockCheck};

/// Run invisibly on every new connection so that `random()` repeats from run to run; it
/// also reads `version()`, psql's `VERSION` variable.
const SEED_STATEMENT: &str = "SELECT setseed(0.5), version()";

pub(crate) struct Session {
    options: ConnectOptions,
    connection: Option<Connection>,
    applied_timeout: Option<Duration>,
    /// Whether the chapter has other sessions this one can block or be blocked by: only then
    /// does a connection get the chapter's `deadlock_timeout` (a one-session chapter keeps
    /// the server's, and its `SHOW deadlock_timeout`).
    concurrent: bool,
    /// Whether pgbook reads the server's log, so that the session's deadlock checks can be
    /// logged for it.
    log_watched: bool,
    /// How this session's deadlock checks are known to have run (see [`configure_session`]).
    deadlock_check: DeadlockCheck,
    /// psql's display settings (`\x`, `\pset`, ...), which belong to one session as they
    /// belong to one psql process; kept when the connection is reopened.
    pub display: Display,
    /// What psql sets when it connects (`DBNAME`, `PORT`, …), for the open connection.
    connection_variables: Option<Arc<ConnectionVariables>>,
}

impl Session {
    pub fn new(options: ConnectOptions, concurrent: bool, log_watched: bool) -> Session {
        Session {
            options,
            connection: None,
            applied_timeout: None,
            concurrent,
            log_watched,
            deadlock_check: DeadlockCheck::NONE,
            display: Display::default(),
            connection_variables: None,
        }
    }

    /// Makes sure there is an open, seeded connection with `timeout` as statement_timeout.
    pub fn prepare(&mut self, timeout: Duration) -> Result<(), String> {
        if self.connection.as_ref().is_some_and(|c| c.is_closed()) {
            self.connection = None;
        }
        if self.connection.is_none() {
            self.connection = Some(self.open()?);
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

    /// A new connection, seeded, with the chapter's `deadlock_timeout` when concurrent.
    fn open(&mut self) -> Result<Connection, String> {
        let mut connection = Connection::connect(&self.options)
            .map_err(|e| format!("cannot connect to database {}: {e}", self.options.dbname))?;
        let seeded = connection
            .execute(SEED_STATEMENT)
            .map_err(|e| format!("cannot seed the session: {e}"))?;
        let version = seeded
            .iter()
            .find_map(|e| match e {
                Event::Complete {
                    rows: Some(rows), ..
                } => rows.rows.first()?.get(1)?.clone(),
                _ => None,
            })
            .unwrap_or_default();
        self.connection_variables = Some(Arc::new(ConnectionVariables::new(
            &self.options,
            connection.server_version(),
            connection.client_encoding(),
            &version,
        )));
        if self.concurrent {
            self.deadlock_check = configure_session(&mut connection, self.log_watched)?;
        }
        Ok(connection)
    }

    /// The open connection, for the step running on this session. Call
    /// [`Session::prepare`] first.
    pub fn connection_mut(&mut self) -> Option<&mut Connection> {
        self.connection.as_mut().filter(|c| !c.is_closed())
    }

    /// How a deadlock check of this session's backend is known to have run.
    pub fn deadlock_check(&self) -> DeadlockCheck {
        self.deadlock_check
    }

    /// psql's connection variables for this session's connection, once it is open.
    pub fn connection_variables(&self) -> Option<&Arc<ConnectionVariables>> {
        self.connection_variables.as_ref()
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

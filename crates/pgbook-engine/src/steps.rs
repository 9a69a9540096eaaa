//! One step (snippet) being executed without blocking the caller: its statements are sent
//! one at a time with `send`, and `advance` collects whatever the server answered so far,
//! so that a scheduler can watch several steps of a chapter at once.
//!
//! A step knows where it began to wait on a lock (the `<waiting ...>` line of its
//! transcript) and enforces its own client-side deadline, but it does not decide when it is
//! blocked nor which step runs next: that is the scheduler's business.

use std::time::{Duration, Instant};

use pgbook_book::{Event, SnippetOutcome, StatementOutcome};
use pgbook_psql::SplitStatement;

use crate::runner::lost_connection;
use crate::session::Session;

/// The line a waiting step shows where it began to wait, as isolationtester prints it.
pub(crate) const WAITING_LINE: &str = "<waiting ...>\n";

/// After the server's own statement_timeout should have fired, how long the client waits
/// before cancelling, and then how long it waits for the cancel to take effect.
const CLIENT_GRACE: Duration = Duration::from_secs(5);
const CANCEL_GRACE: Duration = Duration::from_secs(10);

/// What one call of [`ActiveStep::advance`] achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Progress {
    /// Nothing arrived yet.
    Idle,
    /// A statement finished and the next one was sent.
    Advanced,
    /// The step has no statement left to run (or cannot run any more).
    Finished,
}

/// The statement on the wire and since when.
struct InFlight {
    started: Instant,
    cancelled_at: Option<Instant>,
}

/// A snippet whose statements are being run on its session.
pub(crate) struct ActiveStep {
    /// Index of the snippet in the chapter.
    pub index: usize,
    pub session: String,
    statements: Vec<SplitStatement>,
    timeout: Duration,
    outcome: SnippetOutcome,
    /// How many statements had completed when the step began to wait.
    waiting_at: Option<usize>,
    in_flight: Option<InFlight>,
}

impl ActiveStep {
    pub fn new(
        index: usize,
        session: String,
        statements: Vec<SplitStatement>,
        timeout: Duration,
    ) -> ActiveStep {
        ActiveStep {
            index,
            session,
            statements,
            timeout,
            outcome: SnippetOutcome::default(),
            waiting_at: None,
            in_flight: None,
        }
    }

    /// A step that cannot run at all, for `problem`.
    pub fn failed(problem: String) -> SnippetOutcome {
        SnippetOutcome {
            failure: Some(problem),
            ..SnippetOutcome::default()
        }
    }

    pub fn is_finished(&self) -> bool {
        self.in_flight.is_none()
    }

    /// Records that the step waits on a lock from here on (once: a step released and
    /// blocked again keeps its first `<waiting ...>` line).
    pub fn mark_waiting(&mut self) {
        if self.waiting_at.is_none() {
            self.waiting_at = Some(self.outcome.statements.len());
        }
    }

    /// Sends the first statement; the session must have been prepared.
    pub fn begin(&mut self, session: &mut Session) {
        self.send_next(session);
    }

    /// Collects what the statement in flight produced within `wait`; sends the next
    /// statement when it finished, cancels it past its deadline.
    pub fn advance(&mut self, session: &mut Session, wait: Duration) -> Progress {
        let Some(in_flight) = self.in_flight.as_ref() else {
            return Progress::Finished;
        };
        let deadline = match in_flight.cancelled_at {
            Some(at) => at + CANCEL_GRACE,
            None => in_flight.started + client_deadline(self.timeout),
        };
        let Some(connection) = session.connection_mut() else {
            self.lose(session, Vec::new(), "the session has no connection".into());
            return Progress::Finished;
        };
        match connection.poll(wait) {
            Ok(Some(events)) if connection.is_closed() => {
                self.lose(session, events, "the server closed the connection".into());
                Progress::Finished
            }
            Ok(Some(events)) => {
                self.record(events);
                self.send_next(session);
                if self.is_finished() {
                    Progress::Finished
                } else {
                    Progress::Advanced
                }
            }
            Ok(None) if Instant::now() < deadline => Progress::Idle,
            Ok(None) => self.overdue(session),
            Err(e) => {
                self.lose(session, Vec::new(), e.to_string());
                Progress::Finished
            }
        }
    }

    /// Cancels the statement in flight (the step is still waiting when the chapter ends),
    /// keeps what the cancelled statement reported, and fails the step with `problem`.
    pub fn abandon(mut self, session: &mut Session, problem: String) -> SnippetOutcome {
        if let Some(connection) = session.connection_mut() {
            let answer = connection
                .cancel()
                .ok()
                .and_then(|()| connection.poll(CANCEL_GRACE).ok().flatten());
            match answer {
                Some(events) => self.record(events),
                // No answer to the cancel: the connection cannot be used any more.
                None => session.close(),
            }
        }
        self.in_flight = None;
        self.outcome.failure = Some(problem);
        self.into_outcome(None)
    }

    /// The finished step's outcome; `completed_during` is the index of the step during
    /// which a waiting step completed.
    pub fn into_outcome(mut self, completed_during: Option<usize>) -> SnippetOutcome {
        self.outcome.transcript = match self.waiting_at {
            None => pgbook_psql::transcript(&self.outcome.statements),
            Some(at) => {
                let (before, after) = self.outcome.statements.split_at(at);
                let mut text = pgbook_psql::transcript(before);
                text.push_str(WAITING_LINE);
                text.push_str(&pgbook_psql::transcript(after));
                text
            }
        };
        self.outcome.completed_during = completed_during.filter(|_| self.waiting_at.is_some());
        self.outcome
    }

    /// Sends the next statement, or marks the step finished when there is none.
    fn send_next(&mut self, session: &mut Session) {
        self.in_flight = None;
        let Some(statement) = self.statements.get(self.outcome.statements.len()) else {
            return;
        };
        let sql = statement.text.clone();
        let sent = match session.connection_mut() {
            Some(connection) => connection.send(&sql).map_err(|e| e.to_string()),
            None => Err("the session has no connection".to_string()),
        };
        match sent {
            Ok(()) => {
                self.in_flight = Some(InFlight {
                    started: Instant::now(),
                    cancelled_at: None,
                })
            }
            Err(reason) => self.lose(session, Vec::new(), reason),
        }
    }

    /// The statement ran past its client-side deadline: cancel it once, then give the
    /// connection up.
    fn overdue(&mut self, session: &mut Session) -> Progress {
        let cancelled = self.in_flight.as_ref().and_then(|f| f.cancelled_at);
        if cancelled.is_some() {
            let reason = format!(
                "no answer from the server {CANCEL_GRACE:?} after cancelling a statement that \
                 ran past its deadline"
            );
            self.lose(session, Vec::new(), reason);
            return Progress::Finished;
        }
        let result = session
            .connection_mut()
            .map(|connection| connection.cancel())
            .unwrap_or(Ok(()));
        match result {
            Ok(()) => {
                if let Some(in_flight) = self.in_flight.as_mut() {
                    in_flight.cancelled_at = Some(Instant::now());
                }
                Progress::Idle
            }
            Err(e) => {
                let reason = format!("cannot cancel a hung statement: {e}");
                self.lose(session, Vec::new(), reason);
                Progress::Finished
            }
        }
    }

    fn record(&mut self, events: Vec<Event>) {
        let statement = &self.statements[self.outcome.statements.len()];
        self.outcome.statements.push(StatementOutcome {
            sql: statement.text.clone(),
            offset: statement.offset,
            events,
        });
    }

    /// The connection is gone: keep what arrived, skip the rest of the step.
    fn lose(&mut self, session: &mut Session, events: Vec<Event>, reason: String) {
        if self.outcome.statements.len() < self.statements.len() {
            self.record(events);
        }
        self.in_flight = None;
        session.close();
        self.outcome.failure = Some(lost_connection(&self.session, &reason));
    }
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

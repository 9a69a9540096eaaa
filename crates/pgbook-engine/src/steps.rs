//! The statement runner: one step (snippet) executed on its session, statement after
//! statement, the same way whether the chapter has one session or several. Each statement
//! is sent with `send` and collected with `poll` into the step's `StatementOutcome`s; a
//! statement past its client-side deadline is cancelled, a closed connection ends the step
//! with a failure, and a step that began to wait on a lock gets its `<waiting ...>` line.
//!
//! [`Step::advance`] never waits longer than it is told, so a caller can watch several steps
//! at once (short waits) or just one (a wait as long as the step's deadline). A step knows
//! nothing of other sessions: it does not decide when it is blocked nor which step runs next
//! — that is [`crate::scheduler`]'s business.

use std::time::{Duration, Instant};

use pgbook_book::{Event, Interpolation, SnippetOutcome, StatementOutcome};
use pgbook_psql::meta;
use pgbook_psql::{Command, MetaCommand, Variables};

use crate::psql_meta::{
    end_savepoint, gexec_origin, gexec_printed, gexec_statements, gset_printed, meta_outcome,
    run_meta, send_statement,
};

use crate::session::Session;

/// The line a waiting step shows where it began to wait, as isolationtester prints it.
const WAITING_LINE: &str = "<waiting ...>\n";

/// After the server's own statement_timeout should have fired, how long the client waits
/// before cancelling, and then how long it waits for the cancel to take effect.
const CLIENT_GRACE: Duration = Duration::from_secs(5);
const CANCEL_GRACE: Duration = Duration::from_secs(10);

/// How long the client waits for a statement when statement_timeout is 0 ("none" to
/// PostgreSQL): it still gives up eventually rather than hang for ever.
const NO_TIMEOUT_DEADLINE: Duration = Duration::from_secs(24 * 3600);

/// What one call of [`Step::advance`] achieved.
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
    /// The text sent (variables interpolated) and where values were written into it.
    sent: String,
    offset: usize,
    interpolations: Vec<Interpolation>,
    /// `\g`, `\gx` or `\gset` when one of them sent it.
    sent_by: Option<MetaCommand>,
    /// Whether psql's `ON_ERROR_ROLLBACK` savepoint was set before it.
    savepoint: bool,
}

/// A snippet whose statements are being run on its session.
pub(crate) struct Step {
    /// Index of the snippet in the chapter.
    pub index: usize,
    /// Line of the snippet in the chapter, for messages about it.
    pub line: usize,
    pub session: String,
    commands: Vec<Command>,
    /// Index of the next command to run.
    next: usize,
    timeout: Duration,
    outcome: SnippetOutcome,
    /// How many statements had completed when the step began to wait.
    waiting_at: Option<usize>,
    in_flight: Option<InFlight>,
    /// The statements a `\gexec` queued and not all run yet.
    gexec: Option<GexecRun>,
}

/// The cells of a `\gexec` result being run: they are `commands[..end]` from where the
/// query was; psql sets its result variables from the query once they all succeeded.
struct GexecRun {
    end: usize,
    query_events: Vec<Event>,
    failed: bool,
}

impl Step {
    pub fn new(
        index: usize,
        line: usize,
        session: String,
        commands: Vec<Command>,
        timeout: Duration,
    ) -> Step {
        Step {
            index,
            line,
            session,
            commands,
            next: 0,
            timeout,
            outcome: SnippetOutcome::default(),
            waiting_at: None,
            in_flight: None,
            gexec: None,
        }
    }

    /// The outcome of a step that cannot run at all, for `problem`.
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

    /// Sends the first statement (running the meta-commands before it); the session must
    /// have been prepared.
    pub fn begin(&mut self, session: &mut Session, variables: &mut Variables) {
        self.send_next(session, variables);
    }

    /// Collects what the statement in flight produced within `wait` (never past the
    /// statement's deadline, so `Duration::MAX` means "until something happens"); sends the
    /// next statement when it finished, cancels it past its deadline.
    pub fn advance(
        &mut self,
        session: &mut Session,
        variables: &mut Variables,
        wait: Duration,
    ) -> Progress {
        let Some(in_flight) = self.in_flight.as_ref() else {
            return Progress::Finished;
        };
        let deadline = match in_flight.cancelled_at {
            Some(at) => at + CANCEL_GRACE,
            None => in_flight.started + client_deadline(self.timeout),
        };
        let wait = wait.min(deadline.saturating_duration_since(Instant::now()));
        let Some(connection) = session.connection_mut() else {
            self.lose(session, Vec::new(), "the session has no connection".into());
            return Progress::Finished;
        };
        match connection.poll(wait) {
            Ok(Some(events)) if connection.is_closed() => {
                self.lose(session, events, String::new()); // its own message says why
                Progress::Finished
            }
            Ok(Some(events)) => {
                if self.in_flight.as_ref().is_some_and(|f| f.savepoint) {
                    end_savepoint(connection, &events);
                }
                self.record(events, session, variables);
                self.send_next(session, variables);
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

    /// Runs the step to its end, as the only step in progress (nothing can block it).
    pub fn run_to_end(&mut self, session: &mut Session, variables: &mut Variables) {
        while self.advance(session, variables, Duration::MAX) != Progress::Finished {}
    }

    /// Cancels the statement in flight (the step is still waiting when the chapter ends),
    /// keeps what the cancelled statement reported, and fails the step with `problem`.
    pub fn abandon(
        mut self,
        session: &mut Session,
        variables: &mut Variables,
        problem: String,
    ) -> SnippetOutcome {
        if let Some(connection) = session.connection_mut() {
            let answer = connection
                .cancel()
                .ok()
                .and_then(|()| connection.poll(CANCEL_GRACE).ok().flatten());
            match answer {
                Some(events) => self.record(events, session, variables),
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
            None => pgbook_psql::take_transcript(&mut self.outcome.statements),
            Some(at) => {
                let (before, after) = self.outcome.statements.split_at_mut(at);
                let mut text = pgbook_psql::take_transcript(before);
                text.push_str(WAITING_LINE);
                text.push_str(&pgbook_psql::take_transcript(after));
                text
            }
        };
        self.outcome.completed_during = completed_during.filter(|_| self.waiting_at.is_some());
        self.outcome
    }

    /// Runs meta-commands up to the next statement and sends it, or marks the step
    /// finished when there is none.
    fn send_next(&mut self, session: &mut Session, variables: &mut Variables) {
        self.in_flight = None;
        if let Some(connection_variables) = session.connection_variables() {
            variables.use_connection(connection_variables);
        }
        while let Some(command) = self.commands.get(self.next) {
            self.next += 1;
            let statement = match command {
                Command::Meta(meta) => {
                    let printed = run_meta(meta, session, variables);
                    self.outcome.statements.push(meta_outcome(meta, printed));
                    continue;
                }
                Command::Sql(statement) => statement,
            };
            let generated = self.gexec.as_ref().is_some_and(|g| self.next <= g.end);
            let (sent, interpolations) = match variables.interpolate(statement) {
                Some(interpolated) => interpolated,
                None if generated => (statement.text.clone(), gexec_origin(&statement.text)),
                None => (statement.text.clone(), Vec::new()),
            };
            let savepoint = meta::on_error_rollback(variables);
            let sent_result = match session.connection_mut() {
                Some(connection) => {
                    send_statement(connection, &sent, statement.copy_data.as_deref(), savepoint)
                }
                None => Err("the session has no connection".to_string()),
            };
            let savepoint = sent_result.as_ref().is_ok_and(|set| *set);
            self.in_flight = Some(InFlight {
                started: Instant::now(),
                cancelled_at: None,
                sent,
                offset: statement.offset,
                interpolations,
                sent_by: statement.sent_by.clone(),
                savepoint,
            });
            if let Err(reason) = sent_result {
                self.lose(session, Vec::new(), reason);
            }
            return;
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

    /// Keeps what the statement in flight produced, printed as the session's display
    /// settings and the command that sent it (`\gx`, `\gset`) say.
    fn record(&mut self, events: Vec<Event>, session: &Session, variables: &mut Variables) {
        let Some(in_flight) = self.in_flight.as_ref() else {
            return;
        };
        let elapsed = in_flight.started.elapsed();
        // Two look-ups in an (almost always empty) map: no cost worth avoiding.
        let style = meta::error_style(variables);
        let sent_by = in_flight.sent_by.as_ref().map(|m| m.name.as_str());
        let mut printed = None;
        let mut events = events;
        if sent_by == Some("gset") {
            let display = pgbook_psql::Display {
                errors: style,
                ..pgbook_psql::Display::default()
            };
            printed = Some(gset_printed(
                &in_flight.sent,
                in_flight.sent_by.as_ref(),
                &display,
                &mut events,
                variables,
            ));
        } else if sent_by == Some("gexec") {
            let mut display = session.display.clone();
            display.errors = style;
            printed = Some(gexec_printed(&in_flight.sent, &display, &events));
        } else if sent_by == Some("gx") || !session.display.is_default() || !style.is_default() {
            let mut display = session.display.clone();
            display.errors = style;
            if sent_by == Some("gx") {
                display.expanded = pgbook_psql::format::Expanded::On;
            }
            let mut text = String::new();
            pgbook_psql::format_statement_with(&in_flight.sent, &events, &display, &mut text);
            printed = Some(text);
        }
        let cells = match in_flight
            .sent_by
            .as_ref()
            .filter(|_| sent_by == Some("gexec"))
        {
            Some(gexec) => gexec_statements(&events, gexec),
            None => Vec::new(),
        };
        // `\gset` sets psql's result variables itself (none when it stored nothing), and a
        // `\gexec` query once the statements it generated ran.
        if sent_by != Some("gset") && cells.is_empty() {
            pgbook_psql::builtin::set_result_variables(&events, variables);
        }
        if session.display.timing {
            if let Some(text) = printed.as_mut() {
                text.push_str(&pgbook_psql::format::display::timing_line(elapsed));
            }
        }
        let expanded = sent_by == Some("gx") || session.display.is_expanded();
        let rows_consumed = matches!(sent_by, Some("gset" | "gexec"));
        let failed = self.gexec.is_some() && events.iter().any(|e| matches!(e, Event::Error(_)));
        let query_events = (!cells.is_empty()).then(|| events.clone());
        // A large result is printed now and keeps only its first rows as values.
        pgbook_psql::print_large_results(&in_flight.sent, &mut events, &mut printed);
        self.outcome.statements.push(StatementOutcome {
            sql: in_flight.sent.clone(),
            offset: in_flight.offset,
            events,
            printed,
            interpolations: in_flight.interpolations.clone(),
            expanded,
            rows_consumed,
        });
        match query_events {
            Some(query_events) => {
                let end = self.next + cells.len();
                self.commands.splice(self.next..self.next, cells);
                self.gexec = Some(GexecRun {
                    end,
                    query_events,
                    failed: false,
                });
            }
            None => self.end_of_gexec(failed, variables),
        }
    }

    /// After a statement a `\gexec` generated (`failed`: it reported an error): once the
    /// last one ran, psql sets its result variables from the query, unless one failed.
    fn end_of_gexec(&mut self, failed: bool, variables: &mut Variables) {
        let Some(run) = self.gexec.as_mut() else {
            return;
        };
        run.failed |= failed;
        if self.next < run.end {
            return;
        }
        if let Some(run) = self.gexec.take() {
            if !run.failed {
                pgbook_psql::builtin::set_result_variables(&run.query_events, variables);
            }
        }
    }

    /// The connection is gone: keep what arrived, skip the rest of the step.
    fn lose(&mut self, session: &mut Session, events: Vec<Event>, reason: String) {
        if let Some(in_flight) = self.in_flight.take() {
            self.outcome.statements.push(StatementOutcome {
                sql: in_flight.sent,
                offset: in_flight.offset,
                events,
                printed: None,
                interpolations: in_flight.interpolations,
                expanded: false,
                rows_consumed: false,
            });
        }
        session.close();
        self.outcome.failure = Some(lost_connection(&self.session, &reason));
    }
}

/// Why a step stopped when its connection went away.
fn lost_connection(session_name: &str, reason: &str) -> String {
    let why = if reason.is_empty() {
        String::new()
    } else {
        format!(" ({reason})")
    };
    format!(
        "the server closed the connection while this snippet ran{why}; the rest of the \
         snippet was skipped, and later steps of session `{session_name}` run on a new \
         connection"
    )
}

/// How long the client waits for a statement that runs under `timeout`.
fn client_deadline(timeout: Duration) -> Duration {
    if timeout.is_zero() {
        NO_TIMEOUT_DEADLINE
    } else {
        timeout + CLIENT_GRACE
    }
}

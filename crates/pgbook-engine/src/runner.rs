//! Running one chapter in its own database: snippets in document order, each on its session,
//! each statement on its own in autocommit mode, carrying on after errors as psql does;
//! steps that block on another session's lock wait while later steps run (see
//! [`crate::scheduler`]).
//!
//! Every snippet is split before anything runs, so a psql meta-command stops the chapter
//! with a located error instead of half-running it. This module knows nothing of clusters,
//! URLs or how the database was created.

use std::collections::BTreeSet;
use std::time::Duration;

use pgbook_book::{Chapter, Diagnostic, Event, Snippet, SnippetOutcome, StatementOutcome};
use pgbook_psql::{split_statements, ConnectOptions, SplitError, SplitStatement};

use crate::scheduler::Scheduler;
use crate::session::{Session, StatementRun};
use crate::EngineError;

/// Runs every snippet of `chapter` (split beforehand by [`split_chapter`]) against the
/// database of `options`; index-aligned with `chapter.snippets`, `None` for `ignore`.
/// Sessions interleave as [`crate::scheduler`] describes.
pub(crate) fn run_snippets(
    chapter: &Chapter,
    plans: Vec<Option<Vec<SplitStatement>>>,
    options: &ConnectOptions,
    default_timeout: Duration,
) -> Vec<Option<SnippetOutcome>> {
    let sessions: BTreeSet<&str> = chapter
        .snippets
        .iter()
        .filter(|s| !s.attrs.ignore)
        .map(|s| s.attrs.session_name())
        .collect();
    if sessions.len() <= 1 {
        return run_single_session(chapter, plans, options, default_timeout);
    }
    let mut scheduler = Scheduler::new(options, plans.len());
    for (index, (snippet, plan)) in chapter.snippets.iter().zip(plans).enumerate() {
        let Some(statements) = plan else {
            continue;
        };
        let timeout = snippet.attrs.timeout.unwrap_or(default_timeout);
        let session = snippet.attrs.session_name();
        scheduler.run_step(index, snippet.line, session, statements, timeout);
    }
    scheduler.finish()
}

/// A chapter with one session cannot block on itself: its steps run straight through.
fn run_single_session(
    chapter: &Chapter,
    plans: Vec<Option<Vec<SplitStatement>>>,
    options: &ConnectOptions,
    default_timeout: Duration,
) -> Vec<Option<SnippetOutcome>> {
    let mut session = Session::new(options.clone());
    let outcomes = chapter
        .snippets
        .iter()
        .zip(plans)
        .map(|(snippet, plan)| {
            let timeout = snippet.attrs.timeout.unwrap_or(default_timeout);
            let name = snippet.attrs.session_name();
            plan.map(|statements| run_step(&mut session, name, &statements, timeout))
        })
        .collect();
    session.close();
    outcomes
}

/// The statements of every snippet (`None` for `ignore`), or the first meta-command found.
pub(crate) fn split_chapter(
    chapter: &Chapter,
) -> Result<Vec<Option<Vec<SplitStatement>>>, EngineError> {
    chapter
        .snippets
        .iter()
        .map(|snippet| {
            if snippet.attrs.ignore {
                return Ok(None);
            }
            split_statements(&snippet.sql)
                .map(Some)
                .map_err(|e| meta_command_error(chapter, snippet, e))
        })
        .collect()
}

fn meta_command_error(chapter: &Chapter, snippet: &Snippet, error: SplitError) -> EngineError {
    let SplitError::MetaCommand { offset, command } = error;
    let pos = snippet.source_pos(offset);
    let command = if command.starts_with('\\') {
        command
    } else {
        format!("\\{command}")
    };
    EngineError::Input(Diagnostic::new(
        chapter.source_path.clone(),
        pos.line,
        pos.col,
        format!(
            "psql meta-command {command} is not supported: snippets are sent to the server \
             as SQL, so query the catalog instead (for \\d, information_schema or pg_catalog)"
        ),
    ))
}

/// Runs one snippet's statements on `session`, each to its end.
fn run_step(
    session: &mut Session,
    session_name: &str,
    statements: &[SplitStatement],
    timeout: Duration,
) -> SnippetOutcome {
    let mut outcome = SnippetOutcome::default();
    if let Err(problem) = session.prepare(timeout) {
        outcome.failure = Some(problem);
        return outcome;
    }
    for statement in statements {
        match session.run(&statement.text, timeout) {
            StatementRun::Done(events) => outcome
                .statements
                .push(statement_outcome(statement, events)),
            StatementRun::Lost { events, reason } => {
                outcome
                    .statements
                    .push(statement_outcome(statement, events));
                outcome.failure = Some(lost_connection(session_name, &reason));
                break;
            }
        }
    }
    outcome.transcript = pgbook_psql::transcript(&outcome.statements);
    outcome
}

/// Why a snippet stopped when its connection went away.
pub(crate) fn lost_connection(session_name: &str, reason: &str) -> String {
    format!(
        "the server closed the connection while this snippet ran ({reason}); the rest of the \
         snippet was skipped, and later steps of session `{session_name}` run on a new \
         connection"
    )
}

fn statement_outcome(statement: &SplitStatement, events: Vec<Event>) -> StatementOutcome {
    StatementOutcome {
        sql: statement.text.clone(),
        offset: statement.offset,
        events,
    }
}

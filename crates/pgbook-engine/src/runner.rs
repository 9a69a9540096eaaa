//! Running one chapter in its own database: snippets in document order, each on its session,
//! each statement on its own in autocommit mode, carrying on after errors as psql does.
//!
//! Every snippet is split before anything runs, so a psql meta-command stops the chapter
//! with a located error instead of half-running it. This module knows nothing of clusters,
//! URLs or how the database was created.

use std::collections::BTreeMap;
use std::time::Duration;

use pgbook_book::{Chapter, Diagnostic, Snippet, SnippetOutcome, StatementOutcome};
use pgbook_psql::{split_statements, ConnectOptions, SplitError, SplitStatement};

use crate::session::{Session, StatementRun};
use crate::EngineError;

/// Runs every snippet of `chapter` (split beforehand by [`split_chapter`]) against the
/// database of `options`; index-aligned with `chapter.snippets`, `None` for `ignore`.
pub(crate) fn run_snippets(
    chapter: &Chapter,
    plans: Vec<Option<Vec<SplitStatement>>>,
    options: &ConnectOptions,
    default_timeout: Duration,
) -> Vec<Option<SnippetOutcome>> {
    let mut sessions: BTreeMap<String, Session> = BTreeMap::new();
    let mut outcomes = Vec::with_capacity(plans.len());
    for (snippet, plan) in chapter.snippets.iter().zip(plans) {
        let Some(statements) = plan else {
            outcomes.push(None);
            continue;
        };
        let name = snippet.attrs.session_name().to_string();
        let session = sessions
            .entry(name.clone())
            .or_insert_with(|| Session::new(options.clone()));
        let timeout = snippet.attrs.timeout.unwrap_or(default_timeout);
        outcomes.push(Some(run_step(session, &name, &statements, timeout)));
    }
    for session in sessions.values_mut() {
        session.close();
    }
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

/// Runs one snippet's statements on `session`.
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
                outcome.failure = Some(format!(
                    "the server closed the connection while this snippet ran ({reason}); \
                     the rest of the snippet was skipped, and later steps of session \
                     `{session_name}` run on a new connection"
                ));
                break;
            }
        }
    }
    outcome.transcript = pgbook_psql::transcript(&outcome.statements);
    outcome
}

fn statement_outcome(
    statement: &SplitStatement,
    events: Vec<pgbook_book::Event>,
) -> StatementOutcome {
    StatementOutcome {
        sql: statement.text.clone(),
        offset: statement.offset,
        events,
    }
}

//! Running one chapter in its own database: snippets in document order, each on its session,
//! each statement on its own in autocommit mode, carrying on after errors as psql does.
//! Every step goes through the one statement runner ([`crate::steps`]) under the
//! [`crate::scheduler`]; a chapter with one session is the case where no step can block.
//!
//! Every snippet is split before anything runs, so a psql meta-command pgbook does not run
//! stops the chapter with a located error instead of half-running it. This module knows nothing of clusters,
//! URLs or how the database was created.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use pgbook_book::{Chapter, Diagnostic, Snippet, SnippetOutcome};
use pgbook_psql::meta::{self, Kind};
use pgbook_psql::{split_commands, Command, ConnectOptions, MetaCommand};

use crate::scheduler::Scheduler;
use crate::EngineError;

/// Runs every snippet of `chapter` (split beforehand by [`split_chapter`]) against the
/// database of `options`; index-aligned with `chapter.snippets`, `None` for `ignore`.
/// Sessions interleave as [`crate::scheduler`] describes; `server_log` is the server's log
/// when pgbook started the server.
pub(crate) fn run_snippets(
    chapter: &Chapter,
    plans: Vec<Option<Vec<Command>>>,
    options: &ConnectOptions,
    default_timeout: Duration,
    server_log: Option<PathBuf>,
) -> Vec<Option<SnippetOutcome>> {
    let sessions: BTreeSet<&str> = chapter
        .snippets
        .iter()
        .filter(|s| !s.attrs.ignore)
        .map(|s| s.attrs.session_name())
        .collect();
    let mut scheduler = Scheduler::new(options, plans.len(), sessions.len() > 1, server_log);
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

/// The commands of every snippet (`None` for `ignore`), or the first meta-command pgbook
/// does not run.
pub(crate) fn split_chapter(chapter: &Chapter) -> Result<Vec<Option<Vec<Command>>>, EngineError> {
    chapter
        .snippets
        .iter()
        .map(|snippet| {
            if snippet.attrs.ignore {
                return Ok(None);
            }
            let commands = split_commands(&snippet.sql);
            for command in &commands {
                match command {
                    Command::Meta(meta) if meta::kind(meta) == Kind::Unsupported => {
                        return Err(unsupported(chapter, snippet, meta, None));
                    }
                    // `\g FILE` and `\gx FILE` write the result to a file: not a transcript.
                    Command::Sql(statement) => {
                        if let Some(meta) = statement.sent_by.as_ref() {
                            if meta.name != "gset" && !meta.args.trim().is_empty() {
                                let why = "writing a result to a file or pipe";
                                return Err(unsupported(chapter, snippet, meta, Some(why)));
                            }
                        }
                    }
                    Command::Meta(_) => {}
                }
            }
            Ok(Some(commands))
        })
        .collect()
}

fn unsupported(
    chapter: &Chapter,
    snippet: &Snippet,
    meta: &MetaCommand,
    why: Option<&str>,
) -> EngineError {
    let pos = snippet.source_pos(meta.offset);
    let what = match why {
        Some(why) => format!("\\{} with an argument ({why})", meta.name),
        None => format!("\\{}", meta.name),
    };
    EngineError::Input(Diagnostic::new(
        chapter.source_path.clone(),
        pos.line,
        pos.col,
        format!(
            "psql meta-command {what} is not supported by pgbook; supported: {}",
            meta::SUPPORTED
        ),
    ))
}

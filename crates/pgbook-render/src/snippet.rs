//! The view of one SQL snippet in a page: its highlighted SQL, what the server answered (result
//! tables, EXPLAIN plans, command tags, notices and errors), the psql transcript, its session,
//! and the verdict it got. The theme's `partials/snippet.html` turns this into HTML; every
//! database value reaches the template as plain text, so minijinja escapes it.
//!
//! This module does not decide verdicts; it shows the [`SnippetStatus`] it is given.

use std::collections::HashMap;

use pgbook_book::{
    ChapterOutcome, ErrorExpectation, Event, ResultSet, ServerMessage, Snippet, SnippetOutcome,
};
use pgbook_verify::Failure;
use serde::Serialize;

use crate::explain::{is_text_plan, parse_plan, PlanLine};
use crate::highlight::highlight_sql;
use crate::profile::ProfileView;

/// The verdict on a snippet, as decided by the checker; a failure is the checker's own
/// [`Failure`], shown as it is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SnippetStatus {
    Passed,
    Failed(Failure),
    /// `ignore`: not executed.
    Ignored,
    /// Not checked (no outcome available).
    #[default]
    NotRun,
}

/// Everything `partials/snippet.html` receives.
#[derive(Debug, Serialize)]
pub struct SnippetView {
    pub index: usize,
    pub line: usize,
    /// The page anchor `snippet-ANCHOR`: the source line, with `-2`, `-3`... for further
    /// snippets at the same line (several snippets of one included file share its directive's
    /// line).
    pub anchor: String,
    /// Highlighted SQL (trusted HTML produced by syntect from escaped text).
    pub code_html: String,
    /// The raw SQL, for the copy button.
    pub sql: String,
    pub session: String,
    /// The node the step runs on, when the chapter has more than one.
    pub node: Option<String>,
    /// 0 for the main session, 1.. for named sessions in order of first use.
    pub session_number: usize,
    /// Whether the chapter uses more than one session (then every step is labelled).
    pub multi_session: bool,
    pub show_output: bool,
    pub ignored: bool,
    pub expects_error: Option<String>,
    /// 1-based step during which this step, having waited on a lock, completed.
    pub completed_during: Option<usize>,
    /// Source line of that step, when it is shown.
    pub completed_during_line: Option<usize>,
    /// Page anchor (`snippet-ANCHOR`) of that step, when it is shown.
    pub completed_during_anchor: Option<String>,
    /// Sessions whose waiting steps completed during this step (it released their lock).
    pub releases: Vec<String>,
    pub status: &'static str,
    pub diff: Option<String>,
    pub messages: Vec<String>,
    /// `15.18` from the server's version string.
    pub version: Option<String>,
    pub failure: Option<String>,
    pub outputs: Vec<OutputItem>,
    /// The psql transcript, or its first [`MAX_TRANSCRIPT_LINES`] lines when it is longer.
    pub transcript: Option<String>,
    /// For a longer transcript: what the page leaves out, and where the whole text is.
    pub transcript_more: Option<TranscriptMore>,
}

/// The part of a long transcript that is not in the page.
#[derive(Debug, Serialize)]
pub struct TranscriptMore {
    /// Lines not shown.
    pub lines: usize,
    /// Size of the whole transcript in bytes.
    pub bytes: usize,
    /// Link to the whole transcript, a plain-text file beside the page (set by the site).
    pub href: String,
}

/// Lines of a transcript shown in the page; a longer one is written beside the page.
pub const MAX_TRANSCRIPT_LINES: usize = 500;

/// The first [`MAX_TRANSCRIPT_LINES`] lines of `transcript`, and what is left out.
fn bounded_transcript(transcript: &str) -> (String, Option<TranscriptMore>) {
    let Some((cut, _)) = transcript.match_indices('\n').nth(MAX_TRANSCRIPT_LINES - 1) else {
        return (transcript.to_string(), None);
    };
    let rest = &transcript[cut + 1..];
    if rest.is_empty() {
        return (transcript.to_string(), None);
    }
    let more = TranscriptMore {
        lines: rest.lines().count(),
        bytes: transcript.len(),
        href: String::new(),
    };
    (transcript[..cut + 1].to_string(), Some(more))
}

/// One piece of a snippet's output, in the order the server sent it.
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum OutputItem {
    Table {
        columns: Vec<TableColumn>,
        rows: Vec<Vec<Option<String>>>,
        footer: String,
        /// psql printed the rows as expanded records (`\x`, `\gx`): one block per row,
        /// a column name beside each value.
        expanded: bool,
    },
    Plan {
        lines: Vec<PlanLine>,
    },
    /// A `chart=KIND` drawing of the result table that follows it.
    Chart {
        chart: crate::chart::ChartView,
    },
    /// An EXPLAIN ANALYZE plan: its profile, with the verbatim lines one click away.
    Profile {
        profile: ProfileView,
        lines: Vec<PlanLine>,
    },
    /// Command tags of consecutive statements without rows (`CREATE TABLE`, `INSERT 0 3`).
    Tags {
        tags: Vec<String>,
    },
    Message {
        error: bool,
        severity: String,
        sqlstate: String,
        message: String,
        detail: Option<String>,
        hint: Option<String>,
        context: Option<String>,
    },
}

#[derive(Debug, Serialize)]
pub struct TableColumn {
    pub name: String,
    /// psql right-aligns these types.
    pub numeric: bool,
}

/// How a step relates to the chapter's sessions: its colour number, and which steps it
/// waited for or released.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepContext {
    pub session_number: usize,
    pub multi_session: bool,
    /// The step's node, when the chapter runs on more than one (DESIGN.md §10).
    pub node: Option<String>,
    /// This step's page anchor (see [`SnippetView::anchor`]).
    pub anchor: String,
    /// Line of the (visible) step during which this one completed after waiting.
    pub completed_during_line: Option<usize>,
    /// Page anchor of that step.
    pub completed_during_anchor: Option<String>,
    pub releases: Vec<String>,
}

/// The [`StepContext`] of every snippet of a chapter.
pub fn step_contexts(snippets: &[Snippet], outcome: Option<&ChapterOutcome>) -> Vec<StepContext> {
    let (numbers, multi_session) = session_numbers(snippets);
    let multi_node = snippets
        .iter()
        .any(|s| s.attrs.nodes.node_name() != snippets[0].attrs.nodes.node_name());
    let mut seen: HashMap<usize, usize> = HashMap::new();
    let mut steps: Vec<StepContext> = numbers
        .into_iter()
        .zip(snippets)
        .map(|(session_number, snippet)| {
            let n = seen.entry(snippet.line).or_insert(0);
            *n += 1;
            let anchor = match *n {
                1 => snippet.line.to_string(),
                n => format!("{}-{n}", snippet.line),
            };
            StepContext {
                session_number,
                multi_session,
                node: multi_node.then(|| snippet.attrs.nodes.node_name().to_string()),
                anchor,
                ..StepContext::default()
            }
        })
        .collect();
    let Some(outcome) = outcome else {
        return steps;
    };
    for (i, snippet_outcome) in outcome.snippets.iter().enumerate() {
        let Some(during) = snippet_outcome.as_ref().and_then(|o| o.completed_during) else {
            continue;
        };
        let (Some(waiter), Some(releaser)) = (snippets.get(i), snippets.get(during)) else {
            continue;
        };
        if !releaser.attrs.hidden {
            steps[i].completed_during_line = Some(releaser.line);
            steps[i].completed_during_anchor = Some(steps[during].anchor.clone());
        }
        let name = waiter.attrs.session_name().to_string();
        if !steps[during].releases.contains(&name) {
            steps[during].releases.push(name);
        }
    }
    steps
}

/// Session numbering of a chapter: main is 0, named sessions 1.. in order of first use.
pub fn session_numbers(snippets: &[Snippet]) -> (Vec<usize>, bool) {
    let mut names: Vec<&str> = vec!["main"];
    let numbers = snippets
        .iter()
        .map(|s| {
            let name = s.attrs.session_name();
            match names.iter().position(|n| *n == name) {
                Some(i) => i,
                None => {
                    names.push(name);
                    names.len() - 1
                }
            }
        })
        .collect();
    (numbers, names.len() > 1)
}

/// Builds the view of `snippet`. `server_version` is the chapter outcome's version string.
pub fn snippet_view(
    snippet: &Snippet,
    outcome: Option<&SnippetOutcome>,
    status: &SnippetStatus,
    server_version: Option<&str>,
    step: &StepContext,
) -> SnippetView {
    let (status_name, diff, messages) = match status {
        SnippetStatus::Passed => ("passed", None, Vec::new()),
        SnippetStatus::Failed(failure) => {
            ("failed", failure.diff.clone(), failure.lines().collect())
        }
        SnippetStatus::Ignored => ("ignored", None, Vec::new()),
        SnippetStatus::NotRun => ("not-run", None, Vec::new()),
    };
    let attrs = &snippet.attrs;
    let (transcript, transcript_more) = match outcome.map(|o| bounded_transcript(&o.transcript)) {
        Some((shown, more)) => (Some(shown), more),
        None => (None, None),
    };
    SnippetView {
        index: snippet.index,
        line: snippet.line,
        anchor: step.anchor.clone(),
        code_html: highlight_sql(&snippet.sql),
        sql: snippet.sql.clone(),
        session: attrs.session_name().to_string(),
        node: step.node.clone(),
        session_number: step.session_number,
        multi_session: step.multi_session,
        show_output: !attrs.no_output && !attrs.ignore,
        ignored: attrs.ignore,
        expects_error: attrs.error.as_ref().map(|e| match e {
            ErrorExpectation::Any => "error".to_string(),
            ErrorExpectation::SqlState(code) => code.clone(),
        }),
        completed_during: outcome.and_then(|o| o.completed_during).map(|i| i + 1),
        completed_during_line: step.completed_during_line,
        completed_during_anchor: step.completed_during_anchor.clone(),
        releases: step.releases.clone(),
        status: status_name,
        diff,
        messages,
        version: server_version
            .and_then(|v| v.split_whitespace().next())
            .map(str::to_string),
        failure: outcome.and_then(|o| o.failure.clone()),
        outputs: outcome
            .map(|o| {
                let mut items = output_items(o);
                crate::chart::insert_chart(&mut items, o, attrs.chart, &step.anchor);
                items
            })
            .unwrap_or_default(),
        transcript,
        transcript_more,
    }
}

fn output_items(outcome: &SnippetOutcome) -> Vec<OutputItem> {
    let mut items = Vec::new();
    for statement in &outcome.statements {
        for event in &statement.events {
            match event {
                Event::Complete { rows: Some(_), .. } if statement.rows_consumed => {}
                Event::Complete {
                    rows: Some(rows),
                    tag,
                } => items.push(rows_item(rows, tag, statement.expanded)),
                Event::Complete { rows: None, tag } => match items.last_mut() {
                    Some(OutputItem::Tags { tags }) => tags.push(tag.clone()),
                    _ => items.push(OutputItem::Tags {
                        tags: vec![tag.clone()],
                    }),
                },
                Event::EmptyQuery | Event::CopyOut(_) | Event::Notification { .. } => {}
                Event::Notice(m) => items.push(message_item(m, false)),
                Event::Error(m) => items.push(message_item(m, true)),
            }
        }
    }
    items
}

/// Rows shown in a result table; the transcript has the rest.
const MAX_TABLE_ROWS: usize = 500;

fn rows_item(rows: &ResultSet, tag: &str, expanded: bool) -> OutputItem {
    let names: Vec<&str> = rows.columns.iter().map(|c| c.name.as_str()).collect();
    let first = rows
        .rows
        .first()
        .and_then(|r| r.first())
        .and_then(|v| v.as_deref());
    if is_text_plan(&names, first) {
        let text = || rows.rows.iter().map(|r| r[0].as_deref().unwrap_or(""));
        let lines = parse_plan(text());
        return match crate::profile::parse(text())
            .as_ref()
            .and_then(crate::profile::profile)
        {
            Some(profile) => OutputItem::Profile { profile, lines },
            None => OutputItem::Plan { lines },
        };
    }
    let n = rows.total_rows();
    let mut footer = format!("({n} {})", if n == 1 { "row" } else { "rows" });
    // Data-modifying statements with RETURNING also report their own tag.
    if !tag.starts_with("SELECT") && !tag.is_empty() {
        footer = format!("{footer} · {tag}");
    }
    // A page is read, not scrolled through for minutes: long results are cut; the psql
    // transcript (beside the page, for a large one) still has every row.
    if n > MAX_TABLE_ROWS {
        footer = format!("{footer} · first {MAX_TABLE_ROWS} shown, all in the psql transcript");
    }
    OutputItem::Table {
        columns: rows
            .columns
            .iter()
            .map(|c| TableColumn {
                name: c.name.clone(),
                numeric: is_numeric_type(c.type_oid),
            })
            .collect(),
        rows: rows.rows.iter().take(MAX_TABLE_ROWS).cloned().collect(),
        footer,
        expanded,
    }
}

fn message_item(m: &ServerMessage, error: bool) -> OutputItem {
    OutputItem::Message {
        error,
        severity: m.severity.clone(),
        sqlstate: m.sqlstate.clone(),
        message: m.message.clone(),
        detail: m.detail.clone(),
        hint: m.hint.clone(),
        context: m.context.clone(),
    }
}

/// The types psql right-aligns: int2/4/8, float4/8, numeric, oid, xid, xid8, cid, money.
pub fn is_numeric_type(oid: u32) -> bool {
    matches!(
        oid,
        20 | 21 | 23 | 26 | 28 | 29 | 700 | 701 | 790 | 1700 | 5069
    )
}

#[cfg(test)]
mod tests;

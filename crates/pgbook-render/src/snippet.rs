//! The view of one SQL snippet in a page: its highlighted SQL, what the server answered (result
//! tables, EXPLAIN plans, command tags, notices and errors), the psql transcript, its session,
//! and the verdict it got. The theme's `partials/snippet.html` turns this into HTML; every
//! database value reaches the template as plain text, so minijinja escapes it.
//!
//! This module does not decide verdicts; it shows the [`SnippetStatus`] it is given.

use pgbook_book::{
    ChapterOutcome, ErrorExpectation, Event, ResultSet, ServerMessage, Snippet, SnippetOutcome,
};
use serde::Serialize;

use crate::explain::{is_text_plan, parse_plan, PlanLine};
use crate::highlight::highlight_sql;

/// The verdict on a snippet, as decided by the checker.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum SnippetStatus {
    Passed,
    Failed {
        diff: Option<String>,
        messages: Vec<String>,
    },
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
    /// Highlighted SQL (trusted HTML produced by syntect from escaped text).
    pub code_html: String,
    /// The raw SQL, for the copy button.
    pub sql: String,
    pub session: String,
    /// 0 for the main session, 1.. for named sessions in order of first use.
    pub session_number: usize,
    /// Whether the chapter uses more than one session (then every step is labelled).
    pub multi_session: bool,
    pub show_output: bool,
    pub ignored: bool,
    pub expects_error: Option<String>,
    /// 1-based step during which this step, having waited on a lock, completed.
    pub completed_during: Option<usize>,
    /// Source line (the page anchor `snippet-LINE`) of that step, when it is shown.
    pub completed_during_line: Option<usize>,
    /// Sessions whose waiting steps completed during this step (it released their lock).
    pub releases: Vec<String>,
    pub status: &'static str,
    pub diff: Option<String>,
    pub messages: Vec<String>,
    /// `15.18` from the server's version string.
    pub version: Option<String>,
    pub failure: Option<String>,
    pub outputs: Vec<OutputItem>,
    pub transcript: Option<String>,
}

/// One piece of a snippet's output, in the order the server sent it.
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum OutputItem {
    Table {
        columns: Vec<TableColumn>,
        rows: Vec<Vec<Option<String>>>,
        footer: String,
    },
    Plan {
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
    /// Line of the (visible) step during which this one completed after waiting.
    pub completed_during_line: Option<usize>,
    pub releases: Vec<String>,
}

/// The [`StepContext`] of every snippet of a chapter.
pub fn step_contexts(snippets: &[Snippet], outcome: Option<&ChapterOutcome>) -> Vec<StepContext> {
    let (numbers, multi_session) = session_numbers(snippets);
    let mut steps: Vec<StepContext> = numbers
        .into_iter()
        .map(|session_number| StepContext {
            session_number,
            multi_session,
            ..StepContext::default()
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
        SnippetStatus::Failed { diff, messages } => ("failed", diff.clone(), messages.clone()),
        SnippetStatus::Ignored => ("ignored", None, Vec::new()),
        SnippetStatus::NotRun => ("not-run", None, Vec::new()),
    };
    let attrs = &snippet.attrs;
    SnippetView {
        index: snippet.index,
        line: snippet.line,
        code_html: highlight_sql(&snippet.sql),
        sql: snippet.sql.clone(),
        session: attrs.session_name().to_string(),
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
        releases: step.releases.clone(),
        status: status_name,
        diff,
        messages,
        version: server_version
            .and_then(|v| v.split_whitespace().next())
            .map(str::to_string),
        failure: outcome.and_then(|o| o.failure.clone()),
        outputs: outcome.map(output_items).unwrap_or_default(),
        transcript: outcome.map(|o| o.transcript.clone()),
    }
}

fn output_items(outcome: &SnippetOutcome) -> Vec<OutputItem> {
    let mut items = Vec::new();
    for statement in &outcome.statements {
        for event in &statement.events {
            match event {
                Event::Complete {
                    rows: Some(rows),
                    tag,
                } => items.push(rows_item(rows, tag)),
                Event::Complete { rows: None, tag } => match items.last_mut() {
                    Some(OutputItem::Tags { tags }) => tags.push(tag.clone()),
                    _ => items.push(OutputItem::Tags {
                        tags: vec![tag.clone()],
                    }),
                },
                Event::EmptyQuery => {}
                Event::Notice(m) => items.push(message_item(m, false)),
                Event::Error(m) => items.push(message_item(m, true)),
            }
        }
    }
    items
}

fn rows_item(rows: &ResultSet, tag: &str) -> OutputItem {
    let names: Vec<&str> = rows.columns.iter().map(|c| c.name.as_str()).collect();
    let first = rows
        .rows
        .first()
        .and_then(|r| r.first())
        .and_then(|v| v.as_deref());
    if is_text_plan(&names, first) {
        return OutputItem::Plan {
            lines: parse_plan(rows.rows.iter().map(|r| r[0].as_deref().unwrap_or(""))),
        };
    }
    let n = rows.rows.len();
    let mut footer = format!("({n} {})", if n == 1 { "row" } else { "rows" });
    // Data-modifying statements with RETURNING also report their own tag.
    if !tag.starts_with("SELECT") && !tag.is_empty() {
        footer = format!("{footer} · {tag}");
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
        rows: rows.rows.clone(),
        footer,
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
mod tests {
    use super::*;
    use pgbook_book::{Column, StatementOutcome};
    use std::path::Path;

    fn snippet(info: &str) -> Snippet {
        let text = format!("```{info}\nselect 1;\n```\n");
        pgbook_book::snippet::parse_snippets(&text, Path::new("content/a.md"), Path::new("."))
            .unwrap()
            .remove(0)
    }

    #[test]
    fn outputs_in_order_with_tags_merged() {
        let rows = ResultSet {
            columns: vec![
                Column {
                    name: "n".into(),
                    type_oid: 23,
                },
                Column {
                    name: "t".into(),
                    type_oid: 25,
                },
            ],
            rows: vec![vec![Some("1".into()), None]],
        };
        let outcome = SnippetOutcome {
            statements: vec![
                StatementOutcome {
                    sql: "create table t()".into(),
                    offset: 0,
                    events: vec![Event::Complete {
                        rows: None,
                        tag: "CREATE TABLE".into(),
                    }],
                },
                StatementOutcome {
                    sql: "insert".into(),
                    offset: 0,
                    events: vec![Event::Complete {
                        rows: None,
                        tag: "INSERT 0 1".into(),
                    }],
                },
                StatementOutcome {
                    sql: "select".into(),
                    offset: 0,
                    events: vec![
                        Event::Notice(ServerMessage {
                            severity: "NOTICE".into(),
                            message: "hi".into(),
                            ..Default::default()
                        }),
                        Event::Complete {
                            rows: Some(rows),
                            tag: "SELECT 1".into(),
                        },
                    ],
                },
            ],
            transcript: "...".into(),
            completed_during: Some(2),
            failure: None,
        };
        let step = StepContext {
            session_number: 1,
            multi_session: true,
            ..StepContext::default()
        };
        let view = snippet_view(
            &snippet("sql,session=bob"),
            Some(&outcome),
            &SnippetStatus::Passed,
            Some("15.18 (Debian)"),
            &step,
        );
        assert_eq!(view.version.as_deref(), Some("15.18"));
        assert_eq!(view.completed_during, Some(3));
        assert_eq!(view.session, "bob");
        assert_eq!(view.outputs.len(), 3);
        assert!(matches!(&view.outputs[0], OutputItem::Tags { tags } if tags.len() == 2));
        match &view.outputs[2] {
            OutputItem::Table {
                columns,
                rows,
                footer,
            } => {
                assert!(columns[0].numeric && !columns[1].numeric);
                assert_eq!(rows[0][1], None);
                assert_eq!(footer, "(1 row)");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn sessions_numbered_by_first_use() {
        let text = "```sql\nselect 1;\n```\n```sql,session=b\nselect 1;\n```\n```sql,session=a\nselect 1;\n```\n```sql,session=b\nselect 1;\n```\n";
        let snippets =
            pgbook_book::snippet::parse_snippets(text, Path::new("a.md"), Path::new(".")).unwrap();
        assert_eq!(session_numbers(&snippets), (vec![0, 1, 2, 1], true));
        assert_eq!(session_numbers(&snippets[..1]), (vec![0], false));
        // Step 1 (bob) waited and completed during step 2 (a); step 2 is shown, so linked.
        let waited = SnippetOutcome {
            completed_during: Some(2),
            ..SnippetOutcome::default()
        };
        let outcome = ChapterOutcome {
            snippets: vec![None, Some(waited), None, None],
            server_version: String::new(),
        };
        let steps = step_contexts(&snippets, Some(&outcome));
        assert_eq!(steps[1].completed_during_line, Some(snippets[2].line));
        assert_eq!(steps[2].releases, vec!["b".to_string()]);
        assert!(steps[0].releases.is_empty());
    }
}

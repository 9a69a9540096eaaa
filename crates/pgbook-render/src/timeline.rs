//! Sessions as a timeline: for a chapter with named sessions, one column per session (per
//! node and session in a chapter with several nodes) and one row per step in the order the
//! steps ran; a step that waited on a lock is drawn from the row where it was issued down to
//! the row of the step that released it, and a step that raised an error is marked. Each
//! step links to its snippet, which stays where it is in the reading order. Consecutive
//! steps in which nothing happens but one session running (no wait, no error, nothing
//! released) share one row, so a long chapter's timeline stays as short as its events.
//!
//! Builds data for `partials/timeline.html` from the step contexts and outcomes; it decides
//! nothing about verdicts and knows nothing of HTML.

use pgbook_book::{ChapterOutcome, Snippet};
use serde::Serialize;

use crate::snippet::StepContext;

/// Everything `partials/timeline.html` receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineView {
    /// The columns, in order (`main` first).
    pub sessions: Vec<Column>,
    pub rows: Vec<TimelineRow>,
}

/// One column: a session, and its node in a chapter with several nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    pub node: Option<String>,
    pub session: String,
}

/// One step, and what every session is doing during it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineRow {
    /// 1-based step number, as the snippets' labels count.
    pub step: usize,
    /// The last step this row stands for (`step` itself unless quiet steps were merged).
    pub last_step: usize,
    /// The snippet's page anchor; `None` for a hidden step.
    pub anchor: Option<String>,
    pub cells: Vec<Cell>,
}

/// What one session does during one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Cell {
    Idle,
    /// The session runs this step. `waits` when it blocked on a lock; `error` is the first
    /// SQLSTATE it raised.
    Step {
        waits: bool,
        error: Option<String>,
        /// Sessions whose waiting steps this step released.
        releases: Vec<String>,
    },
    /// The session is still blocked by a step issued earlier.
    Waiting,
    /// The session's blocked step completes during this step.
    Released,
}

/// The timeline of a chapter, or `None` when it uses only one session.
pub fn timeline(
    snippets: &[Snippet],
    steps: &[StepContext],
    outcome: Option<&ChapterOutcome>,
) -> Option<TimelineView> {
    if !steps.first()?.multi_session {
        return None;
    }
    let column_of = |snippet: &Snippet, step: &StepContext| Column {
        node: step.node.clone(),
        session: snippet.attrs.session_name().to_string(),
    };
    let mut sessions: Vec<Column> = Vec::new();
    let columns: Vec<usize> = snippets
        .iter()
        .zip(steps)
        .map(|(snippet, step)| {
            let column = column_of(snippet, step);
            match sessions.iter().position(|c| *c == column) {
                Some(at) => at,
                None => {
                    sessions.push(column);
                    sessions.len() - 1
                }
            }
        })
        .collect();
    let mut rows: Vec<TimelineRow> = steps
        .iter()
        .zip(snippets)
        .enumerate()
        .map(|(i, (step, snippet))| {
            let executed = outcome
                .and_then(|o| o.snippets.get(i))
                .and_then(Option::as_ref);
            let mut cells = vec![Cell::Idle; sessions.len()];
            cells[columns[i]] = Cell::Step {
                waits: executed.is_some_and(|o| o.completed_during.is_some()),
                error: executed.and_then(|o| o.error_codes().first().map(|c| c.to_string())),
                releases: step.releases.clone(),
            };
            TimelineRow {
                step: i + 1,
                last_step: i + 1,
                anchor: (!snippet.attrs.hidden).then(|| step.anchor.clone()),
                cells,
            }
        })
        .collect();
    // Draw each wait from the row after it was issued to the row that released it.
    for (i, &column) in columns.iter().enumerate() {
        let during = outcome
            .and_then(|o| o.snippets.get(i))
            .and_then(Option::as_ref)
            .and_then(|o| o.completed_during);
        let Some(during) = during.filter(|&d| d > i && d < rows.len()) else {
            continue;
        };
        for row in &mut rows[i + 1..during] {
            row.cells[column] = Cell::Waiting;
        }
        if rows[during].cells[column] == Cell::Idle {
            rows[during].cells[column] = Cell::Released;
        }
    }
    Some(TimelineView {
        sessions,
        rows: merge_quiet_rows(rows),
    })
}

/// Merges each run of consecutive rows that are the same and in which nothing happens but a
/// session running (no wait begins or ends, no error, nothing released) into its first row.
fn merge_quiet_rows(rows: Vec<TimelineRow>) -> Vec<TimelineRow> {
    let quiet = |row: &TimelineRow| {
        row.cells.iter().all(|c| match c {
            Cell::Idle | Cell::Waiting => true,
            Cell::Step {
                waits,
                error,
                releases,
            } => !waits && error.is_none() && releases.is_empty(),
            Cell::Released => false,
        })
    };
    let mut merged: Vec<TimelineRow> = Vec::with_capacity(rows.len());
    for row in rows {
        match merged.last_mut() {
            Some(last) if quiet(last) && quiet(&row) && last.cells == row.cells => {
                last.last_step = row.last_step;
            }
            _ => merged.push(row),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snippet::step_contexts;
    use pgbook_book::{Chapter, Event, ServerMessage, SnippetOutcome};

    fn parse(text: &str) -> Chapter {
        Chapter::parse(
            std::path::Path::new("."),
            std::path::Path::new("content"),
            std::path::Path::new("x.md"),
            text.into(),
        )
        .unwrap()
    }

    #[test]
    fn a_wait_runs_from_its_step_to_the_step_that_released_it() {
        let text =
            "```sql\nCREATE TABLE t (x int);\n```\n\n```sql session=a\nBEGIN; LOCK t;\n```\n\n\
                    ```sql session=b\nSELECT * FROM t;\n```\n\n```sql\nSELECT 1;\n```\n\n\
                    ```sql session=a\nCOMMIT;\n```\n";
        let chapter = parse(text);
        let step = |completed_during: Option<usize>, error: bool| {
            let mut o = SnippetOutcome {
                completed_during,
                ..SnippetOutcome::default()
            };
            if error {
                o.statements.push(pgbook_book::StatementOutcome {
                    sql: String::new(),
                    offset: 0,
                    events: vec![Event::Error(ServerMessage {
                        sqlstate: "42P01".into(),
                        ..ServerMessage::default()
                    })],
                    printed: None,
                    interpolations: Vec::new(),
                    expanded: false,
                    rows_consumed: false,
                });
            }
            Some(o)
        };
        let outcome = ChapterOutcome {
            snippets: vec![
                step(None, false),
                step(None, false),
                step(Some(4), false),
                step(None, true),
                step(None, false),
            ],
            ..ChapterOutcome::default()
        };
        let steps = step_contexts(&chapter.snippets, Some(&outcome));
        let view = timeline(&chapter.snippets, &steps, Some(&outcome)).unwrap();
        let names: Vec<&str> = view.sessions.iter().map(|c| c.session.as_str()).collect();
        assert_eq!(names, ["main", "a", "b"]);
        assert!(view.sessions.iter().all(|c| c.node.is_none()));
        let columns: Vec<Vec<&str>> = view
            .rows
            .iter()
            .map(|r| {
                r.cells
                    .iter()
                    .map(|c| match c {
                        Cell::Idle => ".",
                        Cell::Step { waits: true, .. } => "W",
                        Cell::Step { error: Some(_), .. } => "E",
                        Cell::Step { .. } => "S",
                        Cell::Waiting => "|",
                        Cell::Released => "v",
                    })
                    .collect()
            })
            .collect();
        assert_eq!(
            columns,
            [
                ["S", ".", "."],
                [".", "S", "."],
                [".", ".", "W"],
                ["E", ".", "|"],
                [".", "S", "v"],
            ]
        );
        let Cell::Step { releases, .. } = &view.rows[4].cells[1] else {
            panic!("step 5 is session a's");
        };
        assert_eq!(releases, &["b"]);
        assert_eq!(view.rows[2].anchor.as_deref(), Some("9"));
        let single = step_contexts(&chapter.snippets[..1], None);
        assert!(timeline(&chapter.snippets[..1], &single, None).is_none());
    }

    #[test]
    fn quiet_steps_share_a_row_and_nodes_have_their_own_columns() {
        let text = "```sql\nSELECT 1;\n```\n\n```sql\nSELECT 2;\n```\n\n```sql session=a\n\
                    SELECT 3;\n```\n\n```sql session=a\nSELECT 4;\n```\n\n\
                    ```sql,node=replica,standby-of=main\nSELECT 5;\n```\n\n\
                    ```sql,node=replica\nSELECT 6;\n```\n\n```sql\nSELECT 7;\n```\n";
        let chapter = parse(text);
        let steps = step_contexts(&chapter.snippets, None);
        let view = timeline(&chapter.snippets, &steps, None).unwrap();
        let columns: Vec<(Option<&str>, &str)> = view
            .sessions
            .iter()
            .map(|c| (c.node.as_deref(), c.session.as_str()))
            .collect();
        assert_eq!(
            columns,
            [
                (Some("main"), "main"),
                (Some("main"), "a"),
                (Some("replica"), "main")
            ]
        );
        let spans: Vec<(usize, usize)> = view.rows.iter().map(|r| (r.step, r.last_step)).collect();
        assert_eq!(spans, [(1, 2), (3, 4), (5, 6), (7, 7)]);
        assert_eq!(view.rows[2].anchor.as_deref(), Some("17"));
    }
}

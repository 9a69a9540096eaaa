//! Tests of snippet views: result tables, notices, errors and sessions as HTML.

use super::*;
use pgbook_book::{Column, StatementOutcome};
use std::path::Path;

fn snippet(info: &str) -> Snippet {
    let text = format!("```{info}\nselect 1;\n```\n");
    pgbook_book::Chapter::parse(
        Path::new("."),
        Path::new("content"),
        Path::new("a.md"),
        text,
    )
    .unwrap()
    .snippets
    .remove(0)
}

#[test]
fn outputs_in_order_with_tags_merged() {
    let rows = ResultSet {
        elided_rows: 0,
        all_rows: None,
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
                printed: None,
                interpolations: Vec::new(),
                expanded: false,
                rows_consumed: false,
                events: vec![Event::Complete {
                    rows: None,
                    tag: "CREATE TABLE".into(),
                }],
            },
            StatementOutcome {
                sql: "insert".into(),
                offset: 0,
                printed: None,
                interpolations: Vec::new(),
                expanded: false,
                rows_consumed: false,
                events: vec![Event::Complete {
                    rows: None,
                    tag: "INSERT 0 1".into(),
                }],
            },
            StatementOutcome {
                sql: "select".into(),
                offset: 0,
                printed: None,
                interpolations: Vec::new(),
                expanded: false,
                rows_consumed: false,
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
            expanded,
        } => {
            assert!(!expanded);
            assert!(columns[0].numeric && !columns[1].numeric);
            assert_eq!(rows[0][1], None);
            assert_eq!(footer, "(1 row)");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn long_results_are_cut_with_a_note() {
    let rows = ResultSet {
        elided_rows: 0,
        all_rows: None,
        columns: vec![Column {
            name: "g".into(),
            type_oid: 23,
        }],
        rows: (0..MAX_TABLE_ROWS + 7)
            .map(|i| vec![Some(i.to_string())])
            .collect(),
    };
    match rows_item(&rows, "SELECT 507", false) {
        OutputItem::Table { rows, footer, .. } => {
            assert_eq!(rows.len(), MAX_TABLE_ROWS);
            assert!(
                footer.starts_with(&format!("({} rows) · first", MAX_TABLE_ROWS + 7)),
                "{footer}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn sessions_numbered_by_first_use() {
    let text = "```sql\nselect 1;\n```\n```sql,session=b\nselect 1;\n```\n```sql,session=a\nselect 1;\n```\n```sql,session=b\nselect 1;\n```\n";
    let snippets = pgbook_book::Chapter::parse(
        Path::new("."),
        Path::new(""),
        Path::new("a.md"),
        text.into(),
    )
    .unwrap()
    .snippets;
    assert_eq!(session_numbers(&snippets), (vec![0, 1, 2, 1], true));
    assert_eq!(session_numbers(&snippets[..1]), (vec![0], false));
    // Step 1 (bob) waited and completed during step 2 (a); step 2 is shown, so linked.
    let waited = SnippetOutcome {
        completed_during: Some(2),
        ..SnippetOutcome::default()
    };
    let outcome = ChapterOutcome {
        snippets: vec![None, Some(waited), None, None],
        ..ChapterOutcome::default()
    };
    let steps = step_contexts(&snippets, Some(&outcome));
    assert_eq!(steps[1].completed_during_line, Some(snippets[2].line));
    assert_eq!(steps[2].releases, vec!["b".to_string()]);
    assert!(steps[0].releases.is_empty());
}

#[test]
fn snippets_sharing_a_line_get_distinct_anchors() {
    // Three snippets of one included file all sit at its directive's line 7.
    let file = Path::new("content/a.md");
    let snippets: Vec<Snippet> = [(0, 3), (1, 7), (2, 7), (3, 7)]
        .into_iter()
        .map(|(i, line)| Snippet::from_sql(i, line, file, Default::default(), "select 1;".into()))
        .collect();
    let waited = SnippetOutcome {
        completed_during: Some(3),
        ..SnippetOutcome::default()
    };
    let outcome = ChapterOutcome {
        snippets: vec![None, Some(waited), None, None],
        ..ChapterOutcome::default()
    };
    let steps = step_contexts(&snippets, Some(&outcome));
    let anchors: Vec<&str> = steps.iter().map(|s| s.anchor.as_str()).collect();
    assert_eq!(anchors, ["3", "7", "7-2", "7-3"]);
    assert_eq!(steps[1].completed_during_anchor.as_deref(), Some("7-3"));
}

#[test]
fn steps_name_their_node_only_when_the_chapter_has_several() {
    let parse = |text: &str| {
        pgbook_book::Chapter::parse(
            Path::new("."),
            Path::new(""),
            Path::new("a.md"),
            text.into(),
        )
        .unwrap()
        .snippets
    };
    let two_nodes = parse(
        "```sql\nselect 1;\n```\n```sql,node=replica,standby-of=main\nselect 1;\n```\n\
         ```sql,session=b\nselect 1;\n```\n",
    );
    let nodes: Vec<Option<String>> = step_contexts(&two_nodes, None)
        .into_iter()
        .map(|s| s.node)
        .collect();
    assert_eq!(
        nodes,
        [
            Some("main".into()),
            Some("replica".into()),
            Some("main".into())
        ]
    );
    let one_node = parse("```sql\nselect 1;\n```\n```sql,session=b\nselect 1;\n```\n");
    assert!(step_contexts(&one_node, None)
        .iter()
        .all(|s| s.node.is_none()));
}

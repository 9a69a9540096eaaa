//! Table tests of the checker's verdicts, with outcomes built as the engine builds them.

use pgbook_book::{Event, ServerMessage, SnippetOutcome, StatementOutcome};

use super::*;
use crate::test_support::chapter;

fn error(sqlstate: &str, message: &str, position: Option<u32>) -> Event {
    Event::Error(ServerMessage {
        severity: "ERROR".into(),
        sqlstate: sqlstate.into(),
        message: message.into(),
        position,
        ..ServerMessage::default()
    })
}

/// An outcome of one statement starting at `offset` in the snippet's SQL.
fn outcome(sql: &str, offset: usize, events: Vec<Event>, transcript: &str) -> SnippetOutcome {
    SnippetOutcome {
        statements: vec![StatementOutcome {
            sql: sql.into(),
            offset,
            events,
            printed: None,
            interpolations: Vec::new(),
            expanded: false,
            rows_consumed: false,
        }],
        transcript: transcript.into(),
        completed_during: None,
        failure: None,
    }
}

fn verify(text: &str, outcome: Option<&SnippetOutcome>, strict: bool) -> SnippetCheck {
    let ch = chapter(text);
    let config = VerifyConfig {
        mask: Vec::new(),
        require_expected: strict,
    };
    Verifier::new(&config)
        .unwrap()
        .check(&ch, &ch.snippets[0], outcome)
}

const ERR_TRANSCRIPT: &str = "ERROR:  relation \"nope\" does not exist\nLINE 1: select * from nope;\n                      ^\n";

/// (markdown, outcome, strict mode, status, messages)
type Case<'a> = (
    &'a str,
    Option<&'a SnippetOutcome>,
    bool,
    CheckStatus,
    Vec<&'a str>,
);

#[test]
fn verdicts_table() {
    let ok = outcome("select 1;", 0, vec![], "x\n");
    let failed = outcome(
        "select * from nope;",
        3,
        vec![error("42P01", "relation \"nope\" does not exist", Some(15))],
        ERR_TRANSCRIPT,
    );
    let mut waiting = ok.clone();
    waiting.failure = Some("still waiting on a lock when the chapter ended".into());
    let cases: Vec<Case> = vec![
        ("```sql\nselect 1;\n```\n", Some(&ok), false, CheckStatus::Passed, vec![]),
        ("```sql,ignore\nselect 1;\n```\n", None, false, CheckStatus::Ignored, vec![]),
        ("```sql\nselect 1;\n```\n\n```output\nx\n```\n", Some(&ok), false, CheckStatus::Passed, vec![]),
        (
            "```sql\nselect 1;\n```\n\n```output\ny\n```\n",
            Some(&ok),
            false,
            CheckStatus::Failed,
            vec!["content/x.md:1:1: the output differs from the `output` block at line 5"],
        ),
        // hidden and no-output snippets are still verified when they have a block.
        (
            "```sql,hidden\nselect 1;\n```\n\n```output\ny\n```\n",
            Some(&ok),
            false,
            CheckStatus::Failed,
            vec!["content/x.md:1:1: the output differs from the `output` block at line 5"],
        ),
        (
            "```sql\nselect 1;\n```\n",
            Some(&ok),
            true,
            CheckStatus::Failed,
            vec!["content/x.md:1:1: no `output` block after the snippet ([verify] require-expected = true)"],
        ),
        ("```sql,no-output\nselect 1;\n```\n", Some(&ok), true, CheckStatus::Passed, vec![]),
        // An unexpected error is located in the Markdown: line 3, column 3 + 14.
        (
            "```sql\n\n  select * from nope;\n```\n",
            Some(&failed),
            false,
            CheckStatus::Failed,
            vec!["content/x.md:3:17: ERROR:  relation \"nope\" does not exist"],
        ),
        ("```sql,error\n\n  select * from nope;\n```\n", Some(&failed), false, CheckStatus::Passed, vec![]),
        ("```sql,error=42P01\n\n  select * from nope;\n```\n", Some(&failed), false, CheckStatus::Passed, vec![]),
        (
            "```sql,error=40P01\n\n  select * from nope;\n```\n",
            Some(&failed),
            false,
            CheckStatus::Failed,
            vec!["content/x.md:3:17: expected an error 40P01, got 42P01: ERROR:  relation \"nope\" does not exist"],
        ),
        (
            "```sql,error=40P01\nselect 1;\n```\n",
            Some(&ok),
            false,
            CheckStatus::Failed,
            vec!["content/x.md:1:1: expected an error 40P01, got none"],
        ),
        (
            "```sql,error\nselect 1;\n```\n",
            Some(&ok),
            false,
            CheckStatus::Failed,
            vec!["content/x.md:1:1: expected an error, got none"],
        ),
        (
            "```sql\nselect 1;\n```\n",
            Some(&waiting),
            false,
            CheckStatus::Failed,
            vec!["content/x.md:1:1: still waiting on a lock when the chapter ended"],
        ),
    ];
    for (text, outcome, strict, status, messages) in cases {
        let c = verify(text, outcome, strict);
        assert_eq!(c.status(), status, "{text}");
        assert_eq!(c.messages(), messages, "{text}");
    }
}

#[test]
fn error_positions_count_characters_not_bytes() {
    let sql = "select 'é', x from t;";
    let o = outcome(
        sql,
        0,
        vec![error("42703", "column \"x\" does not exist", Some(13))],
        "",
    );
    let c = verify("```sql\nselect 'é', x from t;\n```\n", Some(&o), false);
    assert_eq!(
        c.messages(),
        vec!["content/x.md:2:13: ERROR:  column \"x\" does not exist"]
    );
    // The place is typed, not only part of the text.
    let at = c.failure().unwrap().location();
    assert_eq!((at.line, at.column), (2, 13));
    // Without a position: the statement's first non-blank character.
    let o = outcome(
        "\n  bad;",
        0,
        vec![error("42601", "syntax error", None)],
        "",
    );
    let c = verify("```sql\n\n  bad;\n```\n", Some(&o), false);
    assert_eq!(c.messages(), vec!["content/x.md:3:3: ERROR:  syntax error"]);
}

#[test]
fn bless_text_and_fixability() {
    let ok = outcome("select 1;", 0, vec![], "a\nb  \n\n");
    let c = verify(
        "```sql\nselect 1;\n```\n\n```output\na[..]\nc\n```\n",
        Some(&ok),
        false,
    );
    assert!(c.fixed_by_bless);
    assert_eq!(c.bless_text().as_deref(), Some("a[..]\nb\n"));
    assert!(c.diff().unwrap().contains("-c\n+b\n"));
    let mut blessed = c.clone();
    blessed.mark_blessed();
    assert_eq!(blessed.verdict, Verdict::Passed);
    // Missing block: bless adds one even though the snippet passes.
    let c = verify("```sql\nselect 1;\n```\n", Some(&ok), false);
    assert_eq!(
        (c.status(), c.bless_text().as_deref()),
        (CheckStatus::Passed, Some("a\nb\n"))
    );
    // hidden snippets never get a new block.
    let c = verify("```sql,hidden\nselect 1;\n```\n", Some(&ok), false);
    assert_eq!(c.bless, None);
}

#[test]
fn a_lost_connection_is_reported_without_an_empty_severity() {
    // What the client records when the server closes the connection without a FATAL.
    let lost = Event::Error(ServerMessage {
        severity: String::new(),
        sqlstate: "08006".into(),
        message: "server closed the connection unexpectedly".into(),
        ..ServerMessage::default()
    });
    let o = outcome("select 1;", 0, vec![lost.clone()], "");
    let c = verify("```sql\nselect 1;\n```\n", Some(&o), false);
    assert_eq!(
        c.messages(),
        vec!["content/x.md:2:1: server closed the connection unexpectedly"]
    );
    let c = verify("```sql,error=57P01\nselect 1;\n```\n", Some(&o), false);
    assert_eq!(
        c.messages(),
        vec![
            "content/x.md:2:1: expected an error 57P01, got 08006: server closed the connection \
             unexpectedly"
        ]
    );
}

#[test]
fn a_chart_that_cannot_be_drawn_fails_at_its_attribute() {
    let tags = outcome(
        "create table t (x int);",
        0,
        vec![Event::Complete {
            rows: None,
            tag: "CREATE TABLE".into(),
        }],
        "CREATE TABLE\n",
    );
    let text = "# T\n\ntext\n\n```sql  chart=bar\ncreate table t (x int);\n```\n\n```output\nCREATE TABLE\n```\n";
    let check = verify(text, Some(&tags), false);
    let Verdict::Failed(failure) = &check.verdict else {
        panic!("expected a failure, got {:?}", check.verdict);
    };
    assert_eq!(
        failure.lines().collect::<Vec<_>>(),
        ["content/x.md:5:9: chart=bar needs a result set, but no statement of the snippet returns rows"]
    );
    // The output block was right: --bless cannot fix a chart.
    assert!(!check.fixed_by_bless);
    // Without the attribute the same snippet passes.
    let plain = verify(&text.replace("  chart=bar", ""), Some(&tags), false);
    assert_eq!(plain.verdict, Verdict::Passed);
}

/// The three ways to check give the same verdict; they differ only in what `actual` holds
/// and whether the outcome keeps its transcript.
#[test]
fn checking_variants_agree_and_keep_actual_as_documented() {
    let verifier = Verifier::new(&VerifyConfig {
        mask: Vec::new(),
        require_expected: false,
    })
    .unwrap();
    let passing = chapter("```sql\nselect 1;\n```\n\n```output\nx\n```\n");
    let failing = chapter("```sql\nselect 1;\n```\n\n```output\ny\n```\n");
    for (ch, status) in [
        (&passing, CheckStatus::Passed),
        (&failing, CheckStatus::Failed),
    ] {
        let snippet = &ch.snippets[0];
        let ran = outcome("select 1;", 0, vec![], "x\n");
        let copied = verifier.check(ch, snippet, Some(&ran));
        assert_eq!((copied.status(), copied.actual.as_str()), (status, "x\n"));

        let for_build = verifier.check_keeping_failed_actual(ch, snippet, Some(&ran));
        let kept = if status == CheckStatus::Failed {
            "x\n"
        } else {
            ""
        };
        assert_eq!(
            (for_build.status(), for_build.actual.as_str()),
            (status, kept)
        );
        assert_eq!(for_build.diff(), copied.diff());

        let mut taken = ran.clone();
        let moved = verifier.check_taking_transcript(ch, snippet, Some(&mut taken));
        assert_eq!(moved, copied);
        assert_eq!(taken.transcript, "", "moved out of the outcome");
    }
}

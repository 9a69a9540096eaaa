//! Property tests (proptest, a bounded number of cases so CI runs them in seconds) of the
//! matcher and the bless patcher on generated chapters and transcripts: whatever the
//! transcript, blessing then checking again passes, blessing twice changes nothing more,
//! and no byte outside an `output` block's content changes.

use std::path::Path;

use pgbook_book::config::VerifyConfig;
use pgbook_book::{Chapter, SnippetOutcome};
use pgbook_verify::bless::{apply_edits, plan_edits};
use pgbook_verify::{CheckStatus, SnippetCheck, Verifier};
use proptest::prelude::*;

fn parse(text: &str) -> Chapter {
    Chapter::parse(
        Path::new("."),
        Path::new("content"),
        Path::new("x.md"),
        text.to_string(),
    )
    .unwrap_or_else(|e| panic!("{e:?}\n{text}"))
}

fn checks(chapter: &Chapter, transcripts: &[String]) -> Vec<SnippetCheck> {
    let config = VerifyConfig::default();
    let verifier = Verifier::new(&config).unwrap();
    chapter
        .snippets
        .iter()
        .zip(transcripts)
        .map(|(snippet, transcript)| {
            let outcome = SnippetOutcome {
                statements: Vec::new(),
                transcript: transcript.clone(),
                completed_during: None,
                failure: None,
            };
            verifier.check(chapter, snippet, Some(&outcome))
        })
        .collect()
}

/// A line psql could print, or something nastier: spaces, wildcards, backtick fences,
/// tildes, pipes, non-ASCII.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ a-z0-9|+-]{0,12}",
        Just(String::new()),
        Just("```".to_string()),
        Just("~~~~".to_string()),
        Just("[..]".to_string()),
        Just("...".to_string()),
        Just(" é ∅ ".to_string()),
        Just("trailing   ".to_string()),
    ]
}

fn transcript() -> impl Strategy<Value = String> {
    prop::collection::vec(line(), 0..6)
        .prop_map(|lines| lines.iter().map(|l| format!("{l}\n")).collect::<String>())
}

/// One snippet as written: with an `output` block (of some content) or without one; in a
/// list item or not; with `\n` or `\r\n` line ends for the whole chapter.
#[derive(Debug, Clone)]
struct Written {
    expected: Option<Vec<String>>,
    indent: bool,
}

fn written() -> impl Strategy<Value = Written> {
    (
        prop::option::of(prop::collection::vec("[ a-z0-9|+-]{0,10}", 0..4)),
        any::<bool>(),
    )
        .prop_map(|(expected, indent)| Written { expected, indent })
}

fn chapter_text(snippets: &[Written], crlf: bool) -> String {
    let mut text = String::from("# Chapter\n\nSome prose.\n\n");
    for (i, s) in snippets.iter().enumerate() {
        let pad = if s.indent { "  " } else { "" };
        if s.indent {
            text.push_str(&format!("- step {i}\n\n"));
        }
        text.push_str(&format!("{pad}```sql\n{pad}select {i};\n{pad}```\n"));
        if let Some(lines) = &s.expected {
            text.push_str(&format!("\n{pad}```output\n"));
            for l in lines {
                text.push_str(&format!("{pad}{l}\n"));
            }
            text.push_str(&format!("{pad}```\n"));
        }
        text.push_str(&format!("\nProse after snippet {i}.\n\n"));
    }
    if crlf {
        text.replace('\n', "\r\n")
    } else {
        text
    }
}

/// The chapter with the content of every `output` block cut out.
fn outside_output_blocks(chapter: &Chapter) -> String {
    let mut text = chapter.text.clone();
    let mut ranges: Vec<_> = chapter
        .snippets
        .iter()
        .filter_map(|s| s.expected.as_ref().map(|e| e.content_range.clone()))
        .collect();
    ranges.sort_by_key(|r| std::cmp::Reverse(r.start));
    for r in ranges {
        text.replace_range(r, "");
    }
    text
}

proptest! {
    // Bounded, and no regression files written into the source tree.
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn bless_then_check_passes_and_touches_only_output_blocks(
        snippets in prop::collection::vec(written(), 1..5),
        transcripts in prop::collection::vec(transcript(), 5),
        crlf in any::<bool>(),
    ) {
        let original = chapter_text(&snippets, crlf);
        let before = parse(&original);
        let edits = plan_edits(&before, &checks(&before, &transcripts));
        let blessed = apply_edits(&original, &edits);
        let after = parse(&blessed);
        prop_assert_eq!(after.snippets.len(), before.snippets.len());
        for (i, check) in checks(&after, &transcripts).iter().enumerate() {
            prop_assert_eq!(
                check.verdict.status(), CheckStatus::Passed,
                "snippet {} after bless:\n{}", i, blessed
            );
        }
        // Blessing again finds nothing to change.
        prop_assert!(plan_edits(&after, &checks(&after, &transcripts)).is_empty());
        // Where every snippet had a block, only block contents changed (and a fence, where
        // the new content holds one, grew longer).
        let fence_in_content = transcripts.iter().any(|t| t.lines().any(|l| l.starts_with("```")));
        if snippets.iter().all(|s| s.expected.is_some()) && !fence_in_content {
            prop_assert_eq!(outside_output_blocks(&before), outside_output_blocks(&after));
        }
        // Otherwise (blocks were added) every byte outside block contents is still there,
        // in order.
        let (outside, outside_after) = (outside_output_blocks(&before), outside_output_blocks(&after));
        let mut rest = outside_after.bytes();
        let kept = outside.bytes().all(|b| rest.any(|c| c == b));
        prop_assert!(kept, "bless dropped bytes of:\n{}\ngiving:\n{}", original, blessed);
    }

    #[test]
    fn a_transcript_always_matches_itself_and_its_wildcards(t in transcript()) {
        let masks = pgbook_verify::mask::Masks::new(&[]).unwrap();
        prop_assert!(pgbook_verify::matcher::compare(&t, &t, &masks).matches);
        // `...` alone matches any transcript.
        prop_assert!(pgbook_verify::matcher::compare("...\n", &t, &masks).matches);
    }
}

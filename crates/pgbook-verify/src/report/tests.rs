//! Tests of the report formats, parsed back where they are machine formats.

use std::path::PathBuf;

use pgbook_book::Diagnostic;
use quick_xml::events::Event;
use quick_xml::Reader;

use super::*;
use crate::check::Verdict;

fn snippet(line: usize, status: CheckStatus, diff: Option<&str>) -> CheckedSnippet {
    CheckedSnippet {
        file: "content/x.md".into(),
        line,
        session: "main".into(),
        check: SnippetCheck {
            verdict: match status {
                CheckStatus::Passed => Verdict::Passed,
                CheckStatus::Ignored => Verdict::Ignored,
                CheckStatus::Failed => Verdict::Failed(Failure {
                    reasons: vec![Diagnostic::new(
                        "content/x.md",
                        line,
                        0,
                        "the output differs",
                    )],
                    diff: diff.map(str::to_string),
                }),
            },
            expected: diff.map(|_| "old\n".to_string()),
            actual: "new\n".into(),
            bless: None,
            fixed_by_bless: false,
        },
    }
}

fn sample() -> Report {
    Report {
        snippets: vec![
            snippet(3, CheckStatus::Passed, None),
            snippet(
                9,
                CheckStatus::Failed,
                Some("--- expected\n+++ actual\n@@ -1 +1 @@\n-old\n+new\n"),
            ),
            snippet(20, CheckStatus::Ignored, None),
        ],
        problems: vec![Failure::from(Diagnostic::new(
            PathBuf::from("content/x.md"),
            30,
            2,
            "broken link, to 'y.md'",
        ))],
        blessed: Vec::new(),
    }
}

#[test]
fn human_ends_with_counts_and_heads_failures() {
    let text = sample().human(false);
    assert!(
        text.ends_with("\n1 passed, 1 failed, 1 ignored\n"),
        "{text}"
    );
    assert!(
        text.starts_with("content/x.md:9 (session main)\n"),
        "{text}"
    );
    assert!(text.contains("\n-old\n+new\n"), "{text}");
    assert!(text.contains("content/x.md:30:2: broken link"), "{text}");
    assert!(!text.contains('\x1b'));
    let colored = sample().human(true);
    assert!(colored.contains("\x1b[31m-old\x1b[0m"), "{colored}");
    assert!(colored.contains("\x1b[32m+new\x1b[0m"), "{colored}");
}

#[test]
fn json_has_the_documented_shape() {
    let v: serde_json::Value = serde_json::from_str(&sample().json()).unwrap();
    assert_eq!(v["passed"], 1);
    assert_eq!(v["failed"], 1);
    assert_eq!(v["ignored"], 1);
    let s = &v["snippets"][1];
    let keys: Vec<&str> = s.as_object().unwrap().keys().map(String::as_str).collect();
    let mut want = vec![
        "file", "line", "session", "status", "expected", "actual", "diff",
    ];
    want.sort();
    let mut keys = keys;
    keys.sort();
    assert_eq!(keys, want);
    assert_eq!(s["file"], "content/x.md");
    assert_eq!(s["line"], 9);
    assert_eq!(s["status"], "failed");
    assert_eq!(s["expected"], "old\n");
    assert!(v["snippets"][0]["diff"].is_null());
    assert!(v["snippets"][0]["expected"].is_null());
}

#[test]
fn junit_parses_back() {
    let xml = sample().junit();
    let mut reader = Reader::from_str(&xml);
    let (mut cases, mut failures, mut skipped) = (0, 0, 0);
    let mut failure_text = String::new();
    let mut in_failure = false;
    let mut places = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                b"testcase" => {
                    cases += 1;
                    let attr = |name: &str| {
                        let value = e.try_get_attribute(name).unwrap().unwrap();
                        value
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .unwrap()
                            .into_owned()
                    };
                    places.push((attr("file"), attr("line")));
                }
                b"failure" => {
                    failures += 1;
                    in_failure = true;
                }
                b"skipped" => skipped += 1,
                _ => {}
            },
            Event::Text(t) if in_failure => failure_text.push_str(&t.xml10_content().unwrap()),
            // Since quick-xml 0.38 entity references are events of their own.
            Event::GeneralRef(r) if in_failure => failure_text.push_str(
                &quick_xml::escape::unescape(&format!("&{};", r.decode().unwrap())).unwrap(),
            ),
            Event::End(e) if e.name().as_ref() == b"failure" => in_failure = false,
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!((cases, failures, skipped), (4, 2, 1), "{xml}");
    assert!(failure_text.contains("-old\n+new"), "{failure_text}");
    // Every testcase carries its place as attributes, the link problem its own line.
    let lines: Vec<&str> = places.iter().map(|(_, line)| line.as_str()).collect();
    assert_eq!(lines, ["3", "9", "20", "30"]);
    assert!(places.iter().all(|(file, _)| file == "content/x.md"));
}

#[test]
fn github_annotations_escape() {
    let text = sample().github_annotations();
    assert_eq!(
        text,
        "::error file=content/x.md,line=9::content/x.md:9: the output differs\n\
         ::error file=content/x.md,line=30::content/x.md:30:2: broken link, to 'y.md'\n"
    );
    let mut r = sample();
    let Verdict::Failed(failure) = &mut r.snippets[1].check.verdict else {
        unreachable!("snippet 9 fails");
    };
    failure
        .reasons
        .push(Diagnostic::new("content/x.md", 9, 0, "50% done"));
    assert!(r
        .github_annotations()
        .contains("differs%0Acontent/x.md:9: 50%25 done"));
}

#[test]
fn human_shows_the_transcript_of_a_failure_without_an_output_block() {
    let mut report = sample();
    let mut failed = snippet(12, CheckStatus::Failed, None);
    failed.check.actual =
        "ERROR:  column \"nme\" does not exist\nHINT:  Perhaps you meant \"name\".\n".into();
    report.snippets.push(failed);
    let text = report.human(false);
    assert!(
        text.contains(
            "content/x.md:12 (session main)\n  content/x.md:12: the output differs\n  psql printed:\n  | ERROR:  column \"nme\" does not exist\n  | HINT:  Perhaps you meant \"name\".\n"
        ),
        "{text}"
    );
    // A failure with a diff shows the diff, not the transcript again.
    let with_diff = text.split("content/x.md:9 (session main)").nth(1).unwrap();
    assert!(!with_diff
        .split("\n\n")
        .next()
        .unwrap()
        .contains("psql printed"));
}

//! JUnit XML: one `<testsuite>` per chapter file and one `<testcase>` per snippet (failures
//! carry their reasons and diff, ignored snippets are `<skipped/>`), plus a `links` suite for
//! book-level failures, so CI systems show them like test failures. Written with
//! `quick-junit` (nextest's model and serializer); testcases also carry `file` and `line`
//! attributes, which GitLab and Jenkins use to link to the source.

use std::path::Path;

use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};

use super::{failure_text, CheckedSnippet, Report};
use crate::check::Verdict;
use crate::failure::Failure;

pub(super) fn render(report: &Report) -> String {
    let mut junit = quick_junit::Report::new("pgbook test");
    for (file, snippets) in by_file(&report.snippets) {
        junit.add_test_suite(snippet_suite(file, &snippets));
    }
    if !report.problems.is_empty() {
        junit.add_test_suite(links_suite(&report.problems));
    }
    let mut xml = junit
        .to_string()
        .expect("serialising to memory cannot fail");
    if !xml.ends_with('\n') {
        xml.push('\n');
    }
    xml
}

/// Snippets grouped by chapter file, in book order.
fn by_file(snippets: &[CheckedSnippet]) -> Vec<(&Path, Vec<&CheckedSnippet>)> {
    let mut groups: Vec<(&Path, Vec<&CheckedSnippet>)> = Vec::new();
    for s in snippets {
        match groups.last_mut() {
            Some((file, group)) if *file == s.file => group.push(s),
            _ => groups.push((&s.file, vec![s])),
        }
    }
    groups
}

fn snippet_suite(file: &Path, snippets: &[&CheckedSnippet]) -> TestSuite {
    let file = file.display().to_string();
    let mut suite = TestSuite::new(file.as_str());
    for s in snippets {
        let status = match &s.check.verdict {
            Verdict::Passed => TestCaseStatus::success(),
            Verdict::Ignored => TestCaseStatus::skipped(),
            Verdict::Failed(failure) => {
                // The first reason, located, says what is wrong in one line.
                let first = failure.lines().next().unwrap_or_default();
                failed(&first, failure)
            }
        };
        let mut case = TestCase::new(format!("{file}:{}", s.line), status);
        case.set_classname(file.as_str());
        located(&mut case, &file, s.line);
        suite.add_test_case(case);
    }
    suite
}

fn links_suite(problems: &[Failure]) -> TestSuite {
    let mut suite = TestSuite::new("links");
    for p in problems {
        let at = p.location();
        let mut case = TestCase::new(p.to_string(), failed(p.summary(), p));
        case.set_classname("links");
        located(&mut case, &at.file.display().to_string(), at.line);
        suite.add_test_case(case);
    }
    suite
}

fn failed(message: &str, failure: &Failure) -> TestCaseStatus {
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
    status
        .set_message(message)
        .set_description(failure_text(failure));
    status
}

fn located(case: &mut TestCase, file: &str, line: usize) {
    case.extra.insert("file".into(), file.into());
    case.extra.insert("line".into(), line.to_string().into());
}

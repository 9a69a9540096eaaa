//! The JSON report, exactly the shape of DESIGN §7:
//! `{"passed", "failed", "ignored", "snippets": [{"file", "line", "session", "status",
//! "expected", "actual", "diff"}]}`.

use serde::Serialize;

use super::Report;

#[derive(Serialize)]
struct JsonReport<'a> {
    passed: usize,
    failed: usize,
    ignored: usize,
    snippets: Vec<JsonSnippet<'a>>,
}

#[derive(Serialize)]
struct JsonSnippet<'a> {
    file: String,
    line: usize,
    session: &'a str,
    status: &'static str,
    expected: Option<&'a str>,
    actual: &'a str,
    diff: Option<&'a str>,
}

pub(super) fn render(report: &Report) -> String {
    let c = report.counts();
    let json = JsonReport {
        passed: c.passed,
        failed: c.failed,
        ignored: c.ignored,
        snippets: report
            .snippets
            .iter()
            .map(|s| JsonSnippet {
                file: s.file.display().to_string(),
                line: s.line,
                session: &s.session,
                status: s.check.status().as_str(),
                expected: s.check.expected.as_deref(),
                actual: &s.check.actual,
                diff: s.check.diff(),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&json).expect("the report serialises");
    text.push('\n');
    text
}

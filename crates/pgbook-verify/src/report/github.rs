//! GitHub Actions workflow commands (`::error file=…,line=…::message`), so failures show
//! up as annotations on the pull request's diff.

use std::path::Path;

use super::Report;

pub(super) fn render(report: &Report) -> String {
    let mut out = String::new();
    // A snippet's annotation sits on its fence, where the diff view shows the snippet.
    for (s, failure) in report.failures() {
        out.push_str(&annotation(&s.file, s.line, &failure.to_string()));
    }
    for p in &report.problems {
        let at = p.location();
        out.push_str(&annotation(at.file, at.line, &p.to_string()));
    }
    out
}

fn annotation(file: &Path, line: usize, message: &str) -> String {
    let file = file.display().to_string();
    let mut props = format!("file={}", escape_property(&file));
    if line > 0 {
        props.push_str(&format!(",line={line}"));
    }
    format!("::error {props}::{}\n", escape_data(message))
}

/// Workflow command data: `%`, CR and LF are percent-encoded.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Property values additionally encode `:` and `,`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

//! The human report: each failure headed `content/x.md:LINE` with its messages and a unified
//! diff (or, without an `output` block, the transcript psql printed), book-level problems,
//! blessed blocks, and the final `N passed, N failed, N ignored`.

use super::Report;

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36m";
const BOLD_RED: &str = "\x1b[1;31m";
const RESET: &str = "\x1b[0m";

pub(super) fn render(report: &Report, color: bool) -> String {
    let paint = |code: &str, text: &str| {
        if color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    };
    let mut out = String::new();
    for (s, failure) in report.failures() {
        out.push_str(&paint(
            BOLD_RED,
            &format!("{}:{}", s.file.display(), s.line),
        ));
        out.push_str(&format!(" (session {})\n", s.session));
        for reason in &failure.reasons {
            out.push_str(&format!("  {reason}\n"));
        }
        if failure.diff.is_none() && !s.check.actual.trim().is_empty() {
            // No `output` block to diff against: show what psql printed, so the error's
            // DETAIL, HINT and caret are on screen too.
            out.push_str("  psql printed:\n");
            for line in s.check.actual.lines() {
                out.push_str(&format!("  | {line}\n"));
            }
        }
        if let Some(diff) = &failure.diff {
            for line in diff.lines() {
                let painted = match line.as_bytes().first() {
                    _ if line.starts_with("---") || line.starts_with("+++") => line.to_string(),
                    Some(b'-') => paint(RED, line),
                    Some(b'+') => paint(GREEN, line),
                    Some(b'@') => paint(CYAN, line),
                    _ => line.to_string(),
                };
                out.push_str(&painted);
                out.push('\n');
            }
        }
        out.push('\n');
    }
    for problem in &report.problems {
        out.push_str(&paint(BOLD_RED, &problem.to_string()));
        out.push('\n');
    }
    for place in &report.blessed {
        out.push_str(&format!("blessed {place}\n"));
    }
    let c = report.counts();
    out.push_str(&format!(
        "{} passed, {} failed, {} ignored\n",
        c.passed, c.failed, c.ignored
    ));
    out
}

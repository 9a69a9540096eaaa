//! The state of the latest build as the browser sees it: `/__pgbook/status` JSON, which the
//! live-reload script turns into the error overlay.
//!
//! It records outcomes only — the pipeline's [`Failure`]s as they are, turned into JSON from
//! their typed locations when asked; it never runs builds and knows nothing of HTTP.

use std::sync::Mutex;

use pgbook_verify::Failure;
use serde_json::{json, Value};

use crate::pipeline::RunReport;

/// Whether a shown failure failed the build or only warns (a broken link).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Default)]
struct Snapshot {
    /// Counts finished builds; a page compares it with the one it was loaded at.
    generation: u64,
    building: bool,
    /// A build that could not finish (a broken book.toml, no PostgreSQL): it has no place.
    error: Option<String>,
    failures: Vec<(Severity, Failure)>,
}

/// Thread-safe holder of the latest build's outcome.
#[derive(Debug, Default)]
pub struct BuildStatus {
    inner: Mutex<Snapshot>,
}

impl BuildStatus {
    pub fn new() -> BuildStatus {
        BuildStatus::default()
    }

    pub fn set_building(&self) {
        self.lock().building = true;
    }

    /// Records a finished build and returns its generation.
    pub fn finish(&self, outcome: &anyhow::Result<RunReport>) -> u64 {
        let (error, failures) = match outcome {
            Ok(report) => {
                let errors = report.snippet_failures().map(|f| (Severity::Error, f));
                let warnings = report.link_warnings.iter().map(|f| (Severity::Warning, f));
                let failures = errors.chain(warnings).map(|(s, f)| (s, f.clone()));
                (None, failures.collect())
            }
            Err(error) => (Some(format!("{error:#}")), Vec::new()),
        };
        let mut snapshot = self.lock();
        snapshot.generation += 1;
        snapshot.building = false;
        snapshot.error = error;
        snapshot.failures = failures;
        snapshot.generation
    }

    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// The JSON served at `/__pgbook/status`.
    pub fn to_json(&self) -> Value {
        let snapshot = self.lock();
        let error = snapshot.error.iter().map(|message| {
            json!({"location": "", "message": message, "diff": null, "severity": "error"})
        });
        let failures = snapshot.failures.iter().map(|(severity, failure)| {
            let at = failure.location();
            json!({
                "location": at.to_string(),
                "file": at.file.display().to_string(),
                "line": at.line,
                "column": at.column,
                "message": failure.to_string(),
                "diff": failure.diff,
                "severity": match severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                },
            })
        });
        let problems: Vec<Value> = error.chain(failures).collect();
        json!({
            "generation": snapshot.generation,
            "building": snapshot.building,
            "ok": problems.is_empty(),
            "problems": problems,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Snapshot> {
        // A panic while holding the lock cannot leave the snapshot half-written, so go on.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use pgbook_book::Diagnostic;
    use pgbook_verify::{CheckedSnippet, Report, SnippetCheck, Verdict};

    /// A report of one failed snippet whose SQL error is at `content/a.md:3:8`.
    fn failing() -> RunReport {
        let failure = Failure {
            reasons: vec![Diagnostic::new(
                "content/a.md",
                3,
                8,
                "ERROR:  syntax error",
            )],
            diff: Some("-1\n+2".into()),
        };
        let check = SnippetCheck {
            verdict: Verdict::Failed(failure),
            expected: None,
            actual: String::new(),
            bless: None,
            fixed_by_bless: false,
        };
        RunReport {
            verification: Report {
                snippets: vec![CheckedSnippet {
                    file: "content/a.md".into(),
                    line: 2,
                    session: "main".into(),
                    check,
                }],
                ..Report::default()
            },
            written: true,
            pages_rendered: 1,
            chapters_executed: 1,
            ..RunReport::default()
        }
    }

    #[test]
    fn failures_then_a_good_build() {
        let status = BuildStatus::new();
        assert_eq!(status.finish(&Ok(failing())), 1);
        let json = status.to_json();
        assert_eq!(json["ok"], false);
        let problem = &json["problems"][0];
        assert_eq!(problem["location"], "content/a.md:3:8");
        assert_eq!(
            (
                problem["file"].clone(),
                problem["line"].clone(),
                problem["column"].clone()
            ),
            ("content/a.md".into(), 3.into(), 8.into())
        );
        assert_eq!(problem["message"], "content/a.md:3:8: ERROR:  syntax error");
        assert_eq!(problem["diff"], "-1\n+2");
        assert_eq!(problem["severity"], "error");

        status.set_building();
        assert_eq!(status.to_json()["building"], true);
        let good = Ok(RunReport {
            written: true,
            pages_rendered: 1,
            ..RunReport::default()
        });
        assert_eq!(status.finish(&good), 2);
        let json = status.to_json();
        assert_eq!(
            (json["ok"].clone(), json["building"].clone()),
            (true.into(), false.into())
        );
        assert_eq!(json["problems"].as_array().unwrap().len(), 0);
    }

    #[test]
    fn broken_links_are_shown_as_warnings() {
        let status = BuildStatus::new();
        let report = RunReport {
            link_warnings: vec![Failure::from(Diagnostic::new(
                "content/a.md",
                7,
                3,
                "broken link to 'b.md'",
            ))],
            written: true,
            ..RunReport::default()
        };
        status.finish(&Ok(report));
        let json = status.to_json();
        assert_eq!(json["ok"], false);
        assert_eq!(json["problems"][0]["location"], "content/a.md:7:3");
        assert_eq!(json["problems"][0]["severity"], "warning");
    }

    #[test]
    fn a_broken_book_is_one_problem_without_place() {
        let status = BuildStatus::new();
        status.finish(&Err(anyhow::anyhow!("book.toml:2:1: unknown key `titel`")));
        let json = status.to_json();
        assert_eq!(json["problems"][0]["location"], "");
        assert_eq!(
            json["problems"][0]["message"],
            "book.toml:2:1: unknown key `titel`"
        );
    }
}

//! The state of the latest build as the browser sees it: `/__pgbook/status` JSON, which the
//! live-reload script turns into the error overlay.
//!
//! It records outcomes only; it never runs builds and knows nothing of HTTP.

use std::sync::Mutex;

use serde_json::{json, Value};

use crate::pipeline::{BuildReport, Failure};

/// One problem shown in the overlay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `content/x.md:LINE:COL`, or empty when the problem has no place (e.g. a broken book).
    pub location: String,
    pub message: String,
    pub diff: Option<String>,
}

impl From<&Failure> for Problem {
    fn from(failure: &Failure) -> Problem {
        Problem {
            location: failure.location.clone(),
            message: failure.message.clone(),
            diff: failure.diff.clone(),
        }
    }
}

#[derive(Debug, Default)]
struct Snapshot {
    /// Counts finished builds; a page compares it with the one it was loaded at.
    generation: u64,
    building: bool,
    problems: Vec<Problem>,
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
    pub fn finish(&self, outcome: &anyhow::Result<BuildReport>) -> u64 {
        let problems = match outcome {
            Ok(report) => report.failures.iter().map(Problem::from).collect(),
            Err(error) => vec![Problem {
                location: String::new(),
                message: format!("{error:#}"),
                diff: None,
            }],
        };
        let mut snapshot = self.lock();
        snapshot.generation += 1;
        snapshot.building = false;
        snapshot.problems = problems;
        snapshot.generation
    }

    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// The JSON served at `/__pgbook/status`.
    pub fn to_json(&self) -> Value {
        let snapshot = self.lock();
        let problems: Vec<Value> = snapshot
            .problems
            .iter()
            .map(|p| json!({"location": p.location, "message": p.message, "diff": p.diff}))
            .collect();
        json!({
            "generation": snapshot.generation,
            "building": snapshot.building,
            "ok": snapshot.problems.is_empty(),
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

    #[test]
    fn failures_then_a_good_build() {
        let status = BuildStatus::new();
        let failing = Ok(BuildReport {
            failures: vec![Failure {
                location: "content/a.md:3:8".into(),
                message: "ERROR:  syntax error".into(),
                diff: Some("-1\n+2".into()),
            }],
            written: true,
            pages_rendered: 1,
            chapters_executed: 1,
            ..BuildReport::default()
        });
        assert_eq!(status.finish(&failing), 1);
        let json = status.to_json();
        assert_eq!(json["ok"], false);
        assert_eq!(json["problems"][0]["location"], "content/a.md:3:8");
        assert_eq!(json["problems"][0]["diff"], "-1\n+2");

        status.set_building();
        assert_eq!(status.to_json()["building"], true);
        let good = Ok(BuildReport {
            failures: vec![],
            written: true,
            pages_rendered: 1,
            chapters_executed: 0,
            ..BuildReport::default()
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

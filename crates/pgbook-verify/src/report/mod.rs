//! The results of a `pgbook test` run and the formats they are reported in: human text with
//! diffs, the JSON object of DESIGN §7, JUnit XML, and GitHub Actions annotations.
//!
//! Every format is made from the same typed data: [`CheckedSnippet`]s (whose failures are
//! [`Failure`]s) and book-level [`Failure`]s. Reports are returned as strings; the caller
//! decides where they go (stdout or a file). Nothing here runs SQL or reads the book.

mod github;
mod human;
mod json;
mod junit;

use std::path::PathBuf;

use crate::check::{CheckStatus, SnippetCheck};
use crate::failure::Failure;

/// One checked snippet with where it is.
#[derive(Debug, Clone)]
pub struct CheckedSnippet {
    /// Chapter path as shown to users: `content/x.md`.
    pub file: PathBuf,
    /// Line of the snippet's opening fence.
    pub line: usize,
    /// `main` or the snippet's `session=NAME`.
    pub session: String,
    pub check: SnippetCheck,
}

/// Everything a test run found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub snippets: Vec<CheckedSnippet>,
    /// Failures that are not one snippet's: broken links, missing includes.
    pub problems: Vec<Failure>,
    /// `file:line` of each snippet whose `output` block `--bless` rewrote or added.
    pub blessed: Vec<String>,
}

/// Passed, failed and ignored snippet counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub ignored: usize,
}

impl Report {
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for s in &self.snippets {
            match s.check.status() {
                CheckStatus::Passed => c.passed += 1,
                CheckStatus::Failed => c.failed += 1,
                CheckStatus::Ignored => c.ignored += 1,
            }
        }
        c
    }

    /// Whether the run fails: a snippet failed or the book has a broken link or similar.
    pub fn is_failure(&self) -> bool {
        !self.problems.is_empty() || self.counts().failed > 0
    }

    /// The failed snippets with their failures, in book order.
    pub fn failures(&self) -> impl Iterator<Item = (&CheckedSnippet, &Failure)> {
        self.snippets
            .iter()
            .filter_map(|s| Some((s, s.check.failure()?)))
    }

    /// The human report; `color` adds ANSI colours to headings and diffs.
    pub fn human(&self, color: bool) -> String {
        human::render(self, color)
    }

    /// The JSON object of DESIGN §7, pretty-printed, with a final newline.
    pub fn json(&self) -> String {
        json::render(self)
    }

    /// JUnit XML: one testsuite per chapter, one testcase per snippet, and a `links`
    /// testsuite for book-level problems.
    pub fn junit(&self) -> String {
        junit::render(self)
    }

    /// `::error file=…,line=…::message` lines for GitHub Actions, one per failure.
    pub fn github_annotations(&self) -> String {
        github::render(self)
    }
}

/// All reasons of a failure and its diff, as one text (JUnit failure bodies).
fn failure_text(failure: &Failure) -> String {
    let mut text = failure.to_string();
    if let Some(diff) = &failure.diff {
        text.push('\n');
        text.push_str(diff);
    }
    text
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;

//! Checking one executed snippet against what its Markdown promises: its `output` block,
//! its `error` attribute, and the absence of unexpected errors.
//!
//! The verdict is data ([`SnippetCheck`]); this module prints nothing and writes no files.
//! Every message is a full line located in the Markdown (`content/x.md:14:8: ...`).

use pgbook_book::config::VerifyConfig;
use pgbook_book::{Chapter, ErrorExpectation, Event, Snippet, SnippetOutcome, StatementOutcome};
use similar::TextDiff;

use crate::mask::Masks;
use crate::matcher::{compare, join_lines, significant_lines};

/// The verdict on one snippet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckStatus {
    Passed,
    Failed,
    Ignored,
}

impl CheckStatus {
    /// The name used in JSON and JUnit reports.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Passed => "passed",
            CheckStatus::Failed => "failed",
            CheckStatus::Ignored => "ignored",
        }
    }
}

/// What checking one snippet found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnippetCheck {
    pub status: CheckStatus,
    /// The `output` block's text, if the snippet has one.
    pub expected: Option<String>,
    /// The transcript as executed (empty for ignored snippets).
    pub actual: String,
    /// Unified diff of the expected block against the actual (normalised toward the expected),
    /// present when they differ.
    pub diff: Option<String>,
    /// Why the snippet failed, one located line each.
    pub messages: Vec<String>,
    /// What `--bless` writes as this snippet's `output` block content: the actual normalised
    /// toward the expected, or `None` when the block is right (or must not be written).
    pub bless: Option<String>,
    /// Whether the only reasons for failure are the output block (so `--bless` fixes it).
    pub fixed_by_bless: bool,
}

/// Checks snippets against the book's `[verify]` settings.
#[derive(Debug, Clone)]
pub struct Verifier {
    masks: Masks,
    require_expected: bool,
}

impl Verifier {
    /// Compiles the `[verify] mask` regexes; a bad one is an error naming it.
    pub fn new(config: &VerifyConfig) -> Result<Verifier, String> {
        Ok(Verifier {
            masks: Masks::new(&config.mask)?,
            require_expected: config.require_expected,
        })
    }

    /// Checks `snippet` of `chapter` given what running it produced (`None` when it was not
    /// executed).
    pub fn check(
        &self,
        chapter: &Chapter,
        snippet: &Snippet,
        outcome: Option<&SnippetOutcome>,
    ) -> SnippetCheck {
        let file = chapter.source_path.display().to_string();
        let expected = snippet.expected.as_ref().map(|e| e.text.clone());
        if snippet.attrs.ignore {
            return SnippetCheck {
                status: CheckStatus::Ignored,
                expected,
                actual: String::new(),
                diff: None,
                messages: Vec::new(),
                bless: None,
                fixed_by_bless: false,
            };
        }
        let Some(outcome) = outcome else {
            return SnippetCheck {
                status: CheckStatus::Failed,
                expected,
                actual: String::new(),
                diff: None,
                messages: vec![format!(
                    "{file}:{}: the snippet was not executed",
                    snippet.line
                )],
                bless: None,
                fixed_by_bless: false,
            };
        };
        let mut messages = Vec::new();
        if let Some(failure) = &outcome.failure {
            messages.push(format!("{file}:{}: {failure}", snippet.line));
        }
        messages.extend(error_messages(&file, snippet, outcome));
        let other_failures = messages.len();
        let (diff, bless) = self.check_output(&file, snippet, &outcome.transcript, &mut messages);
        let status = if messages.is_empty() {
            CheckStatus::Passed
        } else {
            CheckStatus::Failed
        };
        SnippetCheck {
            status,
            expected,
            actual: outcome.transcript.clone(),
            diff,
            fixed_by_bless: status == CheckStatus::Failed && other_failures == 0 && bless.is_some(),
            messages,
            bless,
        }
    }

    /// Compares the transcript with the `output` block (or notes its absence). Returns the
    /// diff and the text `--bless` would write.
    fn check_output(
        &self,
        file: &str,
        snippet: &Snippet,
        actual: &str,
        messages: &mut Vec<String>,
    ) -> (Option<String>, Option<String>) {
        let attrs = &snippet.attrs;
        let Some(expected) = &snippet.expected else {
            if attrs.hidden || attrs.no_output {
                return (None, None);
            }
            if self.require_expected {
                messages.push(format!(
                    "{file}:{}: no `output` block after the snippet ([verify] require-expected = true)",
                    snippet.line
                ));
            }
            return (None, Some(join_lines(&significant_lines(actual))));
        };
        let comparison = compare(&expected.text, actual, &self.masks);
        if comparison.matches {
            return (None, None);
        }
        messages.push(format!(
            "{file}:{}: the output differs from the `output` block at line {}",
            snippet.line, expected.line
        ));
        let diff = TextDiff::from_lines(&comparison.expected, &comparison.actual)
            .unified_diff()
            .context_radius(3)
            .header("expected", "actual")
            .to_string();
        (Some(diff), Some(comparison.actual))
    }
}

/// Messages for errors the snippet raised that its attributes do not allow, or for an
/// expected error that did not come.
fn error_messages(file: &str, snippet: &Snippet, outcome: &SnippetOutcome) -> Vec<String> {
    let errors: Vec<(&StatementOutcome, &pgbook_book::ServerMessage)> = outcome
        .statements
        .iter()
        .flat_map(|st| {
            st.events.iter().filter_map(move |e| match e {
                Event::Error(m) => Some((st, m)),
                _ => None,
            })
        })
        .collect();
    let located = |st: &StatementOutcome, m: &pgbook_book::ServerMessage| {
        let pos = snippet.error_pos(st, m.position);
        format!(
            "{file}:{}:{}: {}:  {}",
            pos.line, pos.col, m.severity, m.message
        )
    };
    match &snippet.attrs.error {
        None => errors.iter().map(|(st, m)| located(st, m)).collect(),
        Some(_) if errors.is_empty() => {
            let code = match &snippet.attrs.error {
                Some(ErrorExpectation::SqlState(code)) => format!(" {code}"),
                _ => String::new(),
            };
            vec![format!(
                "{file}:{}: expected an error{code}, got none",
                snippet.line
            )]
        }
        Some(ErrorExpectation::Any) => Vec::new(),
        Some(ErrorExpectation::SqlState(code)) => {
            if errors
                .iter()
                .any(|(_, m)| m.sqlstate.eq_ignore_ascii_case(code))
            {
                return Vec::new();
            }
            errors
                .iter()
                .map(|(st, m)| {
                    let pos = snippet.error_pos(st, m.position);
                    format!(
                        "{file}:{}:{}: expected an error {code}, got {}: {}:  {}",
                        pos.line, pos.col, m.sqlstate, m.severity, m.message
                    )
                })
                .collect()
        }
    }
}

#[cfg(test)]
#[path = "check_tests.rs"]
mod tests;

//! Checking one executed snippet against what its Markdown promises: its `output` block,
//! its `error` attribute, and the absence of unexpected errors.
//!
//! The verdict is data ([`SnippetCheck`]); this module prints nothing and writes no files.
//! A failing snippet's reasons are [`Diagnostic`]s located in the Markdown (the snippet's
//! fence, or where the server's error position maps to), gathered in one [`Failure`].

use std::borrow::Cow;
use std::path::Path;

use pgbook_book::config::VerifyConfig;
use pgbook_book::{
    Chapter, Diagnostic, ErrorExpectation, Event, Snippet, SnippetOutcome, StatementOutcome,
};
use similar::TextDiff;

use crate::failure::Failure;
use crate::mask::{BadMask, Masks};
use crate::matcher::{compare, join_lines, significant_lines};

/// The verdict on one snippet, without its reasons (report counts, JSON and JUnit names).
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

/// The verdict on one snippet, with the reasons when it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    Failed(Failure),
    /// `ignore`: not executed, counted apart.
    Ignored,
}

impl Verdict {
    pub fn status(&self) -> CheckStatus {
        match self {
            Verdict::Passed => CheckStatus::Passed,
            Verdict::Failed(_) => CheckStatus::Failed,
            Verdict::Ignored => CheckStatus::Ignored,
        }
    }

    pub fn failure(&self) -> Option<&Failure> {
        match self {
            Verdict::Failed(failure) => Some(failure),
            _ => None,
        }
    }
}

/// What checking one snippet found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnippetCheck {
    pub verdict: Verdict,
    /// The `output` block's text, if the snippet has one.
    pub expected: Option<String>,
    /// The transcript as executed (empty for ignored snippets).
    pub actual: String,
    /// What `--bless` writes as this snippet's `output` block content (see
    /// [`SnippetCheck::bless_text`]), or `None` when the block is right (or must not be
    /// written).
    pub bless: Option<Blessing>,
    /// Whether the only reasons for failure are the output block (so `--bless` fixes it).
    pub fixed_by_bless: bool,
}

/// What `--bless` writes as a snippet's `output` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blessing {
    /// This text: the actual normalised toward the expected.
    Text(String),
    /// The actual transcript's significant lines, for a snippet without a block: made only
    /// when blessing, not by every check (a large result's transcript is tens of megabytes).
    Actual,
}

impl SnippetCheck {
    /// The content `--bless` writes, if it writes any.
    pub fn bless_text(&self) -> Option<Cow<'_, str>> {
        match self.bless.as_ref()? {
            Blessing::Text(text) => Some(Cow::Borrowed(text)),
            Blessing::Actual => Some(Cow::Owned(join_lines(&significant_lines(&self.actual)))),
        }
    }

    pub fn status(&self) -> CheckStatus {
        self.verdict.status()
    }

    pub fn failure(&self) -> Option<&Failure> {
        self.verdict.failure()
    }

    /// The diff of expected against actual output, when they differ.
    pub fn diff(&self) -> Option<&str> {
        self.failure().and_then(|f| f.diff.as_deref())
    }

    /// Why the snippet failed, one located line each (empty unless it failed).
    pub fn messages(&self) -> Vec<String> {
        self.failure()
            .map(|f| f.lines().collect())
            .unwrap_or_default()
    }

    /// Records that `--bless` rewrote the snippet's `output` block: a snippet whose only
    /// fault was that block passes now.
    pub fn mark_blessed(&mut self) {
        if self.fixed_by_bless {
            self.verdict = Verdict::Passed;
        }
    }
}

/// The book's `[verify]` settings are unusable.
#[derive(Debug, thiserror::Error)]
pub enum VerifyConfigError {
    #[error(transparent)]
    BadMask(#[from] BadMask),
}

/// Checks snippets against the book's `[verify]` settings.
#[derive(Debug, Clone)]
pub struct Verifier {
    masks: Masks,
    require_expected: bool,
}

impl Verifier {
    /// Compiles the `[verify] mask` regexes; a bad one is an error naming it.
    pub fn new(config: &VerifyConfig) -> Result<Verifier, VerifyConfigError> {
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
        let actual = outcome.map(|o| Cow::Borrowed(o.transcript.as_str()));
        self.check_with(chapter, snippet, outcome, actual, true)
    }

    /// [`Verifier::check`] for a caller that shows `actual` only for a failed snippet (a
    /// build: it prints failures, never a passing snippet's transcript): a snippet that
    /// passes or is ignored gets an empty `actual`, so no copy of its transcript is made.
    pub fn check_keeping_failed_actual(
        &self,
        chapter: &Chapter,
        snippet: &Snippet,
        outcome: Option<&SnippetOutcome>,
    ) -> SnippetCheck {
        let actual = outcome.map(|o| Cow::Borrowed(o.transcript.as_str()));
        self.check_with(chapter, snippet, outcome, actual, false)
    }

    /// [`Verifier::check`] for a caller that needs the outcome's transcript no more: it is
    /// moved into the check (as `actual`) rather than copied — a large result's transcript
    /// is tens of megabytes.
    pub fn check_taking_transcript(
        &self,
        chapter: &Chapter,
        snippet: &Snippet,
        outcome: Option<&mut SnippetOutcome>,
    ) -> SnippetCheck {
        match outcome {
            Some(outcome) => {
                let transcript = std::mem::take(&mut outcome.transcript);
                self.check_with(
                    chapter,
                    snippet,
                    Some(outcome),
                    Some(Cow::Owned(transcript)),
                    true,
                )
            }
            None => self.check(chapter, snippet, None),
        }
    }

    /// Checks `snippet` given its outcome and the outcome's transcript (`actual`), kept in
    /// the check when the snippet failed or `keep_passing_actual` says so.
    fn check_with(
        &self,
        chapter: &Chapter,
        snippet: &Snippet,
        outcome: Option<&SnippetOutcome>,
        actual: Option<Cow<str>>,
        keep_passing_actual: bool,
    ) -> SnippetCheck {
        // Failures are located where the snippet is written: the chapter, or the file a
        // prose `{{#include}}` brought it from.
        let file = snippet.origin.file.as_path();
        let expected = snippet.expected.as_ref().map(|e| e.text.clone());
        let at_fence = |message: String| {
            Diagnostic::new(file, snippet.origin.line, snippet.origin.col, message)
        };
        if snippet.attrs.ignore {
            return SnippetCheck {
                verdict: Verdict::Ignored,
                expected,
                actual: String::new(),
                bless: None,
                fixed_by_bless: false,
            };
        }
        let (Some(outcome), Some(actual)) = (outcome, actual) else {
            return SnippetCheck {
                verdict: Verdict::Failed(Failure::from(at_fence(
                    "the snippet was not executed".into(),
                ))),
                expected,
                actual: String::new(),
                bless: None,
                fixed_by_bless: false,
            };
        };
        let mut reasons = Vec::new();
        if let Some(failure) = &outcome.failure {
            reasons.push(at_fence(failure.clone()));
        }
        reasons.extend(error_reasons(chapter, snippet, outcome));
        if let Some(kind) = snippet.attrs.chart {
            // A snippet that already failed with an error says why; the chart adds nothing.
            if reasons.is_empty() {
                if let Err(message) = crate::chart::chart_data(kind, outcome) {
                    let col = attribute_column(chapter, snippet, "chart");
                    reasons.push(Diagnostic::new(file, snippet.origin.line, col, message));
                }
            }
        }
        let other_failures = reasons.len();
        let (diff, bless) = self.check_output(file, snippet, &actual, &mut reasons);
        let verdict = match Failure::new(reasons, diff) {
            Some(failure) => Verdict::Failed(failure),
            None => Verdict::Passed,
        };
        let actual = if verdict.status() == CheckStatus::Failed || keep_passing_actual {
            actual.into_owned()
        } else {
            String::new()
        };
        SnippetCheck {
            fixed_by_bless: verdict.status() == CheckStatus::Failed
                && other_failures == 0
                && bless.is_some(),
            verdict,
            expected,
            actual,
            bless,
        }
    }

    /// Compares the transcript with the `output` block (or notes its absence). Returns the
    /// diff and the text `--bless` would write.
    fn check_output(
        &self,
        file: &Path,
        snippet: &Snippet,
        actual: &str,
        reasons: &mut Vec<Diagnostic>,
    ) -> (Option<String>, Option<Blessing>) {
        let attrs = &snippet.attrs;
        let Some(expected) = &snippet.expected else {
            if attrs.hidden || attrs.no_output {
                return (None, None);
            }
            if self.require_expected {
                reasons.push(Diagnostic::new(
                    file,
                    snippet.origin.line,
                    snippet.origin.col,
                    "no `output` block after the snippet ([verify] require-expected = true)",
                ));
            }
            return (None, Some(Blessing::Actual));
        };
        let comparison = compare(&expected.text, actual, &self.masks);
        if comparison.matches {
            return (None, None);
        }
        reasons.push(Diagnostic::new(
            file,
            snippet.origin.line,
            snippet.origin.col,
            format!(
                "the output differs from the `output` block at line {}",
                expected.line
            ),
        ));
        let diff = TextDiff::from_lines(&comparison.expected, &comparison.actual)
            .unified_diff()
            .context_radius(3)
            .header("expected", "actual")
            .to_string();
        (Some(diff), Some(Blessing::Text(comparison.actual)))
    }
}

/// 1-based column of attribute `name` on the snippet's opening fence line (0 when it is
/// not found there, e.g. for a snippet an include brought in).
fn attribute_column(chapter: &Chapter, snippet: &Snippet, name: &str) -> usize {
    let source = &chapter.document.source;
    let start = snippet.source_range.start.min(source.len());
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let line = source[line_start..].lines().next().unwrap_or("");
    let Some(info_at) = line.find(|c: char| c != ' ' && c != '`' && c != '~') else {
        return 0;
    };
    line[info_at..]
        .find(&format!("{name}="))
        .map_or(0, |at| line[..info_at + at].chars().count() + 1)
}

/// Reasons for errors the snippet raised that its attributes do not allow, or for an
/// expected error that did not come; a server error is located where its position maps to in
/// the Markdown — in the file it is written in, which for SQL brought in by `{{#include}}`
/// is the included file.
fn error_reasons(
    chapter: &Chapter,
    snippet: &Snippet,
    outcome: &SnippetOutcome,
) -> Vec<Diagnostic> {
    let file = snippet.origin.file.as_path();
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
    let located = |st: &StatementOutcome, m: &pgbook_book::ServerMessage, message: String| {
        let pos = snippet.error_pos(st, m.position);
        let origin = chapter.document.origin(pos.offset);
        Diagnostic::new(origin.file, origin.line, origin.col, message)
    };
    match &snippet.attrs.error {
        None => errors
            .iter()
            .map(|(st, m)| located(st, m, server_said(m)))
            .collect(),
        Some(_) if errors.is_empty() => {
            let code = match &snippet.attrs.error {
                Some(ErrorExpectation::SqlState(code)) => format!(" {code}"),
                _ => String::new(),
            };
            vec![Diagnostic::new(
                file,
                snippet.origin.line,
                snippet.origin.col,
                format!("expected an error{code}, got none"),
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
                    let message = format!(
                        "expected an error {code}, got {}: {}",
                        m.sqlstate,
                        server_said(m)
                    );
                    located(st, m, message)
                })
                .collect()
        }
    }
}

/// A server message as psql shows it: `SEVERITY:  text`, or the bare text for what libpq
/// reports itself (a lost connection has no severity, and `:  text` would read as a typo).
fn server_said(m: &pgbook_book::ServerMessage) -> String {
    if m.severity.is_empty() {
        m.message.clone()
    } else {
        format!("{}:  {}", m.severity, m.message)
    }
}

#[cfg(test)]
#[path = "check_tests.rs"]
mod tests;

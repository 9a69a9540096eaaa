//! The one type for "something in the book failed": why (each reason located by file, line
//! and column in the Markdown) and, for output drift, the diff. A failing snippet, a broken
//! link and a missing include are all a [`Failure`]; every report — human, JSON, JUnit,
//! GitHub annotations, the build's stderr and serve's overlay — is produced from its typed
//! fields, so no output ever parses a location back out of text.
//!
//! It only describes; it prints nothing and knows nothing of where reports go.

use std::fmt;
use std::path::Path;

use pgbook_book::Diagnostic;

/// A place in the book: a file as shown to users (`content/x.md`), a 1-based line (0 when the
/// whole file is meant) and a 1-based column (0 when unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location<'a> {
    pub file: &'a Path,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location<'_> {
    /// `file:LINE:COL`, leaving out what is unknown (the same rule as [`Diagnostic`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.column > 0 {
                write!(f, ":{}", self.column)?;
            }
        }
        Ok(())
    }
}

/// Why something in the book failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The reasons, each at its own place; never empty. The first one is where the failure
    /// points (an SQL error's position in the Markdown, else the snippet's fence).
    pub reasons: Vec<Diagnostic>,
    /// Unified diff of the expected `output` block against the actual transcript (normalised
    /// toward the expected), when they differ.
    pub diff: Option<String>,
}

impl Failure {
    /// A failure with these reasons; `None` when there are none (nothing failed).
    pub fn new(reasons: Vec<Diagnostic>, diff: Option<String>) -> Option<Failure> {
        (!reasons.is_empty()).then_some(Failure { reasons, diff })
    }

    /// Where the failure points: the place of its first reason (nowhere, should a failure
    /// have been built without reasons).
    pub fn location(&self) -> Location<'_> {
        match self.reasons.first() {
            Some(first) => Location {
                file: &first.file,
                line: first.line,
                column: first.col,
            },
            None => Location {
                file: Path::new(""),
                line: 0,
                column: 0,
            },
        }
    }

    /// The first reason's text without its place (a one-line summary, e.g. JUnit's
    /// `message` attribute of a link problem).
    pub fn summary(&self) -> &str {
        self.reasons.first().map_or("", |r| r.message.as_str())
    }

    /// Each reason as the user reads it: `file:LINE:COL: message`.
    pub fn lines(&self) -> impl Iterator<Item = String> + '_ {
        self.reasons.iter().map(ToString::to_string)
    }
}

impl From<Diagnostic> for Failure {
    fn from(reason: Diagnostic) -> Failure {
        Failure {
            reasons: vec![reason],
            diff: None,
        }
    }
}

impl fmt::Display for Failure {
    /// Every reason on its own line (without the diff).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, reason) in self.reasons.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{reason}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_and_text_come_from_the_typed_reasons() {
        let failure = Failure::new(
            vec![
                Diagnostic::new("content/a.md", 12, 5, "ERROR:  syntax error"),
                Diagnostic::new("content/a.md", 10, 0, "the output differs"),
            ],
            None,
        )
        .unwrap();
        let at = failure.location();
        assert_eq!(
            (at.file, at.line, at.column),
            (Path::new("content/a.md"), 12, 5)
        );
        assert_eq!(at.to_string(), "content/a.md:12:5");
        assert_eq!(
            failure.to_string(),
            "content/a.md:12:5: ERROR:  syntax error\ncontent/a.md:10: the output differs"
        );
        assert_eq!(failure.summary(), "ERROR:  syntax error");
        assert_eq!(Failure::new(Vec::new(), None), None);
        let whole_file = Failure::from(Diagnostic::new("book.toml", 0, 0, "bad"));
        assert_eq!(whole_file.location().to_string(), "book.toml");
    }
}

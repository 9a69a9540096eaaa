//! Verification of executed snippets against the book: matching transcripts with expected
//! `output` blocks (wildcards and masks), error expectations, `--bless`, link checks, the one
//! [`Failure`] type (reasons located by file, line and column), and the reports made from it
//! (human, JSON, JUnit, GitHub Actions annotations).
//!
//! Architecture invariant: this crate never runs SQL or starts a server — it judges outcomes
//! the engine produced. Its only writes are `--bless` rewriting chapter files and reports
//! written where the caller says.

pub mod bless;
pub mod chart;
pub mod check;
pub mod failure;
pub mod links;
pub mod mask;
pub mod matcher;
pub mod report;
#[cfg(test)]
mod test_support;

pub use check::{Blessing, CheckStatus, SnippetCheck, Verdict, Verifier, VerifyConfigError};
pub use failure::{Failure, Location};
pub use report::{CheckedSnippet, Report};

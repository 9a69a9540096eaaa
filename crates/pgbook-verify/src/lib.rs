//! Verification of executed snippets against the book: matching transcripts with expected
//! `output` blocks (wildcards and masks), error expectations, `--bless`, link checks, and the
//! reports `pgbook test` prints (human, JSON, JUnit, GitHub Actions annotations).
//!
//! Architecture invariant: this crate never runs SQL or starts a server — it judges outcomes
//! the engine produced. Its only writes are `--bless` rewriting chapter files and reports
//! written where the caller says.

pub mod bless;
pub mod check;
pub mod links;
pub mod mask;
pub mod matcher;
pub mod report;
#[cfg(test)]
mod test_support;

pub use check::{CheckStatus, SnippetCheck, Verifier};
pub use report::{CheckedSnippet, Report};

/// The XML library the JUnit report is written with, so callers (the CLI's tests) read
/// reports back with the same one.
pub use quick_xml;

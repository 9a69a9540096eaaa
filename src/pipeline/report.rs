//! What one run of the pipeline found and did: the typed [`RunReport`] that `build`, `test`
//! and `serve` all receive, whatever they were asked to do.
//!
//! It is data only; the commands decide how to print it (and `serve` how to show it).

use std::path::PathBuf;

use pgbook_book::Diagnostic;
use pgbook_verify::{Failure, Report};

/// The outcome of [`super::Pipeline::run`].
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    /// Every checked snippet of the chapters the run covered (each failure a [`Failure`]),
    /// the book-level failures that fail the run (broken links, under `test`), and the
    /// output blocks `--bless` rewrote.
    pub verification: Report,
    /// Warnings about the book's configuration (mdBook settings pgbook ignores).
    pub warnings: Vec<Diagnostic>,
    /// Broken links and anchors, under `build` and `serve`, where they do not fail the run.
    pub link_warnings: Vec<Failure>,
    /// Whether the site was written (never under `test`; under `build` not when snippets
    /// failed without `keep_going`).
    pub written: bool,
    /// Where the site went (the build directory, or the `dest` option).
    pub dest: PathBuf,
    /// Chapter bodies rendered by this run (unchanged ones are reused).
    pub pages_rendered: usize,
    /// Chapters whose SQL ran in this run (the others came from the cache or run none).
    pub chapters_executed: usize,
}

impl RunReport {
    /// The failed snippets' failures, in book order.
    pub fn snippet_failures(&self) -> impl Iterator<Item = &Failure> {
        self.verification.failures().map(|(_, failure)| failure)
    }

    /// Whether the run failed: a snippet failed, or (under `test`) the book has a broken link.
    pub fn is_failure(&self) -> bool {
        self.verification.is_failure()
    }
}

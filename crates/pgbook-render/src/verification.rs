//! The data of the generated "How this book was verified" page (`verification.html`): the
//! server, its non-default settings with who set them and why, the extensions the book
//! creates, the build date and, per chapter, how many snippets were verified, ignored and
//! hidden. The theme's `partials/verification.html` lays it out.
//!
//! Plain data: the driver fills it from the engine's report and the verdicts; this crate never
//! asks a server anything.

use serde::Serialize;

/// Where the page is written, relative to the site root.
pub const VERIFICATION_PAGE: &str = "verification.html";

/// Everything the page shows.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Verification {
    /// `version()`, e.g. `PostgreSQL 15.18 on x86_64-pc-linux-gnu, ...`; `None` when no
    /// snippet needed a server.
    pub server_version: Option<String>,
    /// The short version (`15.18`).
    pub short_version: Option<String>,
    /// pgbook's scratch cluster (else the server of a database URL).
    pub scratch: bool,
    pub settings: Vec<SettingRow>,
    pub extensions: Vec<ExtensionRow>,
    /// `YYYY-MM-DD`, UTC.
    pub build_date: String,
    pub chapters: Vec<ChapterCounts>,
    pub totals: Counts,
}

/// One setting that differs from PostgreSQL's default.
#[derive(Debug, Clone, Serialize)]
pub struct SettingRow {
    pub name: String,
    pub value: String,
    pub default: String,
    pub set_by: String,
    pub why: String,
}

/// An extension some snippet creates, and where.
#[derive(Debug, Clone, Serialize)]
pub struct ExtensionRow {
    pub name: String,
    /// Titles and root-relative page paths of the chapters that create it.
    pub chapters: Vec<(String, String)>,
}

/// Snippet counts.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    /// Executed and matched (hidden ones included).
    pub verified: usize,
    /// Executed but not verified (or failed, under `--keep-going`).
    pub failed: usize,
    /// `ignore`: never executed.
    pub ignored: usize,
    /// `hidden`: executed and verified, not shown.
    pub hidden: usize,
}

impl Counts {
    pub fn add(&mut self, other: Counts) {
        self.verified += other.verified;
        self.failed += other.failed;
        self.ignored += other.ignored;
        self.hidden += other.hidden;
    }
}

/// One chapter's counts.
#[derive(Debug, Clone, Serialize)]
pub struct ChapterCounts {
    pub title: String,
    /// Root-relative page path.
    pub path: String,
    pub counts: Counts,
}

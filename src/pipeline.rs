//! The one driver of `pgbook build`, `pgbook test` and `pgbook serve`: load the book →
//! execute → verify (snippets and links) → then, by [`Action`], bless and report, or render
//! and write the site atomically. Every command gets the same typed [`RunReport`], so a check
//! added here applies to all three.
//!
//! - `test` executes every selected chapter afresh (never the cache), may `--bless`, renders
//!   nothing, and fails on broken links.
//! - `build` reuses cached results, renders what changed and writes the site; broken links
//!   are warnings.
//! - `serve` is `build` on a [`Pipeline`] kept across rebuilds: the engine starts only when
//!   some chapter's results are missing and then stays warm, and rendered chapter bodies are
//!   kept so that a prose edit re-renders one chapter and runs no SQL.
//!
//! It prints nothing (apart from the opt-in `PGBOOK_TRACE_BUILD` timings); callers report.

mod cache;
mod execute;
mod progress;
mod render;
mod report;
pub mod shard;
mod verification;
mod verify;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use pgbook_book::{Book, ChapterOutcome};
use pgbook_engine::Engine;
use pgbook_render::{Renderer, SnippetStatus};
use pgbook_verify::Verifier;

use cache::ResultCache;
pub use cache::CACHE_DIR;
pub use progress::{ProgressEvent, ProgressSink};
use render::CachedBody;
pub use report::RunReport;
use shard::Shard;

/// What a run of the pipeline is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `pgbook test`: execute the chapters whose path contains one of `filter` (all without
    /// filters) afresh — only those of `shard` when given — verify, rewrite failing `output`
    /// blocks when `bless`; broken links fail the run. Nothing is rendered.
    Test {
        bless: bool,
        filter: Vec<String>,
        shard: Option<Shard>,
    },
    /// `pgbook build` and every `pgbook serve` rebuild: cached execution, verify, render and
    /// write atomically — only when no snippet failed, unless `keep_going`. Broken links are
    /// warnings.
    Build { keep_going: bool },
}

/// How the pipeline of one command is set up.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Write the site here instead of `[build] build-dir`.
    pub dest: Option<PathBuf>,
    pub database_url: Option<String>,
    /// Injected before `</body>` of every page (serve's live-reload script).
    pub extra_body_html: Option<String>,
    /// Told when chapters start and finish executing.
    pub progress: ProgressSink,
    /// The initdb template cache (`None`: the engine's fallback in the temp directory).
    pub template_cache: Option<PathBuf>,
}

/// The pipeline of one book; see the module documentation.
pub struct Pipeline {
    root: PathBuf,
    options: Options,
    engine: Option<Engine>,
    results: ResultCache,
    /// The renderer with the theme directory and theme fingerprint it was made for.
    renderer: Option<(PathBuf, u64, Renderer)>,
    bodies: HashMap<PathBuf, CachedBody>,
    watched: Vec<PathBuf>,
    /// The installed server version per configured `pg-bin`, looked up once per pipeline
    /// (finding the binaries can spawn `pg_config`: not something to redo on every rebuild).
    installed_version: Option<(Option<PathBuf>, String)>,
}

impl Pipeline {
    /// A pipeline for the book at `root`. Nothing is read or started yet.
    pub fn new(root: &Path, options: Options) -> Pipeline {
        Pipeline {
            root: root.to_path_buf(),
            options,
            engine: None,
            results: ResultCache::new(root),
            renderer: None,
            bodies: HashMap::new(),
            watched: default_watched(root, Path::new("content"), Path::new("theme")),
            installed_version: None,
        }
    }

    /// Files and directories whose changes call for a rebuild: book.toml, the source
    /// directory, `snippets/`, the theme directory and every file a chapter included.
    pub fn watched_paths(&self) -> Vec<PathBuf> {
        self.watched.clone()
    }

    /// Runs the pipeline once for `action`. `Err` is a configuration, environment or render
    /// problem (exit 2); failing snippets and broken links are in the report.
    pub fn run(&mut self, action: &Action) -> anyhow::Result<RunReport> {
        let mut trace = Trace::new();
        let book = Book::load(&self.root)?;
        trace.phase("load");
        let html = &book.config.output.html;
        self.watched = default_watched(&self.root, &book.config.book.src, &html.theme);
        // Included files may live anywhere (outside the source and `snippets/`).
        self.watched.extend(
            book.chapters
                .iter()
                .flat_map(|c| c.files().map(Path::to_path_buf)),
        );
        let verifier = Verifier::new(&book.config.verify).context("book.toml")?;
        let mut report = RunReport {
            warnings: book.warnings.clone(),
            ..RunReport::default()
        };
        let selected: Vec<usize> = match action {
            Action::Test { filter, shard, .. } => {
                let chosen = verify::select_chapters(&book, filter)?;
                match shard {
                    Some(shard) => verify::shard_chapters(&book, chosen, *shard),
                    None => chosen,
                }
            }
            Action::Build { .. } => (0..book.chapters.len()).collect(),
        };
        std::thread::scope(|scope| {
            // The link check needs only the book, so it runs beside execution and rendering
            // (on a large book it costs as much as rendering the changed chapter).
            let links = scope.spawn(|| verify::broken_links(&book, &selected));
            let stages = self.stages(action, &book, &selected, &verifier, &mut report, &mut trace);
            let links = links
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            stages?;
            match action {
                Action::Test { .. } => report.verification.problems = links,
                Action::Build { .. } => report.link_warnings = links,
            }
            trace.phase("links");
            Ok(report)
        })
    }

    /// Execute, verify, and under `build` render and write: everything of a run but loading
    /// and the link check.
    fn stages(
        &mut self,
        action: &Action,
        book: &Book,
        selected: &[usize],
        verifier: &Verifier,
        report: &mut RunReport,
        trace: &mut Trace,
    ) -> anyhow::Result<()> {
        let mut outcomes = match action {
            Action::Test { .. } => self.execute(book, selected, report)?,
            Action::Build { .. } => self.outcomes(book, report)?,
        };
        trace.phase("execute");
        let blessing = matches!(action, Action::Test { bless: true, .. });
        // A build renders the outcomes after checking them and shows only failed
        // snippets' transcripts; a test run needs the outcomes no more.
        let for_build = matches!(action, Action::Build { .. });
        let statuses = verify::check_chapters(
            verifier,
            book,
            selected,
            &mut outcomes,
            for_build,
            blessing,
            report,
        )?;
        trace.phase("verify");
        match action {
            Action::Test { .. } => Ok(()),
            // Snippet failures alone decide: broken links never stop a build.
            Action::Build { keep_going } if report.is_failure() && !keep_going => Ok(()),
            Action::Build { .. } => self.write(book, &outcomes, &statuses, report, trace),
        }
    }

    /// Renders what changed and writes the whole site atomically.
    fn write(
        &mut self,
        book: &Book,
        outcomes: &[Arc<ChapterOutcome>],
        statuses: &[Vec<SnippetStatus>],
        report: &mut RunReport,
        trace: &mut Trace,
    ) -> anyhow::Result<()> {
        let bodies = self.render_bodies(book, outcomes, statuses, report)?;
        trace.phase("render chapters");
        let extra_body_html = self.options.extra_body_html.clone();
        // A book without SQL (an mdBook book as it is) has nothing to say it verified.
        let has_sql = book.chapters.iter().any(|c| !c.snippets.is_empty());
        let verified = has_sql
            .then(|| verification::verification(book, statuses, self.results.current_server()));
        let site = self.renderer().render_site(
            book,
            &bodies,
            extra_body_html.as_deref(),
            verified.as_ref(),
        )?;
        trace.phase("render site");
        let dest = self
            .options
            .dest
            .clone()
            .unwrap_or_else(|| book.build_dir());
        report.dest = dest.clone();
        pgbook_render::write_site(&site, &dest)
            .with_context(|| format!("writing the site to {}", dest.display()))?;
        report.written = true;
        trace.phase("write");
        Ok(())
    }
}

/// Phase timings on stderr when `PGBOOK_TRACE_BUILD` is set (a profiling aid for build and
/// serve; silent otherwise).
struct Trace {
    enabled: bool,
    last: std::time::Instant,
}

impl Trace {
    fn new() -> Trace {
        Trace {
            enabled: std::env::var_os("PGBOOK_TRACE_BUILD").is_some(),
            last: std::time::Instant::now(),
        }
    }

    fn phase(&mut self, name: &str) {
        if self.enabled {
            let now = std::time::Instant::now();
            eprintln!(
                "pgbook trace: {name} {:.1} ms",
                (now - self.last).as_secs_f64() * 1000.0
            );
            self.last = now;
        }
    }
}

fn default_watched(root: &Path, src: &Path, theme: &Path) -> Vec<PathBuf> {
    vec![
        root.join("book.toml"),
        root.join(src),
        root.join("snippets"),
        root.join(theme),
    ]
}

#[cfg(test)]
mod tests;

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
mod report;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use pgbook_book::{Book, Chapter, ChapterOutcome};
use pgbook_engine::cluster::installed_version;
use pgbook_engine::{Engine, EngineOptions};
use pgbook_render::{ChapterJob, RenderedChapter, Renderer, SnippetStatus};
use pgbook_verify::bless::bless_chapter;
use pgbook_verify::links::check_links;
use pgbook_verify::{CheckedSnippet, Failure, SnippetCheck, Verdict, Verifier};

pub use cache::CACHE_DIR;
use cache::{fnv64, ResultCache};
pub use report::RunReport;

/// What a run of the pipeline is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `pgbook test`: execute the chapters whose path contains one of `filter` (all without
    /// filters) afresh, verify, rewrite failing `output` blocks when `bless`; broken links
    /// fail the run. Nothing is rendered.
    Test { bless: bool, filter: Vec<String> },
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
}

/// A rendered chapter body and what it was rendered from.
struct CachedBody {
    key: u64,
    body: Arc<RenderedChapter>,
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
    /// directory, `snippets/` and the theme directory.
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
        let verifier = Verifier::new(&book.config.verify).context("book.toml")?;
        let mut report = RunReport {
            warnings: book.warnings.clone(),
            ..RunReport::default()
        };
        let (selected, outcomes) = match action {
            Action::Test { filter, .. } => {
                let selected = select_chapters(&book, filter)?;
                let outcomes = self.execute(&book, &selected, &mut report)?;
                (selected, outcomes)
            }
            Action::Build { .. } => {
                let outcomes = self.outcomes(&book, &mut report)?;
                ((0..book.chapters.len()).collect(), outcomes)
            }
        };
        trace.phase("execute");
        let blessing = matches!(action, Action::Test { bless: true, .. });
        let mut statuses = Vec::with_capacity(selected.len());
        for (&i, outcome) in selected.iter().zip(&outcomes) {
            let chapter = &book.chapters[i];
            let mut checks = check_chapter(&verifier, chapter, outcome);
            if blessing {
                bless(&book, chapter, &mut checks, &mut report)?;
            }
            statuses.push(checks.iter().map(snippet_status).collect::<Vec<_>>());
            report
                .verification
                .snippets
                .extend(located(chapter, checks));
        }
        let links: Vec<Failure> = check_links(&book)
            .into_iter()
            .filter(|d| {
                selected
                    .iter()
                    .any(|&i| book.chapters[i].source_path == d.file)
            })
            .map(Failure::from)
            .collect();
        trace.phase("verify");
        let keep_going = match action {
            Action::Test { .. } => {
                report.verification.problems = links;
                return Ok(report);
            }
            Action::Build { keep_going } => *keep_going,
        };
        report.link_warnings = links;
        if report.is_failure() && !keep_going {
            return Ok(report);
        }
        self.write(&book, &outcomes, &statuses, &mut report, &mut trace)?;
        Ok(report)
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
        let site = self
            .renderer()
            .render_site(book, &bodies, extra_body_html.as_deref())?;
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

    /// The outcomes of the `selected` chapters, all executed now (`test` never trusts a
    /// cache): the engine starts only if one of them has a snippet to run.
    fn execute(
        &mut self,
        book: &Book,
        selected: &[usize],
        report: &mut RunReport,
    ) -> anyhow::Result<Vec<Arc<ChapterOutcome>>> {
        let to_run: Vec<&Chapter> = selected
            .iter()
            .map(|&i| &book.chapters[i])
            .filter(|c| needs_server(c))
            .collect();
        let mut results = if to_run.is_empty() {
            Vec::new()
        } else {
            self.engine(book)?.run_chapters(&to_run)
        }
        .into_iter();
        report.chapters_executed = to_run.len();
        selected
            .iter()
            .map(|&i| {
                let chapter = &book.chapters[i];
                if !needs_server(chapter) {
                    return Ok(Arc::new(not_executed(chapter)));
                }
                let result = results.next().expect("one result per chapter run");
                Ok(Arc::new(result?))
            })
            .collect()
    }

    /// Every chapter's outcome: cached where possible, else executed (engine started lazily).
    fn outcomes(
        &mut self,
        book: &Book,
        report: &mut RunReport,
    ) -> anyhow::Result<Vec<Arc<ChapterOutcome>>> {
        let url = self.database_url(book);
        // An upgraded PostgreSQL must not keep serving results of the old one.
        let version = match url {
            None if book.chapters.iter().any(needs_server) => {
                self.installed_version(book.config.database.pg_bin.as_deref())
            }
            _ => String::new(),
        };
        let keys: Vec<String> = book
            .chapters
            .iter()
            .map(|c| ResultCache::key(c, &book.config, url.as_deref(), &version))
            .collect();
        let mut outcomes: Vec<Option<Arc<ChapterOutcome>>> = vec![None; book.chapters.len()];
        let mut disk_hits = Vec::new();
        for (i, chapter) in book.chapters.iter().enumerate() {
            if !needs_server(chapter) {
                outcomes[i] = Some(Arc::new(not_executed(chapter)));
            } else if let Some(entry) = self.results.get(&keys[i]) {
                if entry.from_disk {
                    disk_hits.push(i);
                }
                outcomes[i] = Some(entry.outcome);
            }
        }
        let mut to_run: Vec<usize> = (0..outcomes.len())
            .filter(|&i| outcomes[i].is_none())
            .collect();
        if !to_run.is_empty() {
            // Results read from disk are trusted only if this server would give them too.
            let engine_key = self.engine(book)?.cache_key();
            for &i in &disk_hits {
                let entry = self.results.get(&keys[i]);
                if entry.is_some_and(|e| e.engine_key != engine_key) {
                    to_run.push(i);
                }
            }
            to_run.sort_unstable();
            let chapters: Vec<&Chapter> = to_run.iter().map(|&i| &book.chapters[i]).collect();
            let results = self.engine(book)?.run_chapters(&chapters);
            for (&i, result) in to_run.iter().zip(results) {
                let outcome = Arc::new(result?);
                self.results.put(&keys[i], &engine_key, outcome.clone());
                outcomes[i] = Some(outcome);
            }
            report.chapters_executed = to_run.len();
        }
        self.results.retain(&keys);
        Ok(outcomes
            .into_iter()
            .zip(&book.chapters)
            .map(|(o, c)| o.unwrap_or_else(|| Arc::new(not_executed(c))))
            .collect())
    }

    /// The version of the server binaries a scratch cluster would use; empty when none are
    /// found (the keys then miss, and starting the engine explains what is missing).
    fn installed_version(&mut self, pg_bin: Option<&Path>) -> String {
        match &self.installed_version {
            Some((bin, version)) if bin.as_deref() == pg_bin => version.clone(),
            _ => {
                let version = installed_version(pg_bin).unwrap_or_default();
                self.installed_version = Some((pg_bin.map(Path::to_path_buf), version.clone()));
                version
            }
        }
    }

    fn engine(&mut self, book: &Book) -> anyhow::Result<&Engine> {
        if self.engine.is_none() {
            let options =
                EngineOptions::from_config(&book.config, self.options.database_url.clone());
            self.engine = Some(Engine::start(options)?);
        }
        Ok(self.engine.as_ref().expect("started above"))
    }

    /// The URL the engine would use (flag, then environment, then book.toml), for cache keys.
    fn database_url(&self, book: &Book) -> Option<String> {
        EngineOptions::from_config(&book.config, self.options.database_url.clone()).database_url
    }

    /// Bodies of every chapter, re-rendering only those whose input changed.
    fn render_bodies(
        &mut self,
        book: &Book,
        outcomes: &[Arc<ChapterOutcome>],
        statuses: &[Vec<SnippetStatus>],
        report: &mut RunReport,
    ) -> anyhow::Result<Vec<Arc<RenderedChapter>>> {
        let theme = self.refresh_renderer(book);
        let keys: Vec<u64> = book
            .chapters
            .iter()
            .enumerate()
            .map(|(i, c)| body_key(c, &outcomes[i], &statuses[i], theme))
            .collect();
        let stale: Vec<usize> = (0..keys.len())
            .filter(|&i| {
                let chapter = &book.chapters[i];
                // Prose includes may change without the chapter's text changing.
                has_prose_includes(chapter)
                    || self
                        .bodies
                        .get(&chapter.path)
                        .is_none_or(|b| b.key != keys[i])
            })
            .collect();
        let jobs: Vec<ChapterJob> = stale
            .iter()
            .map(|&i| ChapterJob {
                index: i,
                outcome: Some(&outcomes[i]),
                statuses: &statuses[i],
            })
            .collect();
        let rendered = self.renderer().render_chapters(book, &jobs);
        for (&i, body) in stale.iter().zip(rendered) {
            let body = body?;
            self.bodies.insert(
                book.chapters[i].path.clone(),
                CachedBody {
                    key: keys[i],
                    body: Arc::new(body),
                },
            );
        }
        report.pages_rendered = stale.len();
        self.bodies
            .retain(|path, _| book.chapters.iter().any(|c| &c.path == path));
        Ok(book
            .chapters
            .iter()
            .map(|c| self.bodies[&c.path].body.clone())
            .collect())
    }

    /// Makes the renderer anew when the theme directory or any of its files changed
    /// (minijinja keeps the templates it has loaded); returns the theme's fingerprint.
    fn refresh_renderer(&mut self, book: &Book) -> u64 {
        let theme_dir = book.root.join(&book.config.output.html.theme);
        let fingerprint = pgbook_render::theme::Theme::new(&theme_dir).fingerprint();
        let stale = self
            .renderer
            .as_ref()
            .is_none_or(|(dir, print, _)| *dir != theme_dir || *print != fingerprint);
        if stale {
            self.renderer = Some((theme_dir.clone(), fingerprint, Renderer::new(&theme_dir)));
        }
        fingerprint
    }

    /// The renderer made by [`Pipeline::refresh_renderer`] in this build.
    fn renderer(&self) -> &Renderer {
        &self
            .renderer
            .as_ref()
            .expect("refreshed before rendering")
            .2
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

/// Whether the chapter includes files outside its snippets (snippet includes are part of the
/// SQL fingerprint already).
fn has_prose_includes(chapter: &Chapter) -> bool {
    let mut from = 0;
    for snippet in &chapter.snippets {
        let block = snippet.block_range.clone();
        if chapter.text[from..block.start.max(from)].contains("{{#include ") {
            return true;
        }
        from = from.max(block.end);
    }
    chapter.text[from..].contains("{{#include ")
}

/// Whether any snippet of the chapter must run (ignored ones never do).
fn needs_server(chapter: &Chapter) -> bool {
    chapter.snippets.iter().any(|s| !s.attrs.ignore)
}

fn not_executed(chapter: &Chapter) -> ChapterOutcome {
    ChapterOutcome {
        snippets: vec![None; chapter.snippets.len()],
        server_version: String::new(),
    }
}

/// `pgbook test locking`: the chapters whose path contains one of the filters (all of them
/// without filters), as indices into the book.
fn select_chapters(book: &Book, filters: &[String]) -> anyhow::Result<Vec<usize>> {
    let selected: Vec<usize> = (0..book.chapters.len())
        .filter(|&i| {
            let path = book.chapters[i].source_path.display().to_string();
            filters.is_empty() || filters.iter().any(|f| path.contains(f.as_str()))
        })
        .collect();
    if selected.is_empty() && !filters.is_empty() {
        anyhow::bail!("no chapter path contains {}", filters.join(" or "));
    }
    Ok(selected)
}

/// Checks every snippet of `chapter` against what running it produced.
fn check_chapter(
    verifier: &Verifier,
    chapter: &Chapter,
    outcome: &ChapterOutcome,
) -> Vec<SnippetCheck> {
    chapter
        .snippets
        .iter()
        .enumerate()
        .map(|(i, snippet)| {
            let executed = outcome.snippets.get(i).and_then(Option::as_ref);
            verifier.check(chapter, snippet, executed)
        })
        .collect()
}

/// Rewrites the chapter's output blocks; snippets whose only fault was their block now pass.
fn bless(
    book: &Book,
    chapter: &Chapter,
    checks: &mut [SnippetCheck],
    report: &mut RunReport,
) -> anyhow::Result<()> {
    let changed = bless_chapter(&book.src_dir(), chapter, checks)
        .with_context(|| format!("cannot write {}", chapter.source_path.display()))?;
    if !changed {
        return Ok(());
    }
    for (snippet, check) in chapter.snippets.iter().zip(checks) {
        if check.bless.is_some() {
            let place = format!("{}:{}", chapter.source_path.display(), snippet.line);
            report.verification.blessed.push(place);
            check.blessed();
        }
    }
    Ok(())
}

/// Each check with the place of its snippet, for the reports.
fn located(
    chapter: &Chapter,
    checks: Vec<SnippetCheck>,
) -> impl Iterator<Item = CheckedSnippet> + '_ {
    chapter
        .snippets
        .iter()
        .zip(checks)
        .map(move |(snippet, check)| CheckedSnippet {
            file: chapter.source_path.clone(),
            line: snippet.line,
            session: snippet.attrs.session_name().to_string(),
            check,
        })
}

/// The verdict as the page shows it.
fn snippet_status(check: &SnippetCheck) -> SnippetStatus {
    match &check.verdict {
        Verdict::Passed => SnippetStatus::Passed,
        Verdict::Failed(failure) => SnippetStatus::Failed(failure.clone()),
        Verdict::Ignored => SnippetStatus::Ignored,
    }
}

/// Everything a chapter's body depends on.
fn body_key(
    chapter: &Chapter,
    outcome: &ChapterOutcome,
    statuses: &[SnippetStatus],
    theme: u64,
) -> u64 {
    let outcome_json = serde_json::to_string(outcome).unwrap_or_default();
    let text = format!(
        "{}\0{}\0{}\0{outcome_json}\0{statuses:?}\0{theme}",
        chapter.title,
        chapter.path.display(),
        chapter.text
    );
    fnv64(text.as_bytes())
}

#[cfg(test)]
mod tests;

//! The build pipeline shared by `pgbook build` and `pgbook serve`: load the book → execute
//! the chapters whose results are not cached → verify → render what changed → write the site
//! atomically.
//!
//! A [`Pipeline`] lives as long as its command: the engine starts only when some chapter's
//! results are missing and then stays warm, and rendered chapter bodies are kept so that a
//! prose edit re-renders one chapter. It prints nothing; callers report [`BuildReport`].

mod cache;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{anyhow, Context};
use pgbook_book::{Book, Chapter, ChapterOutcome};
use pgbook_engine::cluster::installed_version;
use pgbook_engine::{Engine, EngineOptions};
use pgbook_render::{ChapterJob, RenderedChapter, Renderer, SnippetStatus};
use pgbook_verify::{CheckStatus, Verifier};

pub use cache::CACHE_DIR;
use cache::{fnv64, ResultCache};

/// How to build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Write the site here instead of `[build] build-dir`.
    pub dest: Option<PathBuf>,
    pub database_url: Option<String>,
    /// Write the site even when snippets fail.
    pub keep_going: bool,
    /// Injected before `</body>` of every page (serve's live-reload script).
    pub extra_body_html: Option<String>,
}

/// A snippet that failed verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// `content/x.md:LINE:COL`.
    pub location: String,
    pub message: String,
    pub diff: Option<String>,
}

/// What one build did.
#[derive(Debug, Clone, Default)]
pub struct BuildReport {
    pub failures: Vec<Failure>,
    /// Whether the site was written (not when snippets failed without `keep_going`).
    pub written: bool,
    /// Where the site went (the build directory, or the `dest` option).
    pub dest: PathBuf,
    /// Chapter bodies rendered by this build (unchanged ones are reused).
    pub pages_rendered: usize,
    /// Chapters whose SQL ran in this build (the others came from the cache).
    pub chapters_executed: usize,
    /// Warnings about the book (mdBook settings pgbook ignores).
    pub warnings: Vec<String>,
}

/// A rendered chapter body and what it was rendered from.
struct CachedBody {
    key: u64,
    body: Arc<RenderedChapter>,
}

/// The build pipeline of one book; see the module documentation.
pub struct Pipeline {
    root: PathBuf,
    options: BuildOptions,
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
    pub fn new(root: &Path, options: BuildOptions) -> Pipeline {
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

    /// Runs the whole pipeline once. `Err` is a configuration, environment or render
    /// problem (exit 2); failing snippets are in the report.
    pub fn build(&mut self) -> anyhow::Result<BuildReport> {
        let mut trace = Trace::new();
        let book = Book::load(&self.root).map_err(|d| anyhow!("{d}"))?;
        trace.phase("load");
        let html = &book.config.output.html;
        self.watched = default_watched(&self.root, &book.config.book.src, &html.theme);
        // Included files may live anywhere (outside the source and `snippets/`).
        self.watched.extend(
            book.chapters
                .iter()
                .flat_map(|c| c.files().map(Path::to_path_buf)),
        );
        let mut report = BuildReport {
            warnings: book.warnings.iter().map(ToString::to_string).collect(),
            ..BuildReport::default()
        };
        let outcomes = self.outcomes(&book, &mut report)?;
        trace.phase("execute");
        let statuses = verify(&book, &outcomes, &mut report.failures)?;
        trace.phase("verify");
        if !report.failures.is_empty() && !self.options.keep_going {
            return Ok(report);
        }
        let bodies = self.render_bodies(&book, &outcomes, &statuses, &mut report)?;
        trace.phase("render chapters");
        let extra_body_html = self.options.extra_body_html.clone();
        let site = self
            .renderer()
            .render_site(&book, &bodies, extra_body_html.as_deref())
            .map_err(|e| anyhow!("{e}"))?;
        trace.phase("render site");
        let dest = self
            .options
            .dest
            .clone()
            .unwrap_or_else(|| book.build_dir());
        report.dest = dest.clone();
        pgbook_render::write_site(&site, &dest)
            .map_err(|e| anyhow!("{e}"))
            .with_context(|| format!("writing the site to {}", dest.display()))?;
        report.written = true;
        trace.phase("write");
        Ok(report)
    }

    /// Every chapter's outcome: cached where possible, else executed (engine started lazily).
    fn outcomes(
        &mut self,
        book: &Book,
        report: &mut BuildReport,
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
                let outcome = Arc::new(result.map_err(|e| anyhow!("{e}"))?);
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
            self.engine = Some(Engine::start(options).map_err(|e| anyhow!("{e}"))?);
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
        report: &mut BuildReport,
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
            let body = body.map_err(|e| anyhow!("{e}"))?;
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
    chapter.document.has_prose_includes(&chapter.snippets)
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

/// Checks every snippet; failures are collected, verdicts returned per chapter.
fn verify(
    book: &Book,
    outcomes: &[Arc<ChapterOutcome>],
    failures: &mut Vec<Failure>,
) -> anyhow::Result<Vec<Vec<SnippetStatus>>> {
    let verifier = Verifier::new(&book.config.verify).map_err(|e| anyhow!("book.toml: {e}"))?;
    let mut all = Vec::with_capacity(book.chapters.len());
    for (chapter, outcome) in book.chapters.iter().zip(outcomes) {
        let mut statuses = Vec::with_capacity(chapter.snippets.len());
        for snippet in &chapter.snippets {
            let snippet_outcome = outcome.snippets.get(snippet.index).and_then(Option::as_ref);
            let check = verifier.check(chapter, snippet, snippet_outcome);
            statuses.push(match check.status {
                CheckStatus::Passed => SnippetStatus::Passed,
                CheckStatus::Ignored => SnippetStatus::Ignored,
                CheckStatus::Failed => {
                    let fallback = format!("{}:{}:1", chapter.source_path.display(), snippet.line);
                    failures.push(Failure {
                        location: check
                            .messages
                            .first()
                            .and_then(|m| location_of(m))
                            .unwrap_or(fallback),
                        message: check.messages.join("\n"),
                        diff: check.diff.clone(),
                    });
                    SnippetStatus::Failed {
                        diff: check.diff,
                        messages: check.messages,
                    }
                }
            });
        }
        all.push(statuses);
    }
    Ok(all)
}

/// `content/x.md:12:5` from a message `content/x.md:12:5: what went wrong`.
fn location_of(message: &str) -> Option<String> {
    let (location, _) = message.split_once(": ")?;
    location.contains(':').then(|| location.to_string())
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

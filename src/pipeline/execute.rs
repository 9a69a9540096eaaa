//! The pipeline's execute stage: every chapter's outcome, from the results cache where the
//! action allows it (`build`, `serve`) or from the engine, which starts lazily and then stays
//! warm for the pipeline's life. `test` always executes afresh.
//!
//! It runs SQL only through the engine and judges nothing.

use std::path::Path;
use std::sync::Arc;

use pgbook_book::{Book, Chapter, ChapterOutcome, SnippetOutcome};
use pgbook_engine::cluster::installed_version;
use pgbook_engine::{ChapterProgress, Engine, EngineError, EngineOptions};

use super::cache::ResultCache;
use super::progress::ProgressEvent;
use super::{Pipeline, RunReport};

impl Pipeline {
    /// The outcomes of the `selected` chapters, all executed now (`test` never trusts a
    /// cache): the engine starts only if one of them has a snippet to run.
    pub(super) fn execute(
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
            keep_going(self.run_chapters(book, &to_run)?)?
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
                Ok(Arc::new(
                    result.unwrap_or_else(|e| chapter_failed(chapter, e)),
                ))
            })
            .collect()
    }

    /// Every chapter's outcome: cached where possible, else executed (engine started lazily).
    pub(super) fn outcomes(
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
            let results = keep_going(self.run_chapters(book, &chapters)?)?;
            for (&i, result) in to_run.iter().zip(results) {
                let outcome = match result {
                    Ok(outcome) => {
                        let outcome = Arc::new(outcome);
                        self.results.put(&keys[i], &engine_key, outcome.clone());
                        outcome
                    }
                    // Never cached: the next build tries the chapter again.
                    Err(e) => Arc::new(chapter_failed(&book.chapters[i], e)),
                };
                outcomes[i] = Some(outcome);
            }
            report.chapters_executed = to_run.len();
        }
        self.server_report(book, url.as_deref(), &version, !to_run.is_empty())?;
        self.results.retain(&keys);
        Ok(outcomes
            .into_iter()
            .zip(&book.chapters)
            .map(|(o, c)| o.unwrap_or_else(|| Arc::new(not_executed(c))))
            .collect())
    }

    /// Keeps the server's report (for the verification page) with the results: read afresh
    /// whenever chapters ran, else from the cache, and only if some chapter needs a server.
    fn server_report(
        &mut self,
        book: &Book,
        url: Option<&str>,
        version: &str,
        ran: bool,
    ) -> anyhow::Result<()> {
        if !book.chapters.iter().any(needs_server) {
            self.results.forget_server();
            return Ok(());
        }
        let key = ResultCache::server_key(&book.config, url, version);
        if ran || self.results.server(&key).is_none() {
            let server = self.engine(book)?.server_report()?;
            self.results.put_server(&key, server);
        }
        Ok(())
    }

    /// The version of the server binaries a scratch cluster would use; empty when none are
    /// found (the keys then miss, and starting the engine explains what is missing).
    fn installed_version(&mut self, pg_bin: Option<&Path>) -> String {
        match &self.installed_version {
            Some((bin, version)) if bin.as_deref() == pg_bin => version.clone(),
            _ => {
                let cache = self.options.template_cache.as_deref();
                let version = installed_version(pg_bin, cache).unwrap_or_default();
                self.installed_version = Some((pg_bin.map(Path::to_path_buf), version.clone()));
                version
            }
        }
    }

    /// Runs `chapters` on the engine (started if need be), telling the progress sink.
    fn run_chapters(
        &mut self,
        book: &Book,
        chapters: &[&Chapter],
    ) -> anyhow::Result<Vec<Result<ChapterOutcome, EngineError>>> {
        let sink = self.options.progress.clone();
        sink.emit(ProgressEvent::Planned {
            chapters: chapters.len(),
            snippets: chapters.iter().map(|c| c.snippets.len()).sum(),
        });
        let engine = self.engine(book)?;
        Ok(engine.run_chapters_observed(chapters, &|i, progress| {
            let chapter = chapters[i];
            sink.emit(match progress {
                ChapterProgress::Started => ProgressEvent::Started {
                    path: &chapter.source_path,
                },
                ChapterProgress::Finished => ProgressEvent::Finished {
                    path: &chapter.source_path,
                    snippets: chapter.snippets.len(),
                },
            })
        }))
    }

    fn engine(&mut self, book: &Book) -> anyhow::Result<&Engine> {
        if self.engine.is_none() {
            let options = EngineOptions {
                cache_dir: self.options.template_cache.clone(),
                ..EngineOptions::from_config(&book.config, self.options.database_url.clone())
            };
            self.engine = Some(Engine::start(options)?);
        }
        Ok(self.engine.as_ref().expect("started above"))
    }

    /// The URL the engine would use (flag, then environment, then book.toml), for cache keys.
    fn database_url(&self, book: &Book) -> Option<String> {
        EngineOptions::from_config(&book.config, self.options.database_url.clone()).database_url
    }
}

/// Whether any snippet of the chapter must run (ignored ones never do).
pub(super) fn needs_server(chapter: &Chapter) -> bool {
    chapter.snippets.iter().any(|s| !s.attrs.ignore)
}

fn not_executed(chapter: &Chapter) -> ChapterOutcome {
    ChapterOutcome {
        snippets: vec![None; chapter.snippets.len()],
        server_version: String::new(),
        nodes: Vec::new(),
    }
}

/// The chapters' results, unless the run as a whole failed: cancelled, or not one chapter
/// could run (the server is unusable — exit 2, not a wrong chapter). Otherwise a chapter the
/// engine could not run (its database not made, the server gone before it started) is that
/// chapter's failure, and the other chapters are still reported.
fn keep_going(
    mut results: Vec<Result<ChapterOutcome, EngineError>>,
) -> anyhow::Result<Vec<Result<ChapterOutcome, EngineError>>> {
    let cancelled = results
        .iter()
        .position(|r| matches!(r, Err(EngineError::Cancelled)));
    let whole_run = cancelled.or_else(|| results.iter().all(Result::is_err).then_some(0));
    match whole_run {
        Some(i) if !results.is_empty() => match results.swap_remove(i) {
            Err(e) => Err(e.into()),
            Ok(_) => unreachable!("an error was found at {i}"),
        },
        _ => Ok(results),
    }
}

/// What the checker sees for a chapter that could not run: every snippet that would have run
/// fails at its fence with the engine's reason.
fn chapter_failed(chapter: &Chapter, error: EngineError) -> ChapterOutcome {
    let reason = format!(
        "the chapter could not run: {:#}",
        anyhow::Error::from(error)
    );
    ChapterOutcome {
        snippets: chapter
            .snippets
            .iter()
            .map(|s| {
                (!s.attrs.ignore).then(|| SnippetOutcome {
                    statements: Vec::new(),
                    transcript: String::new(),
                    completed_during: None,
                    failure: Some(reason.clone()),
                })
            })
            .collect(),
        server_version: String::new(),
        nodes: Vec::new(),
    }
}

//! The pipeline's render stage: chapter bodies, re-rendered only when their input (text,
//! outcome, verdicts, theme) changed, so a prose edit under `serve` renders one chapter.
//!
//! It never executes SQL and never writes files; `Pipeline::run` writes the site.

use std::hash::Hasher;
use std::io::Write;
use std::sync::Arc;

use pgbook_book::{Book, Chapter, ChapterOutcome};
use pgbook_render::{ChapterJob, RenderedChapter, Renderer, SnippetStatus};

use super::{Pipeline, RunReport};

/// A rendered chapter body and what it was rendered from.
pub(super) struct CachedBody {
    /// The hash of everything the body depends on but the outcome.
    key: u64,
    /// The outcome it was rendered from: unchanged when it is the same `Arc` (the results
    /// cache hands out the one it keeps) or an equal value.
    outcome: Arc<ChapterOutcome>,
    body: Arc<RenderedChapter>,
}

impl CachedBody {
    fn is_for(&self, key: u64, outcome: &Arc<ChapterOutcome>) -> bool {
        self.key == key && (Arc::ptr_eq(&self.outcome, outcome) || *self.outcome == **outcome)
    }
}

impl Pipeline {
    /// Bodies of every chapter, re-rendering only those whose input changed.
    pub(super) fn render_bodies(
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
            .map(|(i, c)| body_key(c, &statuses[i], theme))
            .collect();
        let stale: Vec<usize> = (0..keys.len())
            .filter(|&i| {
                self.bodies
                    .get(&book.chapters[i].path)
                    .is_none_or(|b| !b.is_for(keys[i], &outcomes[i]))
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
                    outcome: outcomes[i].clone(),
                    body: Arc::new(body),
                },
            );
        }
        report.pages_rendered = stale.len();
        // A set, not a scan of the chapters per cached body: a big book has thousands of both.
        let current: std::collections::HashSet<&std::path::Path> =
            book.chapters.iter().map(|c| c.path.as_path()).collect();
        self.bodies
            .retain(|path, _| current.contains(path.as_path()));
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
    pub(super) fn renderer(&self) -> &Renderer {
        &self
            .renderer
            .as_ref()
            .expect("refreshed before rendering")
            .2
    }
}

/// Everything a chapter's body depends on but its outcome (compared as a value, see
/// [`CachedBody::is_for`]: hashing a large result's transcript on every build cost more than
/// comparing it on the rare rebuild that has one). The text is the chapter with its includes
/// expanded, so an edit of a file it includes (in prose or in a snippet) changes the key.
fn body_key(chapter: &Chapter, statuses: &[SnippetStatus], theme: u64) -> u64 {
    let mut hasher = HashWriter(fnv::FnvHasher::default());
    let _ = write!(
        hasher,
        "{}\0{}\0{}\0{statuses:?}\0{theme}",
        chapter.title,
        chapter.path.display(),
        chapter.document.source
    );
    hasher.0.finish()
}

/// Feeds whatever is written into a hasher.
struct HashWriter(fnv::FnvHasher);

impl std::io::Write for HashWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.write(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

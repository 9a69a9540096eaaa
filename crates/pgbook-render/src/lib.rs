//! pgbook's site renderer: turns a loaded book and its snippets' outcomes into the files of a
//! static site (Markdown → HTML, theme templates, SQL highlighting, snippet output, search
//! index, print page, 404, sitemap) and writes them atomically.
//!
//! Architecture invariant: this crate never runs SQL and never decides whether a snippet
//! passed — it receives outcomes and verdicts as data. Only [`write::write_site`] touches the
//! output directory.

mod escape;
pub mod explain;
pub mod highlight;
pub mod markdown;
pub mod nav;
pub mod search;
pub mod site;
pub mod snippet;
pub mod theme;
pub mod write;

pub use markdown::{RenderedChapter, SearchSection};
pub use site::{ChapterJob, FileContent, Renderer, SiteFiles};
pub use snippet::SnippetStatus;
pub use write::write_site;

/// A problem while rendering, located in the book where possible.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// Bad input in a chapter or theme file: `file:LINE:COL: message`.
    #[error("{0}")]
    Input(pgbook_book::Diagnostic),
    /// A template failed to compile or render.
    #[error("theme template {name}: {message}")]
    Template { name: String, message: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl RenderError {
    pub(crate) fn template(err: &minijinja::Error) -> RenderError {
        let name = err.name().unwrap_or("?").to_string();
        let mut message = err.to_string();
        if let Some(line) = err.line() {
            message = format!("line {line}: {message}");
        }
        RenderError::Template { name, message }
    }

    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> RenderError {
        RenderError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

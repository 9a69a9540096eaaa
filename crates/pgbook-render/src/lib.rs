//! pgbook's site renderer: turns a loaded book and its snippets' outcomes into the files of a
//! static site (Markdown → HTML, theme templates, SQL highlighting, snippet output, search
//! index, print page, 404, sitemap) and writes them atomically.
//!
//! Architecture invariant: this crate never runs SQL and never decides whether a snippet
//! passed — it receives outcomes and verdicts as data. Only [`write::write_site`] touches the
//! output directory.

pub mod callout;
pub mod chart;
mod escape;
pub mod explain;
pub mod highlight;
pub mod markdown;
pub mod nav;
pub mod node_notes;
pub mod profile;
pub mod search;
pub mod site;
pub mod snippet;
pub mod theme;
pub mod timeline;
pub mod topology;
pub mod verification;
pub mod write;

pub use markdown::{RenderedChapter, SearchSection};
pub use site::{ChapterJob, FileContent, Renderer, SiteFiles};
pub use snippet::SnippetStatus;
pub use verification::Verification;
pub use write::write_site;

/// A digest of a generated file's contents, put in its name (`toc-<digest>.js`,
/// `search/t-<digest>.js`) so that the name changes with the contents and a browser never
/// uses a cached copy of another build's file. FNV-1a: the same on every toolchain, so the
/// same book gives the same site.
pub(crate) fn content_digest(text: &str) -> u64 {
    use std::hash::Hasher;
    let mut hasher = fnv::FnvHasher::default();
    hasher.write(text.as_bytes());
    hasher.finish()
}

/// A problem while rendering or writing the site, located in the book where possible.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// Bad input in a chapter or theme file: `file:LINE:COL: message`.
    #[error("{0}")]
    Input(pgbook_book::Diagnostic),
    /// A theme template failed to load, compile or render. minijinja's error is kept: it
    /// carries the template's name, line and span.
    #[error("theme template {name}: {}{source}", line_prefix(*.line))]
    Template {
        name: String,
        line: Option<usize>,
        #[source]
        source: minijinja::Error,
    },
    /// Reading a theme or book file, or writing the site, failed.
    /// The cause is part of the message and not also a `source()`, so that a report of the
    /// whole chain (`{:#}`) says it once.
    #[error("{}: {cause}", .path.display())]
    Io {
        path: std::path::PathBuf,
        cause: std::io::Error,
    },
    /// A site file whose path would leave the site directory (`..`, an absolute path).
    #[error("{path}: refusing to write outside the site directory")]
    OutsideSite { path: String },
}

fn line_prefix(line: Option<usize>) -> String {
    line.map(|l| format!("line {l}: ")).unwrap_or_default()
}

impl RenderError {
    pub(crate) fn template(err: minijinja::Error) -> RenderError {
        RenderError::Template {
            name: err.name().unwrap_or("?").to_string(),
            line: err.line(),
            source: err,
        }
    }

    pub(crate) fn io(path: &std::path::Path, cause: std::io::Error) -> RenderError {
        RenderError::Io {
            path: path.to_path_buf(),
            cause,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn template_errors_keep_name_line_and_source() {
        let env = minijinja::Environment::new();
        let err = env
            .template_from_named_str("page.html", "<p>\n{% if %}\n")
            .unwrap_err();
        let err = RenderError::template(err);
        assert!(
            matches!(&err, RenderError::Template { name, line: Some(2), .. } if name == "page.html"),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .starts_with("theme template page.html: line 2: "),
            "{err}"
        );
        assert!(err.source().is_some());
    }

    #[test]
    fn a_site_path_outside_the_site_is_refused_by_kind() {
        let dir = tempfile::tempdir().unwrap();
        let site = SiteFiles {
            files: vec![("../escape.html".into(), FileContent::Bytes(b"x".to_vec()))],
        };
        let err = write_site(&site, &dir.path().join("book")).unwrap_err();
        assert!(
            matches!(&err, RenderError::OutsideSite { path } if path == "../escape.html"),
            "{err:?}"
        );
        assert!(!dir.path().join("escape.html").exists());
    }
}

//! The theme: templates and static assets, embedded from this crate's `themes/default/`
//! at compile time and overridable file by file from a book's own theme directory.
//!
//! Templates are served by a minijinja *loader* that tries the book's file first and falls
//! back to the embedded one; nothing is registered with `add_template`, which would take
//! priority over the loader and block overrides. This module knows nothing of chapters.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use crate::RenderError;

macro_rules! embed {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../themes/default/", $name)))),*]
    };
}

/// Templates, by name.
const TEMPLATES: &[(&str, &str)] = embed!(
    "page.html",
    "print.html",
    "404.html",
    "partials/head.html",
    "partials/sidebar.html",
    "partials/toc-entries.html",
    "partials/toc-page.html",
    "toc.js",
    "partials/topbar.html",
    "partials/snippet.html",
    "partials/output.html",
    "partials/session-labels.html",
    "partials/session-wait.html",
    "partials/page-toc.html",
    "partials/verification.html",
    "partials/profile.html",
    "partials/plan-lines.html",
    "partials/chart.html",
    "partials/timeline.html",
    "partials/topology.html",
    "partials/node-note.html",
);

/// Static files copied into the site, by path inside it.
const ASSETS: &[(&str, &str)] = embed!(
    "css/pgbook.css",
    "css/highlight.css",
    "css/print.css",
    "css/readers.css",
    "css/pictures.css",
    "js/pgbook.js",
    "js/search.js",
    "js/page-toc.js",
    "js/sidebar-fold.js",
    "favicon.svg",
);

/// Where templates and assets come from for one book.
#[derive(Debug, Clone)]
pub struct Theme {
    /// The book's override directory, when it exists.
    overrides: Option<PathBuf>,
}

impl Theme {
    /// A theme whose files are looked up first in `overrides` (if it is a directory).
    pub fn new(overrides: &Path) -> Theme {
        Theme {
            overrides: overrides.is_dir().then(|| overrides.to_path_buf()),
        }
    }

    /// The source of template `name`: the book's file, else the embedded default.
    pub fn template_source(&self, name: &str) -> std::io::Result<Option<String>> {
        if name.split('/').any(|part| part == ".." || part.is_empty()) {
            return Ok(None);
        }
        if let Some(dir) = &self.overrides {
            match std::fs::read_to_string(dir.join(name)) {
                Ok(text) => return Ok(Some(text)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(TEMPLATES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, text)| text.to_string()))
    }

    /// Every static asset as (path in the site, bytes), overrides applied.
    pub fn assets(&self) -> Result<Vec<(String, Vec<u8>)>, RenderError> {
        let mut out = Vec::with_capacity(ASSETS.len());
        for (name, text) in ASSETS {
            let bytes = match &self.overrides {
                Some(dir) if dir.join(name).is_file() => {
                    let file = dir.join(name);
                    std::fs::read(&file).map_err(|e| RenderError::io(&file, e))?
                }
                _ => text.as_bytes().to_vec(),
            };
            out.push((name.to_string(), bytes));
        }
        Ok(out)
    }

    /// A digest of the override directory's files (names and contents), so a caller can tell
    /// when a theme edit requires re-rendering every page.
    pub fn fingerprint(&self) -> u64 {
        let mut hasher = DefaultHasher::new();
        if let Some(dir) = &self.overrides {
            hash_dir(dir, &mut hasher);
        }
        hasher.finish()
    }
}

fn hash_dir(dir: &Path, hasher: &mut DefaultHasher) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        path.hash(hasher);
        if path.is_dir() {
            hash_dir(&path, hasher);
        } else if let Ok(bytes) = std::fs::read(&path) {
            bytes.hash(hasher);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn book_file_overrides_embedded_one() {
        let dir = tempfile::tempdir().unwrap();
        let theme = Theme::new(dir.path());
        let default = theme.template_source("404.html").unwrap().unwrap();
        std::fs::write(dir.path().join("404.html"), "lost").unwrap();
        assert_ne!(default, "lost");
        assert_eq!(theme.template_source("404.html").unwrap().unwrap(), "lost");
        assert!(theme.template_source("../etc/passwd").unwrap().is_none());
        std::fs::create_dir(dir.path().join("css")).unwrap();
        std::fs::write(dir.path().join("css/pgbook.css"), "body{}").unwrap();
        let assets = theme.assets().unwrap();
        let css = assets.iter().find(|(n, _)| n == "css/pgbook.css").unwrap();
        assert_eq!(css.1, b"body{}");
    }
}

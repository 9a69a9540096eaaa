//! The navigation of the site, built once per build from SUMMARY.md: sidebar entries (parts,
//! numbering, drafts, separators) and the linear chapter order used for previous/next links.
//!
//! Hrefs are relative to the site root; a page prefixes its own path to the root. This module
//! knows nothing of templates.

use std::path::Path;

use pgbook_book::{Book, SummaryItem};
use serde::Serialize;

/// One sidebar entry.
#[derive(Debug, Clone, Serialize)]
pub struct NavItem {
    /// `chapter`, `part` or `separator`.
    pub kind: &'static str,
    /// Title rendered as inline Markdown (trusted: pulldown-cmark escapes text).
    pub title_html: String,
    /// `1.2.` for numbered chapters.
    pub number: Option<String>,
    /// Root-relative page path; `None` for drafts, parts and separators.
    pub href: Option<String>,
    pub depth: usize,
    pub draft: bool,
}

/// The page path of a chapter file: `a/b.md` → `a/b.html`.
pub fn page_path(chapter_path: &Path) -> String {
    let s = chapter_path.to_string_lossy().replace('\\', "/");
    match s.strip_suffix(".md") {
        Some(stem) => format!("{stem}.html"),
        None => format!("{s}.html"),
    }
}

/// `../` once per directory of a root-relative page path.
pub fn path_to_root(page_path: &str) -> String {
    "../".repeat(page_path.matches('/').count())
}

/// A URL-safe form of a root-relative path (spaces and the like percent-encoded).
pub fn url_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Sidebar entries in SUMMARY order.
pub fn nav_items(book: &Book) -> Vec<NavItem> {
    book.summary
        .items
        .iter()
        .map(|item| match item {
            SummaryItem::Chapter {
                title,
                path,
                number,
                depth,
                ..
            } => NavItem {
                kind: "chapter",
                title_html: inline_markdown(title),
                number: number.as_ref().map(|n| {
                    let parts: Vec<String> = n.iter().map(u32::to_string).collect();
                    format!("{}.", parts.join("."))
                }),
                href: path.as_deref().map(|p| url_path(&page_path(p))),
                depth: *depth,
                draft: path.is_none(),
            },
            SummaryItem::PartTitle(title) => NavItem {
                kind: "part",
                title_html: inline_markdown(title),
                number: None,
                href: None,
                depth: 0,
                draft: false,
            },
            SummaryItem::Separator => NavItem {
                kind: "separator",
                title_html: String::new(),
                number: None,
                href: None,
                depth: 0,
                draft: false,
            },
        })
        .collect()
}

/// Inline Markdown (code spans, emphasis) as HTML without the paragraph around it.
pub fn inline_markdown(text: &str) -> String {
    let mut html = String::new();
    pulldown_cmark::html::push_html(
        &mut html,
        pgbook_book::markdown::inline_events(text).into_iter(),
    );
    let trimmed = html.trim();
    trimmed
        .strip_prefix("<p>")
        .and_then(|s| s.strip_suffix("</p>"))
        .unwrap_or(trimmed)
        .to_string()
}

/// Plain text of an inline Markdown title (for `<title>` and search).
pub fn plain_title(text: &str) -> String {
    text.replace('`', "").replace("**", "").replace('*', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(page_path(Path::new("a/b.md")), "a/b.html");
        assert_eq!(path_to_root("a/b/c.html"), "../../");
        assert_eq!(path_to_root("c.html"), "");
        assert_eq!(url_path("my file.html"), "my%20file.html");
        assert_eq!(
            inline_markdown("The `<b>` tag"),
            "The <code>&lt;b&gt;</code> tag"
        );
    }
}

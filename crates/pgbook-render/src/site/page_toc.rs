//! The "on this page" list of a chapter page: its h2 and h3 headings, from the chapter model
//! (the same ids the page's headings carry). It renders nothing itself; the theme's
//! `partials/page-toc.html` does.

use pgbook_book::Chapter;
use pulldown_cmark::HeadingLevel;
use serde::Serialize;

/// One heading of the list.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct TocEntry {
    pub id: String,
    pub title: String,
    /// 2 or 3.
    pub level: u8,
}

/// The chapter's h2 and h3 headings in order (h1 is the page's title, h4 and deeper are too
/// fine for a list beside the text).
pub fn page_toc(chapter: &Chapter) -> Vec<TocEntry> {
    chapter
        .document
        .headings
        .iter()
        .filter_map(|h| {
            let level = match h.level {
                HeadingLevel::H2 => 2,
                HeadingLevel::H3 => 3,
                _ => return None,
            };
            Some(TocEntry {
                id: h.id.clone(),
                title: h.title.clone(),
                level,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn lists_h2_and_h3_with_their_page_ids() {
        let text = "# Title\n\n## Locks\n\n### Row locks {#rows}\n\n#### Too deep\n\n## Locks\n";
        let chapter = Chapter::parse(
            Path::new("/nonexistent"),
            Path::new("content"),
            Path::new("a.md"),
            text.into(),
        )
        .unwrap();
        let toc = page_toc(&chapter);
        let got: Vec<_> = toc
            .iter()
            .map(|e| (e.id.as_str(), e.title.as_str(), e.level))
            .collect();
        assert_eq!(
            got,
            vec![
                ("locks", "Locks", 2),
                ("rows", "Row locks", 3),
                ("locks-1", "Locks", 2)
            ]
        );
    }
}

//! The site's files other than pages: the search index's files, the sitemap, canonical URLs, mdBook's
//! redirect pages, and the book's own files (images, additional CSS/JS) that are copied as
//! they are.

use std::sync::Arc;

use pgbook_book::Book;

use super::{FileContent, SiteFiles};
use crate::markdown::RenderedChapter;
use crate::nav::url_path;
use crate::search::{search_files, PageSections};
use crate::RenderError;

/// The search index's files (manifest and fragments): every chapter's heading sections.
pub(super) fn search_index(
    book: &Book,
    bodies: &[Arc<RenderedChapter>],
    paths: &[String],
) -> Vec<(String, String)> {
    let sections: Vec<PageSections> = bodies
        .iter()
        .zip(paths)
        .zip(&book.chapters)
        .map(|((body, path), chapter)| PageSections {
            page_path: path,
            chapter_title: &chapter.title,
            sections: &body.sections,
        })
        .collect();
    search_files(&sections, &book.config.output.html.search)
}

/// `[output.html.redirect]`: a small page at each old path that sends the reader on to the
/// new place (mdBook's redirect page: a refresh, and a link for when it does not happen).
pub(super) fn redirects(book: &Book, site: &mut SiteFiles) {
    for (from, to) in &book.config.output.html.redirect {
        let to = crate::escape::escape(to);
        let html = format!(
            "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
             <title>Redirecting…</title>\n<meta http-equiv=\"refresh\" content=\"0; URL={to}\">\n\
             <link rel=\"canonical\" href=\"{to}\">\n<meta name=\"robots\" content=\"noindex\">\n\
             </head>\n<body>\n<p>This page has moved to <a href=\"{to}\">{to}</a>.</p>\n</body>\n</html>\n",
            lang = crate::escape::escape(&book.config.book.language),
        );
        site.add(from.trim_start_matches('/'), html);
    }
}

pub(super) fn sitemap(book: &Book, paths: &[String]) -> String {
    let mut base = book.config.output.html.site_url.clone();
    if !base.ends_with('/') {
        base.push('/');
    }
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for path in paths {
        let loc = crate::escape::escape(&format!("{base}{}", url_path(path)));
        xml.push_str(&format!("  <url><loc>{loc}</loc></url>\n"));
    }
    xml.push_str("</urlset>\n");
    xml
}

/// Non-Markdown files of the source directory (images and the like) and the book's
/// additional CSS/JS are copied as they are.
pub(super) fn add_book_files(book: &Book, site: &mut SiteFiles) -> Result<(), RenderError> {
    let src = book.src_dir();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| RenderError::io(&dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| RenderError::io(&dir, e))?;
            let path = entry.path();
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_none_or(|e| e != "md") {
                let rel = path.strip_prefix(&src).unwrap_or(&path);
                let rel = rel.to_string_lossy().replace('\\', "/");
                site.files.push((rel, FileContent::Copy(path)));
            }
        }
    }
    let html = &book.config.output.html;
    for extra in html.additional_css.iter().chain(&html.additional_js) {
        let rel = extra.to_string_lossy().replace('\\', "/");
        site.files
            .push((rel, FileContent::Copy(book.root.join(extra))));
    }
    Ok(())
}

/// `https://example.org/docs/` + `a/b.html`; `None` when the site URL is only a path.
pub(super) fn canonical_url(site_url: &str, page_path: &str) -> Option<String> {
    if !(site_url.starts_with("https://") || site_url.starts_with("http://")) {
        return None;
    }
    let base = site_url.trim_end_matches('/');
    Some(format!("{base}/{}", url_path(page_path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_urls_only_for_absolute_site_urls() {
        assert_eq!(
            canonical_url("https://docs.example.org/pg/", "a/b c.html").as_deref(),
            Some("https://docs.example.org/pg/a/b%20c.html")
        );
        assert_eq!(canonical_url("/", "a.html"), None);
    }
}

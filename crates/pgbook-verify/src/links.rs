//! Link checks: internal links to files that do not exist, `#anchors` that no heading (or
//! HTML `id`) defines, and `{{#include}}` directives in prose whose file is missing.
//!
//! Reads only the chapter model the loaded [`Book`] holds (links, heading ids, raw HTML,
//! includes) plus file existence under the source directory; it parses no Markdown. External
//! links (with a scheme, or `//host`) are never fetched or judged.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use pgbook_book::include::{normalise, IncludeError};
use pgbook_book::{Book, Chapter, Diagnostic, Document};
use regex::Regex;

/// Every broken internal link, missing anchor and missing include target of the book.
pub fn check_links(book: &Book) -> Vec<Diagnostic> {
    let src = book.src_dir();
    let anchors: HashMap<PathBuf, HashSet<String>> = book
        .chapters
        .iter()
        .map(|c| (normalise(&c.path), anchors_of(&c.document)))
        .collect();
    let mut out = Vec::new();
    for chapter in &book.chapters {
        out.extend(check_chapter_links(chapter, &src, &anchors));
        out.extend(check_includes(&chapter.document));
    }
    out
}

fn check_chapter_links(
    chapter: &Chapter,
    src: &Path,
    anchors: &HashMap<PathBuf, HashSet<String>>,
) -> Vec<Diagnostic> {
    let dir = chapter.path.parent().unwrap_or(Path::new(""));
    let mut out = Vec::new();
    for link in &chapter.document.links {
        let dest = link.dest.as_str();
        if is_external(dest) {
            continue;
        }
        // Links in included text are reported where they are written, but resolve against the
        // chapter, whose page they end up in (as in mdBook).
        let origin = chapter.document.origin(link.offset);
        let problem = |msg: String| Diagnostic::new(&origin.file, origin.line, origin.col, msg);
        let (path_part, anchor) = match dest.split_once('#') {
            Some((p, a)) => (p, Some(a)),
            None => (dest, None),
        };
        let path_part = path_part.split('?').next().unwrap_or("");
        let target = if path_part.is_empty() {
            normalise(&chapter.path)
        } else {
            normalise(&dir.join(percent_decode(path_part)))
        };
        let chapter_target = chapter_for(&target, anchors);
        if !path_part.is_empty() && chapter_target.is_none() && !src.join(&target).exists() {
            out.push(problem(format!(
                "broken link to '{dest}': no file '{}'",
                src_display(src, &target)
            )));
            continue;
        }
        if let (Some(anchor), Some(chapter_path)) = (anchor, chapter_target) {
            let anchor = percent_decode(anchor);
            if !anchor.is_empty() && !anchors[&chapter_path].contains(&anchor) {
                out.push(problem(format!(
                    "broken link to '{dest}': no heading or id '#{anchor}' in {}",
                    chapter_path.display()
                )));
            }
        }
    }
    out
}

/// The chapter a link target refers to: `x.md`, or `x.html` as the rendered page of `x.md`.
fn chapter_for(target: &Path, anchors: &HashMap<PathBuf, HashSet<String>>) -> Option<PathBuf> {
    if anchors.contains_key(target) {
        return Some(target.to_path_buf());
    }
    if target.extension().is_some_and(|e| e == "html") {
        let md = target.with_extension("md");
        if anchors.contains_key(&md) {
            return Some(md);
        }
    }
    None
}

fn src_display(src: &Path, target: &Path) -> String {
    let name = src.file_name().map(PathBuf::from).unwrap_or_default();
    name.join(target).display().to_string()
}

/// `{{#include path}}` (and `{{#rustdoc_include}}`) directives whose file is missing or whose
/// selector is wrong. Those inside snippets stopped the book from loading already; a
/// backslash before `{{` escapes a directive, as in mdBook.
fn check_includes(document: &Document) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for include in &document.includes {
        let message = match &include.error {
            None => continue,
            Some(IncludeError::Missing(_)) => format!(
                "{{{{#include}}}} target '{}' does not exist",
                include.target
            ),
            Some(IncludeError::Invalid(message)) => message.clone(),
        };
        let o = &include.origin;
        out.push(Diagnostic::new(&o.file, o.line, o.col, message));
    }
    out
}

fn is_external(dest: &str) -> bool {
    if dest.starts_with("//") {
        return true;
    }
    match dest.find(':') {
        Some(colon) => {
            let scheme = &dest[..colon];
            !scheme.is_empty()
                && !scheme.contains(['/', '#', '?'])
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }
        None => false,
    }
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// The ids a chapter's page defines: its heading ids (from the chapter model, the same ids the
/// renderer writes) and `id`/`name` attributes written in raw HTML.
pub fn anchors_of(document: &Document) -> HashSet<String> {
    let html_id = Regex::new(r#"\b(?:id|name)\s*=\s*["']([^"']+)["']"#).expect("valid regex");
    let mut ids: HashSet<String> = document.headings.iter().map(|h| h.id.clone()).collect();
    for html in document.html() {
        ids.extend(html_id.captures_iter(html).map(|c| c[1].to_string()));
    }
    ids
}

#[cfg(test)]
#[path = "links_tests.rs"]
mod tests;

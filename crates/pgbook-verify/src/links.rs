//! Link checks: internal links to files that do not exist, `#anchors` that no heading (or
//! HTML `id`) defines, and `{{#include}}` directives in prose whose file is missing.
//!
//! Reads only what the loaded [`Book`] holds plus file existence under the source directory;
//! external links (with a scheme, or `//host`) are never fetched or judged.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use pgbook_book::diagnostic::line_col;
use pgbook_book::{Book, Chapter, Diagnostic};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use regex::Regex;

/// Every broken internal link, missing anchor and missing include target of the book.
pub fn check_links(book: &Book) -> Vec<Diagnostic> {
    let src = book.src_dir();
    let anchors: HashMap<PathBuf, HashSet<String>> = book
        .chapters
        .iter()
        .map(|c| (normalise(&c.path), anchors_of(&c.text)))
        .collect();
    let mut out = Vec::new();
    for chapter in &book.chapters {
        out.extend(check_chapter_links(chapter, &src, &anchors));
        out.extend(check_includes(chapter, &src));
    }
    out
}

/// The markdown options pgbook renders with (heading attributes give `{#custom-id}`).
fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

fn check_chapter_links(
    chapter: &Chapter,
    src: &Path,
    anchors: &HashMap<PathBuf, HashSet<String>>,
) -> Vec<Diagnostic> {
    let dir = chapter.path.parent().unwrap_or(Path::new(""));
    let mut out = Vec::new();
    for (event, range) in Parser::new_ext(&chapter.text, options()).into_offset_iter() {
        let dest = match event {
            Event::Start(Tag::Link { dest_url, .. })
            | Event::Start(Tag::Image { dest_url, .. }) => dest_url,
            _ => continue,
        };
        if is_external(&dest) {
            continue;
        }
        let (line, col) = line_col(&chapter.text, range.start);
        let problem = |msg: String| Diagnostic::new(&chapter.source_path, line, col, msg);
        let (path_part, anchor) = match dest.split_once('#') {
            Some((p, a)) => (p, Some(a)),
            None => (&*dest, None),
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

/// `{{#include path}}` (and `{{#rustdoc_include}}`) outside code that the loader checked:
/// the file must exist. A backslash before `{{` escapes the directive, as in mdBook.
fn check_includes(chapter: &Chapter, src: &Path) -> Vec<Diagnostic> {
    let re = Regex::new(r"(\\?)\{\{#(?:include|rustdoc_include)\s+([^}\s]+)\s*\}\}")
        .expect("include pattern is a valid regex");
    let dir = src.join(chapter.path.parent().unwrap_or(Path::new("")));
    let mut out = Vec::new();
    for cap in re.captures_iter(&chapter.text) {
        if !cap[1].is_empty() {
            continue;
        }
        let whole = cap.get(0).expect("group 0 always exists");
        let raw = &cap[2];
        let file = strip_selector(raw);
        if !dir.join(file).is_file() {
            let (line, col) = line_col(&chapter.text, whole.start());
            out.push(Diagnostic::new(
                &chapter.source_path,
                line,
                col,
                format!("{{{{#include}}}} target '{file}' does not exist"),
            ));
        }
    }
    out
}

/// `file.sql:anchor` / `file.sql:2:10` → `file.sql`.
fn strip_selector(raw: &str) -> &str {
    raw.split(':').next().unwrap_or(raw)
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

/// Resolves `.` and `..` without touching the file system.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(s) => out.push(s),
            Component::RootDir | Component::Prefix(_) => {}
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The ids a chapter's page defines: heading ids as mdBook and pgbook's renderer make them
/// (explicit `{#id}` or the normalised heading text, repeats suffixed `-1`, `-2`...) and `id`/`name` attributes
/// written in raw HTML.
pub fn anchors_of(text: &str) -> HashSet<String> {
    let mut ids = HashSet::new();
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut heading: Option<(Option<String>, String)> = None;
    let html_id = Regex::new(r#"\b(?:id|name)\s*=\s*["']([^"']+)["']"#).expect("valid regex");
    for event in Parser::new_ext(text, options()) {
        match event {
            Event::Start(Tag::Heading { id, .. }) => {
                heading = Some((id.map(|s| s.to_string()), String::new()));
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, content)) = heading.as_mut() {
                    content.push_str(&t);
                }
            }
            Event::Html(h) | Event::InlineHtml(h) => {
                ids.extend(html_id.captures_iter(&h).map(|c| c[1].to_string()));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((explicit, content)) = heading.take() {
                    let base = explicit.unwrap_or_else(|| heading_id(&content));
                    ids.insert(unique(base, &mut counts));
                }
            }
            _ => {}
        }
    }
    ids
}

/// The page's heading id for `content`, as the renderer makes it (mdBook's rule): letters,
/// digits, `_` and `-` lowercased, whitespace to `-`, everything else dropped; `section`
/// when nothing is left.
pub fn heading_id(content: &str) -> String {
    let mut id = String::new();
    for c in content.trim().chars() {
        if c.is_alphanumeric() || c == '_' || c == '-' {
            id.extend(c.to_lowercase());
        } else if c.is_whitespace() {
            id.push('-');
        }
    }
    if id.is_empty() {
        id.push_str("section");
    }
    id
}

fn unique(id: String, counts: &mut HashMap<String, usize>) -> String {
    let n = counts.entry(id.clone()).or_insert(0);
    let out = if *n == 0 { id } else { format!("{id}-{n}") };
    *n += 1;
    out
}

#[cfg(test)]
#[path = "links_tests.rs"]
mod tests;

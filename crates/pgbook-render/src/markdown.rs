//! A chapter's Markdown → HTML with pulldown-cmark: GFM tables, footnotes, strikethrough, task
//! lists, heading ids with anchor links, `.md` links rewritten to `.html`, and SQL snippets
//! replaced by the HTML a caller supplies. It also cuts the text into one search section per
//! heading.
//!
//! Every relative URL is emitted relative to the book's root, behind [`ROOT_MARK`], so the same
//! body can be placed in a page at any depth and in `print.html`: the page replaces the mark
//! with its own path to the root. This module knows nothing of templates or outcomes.

use std::collections::HashMap;
use std::path::{Component, Path};

use pgbook_book::{Chapter, Diagnostic};
use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::escape::{escape, push_escaped};
use crate::highlight::{highlight_sql, is_sql_language};
use crate::RenderError;

/// Placeholder for "the path from this page to the site root" in rendered bodies.
pub const ROOT_MARK: &str = "@@pgbook-root@@/";

/// One heading's section of a chapter, for the search index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchSection {
    /// Heading text (the chapter title for text before the first heading).
    pub title: String,
    /// The heading's id; `None` for text before the first heading.
    pub anchor: Option<String>,
    /// Plain text of the section.
    pub text: String,
}

/// A chapter's body, ready to be placed in a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedChapter {
    /// HTML with relative URLs behind [`ROOT_MARK`].
    pub html: String,
    pub sections: Vec<SearchSection>,
}

impl RenderedChapter {
    /// The body for a page whose path to the root is `path_to_root` (`""`, `"../"`, ...).
    pub fn html_for(&self, path_to_root: &str) -> String {
        self.html.replace(ROOT_MARK, path_to_root)
    }
}

/// Markdown extensions pgbook enables (the same block structure the snippet finder sees).
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Renders `chapter`. `src_dir` is the book's source directory (for prose includes);
/// `snippet_html(index)` returns the HTML that replaces the chapter's `index`-th SQL snippet
/// (its expected `output` block is dropped: pages show actual output).
pub fn render_chapter(
    chapter: &Chapter,
    src_dir: &Path,
    snippet_html: &mut dyn FnMut(usize) -> Result<String, RenderError>,
) -> Result<RenderedChapter, RenderError> {
    let text = expand_prose_includes(chapter, src_dir)?;
    let chapter_dir = chapter.path.parent().unwrap_or(Path::new(""));
    let mut state = State::new(&chapter.title);
    let mut events = Parser::new_ext(&text, options()).peekable();
    let mut out: Vec<Event> = Vec::with_capacity(256);
    let mut snippet_index = 0;
    while let Some(event) = events.next() {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let info = match &kind {
                    CodeBlockKind::Fenced(info) => info.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                let code = collect_code(&mut events);
                if pgbook_book::snippet::is_sql_info(&info) {
                    out.push(Event::Html(snippet_html(snippet_index)?.into()));
                    snippet_index += 1;
                    skip_output_block(&mut events);
                } else {
                    // Code blocks are left out of the search index (keeps it lean); inline
                    // code in prose is indexed.
                    out.push(Event::Html(code_block_html(&info, &code).into()));
                }
            }
            Event::Start(Tag::Heading {
                level, id, classes, ..
            }) => {
                let inner = collect_heading(&mut events);
                let title = plain_text(&inner);
                let id = state.heading_id(id.as_deref(), &title);
                state.start_section(&title, &id);
                out.push(Event::Html(heading_open(level, &id, &classes).into()));
                out.extend(inner.into_iter().map(|e| rewrite_link(e, chapter_dir)));
                out.push(Event::Html(heading_close(level, &id).into()));
            }
            Event::Text(t) => {
                state.push_text(&t);
                out.push(Event::Text(t));
            }
            Event::Code(t) => {
                state.push_text(&t);
                out.push(Event::Code(t));
            }
            Event::SoftBreak | Event::HardBreak => {
                state.push_text(" ");
                out.push(event);
            }
            Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell) => {
                state.push_text(" ");
                out.push(event);
            }
            other => out.push(rewrite_link(other, chapter_dir)),
        }
    }
    let mut html = String::with_capacity(text.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, out.into_iter());
    Ok(RenderedChapter {
        html,
        sections: state.finish(),
    })
}

fn expand_prose_includes(chapter: &Chapter, src_dir: &Path) -> Result<String, RenderError> {
    if !chapter.text.contains("{{#include ") {
        return Ok(chapter.text.clone());
    }
    let dir = src_dir.join(chapter.path.parent().unwrap_or(Path::new("")));
    pgbook_book::include::expand_text(&chapter.text, &dir)
        .map(|(text, _)| text)
        .map_err(|e| {
            RenderError::Input(Diagnostic::new(
                &chapter.source_path,
                e.line,
                e.col,
                e.message,
            ))
        })
}

fn collect_code<'a>(events: &mut impl Iterator<Item = Event<'a>>) -> String {
    let mut code = String::new();
    for event in events.by_ref() {
        match event {
            Event::Text(t) => code.push_str(&t),
            Event::End(TagEnd::CodeBlock) => break,
            _ => {}
        }
    }
    code
}

/// Drops an `output` block that directly follows a snippet (only blank lines between).
fn skip_output_block<'a, I: Iterator<Item = Event<'a>>>(events: &mut std::iter::Peekable<I>) {
    let is_output = matches!(
        events.peek(),
        Some(Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))) if info.trim() == "output"
    );
    if is_output {
        events.next();
        collect_code(events);
    }
}

fn collect_heading<'a>(events: &mut impl Iterator<Item = Event<'a>>) -> Vec<Event<'a>> {
    let mut inner = Vec::new();
    for event in events.by_ref() {
        if matches!(event, Event::End(TagEnd::Heading(_))) {
            break;
        }
        inner.push(event);
    }
    inner
}

fn plain_text(events: &[Event]) -> String {
    let mut text = String::new();
    for event in events {
        if let Event::Text(t) | Event::Code(t) = event {
            text.push_str(t);
        }
    }
    text.trim().to_string()
}

fn heading_open(level: HeadingLevel, id: &str, classes: &[CowStr]) -> String {
    let mut html = format!("<{level} id=\"{}\"", escape(id));
    if !classes.is_empty() {
        let joined: Vec<&str> = classes.iter().map(|c| c.as_ref()).collect();
        html.push_str(&format!(" class=\"{}\"", escape(&joined.join(" "))));
    }
    html.push('>');
    html
}

fn heading_close(level: HeadingLevel, id: &str) -> String {
    format!(
        "<a class=\"anchor\" href=\"#{}\" aria-label=\"Link to this section\">#</a></{level}>\n",
        escape(id)
    )
}

/// A non-snippet code block: SQL dialects are highlighted, others shown as written (Rust
/// blocks hide their `# ` lines, as mdBook does).
fn code_block_html(info: &str, code: &str) -> String {
    let lang = info
        .split([',', ' ', '\t', '{'])
        .next()
        .unwrap_or("")
        .trim();
    let mut html = String::with_capacity(code.len() + 64);
    html.push_str("<pre class=\"code\"><code");
    if !lang.is_empty() {
        html.push_str(" class=\"language-");
        push_escaped(&mut html, lang);
        html.push('"');
    }
    html.push('>');
    if is_sql_language(lang) {
        html.push_str(&highlight_sql(code));
    } else if lang == "rust" {
        for line in code.split_inclusive('\n') {
            let t = line.trim_start();
            if t.starts_with("# ") || t.trim_end() == "#" {
                continue;
            }
            push_escaped(&mut html, line.strip_prefix("##").map_or(line, |l| l));
        }
    } else {
        push_escaped(&mut html, code);
    }
    html.push_str("</code></pre>\n");
    html
}

/// Rewrites a relative link or image URL to be root-relative behind [`ROOT_MARK`], with
/// `.md` targets turned into `.html`.
fn rewrite_link<'a>(event: Event<'a>, chapter_dir: &Path) -> Event<'a> {
    match event {
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: rewrite_url(&dest_url, chapter_dir, true).map_or(dest_url, Into::into),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: rewrite_url(&dest_url, chapter_dir, false).map_or(dest_url, Into::into),
            title,
            id,
        }),
        other => other,
    }
}

/// `None` when the URL is left as written (absolute, with a scheme, or only a fragment).
pub fn rewrite_url(url: &str, chapter_dir: &Path, is_link: bool) -> Option<String> {
    if url.is_empty() || url.starts_with('#') || url.starts_with('/') || has_scheme(url) {
        return None;
    }
    let (path, fragment) = match url.find(['#', '?']) {
        Some(i) => (&url[..i], &url[i..]),
        None => (url, ""),
    };
    let mut parts: Vec<String> = chapter_dir
        .components()
        .filter_map(|c| match c {
            Component::Normal(p) => Some(p.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                // Leaving the book's root: keep the link as the author wrote it.
                parts.pop()?;
            }
            s => parts.push(s.to_string()),
        }
    }
    let mut joined = parts.join("/");
    if is_link {
        if let Some(stem) = joined.strip_suffix(".md") {
            joined = format!("{stem}.html");
        }
    }
    Some(format!("{ROOT_MARK}{joined}{fragment}"))
}

fn has_scheme(url: &str) -> bool {
    match url.find(':') {
        Some(i) => url[..i]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')),
        None => false,
    }
}

/// Heading ids and the search sections being collected.
struct State {
    ids: HashMap<String, usize>,
    sections: Vec<SearchSection>,
}

impl State {
    fn new(chapter_title: &str) -> State {
        State {
            ids: HashMap::new(),
            sections: vec![SearchSection {
                title: chapter_title.to_string(),
                anchor: None,
                text: String::new(),
            }],
        }
    }

    /// The explicit `{#id}` if given, else a slug of the text; repeated ids get `-1`, `-2`.
    fn heading_id(&mut self, explicit: Option<&str>, text: &str) -> String {
        let base = match explicit {
            Some(id) => id.to_string(),
            None => slug(text),
        };
        let seen = self.ids.entry(base.clone()).or_insert(0);
        let id = if *seen == 0 {
            base
        } else {
            format!("{base}-{seen}")
        };
        *seen += 1;
        id
    }

    fn start_section(&mut self, title: &str, id: &str) {
        self.sections.push(SearchSection {
            title: title.to_string(),
            anchor: Some(id.to_string()),
            text: String::new(),
        });
    }

    fn push_text(&mut self, text: &str) {
        if let Some(section) = self.sections.last_mut() {
            section.text.push_str(text);
        }
    }

    fn finish(self) -> Vec<SearchSection> {
        self.sections
            .into_iter()
            .filter(|s| s.anchor.is_some() || !s.text.trim().is_empty())
            .collect()
    }
}

/// mdBook-compatible heading slug: lower case, spaces to `-`, only alphanumerics, `-`, `_`.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars() {
        if c.is_alphanumeric() || c == '_' || c == '-' {
            out.extend(c.to_lowercase());
        } else if c.is_whitespace() {
            out.push('-');
        }
    }
    if out.is_empty() {
        out.push_str("section");
    }
    out
}

#[cfg(test)]
mod tests;

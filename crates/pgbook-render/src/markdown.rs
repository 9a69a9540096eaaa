//! A chapter's parsed Markdown (`pgbook_book::Document`) → HTML: GFM tables, footnotes,
//! strikethrough, task lists, callouts (`callout`), heading ids with anchor links, `.md` links rewritten to `.html`,
//! and SQL snippets replaced by the HTML a caller supplies. It also cuts the text into one
//! search section per heading.
//!
//! Every relative URL is emitted relative to the book's root, behind [`ROOT_MARK`], so the same
//! body can be placed in a page at any depth and in `print.html`: the page replaces the mark
//! with its own path to the root. This module knows nothing of templates or outcomes, and it
//! never parses Markdown: the chapter model from `pgbook-book` is the only parse, so the page
//! and the snippet list cannot disagree.

use std::path::{Component, Path};

use pgbook_book::markdown::{CodeBlock, Heading};
use pgbook_book::{Chapter, Diagnostic, Node};
use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

use crate::callout::callout_html;
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
    /// Files written beside the chapter's page: the full transcripts of snippets whose page
    /// shows only the first lines, by site path.
    pub attachments: Vec<(String, crate::site::FileContent)>,
}

impl RenderedChapter {
    /// The body for a page whose path to the root is `path_to_root` (`""`, `"../"`, ...).
    pub fn html_for(&self, path_to_root: &str) -> String {
        self.html.replace(ROOT_MARK, path_to_root)
    }
}

/// Renders `chapter` from its parsed document. `snippet_html(index)` returns the HTML that
/// replaces the chapter's `index`-th SQL snippet (its expected `output` block is not shown:
/// pages show actual output). A prose `{{#include}}` that could not be expanded is an error.
pub fn render_chapter(
    chapter: &Chapter,
    snippet_html: &mut dyn FnMut(usize) -> Result<String, RenderError>,
) -> Result<RenderedChapter, RenderError> {
    let doc = &chapter.document;
    // `{{#rustdoc_include}}` is mdBook's Rust-only variant: pages show it as written, and only
    // the link check judges its file.
    let failed = doc
        .includes
        .iter()
        .find(|i| i.error.is_some() && !i.rustdoc);
    if let Some(include) = failed {
        let o = &include.origin;
        let message = include.error.as_ref().map_or("", |e| e.message());
        return Err(RenderError::Input(Diagnostic::new(
            &o.file, o.line, o.col, message,
        )));
    }
    let chapter_dir = chapter.path.parent().unwrap_or(Path::new(""));
    let mut state = State::new(&chapter.title);
    let mut out: Vec<Event> = Vec::with_capacity(doc.nodes.len() + 16);
    for node in &doc.nodes {
        match node {
            Node::Snippet(index) => out.push(Event::Html(snippet_html(*index)?.into())),
            // Code blocks are left out of the search index (keeps it lean); inline code in
            // prose is indexed.
            Node::Code(code) => out.push(Event::Html(code_block_html(code).into())),
            Node::Heading(index) => {
                let heading = &doc.headings[*index];
                state.start_section(&heading.title, &heading.id);
                out.push(Event::Html(heading_open(heading).into()));
                out.extend(
                    heading
                        .inner
                        .iter()
                        .map(|e| rewrite_link(borrow(e), chapter_dir)),
                );
                out.push(Event::Html(heading_close(heading).into()));
            }
            Node::Event(event) => {
                match event {
                    Event::Text(t) | Event::Code(t) => state.push_text(t),
                    Event::SoftBreak
                    | Event::HardBreak
                    | Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell) => {
                        state.push_text(" ")
                    }
                    _ => {}
                }
                match callout_html(event) {
                    Some(html) => out.push(Event::Html(html.into())),
                    None => out.push(rewrite_link(borrow(event), chapter_dir)),
                }
            }
        }
    }
    let mut html = String::with_capacity(doc.source.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, out.into_iter());
    Ok(RenderedChapter {
        html,
        sections: state.finish(),
        attachments: Vec::new(),
    })
}

fn heading_open(heading: &Heading) -> String {
    let mut html = format!("<{} id=\"{}\"", heading.level, escape(&heading.id));
    if !heading.classes.is_empty() {
        let joined = heading.classes.join(" ");
        html.push_str(&format!(" class=\"{}\"", escape(&joined)));
    }
    html.push('>');
    html
}

fn heading_close(heading: &Heading) -> String {
    format!(
        "<a class=\"anchor\" href=\"#{}\" aria-label=\"Link to this section\">#</a></{}>\n",
        escape(&heading.id),
        heading.level
    )
}

/// A non-snippet code block: SQL dialects are highlighted, others shown as written (Rust
/// blocks hide their `# ` lines, as mdBook does).
fn code_block_html(block: &CodeBlock) -> String {
    let code = block.code.as_str();
    let lang = block
        .info
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

/// An event of the model that borrows its text instead of copying it: text is most of a
/// chapter's events, and copying it for every render would be the cost of a second parse.
fn borrow<'a>(event: &'a Event<'static>) -> Event<'a> {
    let text = |s: &'a CowStr<'static>| CowStr::Borrowed(s.as_ref());
    match event {
        Event::Text(s) => Event::Text(text(s)),
        Event::Code(s) => Event::Code(text(s)),
        Event::Html(s) => Event::Html(text(s)),
        Event::InlineHtml(s) => Event::InlineHtml(text(s)),
        other => other.clone(),
    }
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

/// The search sections being collected.
struct State {
    sections: Vec<SearchSection>,
}

impl State {
    fn new(chapter_title: &str) -> State {
        State {
            sections: vec![SearchSection {
                title: chapter_title.to_string(),
                anchor: None,
                text: String::new(),
            }],
        }
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

#[cfg(test)]
mod tests;

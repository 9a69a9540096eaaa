//! The one Markdown parse of a chapter: includes expanded, then pulldown-cmark with pgbook's
//! one option set, into a [`Document`] that the renderer and the link check consume — prose
//! events, heading ids, links, code blocks and SQL snippets (with their `output` blocks).
//!
//! Architecture invariant: this is the only code that parses chapter Markdown (a tidy test
//! enforces it), so the snippet list, the page and the link check can never disagree about
//! where a snippet or a heading is. It knows nothing of HTML: it produces data.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::diagnostic::Diagnostic;
use crate::include::{self, Include, Origin, SourceMap};
use crate::snippet::{is_output_info, is_sql_info, parse_attributes, Expected, Snippet, SourcePos};

/// The Markdown extensions pgbook enables: GFM tables, footnotes, strikethrough and task
/// lists, `{#id .class}` heading attributes, and GFM's `> [!NOTE]` block quotes (callouts,
/// as mdBook 0.5 and GitHub render them).
pub fn options() -> Options {
    Options::ENABLE_GFM
        | Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// mdBook-compatible heading slug: letters, digits, `_` and `-` lowercased, whitespace to
/// `-`, everything else dropped; `section` when nothing is left.
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

/// Inline Markdown (a SUMMARY.md title) as events, for a caller to turn into HTML. Titles
/// are not chapters, but they are Markdown: parsed here too, with the same options.
pub fn inline_events(text: &str) -> Vec<Event<'static>> {
    Parser::new_ext(text, options())
        .map(Event::into_static)
        .collect()
}

/// A heading of a chapter.
#[derive(Debug, Clone, PartialEq)]
pub struct Heading {
    pub level: HeadingLevel,
    /// The page's id for it: the explicit `{#id}`, else [`slug`] of its text; repeats get
    /// `-1`, `-2`, ... (mdBook's rule).
    pub id: String,
    /// `{.class}` attributes.
    pub classes: Vec<String>,
    /// Its plain text (text and code spans), trimmed.
    pub title: String,
    /// The events between its start and end.
    pub inner: Vec<Event<'static>>,
}

/// A link or image in a chapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The destination as written.
    pub dest: String,
    pub is_image: bool,
    /// Byte offset in [`Document::source`].
    pub offset: usize,
}

/// A code block that is not a snippet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeBlock {
    /// The info string (empty for an indented block).
    pub info: String,
    pub code: String,
}

/// One item of a chapter's body, in document order.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A pulldown-cmark event of prose, as parsed.
    Event(Event<'static>),
    /// Heading `n` of [`Document::headings`].
    Heading(usize),
    /// A code block that is not a snippet.
    Code(CodeBlock),
    /// The chapter's `n`-th snippet (its `output` block belongs to it and is not a node).
    Snippet(usize),
}

/// A chapter's parsed Markdown; see the module documentation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Document {
    /// What was parsed: the chapter's text with every include expanded.
    pub source: String,
    /// Where each byte of `source` came from; `map.files[0]` is the chapter file.
    pub map: SourceMap,
    pub nodes: Vec<Node>,
    pub headings: Vec<Heading>,
    pub links: Vec<Link>,
    /// Every include directive met, in order.
    pub includes: Vec<Include>,
}

impl Document {
    /// Where byte `offset` of [`Document::source`] is written.
    pub fn origin(&self, offset: usize) -> Origin {
        self.map.origin(offset)
    }

    /// Raw HTML of the chapter (blocks and inline), for ids written by hand.
    pub fn html(&self) -> impl Iterator<Item = &str> {
        let inner = self.headings.iter().flat_map(|h| h.inner.iter());
        let nodes = self.nodes.iter().filter_map(|n| match n {
            Node::Event(e) => Some(e),
            _ => None,
        });
        nodes.chain(inner).filter_map(|e| match e {
            Event::Html(h) | Event::InlineHtml(h) => Some(h.as_ref()),
            _ => None,
        })
    }

    /// Whether a directive outside every snippet pulled text in (prose includes change the
    /// page without changing the chapter file).
    pub fn has_prose_includes(&self, snippets: &[Snippet]) -> bool {
        self.includes
            .iter()
            .any(|i| !snippets.iter().any(|s| s.source_range.contains(&i.offset)))
    }
}

/// A chapter parsed: its document and its snippets (indexed by `Node::Snippet`).
pub struct Parsed {
    pub document: Document,
    pub snippets: Vec<Snippet>,
}

/// Expands and parses a chapter. `path` is the chapter file (its directory resolves
/// includes), `root` the book root (diagnostics name files relative to it). Problems in
/// snippets — bad attributes, stray `output` blocks, includes that fail inside a snippet —
/// are collected; includes that fail in prose are recorded in [`Document::includes`] for the
/// link check and the renderer to report.
pub fn parse_chapter(text: String, path: &Path, root: &Path) -> Result<Parsed, Vec<Diagnostic>> {
    let expansion = include::expand(text, path, root);
    let source = expansion.text;
    let mut builder = Builder {
        source: &source,
        map: &expansion.map,
        nodes: Vec::with_capacity(source.len() / 16),
        headings: Vec::new(),
        links: Vec::new(),
        snippets: Vec::new(),
        ids: HashMap::new(),
        errors: Vec::new(),
    };
    builder.walk(Parser::new_ext(&source, options()).into_offset_iter());
    let Builder {
        nodes,
        headings,
        links,
        snippets,
        mut errors,
        ..
    } = builder;
    for inc in &expansion.includes {
        let in_snippet = snippets
            .iter()
            .any(|s| s.source_range.contains(&inc.offset));
        if let (true, Some(e)) = (in_snippet, &inc.error) {
            let o = &inc.origin;
            errors.push(Diagnostic::new(&o.file, o.line, o.col, e.message()));
        }
    }
    if !errors.is_empty() {
        errors.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        return Err(errors);
    }
    Ok(Parsed {
        document: Document {
            source,
            map: expansion.map,
            nodes,
            headings,
            links,
            includes: expansion.includes,
        },
        snippets,
    })
}

struct Builder<'s> {
    source: &'s str,
    map: &'s SourceMap,
    nodes: Vec<Node>,
    headings: Vec<Heading>,
    links: Vec<Link>,
    snippets: Vec<Snippet>,
    ids: HashMap<String, usize>,
    errors: Vec<Diagnostic>,
}

/// A code block as parsed: its info string, range in the source, and its text events.
struct Block<'a> {
    info: String,
    range: Range<usize>,
    lines: Vec<(CowStr<'a>, Range<usize>)>,
}

impl Block<'_> {
    fn code(&self) -> String {
        self.lines.iter().map(|(t, _)| t.as_ref()).collect()
    }
}

impl Builder<'_> {
    fn walk<'a>(&mut self, events: impl Iterator<Item = (Event<'a>, Range<usize>)>) {
        let mut events = events.peekable();
        while let Some((event, range)) = events.next() {
            match event {
                Event::Start(Tag::CodeBlock(kind)) => {
                    let block = collect_block(kind, range, &mut events);
                    self.code_block(block, &mut events);
                }
                Event::Start(Tag::Heading {
                    level, id, classes, ..
                }) => {
                    let mut inner = Vec::new();
                    for (event, range) in events.by_ref() {
                        if matches!(event, Event::End(TagEnd::Heading(_))) {
                            break;
                        }
                        self.note_link(&event, &range);
                        inner.push(event.into_static());
                    }
                    let title = plain_text(&inner);
                    let base = id.map_or_else(|| slug(&title), |id| id.to_string());
                    let seen = self.ids.entry(base.clone()).or_insert(0);
                    let id = if *seen == 0 {
                        base
                    } else {
                        format!("{base}-{seen}")
                    };
                    *seen += 1;
                    self.nodes.push(Node::Heading(self.headings.len()));
                    self.headings.push(Heading {
                        level,
                        id,
                        classes: classes.iter().map(ToString::to_string).collect(),
                        title,
                        inner,
                    });
                }
                event => {
                    self.note_link(&event, &range);
                    self.nodes.push(Node::Event(event.into_static()));
                }
            }
        }
    }

    fn note_link(&mut self, event: &Event, range: &Range<usize>) {
        let (dest, is_image) = match event {
            Event::Start(Tag::Link { dest_url, .. }) => (dest_url, false),
            Event::Start(Tag::Image { dest_url, .. }) => (dest_url, true),
            _ => return,
        };
        self.links.push(Link {
            dest: dest.to_string(),
            is_image,
            offset: range.start,
        });
    }

    fn error_at(&mut self, offset: usize, message: impl Into<String>) {
        let o = self.map.origin(offset);
        self.errors
            .push(Diagnostic::new(o.file, o.line, o.col, message.into()));
    }

    /// A code block: a snippet (claiming the `output` block right after it), a stray
    /// `output` block, or plain code.
    fn code_block<'a>(
        &mut self,
        block: Block<'a>,
        events: &mut std::iter::Peekable<impl Iterator<Item = (Event<'a>, Range<usize>)>>,
    ) {
        if is_output_info(&block.info) {
            self.error_at(
                block.range.start,
                "an `output` block must directly follow a ```sql snippet",
            );
            return;
        }
        if !is_sql_info(&block.info) {
            self.nodes.push(Node::Code(CodeBlock {
                code: block.code(),
                info: block.info,
            }));
            return;
        }
        let expected = match events.peek() {
            Some((Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))), next))
                if is_output_info(info)
                    && self.source[block.range.end.min(next.start)..next.start]
                        .trim()
                        .is_empty() =>
            {
                let (Event::Start(Tag::CodeBlock(kind)), range) =
                    events.next().expect("peeked above")
                else {
                    unreachable!("peeked a code block")
                };
                Some(collect_block(kind, range, events))
            }
            _ => None,
        };
        let origin = self.map.origin(block.range.start);
        let attrs = match parse_attributes(&block.info, &origin.file, origin.line) {
            Ok(a) => a,
            Err(mut d) => {
                d.col = origin.col;
                self.errors.push(d);
                return;
            }
        };
        let (file, block_range) = self.file_range(&block.range);
        let expected = expected.and_then(|out| {
            let (out_file, range) = self.file_range(&out.range);
            // Bless rewrites the block in place: it must sit in the snippet's file.
            (out_file == file).then(|| {
                let text = &self.map.files[file].text;
                Expected {
                    text: out.code().replace("\r\n", "\n"),
                    line: self.map.files[file].line_col(range.start).0,
                    content_range: content_range(text, &range),
                    block_range: range,
                }
            })
        });
        let (sql, line_map) = self.sql_lines(&block);
        if !is_closed_fence(&self.source[block.range.clone()]) {
            self.error_at(
                block.range.start,
                "this ```sql fence is never closed: the snippet would run to the end of the file",
            );
            return;
        }
        let index = self.snippets.len();
        self.nodes.push(Node::Snippet(index));
        self.snippets.push(Snippet {
            index,
            line: self.map.chapter_line_col(block.range.start).0,
            origin,
            attrs,
            sql,
            line_map,
            source_range: block.range.clone(),
            block_range,
            expected,
        });
        // libpq sends statements as C strings: a NUL would cut the SQL short (or fail the
        // connection), so it is refused where it is written.
        if let Some(at) = self.snippets[index].sql.find('\0') {
            let pos = self.snippets[index].source_pos(at);
            let file = self.snippets[index].origin.file.clone();
            self.errors.push(Diagnostic::new(
                file,
                pos.line,
                pos.col,
                "a NUL byte in SQL: PostgreSQL cannot receive it".to_string(),
            ));
        }
    }

    /// The file a range of the source lies in and the range in that file's text (an empty
    /// range at its start when it straddles files).
    fn file_range(&self, range: &Range<usize>) -> (usize, Range<usize>) {
        let (file, start) = self.map.locate(range.start);
        let (end_file, end) = self
            .map
            .locate(range.end.saturating_sub(1).max(range.start));
        if end_file == file && range.end > range.start {
            (file, start..end + 1)
        } else {
            (file, start..start)
        }
    }

    /// A snippet's SQL (`\r\n` as `\n`) and, per line, where it is in the chapter file.
    fn sql_lines(&self, block: &Block) -> (String, Vec<SourcePos>) {
        let mut sql = String::new();
        let mut line_map = Vec::new();
        for (text, range) in &block.lines {
            let raw = &self.source[range.clone()];
            let parsed: Vec<&str> = text.split_inclusive('\n').collect();
            let written: Vec<&str> = raw.split_inclusive('\n').collect();
            // pulldown-cmark hands over code lines as written, minus a container's
            // indentation; where it changed more than that, the text's start is the best
            // position known.
            let exact = parsed.len() == written.len();
            let mut offset = range.start;
            for (i, line) in parsed.iter().enumerate() {
                // One entry per SQL line: with `\r\n` line ends pulldown-cmark hands a line
                // over in pieces (text, then its line end), and only a piece that starts a
                // line is one (found by fuzzing: errors were put on the wrong line).
                if sql.is_empty() || sql.ends_with('\n') {
                    let (l, col) = self.map.chapter_line_col(offset);
                    line_map.push(SourcePos {
                        line: l,
                        col,
                        offset,
                    });
                }
                sql.push_str(&line.replace("\r\n", "\n"));
                if exact {
                    offset += written[i].len();
                }
            }
        }
        (sql, line_map)
    }
}

fn collect_block<'a>(
    kind: CodeBlockKind<'a>,
    range: Range<usize>,
    events: &mut impl Iterator<Item = (Event<'a>, Range<usize>)>,
) -> Block<'a> {
    let info = match kind {
        CodeBlockKind::Fenced(info) => info.to_string(),
        CodeBlockKind::Indented => String::new(),
    };
    let mut lines = Vec::new();
    for (event, range) in events.by_ref() {
        match event {
            Event::Text(t) => lines.push((t, range)),
            Event::End(TagEnd::CodeBlock) => break,
            _ => {}
        }
    }
    Block { info, range, lines }
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

/// Content byte range of a fenced block: after the opening fence line, before the closing one.
fn content_range(text: &str, block: &Range<usize>) -> Range<usize> {
    let block_text = &text[block.clone()];
    let start = block.start + block_text.find('\n').map_or(block_text.len(), |i| i + 1);
    let trimmed = block_text.trim_end_matches(['\n', '\r']);
    let last_line_start = trimmed.rfind('\n').map_or(0, |i| i + 1);
    let last_line = trimmed[last_line_start..].trim();
    let closed =
        last_line_start > 0 && (last_line.starts_with("```") || last_line.starts_with("~~~"));
    let end = if closed {
        block.start + last_line_start
    } else {
        block.end
    };
    start..end.max(start)
}

/// Whether a fenced block's source ends with its closing fence (CommonMark closes an
/// unterminated fence at the end of the document, silently taking the rest of the chapter).
fn is_closed_fence(block: &str) -> bool {
    let mut lines = block.trim_end().lines();
    let (Some(open), Some(close)) = (lines.next(), block.trim_end().lines().last()) else {
        return false;
    };
    let fence = open.trim_start().chars().next().unwrap_or('`');
    // Inside a block quote or list the closing line keeps its container's marks.
    let close = close.trim_start_matches(|c: char| c == '>' || c.is_whitespace());
    let close = close.trim_end();
    lines.next().is_some() && close.len() >= 3 && close.chars().all(|c| c == fence)
}

#[cfg(test)]
mod tests;

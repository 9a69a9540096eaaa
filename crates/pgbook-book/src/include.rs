//! `{{#include path}}` expansion, as mdBook does it: a whole file, `path:ANCHOR` (the lines
//! between `ANCHOR: name` and `ANCHOR_END: name`), or a line range `path:3`, `path:3:10`,
//! `path::10`, `path:3:`. Lines carrying anchor markers are never included.
//!
//! Expansion is textual and happens before the chapter's one Markdown parse (mdBook's order),
//! so an included file may bring prose, headings and whole ```` ```sql ```` snippets. Unlike
//! mdBook, a directive indented by whitespace indents every included line the same way, so an
//! include inside a code block of a list item stays inside that block.
//!
//! The result keeps a [`SourceMap`] from every byte of the expanded text back to the file it
//! came from, so positions in included text are reported in the included file. This module
//! never parses Markdown and never fails: a directive that cannot be expanded is kept as
//! written and recorded with its error, for the caller to report where it matters.

use std::ops::Range;
use std::path::{Component, Path, PathBuf};

const INCLUDE: &str = "{{#include ";
/// mdBook's Rust-only variant: recorded (its file must exist) but never expanded.
const RUSTDOC_INCLUDE: &str = "{{#rustdoc_include ";
const MAX_DEPTH: usize = 10;

/// A file that contributed text to a chapter: the chapter itself first, then each included
/// file in the order its directive was met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Where the file is (the book root joined with the relative path, `..` resolved).
    pub path: PathBuf,
    /// The path shown in diagnostics: relative to the book root where possible.
    pub display: PathBuf,
    /// The file's text: the chapter's unchanged, an included file's with `\r\n` as `\n`.
    pub text: String,
    /// Byte offset of each line's start in `text`.
    line_starts: Vec<usize>,
}

impl SourceFile {
    fn new(path: PathBuf, display: PathBuf, text: String) -> SourceFile {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceFile {
            path,
            display,
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset of `text`.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let start = self.line_starts[line - 1];
        let col = self
            .text
            .get(start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        (line, col)
    }
}

/// A place in one of a chapter's files, as shown to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file's display path (`content/x.md`, `snippets/y.sql`).
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
}

/// One `{{#include}}` (or `{{#rustdoc_include}}`) directive met while expanding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    /// The path as written, without its `:selector`.
    pub target: String,
    /// The resolved file (whether or not it exists).
    pub path: PathBuf,
    /// Where the directive is written.
    pub origin: Origin,
    /// Byte offset of the expansion (or of the directive kept as written) in the expanded text.
    pub offset: usize,
    /// Whether the file was read and its text put in place of the directive.
    pub expanded: bool,
    /// `{{#rustdoc_include}}`: never expanded (mdBook's Rust-only variant), only checked.
    pub rustdoc: bool,
    /// Why the directive could not be expanded.
    pub error: Option<IncludeError>,
}

/// Why a directive could not be expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncludeError {
    /// The file does not exist (or cannot be read).
    Missing(String),
    /// The file exists but the directive is wrong (bad anchor or range, too deep).
    Invalid(String),
}

impl IncludeError {
    pub fn message(&self) -> &str {
        match self {
            IncludeError::Missing(m) | IncludeError::Invalid(m) => m,
        }
    }
}

/// A run of expanded text that is a contiguous run of one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Piece {
    /// Start in the expanded text (the piece runs to the next piece's start).
    start: usize,
    /// Index into [`SourceMap::files`].
    file: usize,
    /// Byte offset in that file's text.
    offset: usize,
    /// For text of an included file, the offset in the chapter of the outermost directive.
    top: Option<usize>,
}

/// Where each byte of the expanded text came from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceMap {
    pub files: Vec<SourceFile>,
    pieces: Vec<Piece>,
}

impl SourceMap {
    /// The file and byte offset in it of byte `offset` of the expanded text.
    pub fn locate(&self, offset: usize) -> (usize, usize) {
        match self.piece(offset) {
            Some(p) => (p.file, p.offset + (offset - p.start)),
            None => (0, offset),
        }
    }

    /// Byte `offset` of the expanded text as a place in its own file.
    pub fn origin(&self, offset: usize) -> Origin {
        let (file, at) = self.locate(offset);
        let source = &self.files[file];
        let (line, col) = source.line_col(at);
        Origin {
            file: source.display.clone(),
            line,
            col,
        }
    }

    /// Byte `offset` of the expanded text as a byte offset of the chapter file: included text
    /// maps to its outermost `{{#include}}` directive.
    pub fn chapter_offset(&self, offset: usize) -> usize {
        match self.piece(offset) {
            Some(p) if p.file == 0 => p.offset + (offset - p.start),
            Some(p) => p.top.unwrap_or(0),
            None => offset,
        }
    }

    /// 1-based line and column in the chapter file of byte `offset` of the expanded text.
    pub fn chapter_line_col(&self, offset: usize) -> (usize, usize) {
        match self.files.first() {
            Some(chapter) => chapter.line_col(self.chapter_offset(offset)),
            None => (1, 1),
        }
    }

    fn piece(&self, offset: usize) -> Option<&Piece> {
        let i = self.pieces.partition_point(|p| p.start <= offset);
        self.pieces.get(i.checked_sub(1)?)
    }
}

/// A chapter's text with every include expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expansion {
    pub text: String,
    pub map: SourceMap,
    pub includes: Vec<Include>,
}

/// Expands every include of a chapter. `path` is the chapter file, `root` the book root
/// (display paths are relative to it). Directives resolve against their own file's directory.
pub fn expand(text: String, path: &Path, root: &Path) -> Expansion {
    let path = normalise(path);
    let root = normalise(root);
    let mut expander = Expander {
        root,
        out: String::with_capacity(text.len()),
        map: SourceMap::default(),
        includes: Vec::new(),
        active: vec![(path.clone(), String::new())],
    };
    let len = text.len();
    let display = expander.display(&path);
    expander
        .map
        .files
        .push(SourceFile::new(path.clone(), display, text));
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    expander.expand_span(0, 0..len, &dir, 0, None);
    Expansion {
        text: expander.out,
        map: expander.map,
        includes: expander.includes,
    }
}

struct Expander {
    root: PathBuf,
    out: String,
    map: SourceMap,
    includes: Vec<Include>,
    /// The includes being expanded, outermost first, as (file, selector): the same pair
    /// again is a cycle. (Another part of the same file, by anchor or lines, is not.)
    active: Vec<(PathBuf, String)>,
}

impl Expander {
    fn display(&self, path: &Path) -> PathBuf {
        match path.strip_prefix(&self.root) {
            Ok(relative) => relative.to_path_buf(),
            Err(_) => path.to_path_buf(),
        }
    }

    /// Appends `range` of file `file` as it is.
    fn push(&mut self, file: usize, range: Range<usize>, top: Option<usize>) {
        if range.is_empty() {
            return;
        }
        self.map.pieces.push(Piece {
            start: self.out.len(),
            file,
            offset: range.start,
            top,
        });
        let text = &self.map.files[file].text[range];
        self.out.push_str(text);
    }

    /// Appends `range` of file `file`, expanding its directives.
    fn expand_span(
        &mut self,
        file: usize,
        range: Range<usize>,
        dir: &Path,
        depth: usize,
        top: Option<usize>,
    ) {
        let mut at = range.start;
        while let Some((start, end, rustdoc)) = self.next_directive(file, at..range.end) {
            let text = &self.map.files[file].text;
            let escaped = start > range.start && text.as_bytes()[start - 1] == b'\\';
            let open = if rustdoc { RUSTDOC_INCLUDE } else { INCLUDE };
            let spec = text[start + open.len()..end - 2].trim().to_string();
            // `\{{#include ...}}` is an escaped directive, kept literally without the backslash.
            if escaped {
                self.push(file, at..start - 1, top);
                self.push(file, start..end, top);
                at = end;
                continue;
            }
            self.push(file, at..start, top);
            let top_here = top.or((file == 0).then_some(start));
            self.include(file, start..end, &spec, rustdoc, dir, depth, top_here);
            at = end;
        }
        self.push(file, at..range.end, top);
    }

    /// The next directive in `range` of a file: its byte range and whether it is rustdoc's.
    fn next_directive(&self, file: usize, range: Range<usize>) -> Option<(usize, usize, bool)> {
        let text = &self.map.files[file].text[range.clone()];
        let include = text.find(INCLUDE);
        let rustdoc = text.find(RUSTDOC_INCLUDE);
        let (start, is_rustdoc) = match (include, rustdoc) {
            (Some(i), Some(r)) if r < i => (r, true),
            (Some(i), _) => (i, false),
            (None, Some(r)) => (r, true),
            (None, None) => return None,
        };
        let end = start + text[start..].find("}}")? + 2;
        Some((range.start + start, range.start + end, is_rustdoc))
    }

    /// Expands one directive (written at `directive` in file `file`).
    #[allow(clippy::too_many_arguments)]
    fn include(
        &mut self,
        file: usize,
        directive: Range<usize>,
        spec: &str,
        rustdoc: bool,
        dir: &Path,
        depth: usize,
        top: Option<usize>,
    ) {
        let target = spec.split(':').next().unwrap_or(spec).trim().to_string();
        let path = normalise(&dir.join(&target));
        let selector = spec.split_once(':').map_or("", |(_, s)| s.trim());
        let key = (path.clone(), selector.to_string());
        let (line, col) = self.map.files[file].line_col(directive.start);
        let origin = Origin {
            file: self.map.files[file].display.clone(),
            line,
            col,
        };
        let mut record = Include {
            target,
            path: path.clone(),
            origin,
            offset: self.out.len(),
            expanded: false,
            rustdoc,
            error: None,
        };
        let read = if rustdoc {
            // Never expanded; only its file must exist.
            if !path.is_file() {
                record.error = Some(IncludeError::Missing(format!(
                    "cannot include '{}': no such file",
                    record.target
                )));
            }
            None
        } else if let Some(first) = self.active.iter().position(|a| *a == key) {
            let chain: Vec<String> = self.active[first..]
                .iter()
                .map(|(p, _)| self.display(p).display().to_string())
                .collect();
            record.error = Some(IncludeError::Invalid(format!(
                "include cycle: {} includes '{spec}' again",
                chain.join(" -> ")
            )));
            None
        } else if depth + 1 >= MAX_DEPTH {
            record.error = Some(IncludeError::Invalid(format!(
                "includes nested more than {MAX_DEPTH} deep"
            )));
            None
        } else {
            match read_spec(spec, &path) {
                Ok(read) => Some(read),
                Err(e) => {
                    record.error = Some(e);
                    None
                }
            }
        };
        let Some((content, mut lines)) = read else {
            self.includes.push(record);
            self.push(file, directive, top);
            return;
        };
        record.expanded = true;
        self.includes.push(record);
        let text = &self.map.files[file].text;
        // A directive alone on its line is replaced by whole lines: keep one newline.
        let after = &text[directive.end..];
        if after.starts_with('\n') || after.starts_with("\r\n") {
            if let Some(last) = lines.last_mut() {
                if content[last.clone()].ends_with('\n') {
                    last.end -= 1;
                }
            }
        }
        let line_start = text[..directive.start].rfind('\n').map_or(0, |i| i + 1);
        let indent = &text[line_start..directive.start];
        let indent = (!indent.is_empty() && indent.chars().all(|c| c == ' ' || c == '\t'))
            .then_some(line_start..directive.start);
        let display = self.display(&path);
        let inner_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        self.map.files.push(SourceFile::new(path, display, content));
        let inner = self.map.files.len() - 1;
        self.active.push(key);
        for (i, line) in lines.into_iter().enumerate() {
            if let (true, Some(indent)) = (i > 0, indent.clone()) {
                self.push(file, indent, top);
            }
            self.expand_span(inner, line, &inner_dir, depth + 1, top);
        }
        self.active.pop();
    }
}

/// Reads `path` and selects the lines a directive's `path[:selector]` names: the file's text
/// (`\r\n` as `\n`) and the byte ranges of the selected lines.
fn read_spec(spec: &str, path: &Path) -> Result<(String, Vec<Range<usize>>), IncludeError> {
    let (path_part, selector) = match spec.split_once(':') {
        Some((p, s)) => (p.trim(), Some(s.trim())),
        None => (spec.trim(), None),
    };
    if path_part.is_empty() {
        return Err(IncludeError::Invalid(
            "include directive names no file".into(),
        ));
    }
    let content = std::fs::read_to_string(path)
        .map_err(|e| IncludeError::Missing(format!("cannot include '{path_part}': {e}")))?;
    let content = content.replace("\r\n", "\n");
    let lines = match selector {
        None | Some("") => line_ranges(&content, 0..usize::MAX),
        Some(sel) => select(&content, sel)
            .map_err(|m| IncludeError::Invalid(format!("cannot include '{spec}': {m}")))?,
    };
    Ok((content, lines))
}

fn is_anchor_line(line: &str) -> bool {
    line.contains("ANCHOR:") || line.contains("ANCHOR_END:")
}

/// Byte ranges of lines `lines` (0-based) of `content`, anchor lines left out. A last line
/// without a newline is included as it is.
fn line_ranges(content: &str, lines: Range<usize>) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, line) in content.split_inclusive('\n').enumerate() {
        let range = start..start + line.len();
        start = range.end;
        if lines.contains(&i) && !is_anchor_line(line) {
            out.push(range);
        }
    }
    out
}

fn select(content: &str, sel: &str) -> Result<Vec<Range<usize>>, String> {
    let lines: Vec<&str> = content.split_inclusive('\n').collect();
    let is_range = sel.chars().all(|c| c.is_ascii_digit() || c == ':');
    if is_range {
        let (from, to) = match sel.split_once(':') {
            Some((a, b)) => (a, Some(b)),
            None => (sel, None),
        };
        let parse = |s: &str| -> Result<Option<usize>, String> {
            if s.is_empty() {
                Ok(None)
            } else {
                s.parse()
                    .map(Some)
                    .map_err(|_| format!("bad line number '{s}'"))
            }
        };
        let start = parse(from)?.unwrap_or(1).max(1);
        let end = match to {
            None => Some(start),
            Some(t) => parse(t)?,
        };
        let end = end.unwrap_or(lines.len()).min(lines.len());
        if start > lines.len() {
            return Err(format!(
                "line {start} is past the end of the file ({} lines)",
                lines.len()
            ));
        }
        return Ok(line_ranges(content, start - 1..end.max(start - 1)));
    }
    let begin = format!("ANCHOR: {sel}");
    let finish = format!("ANCHOR_END: {sel}");
    let marker_is = |l: &str, m: &str| {
        l.split_once(m.split(' ').next().unwrap_or(m)).is_some() && l.trim_end().ends_with(m)
    };
    let start = lines
        .iter()
        .position(|l| marker_is(l, &begin))
        .ok_or_else(|| format!("no anchor '{sel}'"))?;
    let end = lines[start + 1..]
        .iter()
        .position(|l| marker_is(l, &finish))
        .map(|p| start + 1 + p)
        .ok_or_else(|| format!("anchor '{sel}' has no ANCHOR_END"))?;
    Ok(line_ranges(content, start + 1..end))
}

/// Resolves `.` and `..` without touching the file system (a leading `..` is kept).
pub fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else if !out.has_root() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests;

//! `{{#include path}}` expansion, as mdBook does it: a whole file, `path:ANCHOR` (the lines
//! between `ANCHOR: name` and `ANCHOR_END: name`), or a line range `path:3`, `path:3:10`,
//! `path::10`, `path:3:`. Lines carrying anchor markers are never included.

use std::path::{Path, PathBuf};

use crate::snippet::SourcePos;

/// A problem with an include directive, located in the including text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncludeError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

/// Text with includes expanded, and where each line came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expanded {
    pub text: String,
    pub line_map: Vec<SourcePos>,
    pub files: Vec<PathBuf>,
}

const OPEN: &str = "{{#include ";
const MAX_DEPTH: usize = 10;

/// Expands the includes of a snippet body whose first line is `first_line` of its file and
/// whose lines start at column `col`.
pub fn expand_lines(
    body: &str,
    dir: &Path,
    first_line: usize,
    col: usize,
) -> Result<Expanded, IncludeError> {
    let mut out = Expanded {
        text: String::new(),
        line_map: Vec::new(),
        files: Vec::new(),
    };
    for (i, line) in body.split_inclusive('\n').enumerate() {
        let pos = SourcePos {
            line: first_line + i,
            col,
        };
        let expanded = expand_text_at(line, dir, pos, 0, &mut out.files)?;
        let has_newline = expanded.ends_with('\n');
        out.text.push_str(&expanded);
        let lines =
            expanded.matches('\n').count() + usize::from(!has_newline && !expanded.is_empty());
        out.line_map.extend(std::iter::repeat_n(pos, lines.max(1)));
    }
    Ok(out)
}

/// Expands every include in `text` (prose or code), resolving paths against `dir`.
/// Returns the expanded text and the files read.
pub fn expand_text(text: &str, dir: &Path) -> Result<(String, Vec<PathBuf>), IncludeError> {
    let mut files = Vec::new();
    let out = expand_text_at(text, dir, SourcePos { line: 1, col: 1 }, 0, &mut files)?;
    Ok((out, files))
}

fn expand_text_at(
    text: &str,
    dir: &Path,
    origin: SourcePos,
    depth: usize,
    files: &mut Vec<PathBuf>,
) -> Result<String, IncludeError> {
    if !text.contains(OPEN) {
        return Ok(text.to_string());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut consumed = 0;
    while let Some(start) = rest.find(OPEN) {
        let Some(end_rel) = rest[start..].find("}}") else {
            break;
        };
        let end = start + end_rel;
        let at = locate(text, consumed + start, origin);
        // `\{{#include ...}}` is an escaped directive, kept literally without the backslash.
        if start > 0 && rest.as_bytes()[start - 1] == b'\\' {
            out.push_str(&rest[..start - 1]);
            out.push_str(&rest[start..end + 2]);
        } else {
            out.push_str(&rest[..start]);
            let spec = rest[start + OPEN.len()..end].trim();
            let (path, content) = read_spec(spec, dir).map_err(|message| IncludeError {
                line: at.line,
                col: at.col,
                message,
            })?;
            if depth + 1 >= MAX_DEPTH {
                return Err(IncludeError {
                    line: at.line,
                    col: at.col,
                    message: format!("includes nested more than {MAX_DEPTH} deep"),
                });
            }
            let inner_dir = path.parent().unwrap_or(dir).to_path_buf();
            files.push(path);
            let nested = expand_text_at(&content, &inner_dir, at, depth + 1, files)?;
            // A directive alone on its line is replaced by whole lines: keep one newline.
            let after = &rest[end + 2..];
            let nested = match nested.strip_suffix('\n') {
                Some(trimmed) if after.starts_with('\n') || after.starts_with("\r\n") => trimmed,
                _ => nested.as_str(),
            };
            out.push_str(nested);
        }
        consumed += end + 2;
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn locate(text: &str, offset: usize, origin: SourcePos) -> SourcePos {
    let (line, col) = crate::diagnostic::line_col(text, offset);
    if line == 1 {
        SourcePos {
            line: origin.line,
            col: origin.col + col - 1,
        }
    } else {
        SourcePos {
            line: origin.line + line - 1,
            col,
        }
    }
}

/// Reads the part of a file that a directive's `path[:selector]` names.
fn read_spec(spec: &str, dir: &Path) -> Result<(PathBuf, String), String> {
    let (path_part, selector) = match spec.split_once(':') {
        Some((p, s)) => (p.trim(), Some(s.trim())),
        None => (spec, None),
    };
    if path_part.is_empty() {
        return Err("include directive names no file".into());
    }
    let path = dir.join(path_part);
    let content =
        std::fs::read_to_string(&path).map_err(|e| format!("cannot include '{path_part}': {e}"))?;
    let content = content.replace("\r\n", "\n");
    let selected = match selector {
        None | Some("") => strip_anchor_lines(&content),
        Some(sel) => select(&content, sel).map_err(|m| format!("cannot include '{spec}': {m}"))?,
    };
    Ok((path, selected))
}

fn is_anchor_line(line: &str) -> bool {
    line.contains("ANCHOR:") || line.contains("ANCHOR_END:")
}

fn strip_anchor_lines(content: &str) -> String {
    content
        .split_inclusive('\n')
        .filter(|l| !is_anchor_line(l))
        .collect()
}

fn select(content: &str, sel: &str) -> Result<String, String> {
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
        let text: String = lines[start - 1..end.max(start - 1)]
            .iter()
            .filter(|l| !is_anchor_line(l))
            .copied()
            .collect();
        return Ok(ensure_newline(text));
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
    let text: String = lines[start + 1..end]
        .iter()
        .filter(|l| !is_anchor_line(l))
        .copied()
        .collect();
    Ok(ensure_newline(text))
}

fn ensure_newline(mut s: String) -> String {
    if !s.is_empty() && !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("f.sql"),
            "-- ANCHOR: setup\ncreate table t(a int);\n-- ANCHOR_END: setup\nselect 1;\nselect 2;\n",
        )
        .unwrap();
        dir
    }

    #[test]
    fn whole_file_drops_anchor_lines() {
        let d = fixture();
        let (t, files) = expand_text("{{#include f.sql}}", d.path()).unwrap();
        assert_eq!(t, "create table t(a int);\nselect 1;\nselect 2;\n");
        assert_eq!(files.len(), 1);
    }

    #[test]
    fn anchors_and_ranges() {
        let d = fixture();
        let get = |s: &str| expand_text(s, d.path()).unwrap().0;
        assert_eq!(get("{{#include f.sql:setup}}"), "create table t(a int);\n");
        assert_eq!(get("{{#include f.sql:4}}"), "select 1;\n");
        assert_eq!(get("{{#include f.sql:4:5}}"), "select 1;\nselect 2;\n");
        assert_eq!(get("{{#include f.sql::2}}"), "create table t(a int);\n");
        assert_eq!(get("{{#include f.sql:5:}}"), "select 2;\n");
        assert_eq!(get("\\{{#include f.sql}}"), "{{#include f.sql}}");
    }

    #[test]
    fn missing_file_and_anchor_are_located() {
        let d = fixture();
        let e = expand_text("a\n  {{#include nope.sql}}", d.path()).unwrap_err();
        assert_eq!((e.line, e.col), (2, 3));
        assert!(e.message.contains("nope.sql"), "{}", e.message);
        let e = expand_text("{{#include f.sql:nothere}}", d.path()).unwrap_err();
        assert!(e.message.contains("no anchor 'nothere'"), "{}", e.message);
    }

    #[test]
    fn snippet_lines_map_to_directive() {
        let d = fixture();
        let e = expand_lines("{{#include f.sql:4:5}}\nselect 3;\n", d.path(), 10, 1).unwrap();
        assert_eq!(e.text, "select 1;\nselect 2;\nselect 3;\n");
        let lines: Vec<usize> = e.line_map.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![10, 10, 11]);
    }
}

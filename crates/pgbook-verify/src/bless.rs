//! `--bless`: rewriting `output` blocks with the actual transcripts.
//!
//! Each failing block's *content* bytes are replaced and a new block is inserted after each
//! snippet that lacks one; every other byte of the file stays as it was. Edits are computed
//! as byte ranges of the original text and applied from the end backwards, keeping the
//! file's line endings (LF or CRLF) and each fence's indentation. The file is replaced via a
//! temporary file in the same directory and a rename, so an editor or watcher never sees half
//! a file. Which text to write was decided by the checker; this module only places it.
//! Snippets that a prose `{{#include}}` brought into the chapter are blessed in the file they
//! are written in, with the byte ranges of that file.

use std::collections::BTreeMap;
use std::io::Write;
use std::ops::Range;
use std::path::Path;

use pgbook_book::{Chapter, Snippet};

use crate::check::SnippetCheck;

/// One replacement of a byte range of the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub text: String,
}

/// The edits that bless `chapter`'s own file, given its snippets' checks (index-aligned).
pub fn plan_edits(chapter: &Chapter, checks: &[SnippetCheck]) -> Vec<Edit> {
    let blessed = chapter
        .snippets
        .iter()
        .zip(checks)
        .filter(|(snippet, _)| chapter.is_written_here(snippet));
    edits_in(&chapter.text, blessed)
}

/// The edits of the files that prose `{{#include}}`s brought snippets from: each file's path,
/// its text as loaded, and its edits.
pub fn plan_included_edits<'c>(
    chapter: &'c Chapter,
    checks: &[SnippetCheck],
) -> Vec<(&'c Path, &'c str, Vec<Edit>)> {
    let mut by_file: BTreeMap<&Path, Vec<(&Snippet, &SnippetCheck)>> = BTreeMap::new();
    for (snippet, check) in chapter.snippets.iter().zip(checks) {
        if !chapter.is_written_here(snippet) {
            by_file
                .entry(&snippet.origin.file)
                .or_default()
                .push((snippet, check));
        }
    }
    let files = &chapter.document.map.files;
    by_file
        .into_iter()
        .filter_map(|(display, blessed)| {
            let file = files.iter().find(|f| f.display == display)?;
            let edits = edits_in(&file.text, blessed.into_iter());
            (!edits.is_empty()).then_some((file.path.as_path(), file.text.as_str(), edits))
        })
        .collect()
}

/// The edits of one file's text for the snippets written in it.
fn edits_in<'a>(
    text: &str,
    blessed: impl Iterator<Item = (&'a Snippet, &'a SnippetCheck)>,
) -> Vec<Edit> {
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut edits: Vec<Edit> = Vec::new();
    for (snippet, check) in blessed {
        let Some(content) = check.bless_text() else {
            continue;
        };
        let content = content.as_ref();
        let edit = match &snippet.expected {
            Some(expected) => {
                let indent = fence_indent(text, expected.block_range.start);
                let new = block_content(content, &indent, eol);
                if text[expected.content_range.clone()] == new {
                    continue;
                }
                if would_close(text, expected.block_range.start, content) {
                    rewrite_block(text, &expected.block_range, content, eol, &indent)
                } else {
                    Edit {
                        range: expected.content_range.clone(),
                        text: new,
                    }
                }
            }
            // An unclosed fence runs to the end of the file: a block added after it would
            // become part of the snippet.
            None if !is_closed(text, &snippet.block_range) => continue,
            None => {
                let indent = fence_indent(text, snippet.block_range.start);
                let end = snippet.block_range.end;
                new_block_after(text, end, content, eol, indent)
            }
        };
        // A file included twice yields its snippets twice: place each edit once.
        let overlaps = edits.iter().any(|e| {
            e.range == edit.range
                || (e.range.start < edit.range.end && edit.range.start < e.range.end)
        });
        if !overlaps {
            edits.push(edit);
        }
    }
    edits
}

/// Applies edits (non-overlapping ranges of `text`) from the last to the first.
pub fn apply_edits(text: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| std::cmp::Reverse(e.range.start));
    let mut out = text.to_string();
    for edit in sorted {
        out.replace_range(edit.range.clone(), &edit.text);
    }
    out
}

/// Blesses one chapter: its own file under `src_dir`, and the files prose includes brought
/// snippets from (unless such a file changed on disk since the book was loaded, or has
/// `\r\n` line ends, which its loaded text no longer shows). Returns whether a file changed.
pub fn bless_chapter(
    src_dir: &Path,
    chapter: &Chapter,
    checks: &[SnippetCheck],
) -> std::io::Result<bool> {
    let mut changed = false;
    let edits = plan_edits(chapter, checks);
    if !edits.is_empty() {
        let new_text = apply_edits(&chapter.text, &edits);
        write_atomically(&src_dir.join(&chapter.path), &new_text)?;
        changed = true;
    }
    for (path, text, edits) in plan_included_edits(chapter, checks) {
        if std::fs::read_to_string(path)? != text {
            continue;
        }
        write_atomically(path, &apply_edits(text, &edits))?;
        changed = true;
    }
    Ok(changed)
}

/// Replaces `path` by writing a temporary file next to it and renaming it over the original,
/// keeping the original's permissions.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let mut tmp = tempfile::NamedTempFile::new_in(dir.unwrap_or(Path::new(".")))?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    if let Ok(meta) = std::fs::metadata(path) {
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The text before a fence on its line, reused for the lines of a block: the indentation
/// (or blockquote marks) as written, or spaces of the same width after a list marker.
fn fence_indent(text: &str, fence_start: usize) -> String {
    let line_start = text[..fence_start].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &text[line_start..fence_start];
    if prefix.chars().all(|c| c == ' ' || c == '\t' || c == '>') {
        prefix.to_string()
    } else {
        " ".repeat(prefix.chars().count())
    }
}

/// Block content: each line indented (blank lines left empty), with the file's line ending.
fn block_content(content: &str, indent: &str, eol: &str) -> String {
    let mut out = String::new();
    for line in content.lines() {
        if !line.is_empty() {
            out.push_str(indent);
        } else {
            out.push_str(indent.trim_end());
        }
        out.push_str(line);
        out.push_str(eol);
    }
    out
}

/// Whether a fenced block ends with a closing fence line.
fn is_closed(text: &str, block: &Range<usize>) -> bool {
    let block = text[block.clone()].trim_end();
    match block.rfind('\n') {
        Some(at) => {
            let last = block[at + 1..].trim_start();
            last.starts_with("```") || last.starts_with("~~~")
        }
        None => false,
    }
}

/// A fence of backticks longer than any run of backticks that starts a line of `content`.
fn fence_for(content: &str) -> String {
    let longest = content
        .lines()
        .map(|l| l.trim_start().bytes().take_while(|b| *b == b'`').count())
        .max()
        .unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// Whether a line of `content` would close the fence that opens at `fence_start` (as many
/// or more of the same fence character): the content must then get a longer fence.
fn would_close(text: &str, fence_start: usize, content: &str) -> bool {
    let open = &text[fence_start..];
    let Some(fence_char) = open.chars().next().filter(|c| *c == '`' || *c == '~') else {
        return false;
    };
    let len = open.chars().take_while(|c| *c == fence_char).count();
    content.lines().any(|l| {
        let l = l.trim_start();
        l.chars().take_while(|c| *c == fence_char).count() >= len
            && l.trim_end().chars().all(|c| c == fence_char)
    })
}

/// The whole `output` block at `block` written afresh, with a fence longer than any in
/// `content` (found by fuzzing: content holding a fence ended the block early).
fn rewrite_block(text: &str, block: &Range<usize>, content: &str, eol: &str, indent: &str) -> Edit {
    let fence = fence_for(content);
    let old = &text[block.clone()];
    let mut new = format!("{fence}output{eol}");
    new.push_str(&block_content(content, indent, eol));
    new.push_str(&format!("{indent}{fence}"));
    if old.ends_with('\n') {
        new.push_str(eol);
    }
    Edit {
        range: block.clone(),
        text: new,
    }
}

/// A new `output` block inserted after the snippet block ending at `block_end` (the end of
/// its closing fence), separated by one blank line.
fn new_block_after(text: &str, block_end: usize, content: &str, eol: &str, indent: String) -> Edit {
    let mut at = block_end;
    let mut lead = String::new();
    if text[at..].starts_with("\r\n") {
        at += 2;
    } else if text[at..].starts_with('\n') {
        at += 1;
    } else {
        lead.push_str(eol);
    }
    let fence = fence_for(content);
    let mut block = lead;
    block.push_str(indent.trim_end());
    block.push_str(eol);
    block.push_str(&format!("{indent}{fence}output{eol}"));
    block.push_str(&block_content(content, &indent, eol));
    block.push_str(&format!("{indent}{fence}{eol}"));
    Edit {
        range: at..at,
        text: block,
    }
}

#[cfg(test)]
#[path = "bless_tests.rs"]
mod tests;

//! `SUMMARY.md` in mdBook's syntax: the table of contents.
//!
//! ```text
//! # Book title                 (optional; the first heading)
//! [Preface](preface.md)        prefix chapters: links before the first list
//! # Part title                 parts: headings between lists
//! - [Chapter](ch1.md)          numbered chapters: list items, nested by indentation
//!   - [Section](ch1/s1.md)
//! - [Draft]()                  draft chapters: no file yet, listed but not rendered
//! ---                          separators
//! [Appendix](appendix.md)      suffix chapters: links after the last list
//! ```

use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;

/// The table of contents, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub title: Option<String>,
    pub items: Vec<SummaryItem>,
}

/// One entry of the table of contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SummaryItem {
    Chapter {
        /// Link text as written (may hold inline Markdown such as backticks).
        title: String,
        /// `None` for a draft chapter.
        path: Option<PathBuf>,
        /// Section number (`[2, 1]` is 2.1); `None` for prefix and suffix chapters.
        number: Option<Vec<u32>>,
        /// Nesting depth, 0 for top level.
        depth: usize,
        /// Line in SUMMARY.md.
        line: usize,
    },
    PartTitle(String),
    Separator,
}

/// Parses the text of `SUMMARY.md`. `file` names it in diagnostics.
pub fn parse_summary(text: &str, file: &Path) -> Result<Summary, Diagnostic> {
    let mut summary = Summary::default();
    let mut counters: Vec<u32> = Vec::new();
    // The list items open above the current line: (marker indent, line).
    let mut levels: Vec<(usize, usize)> = Vec::new();
    let mut seen_list = false;
    // The first link after the lists: from there on only suffix chapters may come.
    let mut first_suffix: Option<usize> = None;
    let mut in_comment = false;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let trimmed = raw.trim();
        if in_comment {
            in_comment = !trimmed.contains("-->");
            continue;
        }
        if trimmed.starts_with("<!--") {
            in_comment = !trimmed.contains("-->");
            continue;
        }
        if trimmed.is_empty() {
            continue;
        }
        if let Some(heading) = trimmed.strip_prefix('#') {
            let heading = heading.trim_start_matches('#').trim().to_string();
            if summary.title.is_none() && summary.items.is_empty() {
                summary.title = Some(heading);
            } else {
                summary.items.push(SummaryItem::PartTitle(heading));
            }
            continue;
        }
        if is_separator(trimmed) {
            summary.items.push(SummaryItem::Separator);
            continue;
        }
        let indent = raw.len() - raw.trim_start().len();
        if let Some(item) = trimmed
            .strip_prefix(['-', '*', '+'])
            .filter(|r| r.starts_with(' '))
        {
            if let Some(suffix) = first_suffix {
                return Err(Diagnostic::new(
                    file,
                    line_no,
                    indent + 1,
                    format!(
                        "a list item after the suffix chapters (from line {suffix}): chapters \
                         written as plain links come before the first list or after the last"
                    ),
                ));
            }
            seen_list = true;
            let depth = nest(&mut levels, indent, line_no)
                .map_err(|message| Diagnostic::new(file, line_no, indent + 1, message))?;
            counters.truncate(depth + 1);
            while counters.len() <= depth {
                counters.push(0);
            }
            counters[depth] += 1;
            let (title, path) = parse_link(item.trim(), file, line_no, indent + 3)?;
            summary.items.push(SummaryItem::Chapter {
                title,
                path,
                number: Some(counters.clone()),
                depth,
                line: line_no,
            });
            continue;
        }
        if trimmed.starts_with('[') {
            let (title, path) = parse_link(trimmed, file, line_no, indent + 1)?;
            if path.is_none() {
                return Err(Diagnostic::new(
                    file,
                    line_no,
                    indent + 1,
                    "prefix and suffix chapters need a file (draft chapters must be list items)",
                ));
            }
            if seen_list && first_suffix.is_none() {
                first_suffix = Some(line_no);
            }
            summary.items.push(SummaryItem::Chapter {
                title,
                path,
                number: None,
                depth: 0,
                line: line_no,
            });
            continue;
        }
        return Err(Diagnostic::new(
            file,
            line_no,
            indent + 1,
            format!("expected a chapter link like `- [Title](file.md)`, found `{trimmed}`"),
        ));
    }
    Ok(summary)
}

/// Places a list item whose marker is indented `indent` spaces among the open `levels`, as
/// CommonMark nests lists: an item is a child of the item above it when its marker stands at
/// least at that item's content column (marker + 2), a sibling when it stands left of it.
/// Returns the item's depth, or why Markdown would not read it as a nested chapter.
fn nest(levels: &mut Vec<(usize, usize)>, indent: usize, line: usize) -> Result<usize, String> {
    while levels.last().is_some_and(|&(open, _)| indent < open) {
        levels.pop();
    }
    match levels.last() {
        None if indent >= 4 => {
            return Err(format!(
                "a chapter indented {indent} spaces with no chapter above it to nest under: \
                 Markdown reads it as code, not as a list item"
            ))
        }
        None => {}
        // Past the parent's content column by four or more, the line is text of the
        // parent's paragraph, not a nested list.
        Some(&(open, parent)) if indent > open + 5 => {
            return Err(format!(
                "a chapter indented {} spaces deeper than its parent at line {parent}: a nested \
                 chapter is indented 2 to 5 spaces more than its parent, or Markdown reads it \
                 as text of the parent",
                indent - open
            ));
        }
        Some(&(open, _)) if indent >= open + 2 => {}
        Some(_) => {
            levels.pop();
        }
    }
    levels.push((indent, line));
    Ok(levels.len() - 1)
}

fn is_separator(s: &str) -> bool {
    s.len() >= 3
        && (s.chars().all(|c| c == '-')
            || s.chars().all(|c| c == '*')
            || s.chars().all(|c| c == '_'))
}

/// Parses `[title](path)`; an empty path is a draft chapter.
fn parse_link(
    s: &str,
    file: &Path,
    line: usize,
    col: usize,
) -> Result<(String, Option<PathBuf>), Diagnostic> {
    let err = |m: &str| Diagnostic::new(file, line, col, m.to_string());
    if !s.starts_with('[') {
        return Err(err("expected a link `[Title](file.md)`"));
    }
    let mut depth = 0usize;
    let mut close = None;
    for (i, c) in s.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(i);
                    break;
                }
            }
            _ => {}
        }
    }
    let close = close.ok_or_else(|| err("unclosed '[' in chapter link"))?;
    let title = s[1..close].trim().to_string();
    let rest = &s[close + 1..];
    let target = rest
        .strip_prefix('(')
        .and_then(|r| r.rfind(')').map(|e| &r[..e]))
        .ok_or_else(|| err("chapter link needs a target: `[Title](file.md)`"))?
        .trim();
    if title.is_empty() {
        return Err(err("chapter link has an empty title"));
    }
    let target = target.trim_matches(['<', '>']);
    if target.is_empty() {
        return Ok((title, None));
    }
    let target = target.replace("%20", " ");
    Ok((title, Some(PathBuf::from(target))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_syntax() {
        let text = "# Book\n\n[Intro](intro.md)\n\n# Part One\n\n- [A](a.md)\n  - [A1](a/one.md)\n    - [A1x](a/x.md)\n  - [A2]()\n- [B `code`](b.md)\n\n---\n\n[Appendix](app.md)\n";
        let s = parse_summary(text, Path::new("SUMMARY.md")).unwrap();
        assert_eq!(s.title.as_deref(), Some("Book"));
        let numbers: Vec<String> = s
            .items
            .iter()
            .map(|i| match i {
                SummaryItem::Chapter {
                    title,
                    number,
                    path,
                    depth,
                    ..
                } => format!(
                    "{title}|{}|{}|{depth}",
                    number
                        .as_ref()
                        .map(|n| n.iter().map(u32::to_string).collect::<Vec<_>>().join("."))
                        .unwrap_or_default(),
                    path.as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default()
                ),
                SummaryItem::PartTitle(t) => format!("# {t}"),
                SummaryItem::Separator => "---".into(),
            })
            .collect();
        assert_eq!(
            numbers,
            vec![
                "Intro||intro.md|0",
                "# Part One",
                "A|1|a.md|0",
                "A1|1.1|a/one.md|1",
                "A1x|1.1.1|a/x.md|2",
                "A2|1.2||1",
                "B `code`|2|b.md|0",
                "---",
                "Appendix||app.md|0"
            ]
        );
    }

    #[test]
    fn a_list_after_the_suffix_chapters_is_located() {
        let text = "- [A](a.md)\n\n[Appendix](app.md)\n\n---\n\n  - [B](b.md)\n";
        let e = parse_summary(text, Path::new("SUMMARY.md")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "SUMMARY.md:7:3: a list item after the suffix chapters (from line 3): chapters \
             written as plain links come before the first list or after the last"
        );
    }

    #[test]
    fn garbage_is_located() {
        let e =
            parse_summary("# B\n\n- [A](a.md)\nnot a link\n", Path::new("SUMMARY.md")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "SUMMARY.md:4:1: expected a chapter link like `- [Title](file.md)`, found `not a link`"
        );
    }

    #[test]
    fn nesting_follows_commonmark() {
        let depths = |text: &str| -> Vec<usize> {
            parse_summary(text, Path::new("SUMMARY.md"))
                .unwrap()
                .items
                .iter()
                .filter_map(|i| match i {
                    SummaryItem::Chapter { depth, .. } => Some(*depth),
                    _ => None,
                })
                .collect()
        };
        // A marker left of the parent's content column is the parent's sibling.
        assert_eq!(depths("- [A]()\n    - [B]()\n - [C]()\n"), vec![0, 1, 0]);
        assert_eq!(
            depths("- [A]()\n  - [B]()\n    - [C]()\n   - [D]()\n"),
            vec![0, 1, 2, 1]
        );
        assert_eq!(depths("- [A]()\n     - [B]()\n"), vec![0, 1]);
    }

    #[test]
    fn bad_nesting_is_located() {
        let e = parse_summary(
            "- [A](a.md)\n\n      - [B](b.md)\n",
            Path::new("SUMMARY.md"),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "SUMMARY.md:3:7: a chapter indented 6 spaces deeper than its parent at line 1: a \
             nested chapter is indented 2 to 5 spaces more than its parent, or Markdown reads it \
             as text of the parent"
        );
        let e = parse_summary("# S\n\n    - [A](a.md)\n", Path::new("SUMMARY.md")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "SUMMARY.md:3:5: a chapter indented 4 spaces with no chapter above it to nest \
             under: Markdown reads it as code, not as a list item"
        );
    }
}

//! How psql prints an ERROR, NOTICE or WARNING: the severity line, the `LINE n:` excerpt
//! with its caret (windowed around the error on long lines), then `DETAIL:`, `HINT:`,
//! `QUERY:` and — for errors only — `CONTEXT:` lines, as libpq's default verbosity does;
//! and the other forms psql's `VERBOSITY` (`terse`, `sqlstate`, `verbose` with its SQLSTATE,
//! object names and `LOCATION:`) and `SHOW_CONTEXT` (`never`, `errors`, `always`) ask for.
//!
//! It turns one `ServerMessage` into text; it knows nothing of result sets or connections.

use pgbook_book::{ServerMessage, VerboseFields};

use super::width::excerpt_width;

/// psql shows at most this many screen columns of the erroneous line...
const EXCERPT_COLUMNS: usize = 60;
/// ...and keeps at least this many columns to the right of the error when it cuts the line.
const MIN_RIGHT_CONTEXT: usize = 10;

/// psql's `VERBOSITY` (libpq's error verbosity) as pgbook prints it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Verbosity {
    #[default]
    Default,
    Terse,
    Sqlstate,
    /// The SQLSTATE before the message, the object fields and the server's `LOCATION:`.
    Verbose,
}

/// psql's `SHOW_CONTEXT`: when a message's `CONTEXT:` lines are printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ShowContext {
    Never,
    #[default]
    Errors,
    Always,
}

/// How messages are printed: psql's `VERBOSITY` and `SHOW_CONTEXT`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ErrorStyle {
    pub verbosity: Verbosity,
    pub context: ShowContext,
}

impl ErrorStyle {
    pub fn is_default(&self) -> bool {
        *self == ErrorStyle::default()
    }
}

/// Appends the message as psql prints it. `statement` is the text that was sent, which the
/// `position` field refers to; `is_error` decides whether `CONTEXT:` is shown (by default).
pub(crate) fn write_message(
    message: &ServerMessage,
    statement: &str,
    is_error: bool,
    style: &ErrorStyle,
    out: &mut String,
) {
    out.push_str(&message.severity);
    out.push_str(":  ");
    if style.verbosity == Verbosity::Sqlstate && !message.sqlstate.is_empty() {
        out.push_str(&message.sqlstate);
        out.push('\n');
        return;
    }
    let verbose = style.verbosity == Verbosity::Verbose;
    if verbose && !message.sqlstate.is_empty() {
        out.push_str(&message.sqlstate);
        out.push_str(": ");
    }
    out.push_str(&message.message);
    let terse = matches!(style.verbosity, Verbosity::Terse | Verbosity::Sqlstate);
    if terse {
        // Without the excerpt, libpq names the position in words.
        if let Some(position) = message.position.or(message.internal_position) {
            out.push_str(&format!(" at character {position}"));
        }
        out.push('\n');
        return;
    }
    out.push('\n');
    let cursor = match (message.position, &message.internal_query) {
        (Some(position), _) => Some((statement, position)),
        (None, Some(query)) => message.internal_position.map(|p| (query.as_str(), p)),
        (None, None) => None,
    };
    if let Some((query, position)) = cursor {
        write_excerpt(query, position as usize, out);
    }
    let fields = [
        ("DETAIL", &message.detail),
        ("HINT", &message.hint),
        ("QUERY", &message.internal_query),
    ];
    for (label, value) in fields {
        if let Some(value) = value {
            out.push_str(&format!("{label}:  {value}\n"));
        }
    }
    let show_context = match style.context {
        ShowContext::Never => false,
        ShowContext::Errors => is_error,
        ShowContext::Always => true,
    };
    if show_context {
        if let Some(context) = &message.context {
            out.push_str(&format!("CONTEXT:  {context}\n"));
        }
    }
    if let Some(fields) = message.verbose.as_deref().filter(|_| verbose) {
        write_verbose_fields(fields, out);
    }
}

/// libpq's verbose additions: the object the message is about, then where the server
/// raised it (`LOCATION:  routine, file.c:NNN`).
fn write_verbose_fields(fields: &VerboseFields, out: &mut String) {
    let objects = [
        ("SCHEMA NAME", &fields.schema),
        ("TABLE NAME", &fields.table),
        ("COLUMN NAME", &fields.column),
        ("DATATYPE NAME", &fields.datatype),
        ("CONSTRAINT NAME", &fields.constraint),
    ];
    for (label, value) in objects {
        if let Some(value) = value {
            out.push_str(&format!("{label}:  {value}\n"));
        }
    }
    let (routine, file, line) = (&fields.routine, &fields.source_file, &fields.source_line);
    if routine.is_none() && file.is_none() && line.is_none() {
        return;
    }
    out.push_str("LOCATION:  ");
    if let Some(routine) = routine {
        out.push_str(&format!("{routine}, "));
    }
    if let (Some(file), Some(line)) = (file, line) {
        out.push_str(&format!("{file}:{line}"));
    }
    out.push('\n');
}

/// The line of `query` holding the 1-based character `position`, and a caret under it.
fn write_excerpt(query: &str, position: usize, out: &mut String) {
    let Some(target) = position.checked_sub(1) else {
        return;
    };
    let chars: Vec<char> = query.chars().collect();
    let Some(line) = ExcerptLine::locate(&chars, target) else {
        return;
    };
    let (first, end, cut_left, cut_right) = line.window(target);

    let mut prefix = format!("LINE {}: ", line.number);
    if cut_left {
        prefix.push_str("...");
    }
    out.push_str(&prefix);
    out.extend(
        chars[first..end]
            .iter()
            .map(|&c| if c == '\t' { ' ' } else { c }),
    );
    if cut_right {
        out.push_str("...");
    }
    out.push('\n');
    let indent = prefix.len() + line.columns[target] - line.columns[first];
    out.push_str(&" ".repeat(indent));
    out.push_str("^\n");
}

/// The line containing the error: its number, character range, and the screen column at
/// which each character up to its end starts.
struct ExcerptLine {
    number: usize,
    first: usize,
    end: usize,
    columns: Vec<usize>,
}

impl ExcerptLine {
    /// `None` when `target` lies beyond the end of the query (psql then prints no excerpt).
    fn locate(chars: &[char], target: usize) -> Option<ExcerptLine> {
        let mut line = ExcerptLine {
            number: 1,
            first: 0,
            end: chars.len(),
            columns: Vec::with_capacity(chars.len() + 1),
        };
        let mut column = 0;
        for (index, &c) in chars.iter().enumerate() {
            line.columns.push(column);
            if c == '\n' || c == '\r' {
                if index >= target {
                    line.end = index;
                    return Some(line);
                }
                // "\r\n" is one line break; a lone "\r" or "\n" is one each.
                if c == '\r' || index == 0 || chars[index - 1] != '\r' {
                    line.number += 1;
                }
                line.first = index + 1;
            }
            column += excerpt_width(c);
        }
        line.columns.push(column);
        (target <= chars.len()).then_some(line)
    }

    /// The characters to show, `first..end`, and whether each side was cut: lines wider than
    /// the window are cut on the right, and on the left too when the error is far right.
    fn window(&self, target: usize) -> (usize, usize, bool, bool) {
        let col = &self.columns;
        let (mut first, mut end) = (self.first, self.end);
        let (mut cut_left, mut cut_right) = (false, false);
        if col[end] - col[first] <= EXCERPT_COLUMNS {
            return (first, end, false, false);
        }
        if col[first] + EXCERPT_COLUMNS >= col[target] + MIN_RIGHT_CONTEXT {
            while col[end] - col[first] > EXCERPT_COLUMNS {
                end -= 1;
            }
            cut_right = true;
        } else {
            while col[target] + MIN_RIGHT_CONTEXT < col[end] {
                end -= 1;
                cut_right = true;
            }
            while col[end] - col[first] > EXCERPT_COLUMNS {
                first += 1;
                cut_left = true;
            }
        }
        (first, end, cut_left, cut_right)
    }
}

#[cfg(test)]
#[path = "message_tests.rs"]
mod tests;

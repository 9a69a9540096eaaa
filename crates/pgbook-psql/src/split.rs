//! Splitting a snippet into the statements psql would send, one `Query` message each.
//!
//! psql reads its input line by line, drops empty lines (outside quotes and comments), joins
//! the remaining lines of a statement with `\n`, drops leading whitespace and leading `--`
//! comments, and ends a statement at a `;` that is outside quotes, comments, parentheses and
//! `BEGIN ATOMIC ... END` bodies. The exact text matters: the server's error positions and
//! the `LINE n:` excerpt refer to it. This module reproduces that behaviour from psql's
//! observable output; it knows nothing of connections, Markdown or formatting.

use std::fmt;

use crate::lexer::{Lexer, Step};

/// One statement as psql would send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitStatement {
    /// Exactly the text psql sends (the terminating `;` included).
    pub text: String,
    /// Byte offset of the first byte of `text` within the input.
    pub offset: usize,
}

impl SplitStatement {
    /// Maps a byte offset within `text` back to a byte offset within `input` (the string
    /// given to [`split_statements`]); see [`source_offset`].
    pub fn source_offset(&self, input: &str, text_byte: usize) -> usize {
        source_offset(input, &self.text, self.offset, text_byte)
    }
}

/// Maps byte `text_byte` of a statement's text (as sent, starting at byte
/// `statement_offset` of `input`) back to a byte offset within `input`: psql drops empty
/// lines inside a statement and turns `\;` into `;`, so this is not `offset + byte`.
pub fn source_offset(
    input: &str,
    statement_text: &str,
    statement_offset: usize,
    text_byte: usize,
) -> usize {
    pgbook_book::snippet::sent_to_source_offset(input, statement_text, statement_offset, text_byte)
}

/// Why a snippet cannot be split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// A psql backslash meta-command (`\d`, `\x`, ...): pgbook does not run psql, so these
    /// cannot be supported. `offset` is the byte offset of the backslash.
    MetaCommand { offset: usize, command: String },
}

impl fmt::Display for SplitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SplitError::MetaCommand { command, .. } => write!(
                f,
                "psql meta-command `{command}` is not supported; only SQL statements can be run"
            ),
        }
    }
}

impl std::error::Error for SplitError {}

/// Splits `sql` into the statements psql would send, in order. A final statement without a
/// semicolon is included; input with nothing but blanks and `--` comments gives no statement.
pub fn split_statements(sql: &str) -> Result<Vec<SplitStatement>, SplitError> {
    let mut splitter = Splitter::new(sql);
    for (start, end) in line_ranges(sql) {
        splitter.feed_line(start, end)?;
    }
    Ok(splitter.finish())
}

/// Byte ranges of the input's lines, without their `\n` (a `\r` before it is kept, as psql
/// keeps it). A final `\n` does not start another line.
fn line_ranges(sql: &str) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    let mut start = 0;
    for (i, byte) in sql.bytes().enumerate() {
        if byte == b'\n' {
            ranges.push((start, i));
            start = i + 1;
        }
    }
    if start < sql.len() {
        ranges.push((start, sql.len()));
    }
    if let Some(first) = ranges.first_mut() {
        // psql ignores a UTF-8 byte order mark at the start of its input.
        if sql[first.0..first.1].starts_with('\u{feff}') {
            first.0 += '\u{feff}'.len_utf8();
        }
    }
    ranges
}

/// The query buffer psql builds, fed one line at a time.
struct Splitter<'a> {
    input: &'a str,
    lexer: Lexer,
    buffer: String,
    buffer_offset: usize,
    statements: Vec<SplitStatement>,
}

impl<'a> Splitter<'a> {
    fn new(input: &'a str) -> Self {
        Splitter {
            input,
            lexer: Lexer::default(),
            buffer: String::new(),
            buffer_offset: 0,
            statements: Vec::new(),
        }
    }

    fn feed_line(&mut self, start: usize, end: usize) -> Result<(), SplitError> {
        if start == end && !self.lexer.in_quote() {
            return Ok(());
        }
        if !self.buffer.is_empty() {
            self.buffer.push('\n');
        }
        let mut at = start;
        while at < end {
            let step = self.lexer.step(self.input, at, end);
            match step {
                Step::Text(next) => {
                    self.append(at, next);
                    at = next;
                }
                Step::Blank(next) => {
                    // psql drops blanks and `--` comments until a statement has begun.
                    if !self.buffer.is_empty() {
                        self.append(at, next);
                    }
                    at = next;
                }
                Step::Replace(next, text) => {
                    if self.buffer.is_empty() {
                        self.buffer_offset = at;
                    }
                    self.buffer.push_str(text);
                    at = next;
                }
                Step::End(next) => {
                    self.append(at, next);
                    self.end_statement();
                    at = next;
                }
                Step::MetaCommand(next) => {
                    return Err(SplitError::MetaCommand {
                        offset: at,
                        command: self.input[at..next].to_string(),
                    });
                }
            }
        }
        Ok(())
    }

    fn append(&mut self, start: usize, end: usize) {
        if self.buffer.is_empty() {
            self.buffer_offset = start;
        }
        self.buffer.push_str(&self.input[start..end]);
    }

    fn end_statement(&mut self) {
        let text = std::mem::take(&mut self.buffer);
        self.statements.push(SplitStatement {
            text,
            offset: self.buffer_offset,
        });
    }

    fn finish(mut self) -> Vec<SplitStatement> {
        if !self.buffer.is_empty() {
            self.end_statement();
        }
        self.statements
    }
}

#[cfg(test)]
#[path = "split_tests.rs"]
mod tests;

//! Splitting a snippet into the statements psql would send, one `Query` message each.
//!
//! psql reads its input line by line, drops empty lines (outside quotes and comments), joins
//! the remaining lines of a statement with `\n`, drops leading whitespace and leading `--`
//! comments, and ends a statement at a `;` that is outside quotes, comments, parentheses and
//! `BEGIN ATOMIC ... END` bodies. The exact text matters: the server's error positions and
//! the `LINE n:` excerpt refer to it. This module reproduces that behaviour from psql's
//! observable output; it knows nothing of connections, Markdown or formatting.

use std::fmt;

pub use crate::lexer::VariableKind;
use crate::lexer::{Lexer, Step};

/// One statement as psql would send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitStatement {
    /// Exactly the text psql sends (the terminating `;` included), before psql variables
    /// are interpolated.
    pub text: String,
    /// Byte offset of the first byte of `text` within the input.
    pub offset: usize,
    /// The variable references in `text`, in order; empty for almost every statement, so
    /// running it costs nothing extra.
    pub variables: Vec<VariableRef>,
    /// The meta-command that sent it (`\g`, `\gx`, `\gset`, `\gexec`), when not a `;`.
    pub sent_by: Option<MetaCommand>,
    /// For `COPY ... FROM STDIN`: the lines after the statement's line up to `\.` (each
    /// with its `\n`), which psql reads from its input as the data.
    pub copy_data: Option<String>,
}

/// A `:name`, `:'name'` or `:"name"` found where psql interpolates (outside quotes,
/// dollar quotes and comments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableRef {
    /// Byte range of the whole reference within the statement's text.
    pub start: usize,
    pub end: usize,
    pub name: String,
    pub kind: VariableKind,
}

/// A backslash command with the rest of its line (up to `\\` or the end of the line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaCommand {
    /// The name without its backslash: `x`, `pset`, `d+`, `gset`.
    pub name: String,
    /// The arguments as written, not yet split or interpolated.
    pub args: String,
    /// Byte offset of the backslash within the input.
    pub offset: usize,
}

impl MetaCommand {
    /// The command as written, backslash included (for transcripts and messages).
    pub fn text(&self) -> String {
        format!("\\{}{}", self.name, self.args)
    }
}

/// What a snippet asks for, in order: statements to send and meta-commands to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Sql(SplitStatement),
    Meta(MetaCommand),
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

/// Why a snippet cannot be split into plain SQL statements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// A psql backslash meta-command where only SQL is accepted. `offset` is the byte
    /// offset of the backslash.
    MetaCommand { offset: usize, command: String },
}

impl fmt::Display for SplitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SplitError::MetaCommand { command, .. } => write!(
                f,
                "psql meta-command `{command}` is not supported here; only SQL statements can be run"
            ),
        }
    }
}

impl std::error::Error for SplitError {}

/// Splits `sql` into plain SQL statements, refusing any meta-command (for callers that only
/// send SQL, such as the `transcript` example).
pub fn split_statements(sql: &str) -> Result<Vec<SplitStatement>, SplitError> {
    split_commands(sql)
        .into_iter()
        .map(|command| {
            let meta = match command {
                Command::Sql(statement) => match statement.sent_by {
                    None => return Ok(statement),
                    Some(meta) => meta,
                },
                Command::Meta(meta) => meta,
            };
            Err(SplitError::MetaCommand {
                offset: meta.offset,
                command: format!("\\{}", meta.name),
            })
        })
        .collect()
}

/// Splits `sql` into the statements psql would send and the meta-commands it would run, in
/// order. A final statement without a semicolon is included; input with nothing but blanks
/// and `--` comments gives nothing.
pub fn split_commands(sql: &str) -> Vec<Command> {
    let mut splitter = Splitter::new(sql);
    for (start, end) in line_ranges(sql) {
        if let Some(data) = splitter.copy_in.as_mut() {
            let line = &sql[start..end];
            if line == "\\." {
                splitter.end_copy();
            } else {
                data.push_str(line);
                data.push('\n');
            }
            continue;
        }
        splitter.feed_line(start, end);
        if splitter.copy_in.is_none() && splitter.wants_copy_data() {
            splitter.copy_in = Some(String::new());
        }
    }
    splitter.end_copy();
    splitter.finish()
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
    variables: Vec<VariableRef>,
    /// The last statement sent, which `\g` on an empty buffer sends again (as psql does).
    previous: Option<SplitStatement>,
    commands: Vec<Command>,
    /// Data lines being read for the last statement, a `COPY ... FROM STDIN`.
    copy_in: Option<String>,
    /// Whether the last statement ended on the line just fed is a `COPY ... FROM STDIN`
    /// (its data starts on the next line).
    copy_ended: bool,
}

impl<'a> Splitter<'a> {
    fn new(input: &'a str) -> Self {
        Splitter {
            input,
            lexer: Lexer::default(),
            buffer: String::new(),
            buffer_offset: 0,
            variables: Vec::new(),
            previous: None,
            commands: Vec::new(),
            copy_in: None,
            copy_ended: false,
        }
    }

    fn feed_line(&mut self, start: usize, end: usize) {
        if start == end && !self.lexer.in_quote() {
            return;
        }
        // psql joins lines with `\n`, but takes it back when a meta-command is the first
        // thing on the line, so that such a line changes nothing in the query buffer.
        let mut added_newline = None;
        if !self.buffer.is_empty() {
            self.buffer.push('\n');
            added_newline = Some(self.buffer.len());
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
                    self.end_statement(None);
                    at = next;
                }
                Step::Variable(next, kind) => {
                    let name_start = if kind == VariableKind::Plain {
                        at + 1
                    } else {
                        at + 2
                    };
                    let name_end = if kind == VariableKind::Plain {
                        next
                    } else {
                        next - 1
                    };
                    let start = self.buffer.len();
                    self.append(at, next);
                    self.variables.push(VariableRef {
                        start,
                        end: self.buffer.len(),
                        name: self.input[name_start..name_end].to_string(),
                        kind,
                    });
                    at = next;
                }
                Step::MetaCommand(next) => {
                    if added_newline.take() == Some(self.buffer.len()) {
                        self.buffer.pop();
                    }
                    at = self.meta_command(at, next, end);
                }
            }
        }
    }

    /// A backslash command starting at `at` whose name ends at `name_end`: it takes the
    /// rest of the line up to a `\\` separator. `\g`, `\gx`, `\gset` and `\gexec` send the query
    /// buffer; any other command leaves it as it is. Returns where the line goes on.
    fn meta_command(&mut self, at: usize, name_end: usize, line_end: usize) -> usize {
        let args_end = args_end(self.input, name_end, line_end);
        let meta = MetaCommand {
            name: self.input[at + 1..name_end].to_string(),
            args: self.input[name_end..args_end].to_string(),
            offset: at,
        };
        if matches!(meta.name.as_str(), "g" | "gx" | "gset" | "gexec") {
            if self.buffer.is_empty() {
                if let Some(previous) = self.previous.clone() {
                    self.commands.push(Command::Sql(SplitStatement {
                        sent_by: Some(meta),
                        ..previous
                    }));
                }
            } else {
                self.end_statement(Some(meta));
            }
            // psql starts lexing afresh after sending: parentheses left open are forgotten.
            self.lexer = Lexer::default();
        } else {
            self.commands.push(Command::Meta(meta));
        }
        // After `\\` the line goes on as SQL; after another backslash, with that command.
        if self.input[args_end..line_end].starts_with("\\\\") {
            args_end + 2
        } else {
            args_end
        }
    }

    fn append(&mut self, start: usize, end: usize) {
        if self.buffer.is_empty() {
            self.buffer_offset = start;
        }
        self.buffer.push_str(&self.input[start..end]);
    }

    /// Whether a `COPY ... FROM STDIN` was sent on the line just fed.
    fn wants_copy_data(&mut self) -> bool {
        std::mem::take(&mut self.copy_ended)
    }

    /// Gives the data read so far to the `COPY` statement waiting for it.
    fn end_copy(&mut self) {
        let Some(data) = self.copy_in.take() else {
            return;
        };
        if let Some(Command::Sql(statement)) = self.commands.last_mut() {
            statement.copy_data = Some(data);
        }
    }

    fn end_statement(&mut self, sent_by: Option<MetaCommand>) {
        let text = std::mem::take(&mut self.buffer);
        // Several statements may end on one line; only the last one's data could follow.
        self.copy_ended = is_copy_from_stdin(&text);
        let statement = SplitStatement {
            text,
            offset: self.buffer_offset,
            variables: std::mem::take(&mut self.variables),
            sent_by,
            copy_data: None,
        };
        self.previous = Some(SplitStatement {
            sent_by: None,
            ..statement.clone()
        });
        self.commands.push(Command::Sql(statement));
    }

    fn finish(mut self) -> Vec<Command> {
        if !self.buffer.is_empty() {
            self.end_statement(None);
        }
        self.commands
    }
}

/// `COPY ... FROM STDIN` (any spacing and case): the server will ask for data, which psql
/// reads from the lines after the statement.
fn is_copy_from_stdin(text: &str) -> bool {
    let words: Vec<String> = text
        .split(|c: char| c.is_whitespace() || c == ';')
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    words.first().is_some_and(|w| w == "copy")
        && words
            .windows(2)
            .any(|pair| pair[0] == "from" && pair[1] == "stdin")
}

/// Where a meta-command's arguments end: at a backslash outside quotes (`\\`, or the start
/// of the next command), or the end of the line. psql's argument lexer knows single quotes
/// (with backslash escapes), double quotes and backquotes; a backslash inside them is text.
fn args_end(input: &str, from: usize, line_end: usize) -> usize {
    let bytes = input.as_bytes();
    let mut quote: Option<u8> = None;
    let mut at = from;
    while at < line_end {
        let byte = bytes[at];
        match quote {
            Some(b'\'') if byte == b'\\' => at += 1,
            Some(q) if byte == q => quote = None,
            Some(_) => {}
            None if matches!(byte, b'\'' | b'"' | b'`') => quote = Some(byte),
            None if byte == b'\\' => return at,
            None => {}
        }
        at += 1;
    }
    line_end
}

#[cfg(test)]
#[path = "split_tests.rs"]
mod tests;

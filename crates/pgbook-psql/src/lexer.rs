//! The token-level part of psql's statement splitting: which bytes are quoted, commented,
//! inside parentheses or inside a `BEGIN ATOMIC ... END` body, and where a statement ends.
//!
//! The lexer sees one line at a time (as psql's does) and keeps its state across lines. It
//! does not build the statement text; `split` does, from the steps returned here.

/// What the next piece of a line is, with the byte offset just after it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Statement text, copied as is.
    Text(usize),
    /// Blanks or a `--` comment outside quotes: dropped before a statement begins.
    Blank(usize),
    /// `\;` or `\:`: psql puts just the second character into the statement.
    Replace(usize, &'static str),
    /// A `;` that ends the statement (it belongs to the statement).
    End(usize),
    /// A backslash meta-command, from the backslash to the end of its name.
    MetaCommand(usize),
    /// A psql variable reference (`:name`, `:'name'`, `:"name"`) outside quotes and comments.
    Variable(usize, VariableKind),
}

/// How a variable reference asks for its value to be written into the statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariableKind {
    /// `:name`: the value as it is.
    Plain,
    /// `:'name'`: the value as a quoted SQL literal.
    Literal,
    /// `:"name"`: the value as a quoted SQL identifier.
    Identifier,
}

/// Where the lexer is between two bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
enum Mode {
    #[default]
    Normal,
    /// Inside `/* ... */`, nested `depth` deep.
    Comment(u32),
    /// Inside `'...'`; `backslash` for `E'...'`, where a backslash escapes the next byte.
    Quote { backslash: bool },
    /// Inside `"..."`.
    Identifier,
    /// Inside `$tag$ ... $tag$`; holds the whole delimiter.
    Dollar(String),
}

/// Lexer state kept across lines and statements.
#[derive(Debug, Default)]
pub(crate) struct Lexer {
    mode: Mode,
    paren_depth: u32,
    begin_depth: u32,
    words: RoutineHeader,
}

impl Lexer {
    /// Whether a line break now falls inside a quote or comment (psql keeps empty lines there).
    pub(crate) fn in_quote(&self) -> bool {
        self.mode != Mode::Normal
    }

    /// Lexes the piece of `input[at..end]` that starts at `at`.
    pub(crate) fn step(&mut self, input: &str, at: usize, end: usize) -> Step {
        let bytes = &input.as_bytes()[..end];
        match self.mode.clone() {
            Mode::Normal => self.step_normal(bytes, at),
            Mode::Comment(depth) => {
                if bytes[at..].starts_with(b"/*") {
                    self.mode = Mode::Comment(depth + 1);
                    Step::Text(at + 2)
                } else if bytes[at..].starts_with(b"*/") {
                    self.mode = if depth == 1 {
                        Mode::Normal
                    } else {
                        Mode::Comment(depth - 1)
                    };
                    Step::Text(at + 2)
                } else {
                    Step::Text(next_char(bytes, at))
                }
            }
            Mode::Quote { backslash } => {
                if backslash && bytes[at] == b'\\' && at + 1 < end {
                    Step::Text(next_char(bytes, at + 1))
                } else if bytes[at..].starts_with(b"''") {
                    Step::Text(at + 2)
                } else if bytes[at] == b'\'' {
                    self.mode = Mode::Normal;
                    Step::Text(at + 1)
                } else {
                    Step::Text(next_char(bytes, at))
                }
            }
            Mode::Identifier => {
                if bytes[at..].starts_with(b"\"\"") {
                    Step::Text(at + 2)
                } else if bytes[at] == b'"' {
                    self.mode = Mode::Normal;
                    Step::Text(at + 1)
                } else {
                    Step::Text(next_char(bytes, at))
                }
            }
            Mode::Dollar(delimiter) => {
                if bytes[at..].starts_with(delimiter.as_bytes()) {
                    self.mode = Mode::Normal;
                    Step::Text(at + delimiter.len())
                } else {
                    Step::Text(next_char(bytes, at))
                }
            }
        }
    }

    fn step_normal(&mut self, bytes: &[u8], at: usize) -> Step {
        let rest = &bytes[at..];
        match rest[0] {
            b' ' | b'\t' | b'\r' | b'\x0c' => {
                let len = rest
                    .iter()
                    .take_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\x0c'))
                    .count();
                Step::Blank(at + len)
            }
            b'-' if rest.starts_with(b"--") => Step::Blank(bytes.len()),
            b'/' if rest.starts_with(b"/*") => {
                self.mode = Mode::Comment(1);
                Step::Text(at + 2)
            }
            b'\'' => {
                self.mode = Mode::Quote { backslash: false };
                Step::Text(at + 1)
            }
            b'"' => {
                self.mode = Mode::Identifier;
                Step::Text(at + 1)
            }
            b'$' => self.step_dollar(bytes, at),
            b'(' => {
                self.paren_depth += 1;
                Step::Text(at + 1)
            }
            b')' => {
                self.paren_depth = self.paren_depth.saturating_sub(1);
                Step::Text(at + 1)
            }
            b';' => {
                if self.paren_depth == 0 && self.begin_depth == 0 {
                    self.words = RoutineHeader::default();
                    Step::End(at + 1)
                } else {
                    Step::Text(at + 1)
                }
            }
            b'\\' => match rest.get(1) {
                Some(b';') => {
                    self.words = RoutineHeader::default();
                    Step::Replace(at + 2, ";")
                }
                Some(b':') => Step::Replace(at + 2, ":"),
                _ => {
                    // psql's command name runs to the next blank or backslash (`\x\\`).
                    let name_len = rest[1..]
                        .iter()
                        .take_while(|b| !b.is_ascii_whitespace() && **b != b'\\')
                        .count();
                    // `\\` alone is a command whose name is a backslash.
                    let name_len = if name_len == 0 && rest.get(1) == Some(&b'\\') {
                        1
                    } else {
                        name_len
                    };
                    Step::MetaCommand(at + 1 + name_len)
                }
            },
            b':' => step_colon(rest, at),
            byte if is_ident_start(byte) => self.step_word(bytes, at),
            byte if byte.is_ascii_digit() => {
                // Like psql 15+'s lexer (`integer_junk`), letters right after the digits
                // belong to the number: in `1E'\'` the `E` is not an escape-string prefix.
                let len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
                let junk = match rest.get(len) {
                    Some(&b) if is_ident_start(b) => rest[len..]
                        .iter()
                        .take_while(|&&b| is_ident_char(b))
                        .count(),
                    _ => 0,
                };
                Step::Text(at + len + junk)
            }
            _ => Step::Text(next_char(bytes, at)),
        }
    }

    /// A word, or a string with a prefix: `E'...'`, `B'...'`, `X'...'`, `N'...'`, `U&'...'`
    /// and `U&"..."`. The prefix only counts where the word is just that letter.
    fn step_word(&mut self, bytes: &[u8], at: usize) -> Step {
        let rest = &bytes[at..];
        let quote_after = |n: usize| rest.get(n).copied();
        match (rest[0].to_ascii_lowercase(), quote_after(1)) {
            (b'e', Some(b'\'')) => {
                self.mode = Mode::Quote { backslash: true };
                return Step::Text(at + 2);
            }
            (b'b' | b'x' | b'n', Some(b'\'')) => {
                self.mode = Mode::Quote { backslash: false };
                return Step::Text(at + 2);
            }
            (b'u', Some(b'&')) => match quote_after(2) {
                Some(b'\'') => {
                    self.mode = Mode::Quote { backslash: false };
                    return Step::Text(at + 3);
                }
                Some(b'"') => {
                    self.mode = Mode::Identifier;
                    return Step::Text(at + 3);
                }
                _ => {}
            },
            _ => {}
        }
        let len = rest.iter().take_while(|&&b| is_ident_char(b)).count();
        let word = &rest[..len];
        self.words.observe(word);
        if self.words.is_routine() && self.paren_depth == 0 {
            self.track_begin_end(word);
        }
        Step::Text(at + len)
    }

    /// `BEGIN ... END` inside CREATE FUNCTION/PROCEDURE hides semicolons; so does a CASE
    /// inside such a body, since it also ends with END.
    fn track_begin_end(&mut self, word: &[u8]) {
        if word.eq_ignore_ascii_case(b"begin") {
            self.begin_depth += 1;
        } else if word.eq_ignore_ascii_case(b"case") {
            if self.begin_depth > 0 {
                self.begin_depth += 1;
            }
        } else if word.eq_ignore_ascii_case(b"end") {
            self.begin_depth = self.begin_depth.saturating_sub(1);
        }
    }

    /// `$tag$` opens a dollar quote; `$1` is a parameter; any other `$` is just a byte.
    fn step_dollar(&mut self, bytes: &[u8], at: usize) -> Step {
        let rest = &bytes[at..];
        let tag_len = match rest.get(1) {
            Some(&b) if is_ident_start(b) => rest[1..]
                .iter()
                .take_while(|&&b| is_ident_char(b) && b != b'$')
                .count(),
            _ => 0,
        };
        if rest.get(1 + tag_len) == Some(&b'$') {
            let delimiter = &rest[..tag_len + 2];
            self.mode = Mode::Dollar(String::from_utf8_lossy(delimiter).into_owned());
            return Step::Text(at + delimiter.len());
        }
        let digits = rest[1..].iter().take_while(|b| b.is_ascii_digit()).count();
        Step::Text(at + 1 + digits)
    }
}

/// The first words of a statement, enough to tell `CREATE [OR REPLACE] FUNCTION|PROCEDURE`.
#[derive(Debug, Default)]
struct RoutineHeader {
    count: usize,
    /// Initial of each of the first four words if it is one of the header words, else 0.
    initials: [u8; 4],
}

impl RoutineHeader {
    fn observe(&mut self, word: &[u8]) {
        const HEADER_WORDS: [&[u8]; 5] = [b"create", b"function", b"procedure", b"or", b"replace"];
        if self.count < self.initials.len()
            && HEADER_WORDS.iter().any(|w| word.eq_ignore_ascii_case(w))
        {
            self.initials[self.count] = word[0].to_ascii_lowercase();
        }
        self.count += 1;
    }

    fn is_routine(&self) -> bool {
        matches!(
            self.initials,
            [b'c', b'f' | b'p', ..] | [b'c', b'o', b'r', b'f' | b'p']
        )
    }
}

/// `::` is a cast; `:name`, `:'name'` and `:"name"` are variable references (psql's
/// `variable_char` is a letter, digit, underscore or any non-ASCII byte); any other `:` is
/// just a byte.
fn step_colon(rest: &[u8], at: usize) -> Step {
    if rest.starts_with(b"::") {
        return Step::Text(at + 2);
    }
    let name_len = |from: usize| {
        rest[from..]
            .iter()
            .take_while(|&&b| is_variable_char(b))
            .count()
    };
    match rest.get(1) {
        Some(&quote @ (b'\'' | b'"')) => {
            let len = name_len(2);
            if len > 0 && rest.get(2 + len) == Some(&quote) {
                let kind = if quote == b'\'' {
                    VariableKind::Literal
                } else {
                    VariableKind::Identifier
                };
                return Step::Variable(at + 3 + len, kind);
            }
            Step::Text(at + 1)
        }
        Some(_) if name_len(1) > 0 => Step::Variable(at + 1 + name_len(1), VariableKind::Plain),
        _ => Step::Text(at + 1),
    }
}

fn is_variable_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80
}

fn is_ident_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_' || byte >= 0x80
}

fn is_ident_char(byte: u8) -> bool {
    is_ident_start(byte) || byte.is_ascii_digit() || byte == b'$'
}

/// Offset just after the (possibly multi-byte) character starting at `at`.
fn next_char(bytes: &[u8], at: usize) -> usize {
    let mut next = at + 1;
    while next < bytes.len() && (bytes[next] & 0xC0) == 0x80 {
        next += 1;
    }
    next
}

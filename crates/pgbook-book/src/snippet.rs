//! SQL snippets and their expected `output` blocks: what a snippet is, its attributes, and
//! how positions in its SQL map back to the Markdown.
//!
//! A fenced block whose info string starts with `sql` is a snippet; its attributes follow,
//! separated by commas (`sql,hidden`, `sql,error=40P01,session=bob`). An `output` block
//! directly after it (only blank lines between) is its expected transcript. Byte ranges are
//! kept so that `--bless` can rewrite exactly those bytes. Finding snippets is the chapter
//! parse's work (`markdown`); this module parses no Markdown.

use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use crate::diagnostic::{closest, Diagnostic};
use crate::duration::parse_duration;
use crate::include::Origin;
use crate::node_attrs::{NodeAttributes, NODE_ATTRIBUTES};

/// What a snippet expects about errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorExpectation {
    /// `error`: some statement must raise an error.
    Any,
    /// `error=SQLSTATE`: an error of exactly this SQLSTATE must be raised.
    SqlState(String),
}

/// The attributes of a snippet's info string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attributes {
    pub hidden: bool,
    pub no_output: bool,
    pub ignore: bool,
    pub error: Option<ErrorExpectation>,
    /// `None` is the chapter's main session.
    pub session: Option<String>,
    pub timeout: Option<Duration>,
    /// `node=`, `standby-of=`, `restore=`, `until=`, `backup=`, `restart` (§10).
    pub nodes: NodeAttributes,
    /// `chart=KIND`: also draw the last result set as a chart.
    pub chart: Option<ChartKind>,
}

/// The kinds of `chart=KIND`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    Bar,
    /// Horizontal bars: labels down the side.
    Hbar,
    Line,
    Area,
    Scatter,
}

impl ChartKind {
    pub const NAMES: &'static [&'static str] = &["bar", "hbar", "line", "area", "scatter"];

    pub fn from_name(name: &str) -> Option<ChartKind> {
        Some(match name {
            "bar" => ChartKind::Bar,
            "hbar" => ChartKind::Hbar,
            "line" => ChartKind::Line,
            "area" => ChartKind::Area,
            "scatter" => ChartKind::Scatter,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            ChartKind::Bar => "bar",
            ChartKind::Hbar => "hbar",
            ChartKind::Line => "line",
            ChartKind::Area => "area",
            ChartKind::Scatter => "scatter",
        }
    }
}

impl Attributes {
    /// The session name shown in reports: `main` for the unnamed session.
    pub fn session_name(&self) -> &str {
        self.session.as_deref().unwrap_or("main")
    }
}

/// Where a line (or a character) of a snippet's SQL came from in the Markdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourcePos {
    /// 1-based line in the chapter file (for included text, its `{{#include}}` directive's).
    pub line: usize,
    /// 1-based column of the line's first character.
    pub col: usize,
    /// Byte offset in the chapter's expanded text (`Document::source`):
    /// `chapter.document.origin(offset)` names the file, line and column it is written in —
    /// the included file for included text.
    pub offset: usize,
}

/// An `output` block: the expected transcript of the snippet before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// The block's content with `\r\n` normalised to `\n`.
    pub text: String,
    /// Line of the opening fence.
    pub line: usize,
    /// Bytes of the whole block, fences included.
    pub block_range: Range<usize>,
    /// Bytes between the opening fence line and the closing fence line.
    pub content_range: Range<usize>,
}

/// One SQL snippet of a chapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// Position among the chapter's snippets.
    pub index: usize,
    /// Line of the opening fence (1-based) in the chapter file; for a snippet that an
    /// `{{#include}}` brought in, the line of that directive.
    pub line: usize,
    /// Where the opening fence is written (the included file for an included snippet).
    pub origin: Origin,
    pub attrs: Attributes,
    /// The SQL with `{{#include}}` directives expanded.
    pub sql: String,
    /// For each line of `sql`, where it is in the chapter file (included lines map to the
    /// line of their outermost `{{#include}}` directive).
    pub line_map: Vec<SourcePos>,
    /// Bytes of the whole fenced block in the chapter's expanded text
    /// (`Document::source`), fences included.
    pub source_range: Range<usize>,
    /// Bytes of the whole fenced block, fences included, in the file it is written in
    /// (`origin.file`: the chapter file unless the snippet was included).
    pub block_range: Range<usize>,
    /// The `output` block after it (its ranges are in the same file as `block_range`).
    pub expected: Option<Expected>,
}

impl Snippet {
    /// A snippet made from SQL directly, with no Markdown around it (tools and tests that
    /// feed the engine SQL files): snippet `index`, at line `line` of `file`, with no
    /// expected output.
    pub fn from_sql(
        index: usize,
        line: usize,
        file: &Path,
        attrs: Attributes,
        sql: String,
    ) -> Snippet {
        Snippet {
            index,
            line,
            origin: Origin {
                file: file.to_path_buf(),
                line,
                col: 1,
            },
            attrs,
            sql,
            line_map: Vec::new(),
            source_range: 0..0,
            block_range: 0..0,
            expected: None,
        }
    }

    /// Maps a byte offset in `sql` to a position in the chapter file.
    pub fn source_pos(&self, offset: usize) -> SourcePos {
        let offset = offset.min(self.sql.len());
        let before = &self.sql[..offset];
        let line_idx = before.matches('\n').count();
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col_in_line = self.sql[line_start..offset].chars().count();
        match self.line_map.get(line_idx) {
            Some(pos) => SourcePos {
                line: pos.line,
                col: pos.col + col_in_line,
                offset: pos.offset + (offset - line_start),
            },
            None => SourcePos {
                line: self.line,
                col: 1,
                offset: self.source_range.start,
            },
        }
    }
}

impl Snippet {
    /// Where a server error is in the chapter file: `position` is the server's 1-based
    /// *character* position within `statement` (`None` points at the statement's first
    /// non-blank character).
    pub fn error_pos(
        &self,
        statement: &crate::StatementOutcome,
        position: Option<u32>,
    ) -> SourcePos {
        let sql = &statement.sql;
        let byte = match position {
            Some(p) if p >= 1 => sql
                .char_indices()
                .nth(p as usize - 1)
                .map_or(sql.len(), |(i, _)| i),
            _ => sql.len() - sql.trim_start().len(),
        };
        let (written, byte) = as_written(sql, &statement.interpolations, byte);
        self.source_pos(sent_to_source_offset(
            &self.sql,
            &written,
            statement.offset,
            byte,
        ))
    }
}

/// The statement as written (each interpolated value put back as its `:name` reference)
/// and where byte `sent_byte` of the sent text is in it; a byte inside a value maps to the
/// start of its reference.
fn as_written(
    sent: &str,
    interpolations: &[crate::Interpolation],
    sent_byte: usize,
) -> (String, usize) {
    if interpolations.is_empty() {
        return (sent.to_string(), sent_byte);
    }
    let mut written = String::with_capacity(sent.len());
    let mut mapped = None;
    let mut copied = 0;
    for value in interpolations {
        if mapped.is_none() && sent_byte < value.sent_start {
            mapped = Some(written.len() + sent_byte - copied);
        }
        written.push_str(&sent[copied..value.sent_start]);
        if mapped.is_none() && sent_byte < value.sent_end {
            mapped = Some(written.len());
        }
        written.push_str(&value.written);
        copied = value.sent_end;
    }
    let byte = mapped.unwrap_or(written.len() + sent_byte.saturating_sub(copied));
    written.push_str(&sent[copied..]);
    (written, byte)
}

/// Maps byte `sent_byte` of a statement's text as sent to the server (which starts at byte
/// `sent_offset` of `source`) back to a byte offset in `source`.
///
/// The sent text is not always a slice of the source: psql drops empty lines inside a
/// statement and sends `\;` as `;`. It is, however, the source with some bytes removed, so
/// the mapping walks both strings in step.
pub fn sent_to_source_offset(
    source: &str,
    sent: &str,
    sent_offset: usize,
    sent_byte: usize,
) -> usize {
    let source = source.as_bytes();
    let sent = sent.as_bytes();
    let mut at = sent_offset;
    for &wanted in &sent[..sent_byte.min(sent.len())] {
        while at < source.len() && source[at] != wanted {
            at += 1;
        }
        at += 1;
    }
    // Skip what was dropped before the byte asked for (for example an empty line).
    if let Some(&wanted) = sent.get(sent_byte) {
        while at < source.len() && source[at] != wanted {
            at += 1;
        }
    }
    at.min(source.len())
}

const ATTRIBUTES: &[&str] = &[
    "hidden",
    "no-output",
    "ignore",
    "error",
    "session",
    "timeout",
    "chart",
];

/// Parses the attributes after `sql` in an info string. `line`/`file` locate errors.
pub fn parse_attributes(info: &str, file: &Path, line: usize) -> Result<Attributes, Diagnostic> {
    let mut attrs = Attributes::default();
    let mut seen = std::collections::HashSet::new();
    let rest = info.trim().strip_prefix("sql").unwrap_or("");
    for raw in rest
        .split([',', ' ', '\t'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let (name, value) = match raw.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim())),
            None => (raw, None),
        };
        let err = |msg: String| Diagnostic::new(file, line, 0, msg);
        if ATTRIBUTES.contains(&name) && !seen.insert(name) {
            return Err(err(format!("attribute '{name}' is given twice")));
        }
        let flag = |v: Option<&str>| match v {
            None => Ok(true),
            Some(v) => Err(err(format!(
                "attribute '{name}' takes no value (got '{v}')"
            ))),
        };
        match name {
            "hidden" => attrs.hidden = flag(value)?,
            "no-output" => attrs.no_output = flag(value)?,
            "ignore" => attrs.ignore = flag(value)?,
            "error" => {
                attrs.error = Some(match value {
                    None => ErrorExpectation::Any,
                    Some(code) if is_sqlstate(code) => {
                        ErrorExpectation::SqlState(code.to_ascii_uppercase())
                    }
                    Some(code) => {
                        return Err(err(format!(
                            "'{code}' is not a SQLSTATE (five letters or digits, like 40P01)"
                        )))
                    }
                })
            }
            "session" => match value {
                Some(v) if is_session_name(v) => attrs.session = Some(v.to_string()),
                Some(v) => {
                    return Err(err(format!(
                        "session name '{v}' must be letters, digits, '_' or '-'"
                    )))
                }
                None => return Err(err("attribute 'session' needs a name: session=NAME".into())),
            },
            "timeout" => match value.map(parse_duration) {
                Some(Ok(d)) => attrs.timeout = Some(d),
                Some(Err(e)) => return Err(err(format!("attribute 'timeout': {e}"))),
                None => return Err(err("attribute 'timeout' needs a value: timeout=5s".into())),
            },
            _ if NODE_ATTRIBUTES.contains(&name) => attrs.nodes.set(name, value).map_err(err)?,
            "chart" => match value {
                Some(kind) => match ChartKind::from_name(kind) {
                    Some(kind) => attrs.chart = Some(kind),
                    None => {
                        let hint = closest(kind, ChartKind::NAMES)
                            .map(|s| format!(" (did you mean '{s}'?)"))
                            .unwrap_or_default();
                        return Err(err(format!(
                            "unknown chart kind '{kind}'{hint}: use one of {}",
                            ChartKind::NAMES.join(", ")
                        )));
                    }
                },
                None => return Err(err("attribute 'chart' needs a kind: chart=bar".into())),
            },
            _ => {
                let known: Vec<&str> = ATTRIBUTES.iter().chain(NODE_ATTRIBUTES).copied().collect();
                let hint = closest(name, &known)
                    .map(|s| format!(" (did you mean '{s}'?)"))
                    .unwrap_or_default();
                return Err(err(format!("unknown attribute '{name}'{hint}")));
            }
        }
    }
    // Attributes that cannot both hold: one of them would be silently ignored.
    let contradiction = if attrs.hidden && attrs.no_output {
        Some("'no-output' with 'hidden': a hidden snippet shows nothing already")
    } else if attrs.ignore && attrs.error.is_some() {
        Some("'error' with 'ignore': an ignored snippet never runs, so no error can be checked")
    } else {
        None
    };
    if let Some(message) = contradiction {
        return Err(Diagnostic::new(file, line, 0, message.to_string()));
    }
    if attrs.session.as_deref() == Some("main") {
        attrs.session = None;
    }
    if attrs.nodes.node.as_deref() == Some("main") {
        attrs.nodes.node = None;
    }
    attrs
        .nodes
        .check()
        .map_err(|msg| Diagnostic::new(file, line, 0, msg))?;
    Ok(attrs)
}

fn is_sqlstate(code: &str) -> bool {
    code.len() == 5 && code.chars().all(|c| c.is_ascii_alphanumeric())
}

fn is_session_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// Whether an info string marks a snippet.
pub fn is_sql_info(info: &str) -> bool {
    let first = info.trim().split([',', ' ', '\t']).next().unwrap_or("");
    first == "sql"
}

/// Whether an info string marks an expected `output` block.
pub fn is_output_info(info: &str) -> bool {
    info.trim() == "output"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn try_parse(text: &str) -> Result<Vec<Snippet>, Vec<Diagnostic>> {
        let parsed =
            crate::markdown::parse_chapter(text.into(), Path::new("/b/ch.md"), Path::new("/b"))?;
        Ok(parsed.snippets)
    }

    fn parse(text: &str) -> Vec<Snippet> {
        try_parse(text).unwrap()
    }

    #[test]
    fn attributes() {
        let a = parse_attributes(
            "sql,error=40p01,session=bob,timeout=5s",
            Path::new("x.md"),
            3,
        )
        .unwrap();
        assert_eq!(a.error, Some(ErrorExpectation::SqlState("40P01".into())));
        assert_eq!(a.session.as_deref(), Some("bob"));
        assert_eq!(a.timeout, Some(Duration::from_secs(5)));
        let a = parse_attributes("sql,hidden,ignore", Path::new("x.md"), 3).unwrap();
        assert!(a.hidden && a.ignore && !a.no_output);
        let a = parse_attributes("sql no-output error", Path::new("x.md"), 3).unwrap();
        assert!(a.no_output && !a.hidden);
        assert_eq!(a.error, Some(ErrorExpectation::Any));
        // Twice, or together with one that makes it meaningless: refused, never ignored.
        for (info, message) in [
            ("sql,error=42P01,error", "x.md:3: attribute 'error' is given twice"),
            ("sql,hidden,no-output", "x.md:3: 'no-output' with 'hidden': a hidden snippet shows nothing already"),
            ("sql,ignore,error=42601", "x.md:3: 'error' with 'ignore': an ignored snippet never runs, so no error can be checked"),
        ] {
            let e = parse_attributes(info, Path::new("x.md"), 3).unwrap_err();
            assert_eq!(e.to_string(), message);
        }
        for (info, kind) in [
            ("sql chart=hbar", ChartKind::Hbar),
            ("sql,chart=area", ChartKind::Area),
        ] {
            let a = parse_attributes(info, Path::new("x.md"), 3).unwrap();
            assert_eq!(a.chart, Some(kind));
        }
        let e = parse_attributes("sql chart=lines", Path::new("x.md"), 3).unwrap_err();
        assert_eq!(
            e.to_string(),
            "x.md:3: unknown chart kind 'lines' (did you mean 'line'?): use one of bar, hbar, line, area, scatter"
        );
        let e = parse_attributes("sql chart", Path::new("x.md"), 3).unwrap_err();
        assert_eq!(
            e.to_string(),
            "x.md:3: attribute 'chart' needs a kind: chart=bar"
        );
    }

    #[test]
    fn unknown_attribute_suggests() {
        let e = parse_attributes("sql,sesion=bob", Path::new("x.md"), 3).unwrap_err();
        assert_eq!(
            e.to_string(),
            "x.md:3: unknown attribute 'sesion' (did you mean 'session'?)"
        );
        let e = parse_attributes("sql,frobnicate", Path::new("x.md"), 3).unwrap_err();
        assert_eq!(e.to_string(), "x.md:3: unknown attribute 'frobnicate'");
    }

    #[test]
    fn finds_snippets_and_expected_blocks() {
        let text = "# T\n\n```sql\nselect 1;\n```\n\n```output\n ?column? \n```\n\n```sql,hidden\nselect 2;\n```\ntext\n\n```output\nx\n```\n";
        let err = try_parse(text).unwrap_err();
        // The second output block does not follow a snippet directly.
        assert_eq!(err[0].line, 16);
        let text = "# T\n\n```sql\nselect 1;\n```\n\n```output\n ?column? \n```\n\n```sql,hidden\nselect 2;\n```\n";
        let s = parse(text);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].line, 3);
        assert_eq!(s[0].sql, "select 1;\n");
        let exp = s[0].expected.as_ref().unwrap();
        assert_eq!(exp.text, " ?column? \n");
        assert_eq!(&text[exp.content_range.clone()], " ?column? \n");
        assert_eq!(&text[exp.block_range.clone()], "```output\n ?column? \n```");
        assert!(s[1].attrs.hidden);
        assert!(s[1].expected.is_none());
    }

    #[test]
    fn positions_map_to_markdown() {
        let text = "intro\n\n- item\n\n  ```sql\n  select 1;\n  select x;\n  ```\n";
        let s = parse(text);
        assert_eq!(s[0].sql, "select 1;\nselect x;\n");
        let pos = s[0].source_pos(s[0].sql.find('x').unwrap());
        assert_eq!((pos.line, pos.col), (7, 10));
    }

    #[test]
    fn error_positions_are_characters_of_the_sent_text() {
        let text = "# T\n\n```sql\nSELECT 1;\nSELECT 'é',\n\n  nope;\n```\n";
        let s = parse(text);
        // psql sends the second statement without its empty line.
        let sent = crate::StatementOutcome {
            sql: "SELECT 'é',\n  nope;".into(),
            offset: s[0].sql.find("SELECT 'é'").unwrap(),
            events: Vec::new(),
            printed: None,
            interpolations: Vec::new(),
            expanded: false,
            rows_consumed: false,
        };
        // 'é' is one character of two bytes; position 13 is "nope" after the dropped line.
        let cases = [
            (None, (5, 1)),
            (Some(1), (5, 1)),
            (Some(9), (5, 9)),
            (Some(13), (7, 1)),
            (Some(15), (7, 3)),
        ];
        for (position, (line, col)) in cases {
            let pos = s[0].error_pos(&sent, position);
            assert_eq!((pos.line, pos.col), (line, col), "position {position:?}");
        }
    }

    /// A statement `\gexec` generated stands, as a whole, for the `\gexec` (the engine
    /// records it so): any position in it is the `\gexec`'s place.
    #[test]
    fn error_positions_of_gexec_statements_are_the_gexec() {
        let text = "```sql\nSELECT 'select * from nosuch'\n\\gexec\n```\n";
        let s = parse(text);
        let generated = "select * from nosuch";
        let sent = crate::StatementOutcome {
            sql: generated.into(),
            offset: s[0].sql.find("\\gexec").unwrap(),
            events: Vec::new(),
            printed: None,
            interpolations: vec![crate::Interpolation {
                sent_start: 0,
                sent_end: generated.len(),
                written: "\\gexec".into(),
            }],
            expanded: false,
            rows_consumed: false,
        };
        for position in [None, Some(1), Some(15), Some(20)] {
            let pos = s[0].error_pos(&sent, position);
            assert_eq!((pos.line, pos.col), (3, 1), "position {position:?}");
        }
    }

    #[test]
    fn error_positions_map_through_interpolated_variables() {
        let text = "```sql\nSELECT :'long_name', :n +\n  nope;\n```\n";
        let s = parse(text);
        // Sent with `:'long_name'` = 'ab' and `:n` = 12345.
        let sent = crate::StatementOutcome {
            sql: "SELECT 'ab', 12345 +\n  nope;".into(),
            offset: 0,
            events: Vec::new(),
            printed: None,
            interpolations: vec![
                crate::Interpolation {
                    sent_start: 7,
                    sent_end: 11,
                    written: ":'long_name'".into(),
                },
                crate::Interpolation {
                    sent_start: 13,
                    sent_end: 18,
                    written: ":n".into(),
                },
            ],
            expanded: false,
            rows_consumed: false,
        };
        let cases = [
            // Before any value, inside a value (its reference), after them, next line.
            (Some(1), (2, 1)),
            (Some(9), (2, 8)),
            (Some(14), (2, 22)),
            (Some(16), (2, 22)),
            (Some(20), (2, 25)),
            (Some(24), (3, 3)),
        ];
        for (position, (line, col)) in cases {
            let pos = s[0].error_pos(&sent, position);
            assert_eq!((pos.line, pos.col), (line, col), "position {position:?}");
        }
    }

    #[test]
    fn empty_output_block_range() {
        let text = "```sql\nselect;\n```\n```output\n```\n";
        let s = parse(text);
        let exp = s[0].expected.as_ref().unwrap();
        assert_eq!(exp.content_range, 29..29);
        assert_eq!(exp.text, "");
    }

    #[test]
    fn crlf() {
        let text = "```sql\r\nselect 1;\r\n```\r\n\r\n```output\r\nabc\r\n```\r\n";
        let s = parse(text);
        assert_eq!(s[0].sql, "select 1;\n");
        let exp = s[0].expected.as_ref().unwrap();
        assert_eq!(exp.text, "abc\n");
        assert_eq!(&text[exp.content_range.clone()], "abc\r\n");
    }

    #[test]
    fn timeout_attribute_errors_are_located() {
        let text = "# T\n\n  ```sql,timeout=99999999999999999999999s\n  select 1;\n  ```\n";
        let err = try_parse(text).unwrap_err();
        assert_eq!(
            err[0].to_string(),
            "ch.md:3:3: attribute 'timeout': '99999999999999999999999s' is too long: \
             PostgreSQL accepts at most 2147483647ms (about 24 days)"
        );
        for (info, message) in [
            ("sql,timeout=0s", "'0s' is zero"),
            ("sql,timeout=soon", "'soon' is not a duration"),
            ("sql,timeout", "needs a value"),
        ] {
            let err = parse_attributes(info, Path::new("x.md"), 3).unwrap_err();
            assert!(err.message.contains(message), "{info}: {err}");
        }
    }
}

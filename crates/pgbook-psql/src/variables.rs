//! psql variables: the table `\set`, `\unset` and `\gset` change, and how a reference to one
//! is written into a statement or a meta-command's arguments.
//!
//! The rules are psql's: `:name` is replaced by the value as it is, `:'name'` by the value as
//! a quoted literal, `:"name"` by the value as a quoted identifier, and a reference to a
//! variable that is not set is left exactly as written. Where references may occur (not in
//! quotes, dollar quotes or comments, never `::`) is the lexer's business; this module
//! neither lexes SQL nor talks to a server.

use std::collections::BTreeMap;
use std::sync::Arc;

use pgbook_book::Interpolation;

use crate::builtin::ConnectionVariables;

use crate::split::{SplitStatement, VariableKind};

/// The variables of one chapter run, shared by all of its sessions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Variables {
    /// The chapter's own values; `None` is a connection variable the chapter `\unset`.
    values: BTreeMap<String, Option<String>>,
    /// psql's connection variables (`DBNAME`, `PORT`, …) of the session running now, under
    /// the chapter's own values.
    connection: Option<Arc<ConnectionVariables>>,
}

impl Variables {
    pub fn get(&self, name: &str) -> Option<&str> {
        match self.values.get(name) {
            Some(value) => value.as_deref(),
            None => self.connection.as_ref()?.get(name),
        }
    }

    /// Makes `connection`'s variables (those psql sets when it connects) the ones a
    /// reference sees when the chapter has not set a variable of that name itself.
    pub fn use_connection(&mut self, connection: &Arc<ConnectionVariables>) {
        let same = self
            .connection
            .as_ref()
            .is_some_and(|current| Arc::ptr_eq(current, connection));
        if !same {
            self.connection = Some(Arc::clone(connection));
        }
    }

    pub fn set(&mut self, name: &str, value: String) {
        // psql's result variables are set after every statement: reuse the entry.
        match self.values.get_mut(name) {
            Some(slot) => *slot = Some(value),
            None => {
                self.values.insert(name.to_string(), Some(value));
            }
        }
    }

    /// Unsets `name`; a connection variable stays unset (psql sets it again only when it
    /// connects anew, which a chapter's sessions do not do on their own).
    pub fn unset(&mut self, name: &str) {
        let builtin = self
            .connection
            .as_ref()
            .is_some_and(|c| c.get(name).is_some());
        if builtin {
            self.values.insert(name.to_string(), None);
        } else {
            self.values.remove(name);
        }
    }

    /// The value a reference stands for, or `None` when the variable is not set.
    pub fn render(&self, name: &str, kind: VariableKind) -> Option<String> {
        let value = self.get(name)?;
        Some(match kind {
            VariableKind::Plain => value.to_string(),
            VariableKind::Literal => quote_literal(value),
            VariableKind::Identifier => quote_identifier(value),
        })
    }

    /// The statement's text with its references replaced, and where each replacement is;
    /// `None` when nothing was replaced (the text is sent as it is).
    pub fn interpolate(&self, statement: &SplitStatement) -> Option<(String, Vec<Interpolation>)> {
        let mut sent = String::with_capacity(statement.text.len());
        let mut substitutions = Vec::new();
        let mut copied = 0;
        for reference in &statement.variables {
            let Some(value) = self.render(&reference.name, reference.kind) else {
                continue;
            };
            sent.push_str(&statement.text[copied..reference.start]);
            let sent_start = sent.len();
            sent.push_str(&value);
            substitutions.push(Interpolation {
                sent_start,
                sent_end: sent.len(),
                written: statement.text[reference.start..reference.end].to_string(),
            });
            copied = reference.end;
        }
        if substitutions.is_empty() {
            return None;
        }
        sent.push_str(&statement.text[copied..]);
        Some((sent, substitutions))
    }
}

/// Whether psql accepts `name` as a variable name: ASCII letters, digits and underscores,
/// and any non-ASCII character.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii())
}

/// libpq's `PQescapeLiteral`: quotes doubled, and a value with backslashes written as an
/// `E''` string (with a space before it) whose backslashes are doubled.
pub fn quote_literal(value: &str) -> String {
    let backslash = value.contains('\\');
    let mut out = String::with_capacity(value.len() + 4);
    if backslash {
        out.push_str(" E");
    }
    out.push('\'');
    for c in value.chars() {
        if c == '\'' || c == '\\' {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// libpq's `PQescapeIdentifier`: double quotes around, inner ones doubled.
pub fn quote_identifier(value: &str) -> String {
    format!("\"{}\"", value.replace('"', "\"\""))
}

/// Splits a meta-command's arguments as psql's argument lexer does for ordinary arguments:
/// blank-separated words; `'...'` parts unquoted (`''` and backslash escapes understood);
/// `"..."` parts kept with their quotes; `:name`, `:'name'`, `:"name"` interpolated.
/// Backquotes (shell commands) are refused: pgbook runs no shell.
pub fn split_args(args: &str, variables: &Variables) -> Result<Vec<String>, String> {
    let chars: Vec<char> = args.chars().collect();
    let mut words = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        if chars[at].is_whitespace() {
            at += 1;
            continue;
        }
        let mut word = String::new();
        while at < chars.len() && !chars[at].is_whitespace() {
            match chars[at] {
                '\'' => at = single_quoted(&chars, at + 1, &mut word),
                '"' => {
                    let end = chars[at + 1..]
                        .iter()
                        .position(|&c| c == '"')
                        .map_or(chars.len(), |p| at + 2 + p);
                    word.extend(&chars[at..end]);
                    at = end;
                }
                '`' => return Err("backquoted shell commands are not run by pgbook".into()),
                ':' => at = variable(&chars, at, variables, &mut word),
                c => {
                    word.push(c);
                    at += 1;
                }
            }
        }
        words.push(word);
    }
    Ok(words)
}

/// Reads a `'...'` argument part starting after its quote; returns where it ends.
fn single_quoted(chars: &[char], mut at: usize, word: &mut String) -> usize {
    while at < chars.len() {
        match chars[at] {
            '\'' if chars.get(at + 1) == Some(&'\'') => {
                word.push('\'');
                at += 2;
            }
            '\'' => return at + 1,
            '\\' if at + 1 < chars.len() => {
                let escaped = chars[at + 1];
                word.push(match escaped {
                    'n' => '\n',
                    't' => '\t',
                    'b' => '\u{8}',
                    'r' => '\r',
                    'f' => '\u{c}',
                    other => other,
                });
                at += 2;
            }
            c => {
                word.push(c);
                at += 1;
            }
        }
    }
    at
}

/// A `:` in an argument: a variable reference when one follows, else just the character.
fn variable(chars: &[char], at: usize, variables: &Variables, word: &mut String) -> usize {
    let is_name_char = |c: &char| c.is_ascii_alphanumeric() || *c == '_' || !c.is_ascii();
    let (kind, name_start) = match chars.get(at + 1) {
        Some('\'') => (VariableKind::Literal, at + 2),
        Some('"') => (VariableKind::Identifier, at + 2),
        _ => (VariableKind::Plain, at + 1),
    };
    let len = chars[name_start..]
        .iter()
        .take_while(|c| is_name_char(c))
        .count();
    let closing = match kind {
        VariableKind::Plain => None,
        VariableKind::Literal => Some('\''),
        VariableKind::Identifier => Some('"'),
    };
    let closed = closing.is_none_or(|q| chars.get(name_start + len) == Some(&q));
    if len == 0 || !closed {
        word.push(':');
        return at + 1;
    }
    let end = name_start + len + usize::from(closing.is_some());
    let name: String = chars[name_start..name_start + len].iter().collect();
    match variables.render(&name, kind) {
        Some(value) => word.push_str(&value),
        None => word.extend(&chars[at..end]),
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::split::{split_commands, Command};

    fn vars() -> Variables {
        let mut v = Variables::default();
        v.set("a", "5".into());
        v.set("b", "it's".into());
        v.set("q", "x\"y".into());
        v.set("bs", "a\\b".into());
        v
    }

    /// Expected texts are what psql sends (checked in the differential corpus).
    #[test]
    fn statements_are_interpolated_like_psql() {
        let cases: &[(&str, &str)] = &[
            ("select :a;", "select 5;"),
            ("select :'b', :\"q\";", "select 'it''s', \"x\"\"y\";"),
            ("select :'bs';", "select  E'a\\\\b';"),
            (
                "select 1::int, ':a', $$:a$$ /* :a */;",
                "select 1::int, ':a', $$:a$$ /* :a */;",
            ),
            ("select :nope, :'nope';", "select :nope, :'nope';"),
            ("select :a\n, :a;", "select 5\n, 5;"),
        ];
        for (sql, expected) in cases {
            let commands = split_commands(sql);
            let Command::Sql(statement) = &commands[0] else {
                panic!("{sql}: not a statement");
            };
            let sent = vars()
                .interpolate(statement)
                .map_or(statement.text.clone(), |(text, _)| text);
            assert_eq!(&sent, expected, "input: {sql:?}");
        }
    }

    #[test]
    fn substitutions_say_where_values_went() {
        let Command::Sql(statement) = split_commands("select :a, :'b';").remove(0) else {
            panic!("not a statement");
        };
        let (sent, subs) = vars().interpolate(&statement).unwrap();
        assert_eq!(sent, "select 5, 'it''s';");
        assert_eq!(&sent[subs[1].sent_start..subs[1].sent_end], "'it''s'");
        assert_eq!(subs[1].written, ":'b'");
    }

    #[test]
    fn arguments_are_split_like_psql() {
        let cases: &[(&str, &[&str])] = &[
            ("  x  y ", &["x", "y"]),
            ("'a b' c", &["a b", "c"]),
            ("'it''s' 'a\\tb'", &["it's", "a\tb"]),
            ("\"q q\" x'y z'", &["\"q q\"", "xy z"]),
            (
                ":a :'b' :\"b\" :nope",
                &["5", "'it''s'", "\"it's\"", ":nope"],
            ),
            ("p_:a", &["p_5"]),
        ];
        for (args, expected) in cases {
            assert_eq!(&split_args(args, &vars()).unwrap(), expected, "{args:?}");
        }
        assert!(split_args("`date`", &vars()).is_err());
    }
}

//! psql's describe family (`\d`, `\d+ NAME`, `\dt`, `\di`, `\dv`, `\dm`, `\ds`, `\dn`, `\df[anptw]`,
//! `\dx`, `\dp`, `\du`, `\dRp`, `\dRs`): the catalog queries psql 15 would send, run on the
//! crate's own connection, printed byte for byte as psql prints them.
//!
//! The dispatcher of meta-commands parses a command into a [`DescribeCommand`] and calls
//! [`run`]. This module neither reads input nor prints: it returns the text psql would have
//! written (stdout and stderr, in order), and never panics on a bad name or pattern.

mod index;
mod lists;
mod objects;
mod partition;
mod pattern;
mod query;
mod relation;
mod roles;
mod rules;
mod sequence;
mod table;
mod view;

use crate::format::Display;
use crate::Connection;

/// One describe meta-command, as typed after the backslash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeCommand {
    /// The command without its modifiers: `d`, `dt`, `di`, `dtv`, `dRp`, `du` …
    pub name: String,
    /// `+`: the verbose variant.
    pub plus: bool,
    /// `S`: include system objects.
    pub system: bool,
    /// The first argument (double quotes kept, as psql's patterns need them).
    pub pattern: Option<String>,
    /// The arguments after the pattern: `\df`'s argument-type patterns (`-` for "no such
    /// argument"); the other commands ignore them, as psql does.
    pub arguments: Vec<String>,
    /// The session's display settings (`\x`, `\pset`), which psql applies to describe
    /// output too; the default when parsed.
    pub display: Display,
}

/// What psql printed for the command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeOutput {
    /// Exactly what psql prints to stdout and stderr, in order.
    pub text: String,
    /// The command failed (psql would stop here under `ON_ERROR_STOP`).
    pub is_error: bool,
}

/// Relation kinds `\d?` lists: tables, indexes, views, materialized views, sequences,
/// foreign tables.
const RELATION_KINDS: &str = "tivmsE";

impl DescribeCommand {
    /// Parses `name` (`d+`, `dt`, `dRp+`, `dtS` … without the backslash) and its argument
    /// text; `None` when this is not a describe command this module knows.
    pub fn parse(name: &str, args: &str) -> Option<DescribeCommand> {
        // `\z` is psql's other name for `\dp`.
        let rest = match name.strip_prefix('z') {
            Some(modifiers) => format!("p{modifiers}"),
            None => name.strip_prefix('d')?.to_string(),
        };
        // psql looks for the modifiers anywhere after the command letters.
        let plus = rest.contains('+');
        let system = rest.contains('S');
        let kind: String = rest.chars().filter(|c| !matches!(c, '+' | 'S')).collect();
        let known = match kind.as_str() {
            "n" | "x" | "p" | "u" | "g" | "Rp" | "Rs" => true,
            // `\df` and its kinds: aggregates, normal, procedures, trigger, window functions.
            kinds if kinds.starts_with('f') => kinds[1..].chars().all(|c| "anptw".contains(c)),
            kinds => kinds.chars().all(|c| RELATION_KINDS.contains(c)),
        };
        if !known {
            return None;
        }
        let mut arguments = arguments(args).into_iter();
        Some(DescribeCommand {
            name: format!("d{kind}"),
            plus,
            system,
            pattern: arguments.next(),
            arguments: arguments.collect(),
            display: Display::default(),
        })
    }
}

/// Runs the command's catalog queries on `connection` and returns what psql prints.
pub fn run(connection: &mut Connection, command: &DescribeCommand) -> DescribeOutput {
    // psql prints the catalog's NULLs as empty cells whatever `\pset null` says.
    let mut command = command.clone();
    command.display.null.clear();
    let command = &command;
    let kind = &command.name[1..];
    let pattern = command.pattern.as_deref();
    let result = match kind {
        "" if pattern.is_some() => relation::describe(connection, command),
        "n" => lists::schemas(connection, command),
        kinds if kinds.starts_with('f') => lists::functions(connection, command, &kinds[1..]),
        "x" => objects::extensions(connection, command),
        "p" => lists::privileges(connection, command),
        "u" | "g" => roles::roles(connection, command),
        "Rp" => objects::publications(connection, command),
        "Rs" => objects::subscriptions(connection, command),
        // `\d` alone lists what `\dtvmsE` lists.
        "" => lists::relations(connection, command, "tvmsE"),
        kinds => lists::relations(connection, command, kinds),
    };
    match result {
        Ok(text) => DescribeOutput {
            text,
            is_error: false,
        },
        Err(failure) => DescribeOutput {
            text: failure.text,
            is_error: true,
        },
    }
}

/// The arguments of a meta-command, in order: each up to unquoted whitespace, double quotes
/// kept (patterns interpret them), single quotes removed as psql's argument scanner does (so
/// `''` is an empty pattern, not none). An unterminated quote ends the list, as in psql,
/// whose scanner reports it ("unterminated quoted string") before the command runs.
fn arguments(args: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = args;
    while let Some((argument, after)) = next_argument(rest) {
        found.push(argument);
        rest = after;
    }
    found
}

/// The first argument of `args` and what follows it.
fn next_argument(args: &str) -> Option<(String, &str)> {
    let args = args.trim_start();
    if args.is_empty() {
        return None;
    }
    let mut out = String::new();
    let mut chars = args.char_indices().peekable();
    let mut double = false;
    let mut end = args.len();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => {
                double = !double;
                out.push(c);
            }
            '\'' if !double => {
                // A single-quoted piece is taken literally, `''` inside it being one quote.
                let mut closed = false;
                while let Some((_, q)) = chars.next() {
                    if q == '\'' {
                        if chars.peek().map(|&(_, c)| c) == Some('\'') {
                            chars.next();
                            out.push('\'');
                            continue;
                        }
                        closed = true;
                        break;
                    }
                    out.push(q);
                }
                if !closed {
                    return None;
                }
            }
            c if c.is_whitespace() && !double => {
                end = at;
                break;
            }
            c => out.push(c),
        }
    }
    (!double).then_some((out, &args[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_modifiers_and_patterns() {
        let cases = [
            ("d+", "orders", Some(("d", true, false, Some("orders")))),
            ("dtS+", "", Some(("dt", true, true, None))),
            (
                "dRp+",
                " pub_all ",
                Some(("dRp", true, false, Some("pub_all"))),
            ),
            ("dRs", "", Some(("dRs", false, false, None))),
            ("dS", "", Some(("d", false, true, None))),
            ("dtv", "a*", Some(("dtv", false, false, Some("a*")))),
            (
                "di",
                "\"My Index\" x",
                Some(("di", false, false, Some("\"My Index\""))),
            ),
            ("dt", "'it''s'", Some(("dt", false, false, Some("it's")))),
            ("dt", "''", Some(("dt", false, false, Some("")))),
            ("d", "\"open", Some(("d", false, false, None))),
            ("d", "'open", Some(("d", false, false, None))),
            (
                "d",
                "\"a b\"c d",
                Some(("d", false, false, Some("\"a b\"c"))),
            ),
            ("dq", "", None),
            ("x", "", None),
            ("dT", "", None),
            ("dfa+", "", Some(("dfa", true, false, None))),
            ("dfS", "", Some(("df", false, true, None))),
            ("dfx", "", None),
            (
                "z",
                "customers",
                Some(("dp", false, false, Some("customers"))),
            ),
        ];
        for (name, args, expected) in cases {
            // Arguments after the pattern are checked below.
            let parsed = DescribeCommand::parse(name, args).map(|command| DescribeCommand {
                arguments: Vec::new(),
                ..command
            });
            let expected = expected.map(|(n, plus, system, pattern)| DescribeCommand {
                name: n.to_string(),
                plus,
                system,
                pattern: pattern.map(str::to_string),
                arguments: Vec::new(),
                display: Display::default(),
            });
            assert_eq!(parsed, expected, "{name} {args}");
        }
        let df = DescribeCommand::parse("df", " f int4 'a b'  \"X y\" - 'open").unwrap();
        assert_eq!(df.pattern.as_deref(), Some("f"));
        assert_eq!(df.arguments, ["int4", "a b", "\"X y\"", "-"]);
    }
}

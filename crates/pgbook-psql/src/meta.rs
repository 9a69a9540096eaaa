//! The psql meta-commands pgbook runs itself, and what each prints: `\set`, `\unset`,
//! `\echo`, `\x`, `\pset`, `\a`, `\t`, `\timing`, `\gset`'s storing of a row into
//! variables, and the message style the `VERBOSITY` and `SHOW_CONTEXT` variables ask for.
//!
//! Commands act on plain values given to them (the chapter's [`Variables`], the session's
//! [`Display`]); the describe family needs a connection and lives in [`crate::describe`].
//! This module never talks to a server and knows nothing of sessions or Markdown.

use pgbook_book::ResultSet;

use crate::describe::DescribeCommand;
use crate::format::{Display, ErrorStyle, PsetOutcome, ShowContext, Verbosity};
use crate::split::MetaCommand;
use crate::variables::{is_valid_name, split_args, Variables};

/// The meta-commands pgbook runs, for messages about the others.
pub const SUPPORTED: &str = "\\set, \\unset, \\echo, \\g, \\gx, \\gset, \\gexec, \\x, \\pset (expanded, \
     format, null, tuples_only, footer, border), \\a, \\t, \\timing, and the describe commands \\d, \
     \\dt, \\di, \\dv, \\dm, \\ds, \\dn, \\df, \\dx, \\dp, \\du, \\dRp, \\dRs";

/// psql variables that change how psql itself behaves or prints; pgbook does not emulate
/// them, so setting one is refused rather than silently ignored.
const SPECIAL_VARIABLES: &[&str] = &[
    "AUTOCOMMIT",
    "COMP_KEYWORD_CASE",
    "ECHO",
    "ECHO_HIDDEN",
    "FETCH_COUNT",
    "HIDE_TABLEAM",
    "HIDE_TOAST_COMPRESSION",
    "HISTCONTROL",
    "HISTFILE",
    "HISTSIZE",
    "IGNOREEOF",
    "ON_ERROR_STOP",
    "PROMPT1",
    "PROMPT2",
    "PROMPT3",
    "QUIET",
    "SHOW_ALL_RESULTS",
    "SINGLELINE",
    "SINGLESTEP",
];

/// What a meta-command printed: `text` (each line ending in `\n`, possibly empty), and
/// whether psql reports it as an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printed {
    pub text: String,
    pub is_error: bool,
}

impl Printed {
    fn ok(text: String) -> Printed {
        Printed {
            text,
            is_error: false,
        }
    }

    fn error(text: String) -> Printed {
        Printed {
            text,
            is_error: true,
        }
    }
}

/// What kind of command `name` (without its backslash) is to pgbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Run by [`run`] with variables and display settings.
    Local,
    /// Sends the query buffer (`\g`, `\gx`, `\gset`, `\gexec`).
    Send,
    /// The describe family, run with a connection.
    Describe(DescribeCommand),
    Unsupported,
}

/// Classifies a meta-command.
pub fn kind(meta: &MetaCommand) -> Kind {
    match meta.name.as_str() {
        "set" | "unset" | "echo" | "x" | "pset" | "a" | "t" | "timing" => Kind::Local,
        "g" | "gx" | "gset" | "gexec" => Kind::Send,
        name => match DescribeCommand::parse(name, &meta.args) {
            Some(describe) => Kind::Describe(describe),
            None => Kind::Unsupported,
        },
    }
}

/// Runs a [`Kind::Local`] command.
pub fn run(meta: &MetaCommand, variables: &mut Variables, display: &mut Display) -> Printed {
    let args = match split_args(&meta.args, variables) {
        Ok(args) => args,
        Err(e) => return Printed::error(format!("\\{}: {e}\n", meta.name)),
    };
    let name = meta.name.as_str();
    match name {
        "set" => set(&args, variables),
        "unset" => match args.first() {
            Some(var) => {
                variables.unset(var);
                Printed::ok(String::new())
            }
            None => Printed::error("\\unset: missing required argument\n".into()),
        },
        "echo" => {
            let (words, newline) = match args.first().map(String::as_str) {
                Some("-n") => (&args[1..], ""),
                _ => (&args[..], "\n"),
            };
            Printed::ok(format!("{}{newline}", words.join(" ")))
        }
        "x" => with_extras(name, &args, 1, display.pset("expanded", arg(&args, 0))),
        "t" => with_extras(name, &args, 1, display.pset("tuples_only", arg(&args, 0))),
        "a" => with_extras(name, &args, 0, display.toggle_aligned()),
        "timing" => with_extras(name, &args, 1, display.set_timing(arg(&args, 0))),
        "pset" => match arg(&args, 0) {
            Some(option) => with_extras(name, &args, 2, display.pset(option, arg(&args, 1))),
            None => Printed::error(
                "\\pset without arguments (listing every setting) is not supported by pgbook\n"
                    .into(),
            ),
        },
        other => Printed::error(format!("invalid command \\{other}\n")),
    }
}

fn arg(args: &[String], i: usize) -> Option<&str> {
    args.get(i).map(String::as_str)
}

/// A display command's output followed by psql's warning for each argument it ignored.
fn with_extras(name: &str, args: &[String], used: usize, outcome: PsetOutcome) -> Printed {
    let mut printed = match outcome {
        PsetOutcome::Message(text) => Printed::ok(text),
        PsetOutcome::Error(text) => Printed::error(text),
    };
    for extra in args.iter().skip(used) {
        printed
            .text
            .push_str(&format!("\\{name}: extra argument \"{extra}\" ignored\n"));
    }
    printed
}

/// `\set NAME [VALUE ...]`: the values are concatenated, as psql does.
fn set(args: &[String], variables: &mut Variables) -> Printed {
    let Some(name) = args.first() else {
        return Printed::error(
            "\\set without arguments (listing every variable) is not supported by pgbook\n".into(),
        );
    };
    if !is_valid_name(name) {
        return Printed::error(format!("invalid variable name: \"{name}\"\n"));
    }
    if SPECIAL_VARIABLES.contains(&name.as_str()) {
        return Printed::error(format!(
            "\\set {name}: pgbook does not emulate psql's {name} setting; the meta-commands \
             it supports are {SUPPORTED}\n"
        ));
    }
    let value = args[1..].concat();
    if let Some(problem) = check_style_value(name, &value) {
        return Printed::error(problem);
    }
    variables.set(name, value);
    Printed::ok(String::new())
}

/// The values psql accepts for `VERBOSITY`, `SHOW_CONTEXT` and `ON_ERROR_ROLLBACK`.
fn check_style_value(name: &str, value: &str) -> Option<String> {
    let (accepted, listed): (&[&str], &str) = match name {
        "VERBOSITY" => (
            &["default", "verbose", "terse", "sqlstate"],
            "default, verbose, terse, sqlstate",
        ),
        "SHOW_CONTEXT" => (&["never", "errors", "always"], "never, errors, always"),
        "ON_ERROR_ROLLBACK" => {
            let ok = value.eq_ignore_ascii_case("interactive")
                || crate::format::display::parse_bool(value).is_some();
            return (!ok).then(|| {
                format!(
                    "unrecognized value \"{value}\" for \"ON_ERROR_ROLLBACK\"\n\
                     Available values are: on, off, interactive.\n"
                )
            });
        }
        _ => return None,
    };
    if accepted.iter().any(|a| a.eq_ignore_ascii_case(value)) {
        return None;
    }
    Some(format!(
        "unrecognized value \"{value}\" for \"{name}\"\nAvailable values are: {listed}.\n"
    ))
}

/// Whether the chapter's `ON_ERROR_ROLLBACK` asks for psql's savepoint around statements in
/// a transaction (`interactive` means off: pgbook, like psql reading a file, is not).
pub fn on_error_rollback(variables: &Variables) -> bool {
    variables
        .get("ON_ERROR_ROLLBACK")
        .is_some_and(|v| crate::format::display::parse_bool(v) == Some(true))
}

/// How messages print given the chapter's `VERBOSITY` and `SHOW_CONTEXT` variables.
pub fn error_style(variables: &Variables) -> ErrorStyle {
    let is = |name: &str, value: &str| {
        variables
            .get(name)
            .is_some_and(|v| v.eq_ignore_ascii_case(value))
    };
    ErrorStyle {
        verbosity: if is("VERBOSITY", "terse") {
            Verbosity::Terse
        } else if is("VERBOSITY", "sqlstate") {
            Verbosity::Sqlstate
        } else if is("VERBOSITY", "verbose") {
            Verbosity::Verbose
        } else {
            Verbosity::Default
        },
        context: if is("SHOW_CONTEXT", "never") {
            ShowContext::Never
        } else if is("SHOW_CONTEXT", "always") {
            ShowContext::Always
        } else {
            ShowContext::Errors
        },
    }
}

/// `\gset [PREFIX]` after a query that returned `rows`: one row sets a variable per column
/// (a NULL unsets it); no row or several rows are psql's errors.
pub fn gset(meta: &MetaCommand, rows: &ResultSet, variables: &mut Variables) -> Printed {
    let prefix = match split_args(&meta.args, variables) {
        Ok(args) => args.into_iter().next().unwrap_or_default(),
        Err(e) => return Printed::error(format!("\\gset: {e}\n")),
    };
    let row = match rows.rows.as_slice() {
        [row] => row,
        [] => return Printed::error("no rows returned for \\gset\n".into()),
        _ => return Printed::error("more than one row returned for \\gset\n".into()),
    };
    for (column, value) in rows.columns.iter().zip(row) {
        let name = format!("{prefix}{}", column.name);
        if !is_valid_name(&name) {
            return Printed::error(format!("invalid variable name: \"{name}\"\n"));
        }
        match value {
            Some(value) => variables.set(&name, value.clone()),
            None => variables.unset(&name),
        }
    }
    Printed::ok(String::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(name: &str, args: &str) -> MetaCommand {
        MetaCommand {
            name: name.into(),
            args: args.into(),
            offset: 0,
        }
    }

    /// Outputs are psql 15's for the same commands (also in the differential corpus).
    #[test]
    fn commands_print_what_psql_prints() {
        let mut v = Variables::default();
        let mut d = Display::default();
        let mut run = |name: &str, args: &str| run(&meta(name, args), &mut v, &mut d);
        assert_eq!(run("set", " a 5").text, "");
        assert_eq!(run("set", " b 'it''s' x").text, "");
        assert_eq!(run("echo", " :a :'b' :nope").text, "5 'it''sx' :nope\n");
        assert_eq!(run("echo", " -n hi").text, "hi");
        assert_eq!(run("unset", " a").text, "");
        assert_eq!(run("echo", " :a").text, ":a\n");
        assert_eq!(
            run("x", " on off").text,
            "Expanded display is on.\n\\x: extra argument \"off\" ignored\n"
        );
        assert!(!run("set", " VERBOSITY terse").is_error);
        assert!(!run("set", " VERBOSITY verbose").is_error);
        assert_eq!(
            run("set", " SHOW_CONTEXT bogus").text,
            "unrecognized value \"bogus\" for \"SHOW_CONTEXT\"\n\
             Available values are: never, errors, always.\n"
        );
        assert!(run("set", " ON_ERROR_STOP on").is_error);
        assert!(!run("set", " ON_ERROR_ROLLBACK on").is_error);
        assert!(run("set", " ON_ERROR_ROLLBACK maybe").is_error);
        assert!(run("unset", "").is_error);
        assert_eq!(
            run("set", " 'a b' 1").text,
            "invalid variable name: \"a b\"\n"
        );
    }

    #[test]
    fn gset_stores_one_row() {
        use pgbook_book::Column;
        let column = |name: &str| Column {
            name: name.into(),
            type_oid: 25,
        };
        let mut rows = ResultSet {
            elided_rows: 0,
            all_rows: None,
            columns: vec![column("x"), column("y")],
            rows: vec![vec![Some("1".into()), None]],
        };
        let mut v = Variables::default();
        v.set("p_y", "old".into());
        assert!(!gset(&meta("gset", " p_"), &rows, &mut v).is_error);
        assert_eq!(v.get("p_x"), Some("1"));
        assert_eq!(v.get("p_y"), None);
        rows.rows.clear();
        assert_eq!(
            gset(&meta("gset", ""), &rows, &mut v).text,
            "no rows returned for \\gset\n"
        );
    }
}

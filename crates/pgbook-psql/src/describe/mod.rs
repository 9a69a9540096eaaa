//! The describe family (`\d`, `\d+`, `\dt`, ...): placeholder with the final API, so that the
//! splitter and the statement runner can recognise and dispatch these commands. Running one
//! reports that it is not supported yet; the real module (catalog queries as psql sends
//! them) replaces this file.
//!
//! It must not grow anything else: nothing outside this API may depend on it.

use crate::Connection;

/// A parsed `\d…` command: its base name, `+`, `S` (system objects) and pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeCommand {
    name: String,
    plus: bool,
    system: bool,
    pattern: Option<String>,
}

/// The describe commands psql 15 has that pgbook will support.
const NAMES: &[&str] = &[
    "d", "dt", "di", "dv", "dm", "ds", "dn", "df", "dx", "dp", "du", "dRp", "dRs",
];

impl DescribeCommand {
    /// `name` is the command without its backslash (`d+`, `dt`, `dRp+`), `args` the rest of
    /// its line. `None` when it is not a describe command pgbook knows.
    pub fn parse(name: &str, args: &str) -> Option<DescribeCommand> {
        let (name, plus) = match name.strip_suffix('+') {
            Some(base) => (base, true),
            None => (name, false),
        };
        let (name, system) = match name.strip_suffix('S') {
            Some(base) if !base.is_empty() && base != "dR" => (base, true),
            _ => (name, false),
        };
        NAMES.contains(&name).then(|| DescribeCommand {
            name: name.to_string(),
            plus,
            system,
            pattern: args.split_whitespace().next().map(str::to_string),
        })
    }
}

/// What psql prints for a describe command (stdout and stderr in order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeOutput {
    pub text: String,
    pub is_error: bool,
}

/// Runs `command` on `connection` and returns what psql would print.
pub fn run(_connection: &mut Connection, command: &DescribeCommand) -> DescribeOutput {
    let plus = if command.plus { "+" } else { "" };
    DescribeOutput {
        text: format!(
            "\\{}{plus}: describe commands are not supported yet by pgbook\n",
            command.name
        ),
        is_error: true,
    }
}

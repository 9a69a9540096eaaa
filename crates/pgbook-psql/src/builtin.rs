//! psql's built-in variables: those it sets when it connects (`DBNAME`, `USER`, `HOST`,
//! `PORT`, `ENCODING`, `SERVER_VERSION_NAME`, `SERVER_VERSION_NUM`), those of the client
//! itself (`VERSION`, `VERSION_NAME`, `VERSION_NUM`, and `LAST_ERROR_MESSAGE` /
//! `LAST_ERROR_SQLSTATE` before any error), and those it sets after every query (`ERROR`,
//! `SQLSTATE`, `ROW_COUNT`, and the `LAST_ERROR_*` pair after an error).
//!
//! pgbook runs no psql, so the client's version is the server's (`version()`): with a
//! scratch cluster both come from the same installation. It turns connection facts and a
//! statement's events into variable values; it never talks to a server.

use pgbook_book::Event;

use crate::client::{ConnectOptions, Target};
use crate::variables::Variables;

/// The variables psql sets for one connection, given to [`Variables::use_connection`] by
/// the session whose statement runs next. A value the chapter `\set` itself wins over them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionVariables {
    values: Vec<(&'static str, String)>,
}

impl ConnectionVariables {
    /// What psql would set after connecting with `options` to a server that reported
    /// `server_version` and `client_encoding` and whose `version()` is `version`.
    pub fn new(
        options: &ConnectOptions,
        server_version: &str,
        client_encoding: &str,
        version: &str,
    ) -> ConnectionVariables {
        let (host, port) = match &options.target {
            Target::Unix { dir, port } => (dir.display().to_string(), *port),
            Target::Tcp { host, port } => (host.clone(), *port),
        };
        let number = version_number(server_version).to_string();
        let values = vec![
            ("DBNAME", options.dbname.clone()),
            ("USER", options.user.clone()),
            ("HOST", host),
            ("PORT", port.to_string()),
            ("ENCODING", client_encoding.to_string()),
            ("SERVER_VERSION_NAME", server_version.to_string()),
            ("SERVER_VERSION_NUM", number.clone()),
            ("VERSION", version.to_string()),
            ("VERSION_NAME", server_version.to_string()),
            ("VERSION_NUM", number),
            // Set at psql's start, replaced by the first error.
            ("LAST_ERROR_MESSAGE", String::new()),
            ("LAST_ERROR_SQLSTATE", "00000".to_string()),
        ];
        ConnectionVariables { values }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// libpq's `PQserverVersion` of a `server_version` string: `15.18 (…)` → 150018 (from
/// version 10 on, major × 10000 + minor), `9.6.3` → 90603; 0 when unreadable.
pub fn version_number(server_version: &str) -> u32 {
    let digits = server_version
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .next()
        .unwrap_or("");
    let parts: Vec<u32> = digits.split('.').map_while(|p| p.parse().ok()).collect();
    match parts.as_slice() {
        [major, minor, ..] if *major >= 10 => major * 10000 + minor,
        [major] if *major >= 10 => major * 10000,
        [major, minor, rest @ ..] => major * 10000 + minor * 100 + rest.first().unwrap_or(&0),
        _ => 0,
    }
}

/// What psql sets after a query that produced `events`: on an error `ERROR=true`, its
/// SQLSTATE, `ROW_COUNT=0` and the `LAST_ERROR_*` pair; otherwise `ERROR=false`,
/// `SQLSTATE=00000` and the last command's row count (0 after `COPY … TO STDOUT`, as psql
/// counts the copy's own result, which has none).
pub fn set_result_variables(events: &[Event], variables: &mut Variables) {
    let error = events.iter().rev().find_map(|e| match e {
        Event::Error(message) => Some(message),
        _ => None,
    });
    if let Some(message) = error {
        variables.set("ERROR", "true".into());
        variables.set("SQLSTATE", message.sqlstate.clone());
        variables.set("ROW_COUNT", "0".into());
        variables.set("LAST_ERROR_SQLSTATE", message.sqlstate.clone());
        variables.set("LAST_ERROR_MESSAGE", message.message.clone());
        return;
    }
    let last = events.iter().rev().find_map(|e| match e {
        Event::Complete { tag, .. } => Some(Some(tag.as_str())),
        Event::EmptyQuery => Some(None),
        _ => None,
    });
    let Some(tag) = last else {
        return;
    };
    let copied_out = events.iter().any(|e| matches!(e, Event::CopyOut(_)));
    let count = match tag {
        Some(tag) if !copied_out => command_tuples(tag),
        _ => "0",
    };
    variables.set("ERROR", "false".into());
    variables.set("SQLSTATE", "00000".into());
    variables.set("ROW_COUNT", count.to_string());
}

/// libpq's `PQcmdTuples`: the row count of a command tag, `0` for commands without one.
fn command_tuples(tag: &str) -> &str {
    let mut words = tag.split(' ');
    let count = match words.next() {
        Some("INSERT") => words.nth(1),
        Some("SELECT" | "UPDATE" | "DELETE" | "MERGE" | "FETCH" | "MOVE" | "COPY") => words.next(),
        _ => None,
    };
    count
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or("0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_numbers_like_libpq() {
        assert_eq!(version_number("15.18 (Debian 15.18-0+deb12u1)"), 150018);
        assert_eq!(version_number("16beta1"), 160000);
        assert_eq!(version_number("9.6.3"), 90603);
        assert_eq!(version_number("nonsense"), 0);
    }

    #[test]
    fn row_counts_like_pqcmdtuples() {
        let cases = [
            ("INSERT 0 5", "5"),
            ("SELECT 2", "2"),
            ("UPDATE 0", "0"),
            ("COPY 7", "7"),
            ("CREATE TABLE", "0"),
            ("BEGIN", "0"),
        ];
        for (tag, count) in cases {
            assert_eq!(command_tuples(tag), count, "{tag}");
        }
    }
}

//! `\du[+]` (and its alias `\dg`): "List of roles", whose Attributes column psql composes
//! from the role's flags, connection limit and password expiry.
//!
//! It builds and prints that one table; nothing here prints or reads input.

use super::lists::{pattern_conditions, where_clause};
use super::pattern::Columns;
use super::query::{cell, fetch, is_true, left_aligned, Outcome};
use super::DescribeCommand;
use crate::format::{write_titled_table, Footer};
use crate::Connection;

pub(super) fn roles(connection: &mut Connection, command: &DescribeCommand) -> Outcome {
    let mut sql = String::from(
        "SELECT r.rolname, r.rolsuper, r.rolinherit,\n  r.rolcreaterole, r.rolcreatedb, \
         r.rolcanlogin,\n  r.rolconnlimit, r.rolvaliduntil,\n  \
         ARRAY(SELECT b.rolname\n        FROM pg_catalog.pg_auth_members m\n        \
         JOIN pg_catalog.pg_roles b ON (m.roleid = b.oid)\n        \
         WHERE m.member = r.oid) as memberof\n, r.rolreplication\n, r.rolbypassrls",
    );
    if command.plus {
        sql.push_str("\n, pg_catalog.shobj_description(r.oid, 'pg_authid') AS description");
    }
    sql.push_str("\nFROM pg_catalog.pg_roles r\n");
    let mut conditions = Vec::new();
    if !command.system && command.pattern.is_none() {
        conditions.push("r.rolname !~ '^pg_'".to_string());
    }
    let columns = Columns {
        schema: None,
        name: "r.rolname",
        alt_name: None,
        visible: None,
        in_database: false,
    };
    conditions.extend(pattern_conditions(connection, command, &columns)?);
    sql.push_str(&where_clause(&conditions));
    sql.push_str("ORDER BY 1;");
    let result = fetch(connection, &sql)?;
    let rows = (0..result.rows.len())
        .map(|i| {
            let mut row = vec![
                Some(cell(&result, i, 0).to_string()),
                Some(attributes(&result, i)),
                Some(cell(&result, i, 8).to_string()),
            ];
            if command.plus {
                row.push(Some(cell(&result, i, 11).to_string()));
            }
            row
        })
        .collect();
    let mut headers = vec!["Role name", "Attributes", "Member of"];
    if command.plus {
        headers.push("Description");
    }
    let mut out = String::new();
    write_titled_table(
        Some("List of roles"),
        &left_aligned(&headers, rows),
        Footer::Lines(&[]),
        &command.display,
        &mut out,
    );
    Ok(out)
}

/// The Attributes cell: flags joined by commas, then the connection limit and the password
/// expiry on lines of their own.
fn attributes(result: &pgbook_book::ResultSet, i: usize) -> String {
    let flags = [
        (is_true(result, i, 1), "Superuser"),
        (!is_true(result, i, 2), "No inheritance"),
        (is_true(result, i, 3), "Create role"),
        (is_true(result, i, 4), "Create DB"),
        (!is_true(result, i, 5), "Cannot login"),
        (is_true(result, i, 9), "Replication"),
        (is_true(result, i, 10), "Bypass RLS"),
    ];
    let mut text = flags
        .iter()
        .filter(|(set, _)| *set)
        .map(|(_, name)| *name)
        .collect::<Vec<_>>()
        .join(", ");
    let mut add_line = |line: String| {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&line);
    };
    // A limit of -1 means none; psql shows nothing then.
    if let Ok(limit) = cell(result, i, 6).parse::<i64>() {
        match limit {
            0 => add_line("No connections".into()),
            1 => add_line("1 connection".into()),
            n if n > 1 => add_line(format!("{n} connections")),
            _ => {}
        }
    }
    let valid_until = cell(result, i, 7);
    if !valid_until.is_empty() {
        add_line(format!("Password valid until {valid_until}"));
    }
    text
}

//! Where a relation sits in an inheritance or partition tree, as `\d` footers: "Partition
//! of:" (with its constraint under `+`), "Inherits:", and the partitions or child tables
//! (counted, or listed under `+`).
//!
//! It only adds footer lines; nothing here prints or reads input.

use super::query::{cell, fetch, is_null, Failure};
use super::relation::Relation;
use crate::Connection;

type Footers = Vec<String>;

/// "Partition of: parent BOUND", and with `+` the partition constraint.
pub(super) fn partition_of(
    connection: &mut Connection,
    relation: &Relation,
    oid: &str,
    footers: &mut Footers,
) -> Result<(), Failure> {
    let sql = format!(
        "SELECT inhparent::pg_catalog.regclass,\n  \
         pg_catalog.pg_get_expr(c.relpartbound, c.oid),\n  inhdetachpending,\n  \
         pg_catalog.pg_get_partition_constraintdef(c.oid)\n\
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_inherits i ON c.oid = inhrelid\n\
         WHERE c.oid = {oid};"
    );
    let parent = fetch(connection, &sql)?;
    if parent.rows.is_empty() {
        return Ok(());
    }
    let pending = if cell(&parent, 0, 2) == "t" {
        " DETACH PENDING"
    } else {
        ""
    };
    footers.push(format!(
        "Partition of: {} {}{pending}",
        cell(&parent, 0, 0),
        cell(&parent, 0, 1)
    ));
    if relation.verbose {
        if cell(&parent, 0, 3).is_empty() {
            footers.push("No partition constraint".into());
        } else {
            footers.push(format!("Partition constraint: {}", cell(&parent, 0, 3)));
        }
    }
    Ok(())
}

/// "Inherits:" (non-partition parents) and the partitions or child tables.
pub(super) fn inheritance(
    connection: &mut Connection,
    relation: &Relation,
    oid: &str,
    footers: &mut Footers,
) -> Result<(), Failure> {
    let sql = format!(
        "SELECT c.oid::pg_catalog.regclass\n\
         FROM pg_catalog.pg_class c, pg_catalog.pg_inherits i\n\
         WHERE c.oid = i.inhparent AND i.inhrelid = {oid}\n  \
         AND c.relkind != 'p' AND c.relkind != 'I'\nORDER BY inhseqno;"
    );
    let parents = fetch(connection, &sql)?;
    listed(footers, "Inherits", &parents, |i| {
        cell(&parents, i, 0).to_string()
    });
    let sql = format!(
        "SELECT c.oid::pg_catalog.regclass, c.relkind, inhdetachpending, \
         pg_catalog.pg_get_expr(c.relpartbound, c.oid)\n\
         FROM pg_catalog.pg_class c, pg_catalog.pg_inherits i\n\
         WHERE c.oid = i.inhrelid AND i.inhparent = {oid}\n\
         ORDER BY pg_catalog.pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT', \
         c.oid::pg_catalog.regclass::pg_catalog.text;"
    );
    let children = fetch(connection, &sql)?;
    let count = children.rows.len();
    let partitioned = matches!(relation.kind, 'p' | 'I');
    if relation.kind == 'p' && count == 0 {
        footers.push("Number of partitions: 0".into());
    } else if !relation.verbose {
        if count > 0 {
            let what = if partitioned {
                "partitions"
            } else {
                "child tables"
            };
            footers.push(format!(
                "Number of {what}: {count} (Use \\d+ to list them.)"
            ));
        }
    } else {
        let heading = if partitioned {
            "Partitions"
        } else {
            "Child tables"
        };
        listed(footers, heading, &children, |i| {
            let mut line = cell(&children, i, 0).to_string();
            if !is_null(&children, i, 3) {
                line.push_str(&format!(" {}", cell(&children, i, 3)));
            }
            match cell(&children, i, 1) {
                "p" | "I" => line.push_str(", PARTITIONED"),
                "f" => line.push_str(", FOREIGN"),
                _ => {}
            }
            if cell(&children, i, 2) == "t" {
                line.push_str(" (DETACH PENDING)");
            }
            line
        });
    }
    Ok(())
}

/// `Heading: first,` then the others aligned under the first, comma after all but the last.
fn listed(
    footers: &mut Footers,
    heading: &str,
    rows: &pgbook_book::ResultSet,
    item: impl Fn(usize) -> String,
) {
    let count = rows.rows.len();
    for i in 0..count {
        let lead = if i == 0 {
            format!("{heading}: ")
        } else {
            " ".repeat(heading.len() + 2)
        };
        let comma = if i + 1 < count { "," } else { "" };
        footers.push(format!("{lead}{}{comma}", item(i)));
    }
}

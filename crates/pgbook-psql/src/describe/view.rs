//! `\d+ NAME` of a view: its definition and its rules other than the one that makes it a
//! view; and, for any view, its triggers.
//!
//! It only adds footer lines; nothing here prints or reads input.

use super::query::{cell, fetch, literal, Failure};
use super::relation::Relation;
use super::rules;
use crate::Connection;

/// `\d+` of a view shows its definition.
pub(super) fn view_footers(
    connection: &mut Connection,
    relation: &Relation,
    footers: &mut Vec<String>,
) -> Result<(), Failure> {
    let oid = literal(&relation.oid);
    if relation.verbose {
        footers.push("View definition:".into());
        footers.push(view_definition(connection, relation)?);
        if relation.has_rules {
            rules::rules(connection, &oid, true, footers)?;
        }
    }
    if relation.has_triggers {
        rules::triggers(connection, &oid, footers)?;
    }
    Ok(())
}

pub(super) fn view_definition(
    connection: &mut Connection,
    relation: &Relation,
) -> Result<String, Failure> {
    let sql = format!(
        "SELECT pg_catalog.pg_get_viewdef({}::pg_catalog.oid, true);",
        literal(&relation.oid)
    );
    let definition = fetch(connection, &sql)?;
    Ok(cell(&definition, 0, 0).to_string())
}

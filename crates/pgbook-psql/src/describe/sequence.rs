//! `\d NAME` of a sequence: its parameters as a one-row table (aligned by type, as psql's
//! `printQuery` does) and the column that owns it or whose identity it serves.
//!
//! It builds psql 15's queries and prints like it; nothing here prints or reads input.

use super::query::{cell, fetch, literal, Outcome};
use super::relation::Relation;
use crate::format::{write_titled_table, Display, Footer};
use crate::Connection;

/// A sequence: its parameters as a one-row table, and the column that owns it.
pub(super) fn sequence(
    connection: &mut Connection,
    relation: &Relation,
    display: &Display,
) -> Outcome {
    let oid = literal(&relation.oid);
    let sql = format!(
        "SELECT pg_catalog.format_type(seqtypid, NULL) AS \"Type\",\n       \
         seqstart AS \"Start\",\n       seqmin AS \"Minimum\",\n       \
         seqmax AS \"Maximum\",\n       seqincrement AS \"Increment\",\n       \
         CASE WHEN seqcycle THEN 'yes' ELSE 'no' END AS \"Cycles?\",\n       \
         seqcache AS \"Cache\"\nFROM pg_catalog.pg_sequence\nWHERE seqrelid = {oid};"
    );
    let parameters = fetch(connection, &sql)?;
    let sql = format!(
        "SELECT pg_catalog.quote_ident(nspname) || '.' || pg_catalog.quote_ident(relname) \
         || '.' || pg_catalog.quote_ident(attname), d.deptype\n\
         FROM pg_catalog.pg_class c\n\
         INNER JOIN pg_catalog.pg_depend d ON c.oid = d.refobjid\n\
         INNER JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace\n\
         INNER JOIN pg_catalog.pg_attribute a ON (a.attrelid = c.oid \
         AND a.attnum = d.refobjsubid)\n\
         WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass\n \
         AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass\n \
         AND d.objid = {oid}\n AND d.deptype IN ('a', 'i')"
    );
    let owner = fetch(connection, &sql)?;
    let mut footers = Vec::new();
    if !owner.rows.is_empty() {
        let label = if cell(&owner, 0, 1) == "i" {
            "Sequence for identity column"
        } else {
            "Owned by"
        };
        footers.push(format!("{label}: {}", cell(&owner, 0, 0)));
    }
    let kind = if relation.persistence == 'u' {
        "Unlogged sequence"
    } else {
        "Sequence"
    };
    let title = format!("{kind} \"{}.{}\"", relation.schema, relation.name);
    let mut out = String::new();
    write_titled_table(
        Some(&title),
        &parameters,
        Footer::Lines(&footers),
        display,
        &mut out,
    );
    Ok(out)
}

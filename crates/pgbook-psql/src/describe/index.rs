//! `\d NAME` of an index or partitioned index: the line under its columns (primary key or
//! unique, access method, table, predicate, flags), the index it is a partition of, and a
//! partitioned index's partitions.
//!
//! It only adds footer lines; nothing here prints or reads input.

use super::partition::{inheritance, partition_of};
use super::query::{cell, fetch, literal, Failure};
use super::relation::Relation;
use super::table::verbose_footers;
use crate::Connection;

type Footers = Vec<String>;

/// An index's footers: the index it is a partition of, its description line, and for a
/// partitioned index its partitions (and with `+` its access method).
pub(super) fn index_footers(
    connection: &mut Connection,
    relation: &Relation,
    footers: &mut Footers,
) -> Result<(), Failure> {
    let oid = literal(&relation.oid);
    if relation.is_partition {
        partition_of(connection, relation, &oid, footers)?;
    }
    index_footer(connection, relation, footers)?;
    if relation.kind == 'I' {
        inheritance(connection, relation, &oid, footers)?;
        if relation.verbose {
            verbose_footers(relation, footers);
        }
    }
    Ok(())
}

/// The line under an index: what kind, on which table, its predicate and flags.
fn index_footer(
    connection: &mut Connection,
    relation: &Relation,
    footers: &mut Footers,
) -> Result<(), Failure> {
    let oid = literal(&relation.oid);
    let sql = format!(
        "SELECT i.indisunique, i.indisprimary, i.indisclustered, i.indisvalid,\n  \
         (NOT i.indimmediate) AND EXISTS (SELECT 1 FROM pg_catalog.pg_constraint \
          WHERE conrelid = i.indrelid AND conindid = i.indexrelid \
          AND contype IN ('p','u','x') AND condeferrable),\n  \
         (NOT i.indimmediate) AND EXISTS (SELECT 1 FROM pg_catalog.pg_constraint \
          WHERE conrelid = i.indrelid AND conindid = i.indexrelid \
          AND contype IN ('p','u','x') AND condeferred),\n  \
         i.indisreplident, i.indnullsnotdistinct, a.amname, c2.relname,\n  \
         pg_catalog.pg_get_expr(i.indpred, i.indrelid, true)\n\
         FROM pg_catalog.pg_index i, pg_catalog.pg_class c, pg_catalog.pg_class c2, \
         pg_catalog.pg_am a\n\
         WHERE i.indexrelid = c.oid AND c.oid = {oid} AND c.relam = a.oid \
         AND i.indrelid = c2.oid;"
    );
    let index = fetch(connection, &sql)?;
    if index.rows.is_empty() {
        return Ok(());
    }
    let flag = |column| cell(&index, 0, column) == "t";
    let mut line = String::new();
    if flag(1) {
        line.push_str("primary key, ");
    } else if flag(0) {
        line.push_str("unique");
        if flag(7) {
            line.push_str(" nulls not distinct");
        }
        line.push_str(", ");
    }
    line.push_str(&format!(
        "{}, for table \"{}.{}\"",
        cell(&index, 0, 8),
        relation.schema,
        cell(&index, 0, 9)
    ));
    let predicate = cell(&index, 0, 10);
    if !predicate.is_empty() {
        line.push_str(&format!(", predicate ({predicate})"));
    }
    let flags = [
        (flag(2), ", clustered"),
        (!flag(3), ", invalid"),
        (flag(4), ", deferrable"),
        (flag(5), ", initially deferred"),
        (flag(6), ", replica identity"),
    ];
    for (set, text) in flags {
        if set {
            line.push_str(text);
        }
    }
    footers.push(line);
    Ok(())
}

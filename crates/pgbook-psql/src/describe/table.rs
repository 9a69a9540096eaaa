//! The footers under `\d NAME` of a table, partitioned table, partition, foreign table or
//! materialized view, in psql 15's order: partition of / key, indexes, check constraints,
//! foreign keys both ways, publications, view definition, a foreign table's server,
//! inheritance and partitions, replica identity, access method (options and tablespace are
//! added for every kind in `relation.rs`).
//!
//! It only adds footer lines; nothing here prints or reads input.

use super::partition::{inheritance, partition_of};
use super::query::{cell, fetch, is_null, literal, Failure};
use super::relation::Relation;
use super::rules;
use super::view::view_definition;
use crate::Connection;

type Footers = Vec<String>;

pub(super) fn footers(
    connection: &mut Connection,
    relation: &Relation,
    footers: &mut Footers,
) -> Result<(), Failure> {
    let oid = literal(&relation.oid);
    if relation.is_partition {
        partition_of(connection, relation, &oid, footers)?;
    }
    if relation.kind == 't' {
        let sql = format!(
            "SELECT n.nspname, c.relname\nFROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace\n\
             WHERE reltoastrelid = {oid};"
        );
        let owner = fetch(connection, &sql)?;
        if owner.rows.len() == 1 {
            footers.push(format!(
                "Owning table: \"{}.{}\"",
                cell(&owner, 0, 0),
                cell(&owner, 0, 1)
            ));
        }
    }
    if relation.kind == 'p' {
        let key = fetch(
            connection,
            &format!("SELECT pg_catalog.pg_get_partkeydef({oid}::pg_catalog.oid);"),
        )?;
        footers.push(format!("Partition key: {}", cell(&key, 0, 0)));
    }
    if relation.has_index {
        indexes(connection, &oid, footers)?;
    }
    if relation.checks {
        let sql = format!(
            "SELECT r.conname, pg_catalog.pg_get_constraintdef(r.oid, true)\n\
             FROM pg_catalog.pg_constraint r\n\
             WHERE r.conrelid = {oid} AND r.contype = 'c'\nORDER BY 1;"
        );
        let checks = fetch(connection, &sql)?;
        section(footers, "Check constraints:", &checks, |i| {
            format!("    \"{}\" {}", cell(&checks, i, 0), cell(&checks, i, 1))
        });
    }
    foreign_keys(connection, &oid, footers)?;
    let (enabled, forced) = (relation.row_security, relation.force_row_security);
    rules::policies(connection, &oid, enabled, forced, footers)?;
    rules::statistics(connection, &oid, footers)?;
    if relation.has_rules && relation.kind != 'm' {
        rules::rules(connection, &oid, false, footers)?;
    }
    publications(connection, &oid, footers)?;
    if relation.kind == 'm' && relation.verbose {
        footers.push("View definition:".into());
        footers.push(view_definition(connection, relation)?);
    }
    if relation.has_triggers || relation.kind == 'p' {
        rules::triggers(connection, &oid, footers)?;
    }
    if relation.kind == 'f' {
        foreign_server(connection, &oid, footers)?;
    }
    inheritance(connection, relation, &oid, footers)?;
    if relation.verbose {
        verbose_footers(relation, footers);
    }
    Ok(())
}

/// A foreign table's server and options.
fn foreign_server(
    connection: &mut Connection,
    oid: &str,
    footers: &mut Footers,
) -> Result<(), Failure> {
    let sql = format!(
        "SELECT s.srvname,\n  pg_catalog.array_to_string(ARRAY(\
         SELECT pg_catalog.quote_ident(option_name) || ' ' || \
         pg_catalog.quote_literal(option_value) \
         FROM pg_catalog.pg_options_to_table(ftoptions)), ', ')\n\
         FROM pg_catalog.pg_foreign_table f, pg_catalog.pg_foreign_server s\n\
         WHERE f.ftrelid = {oid} AND s.oid = f.ftserver;"
    );
    let server = fetch(connection, &sql)?;
    if server.rows.is_empty() {
        return Ok(());
    }
    footers.push(format!("Server: {}", cell(&server, 0, 0)));
    let options = cell(&server, 0, 1);
    if !options.is_empty() {
        footers.push(format!("FDW options: ({options})"));
    }
    Ok(())
}

/// A heading followed by one line per row, or nothing when there are no rows.
fn section(
    footers: &mut Footers,
    heading: &str,
    rows: &pgbook_book::ResultSet,
    line: impl Fn(usize) -> String,
) {
    if rows.rows.is_empty() {
        return;
    }
    footers.push(heading.to_string());
    footers.extend((0..rows.rows.len()).map(line));
}

/// "Indexes:": primary key first, then by name; the definition after `USING`.
fn indexes(connection: &mut Connection, oid: &str, footers: &mut Footers) -> Result<(), Failure> {
    let sql = format!(
        "SELECT c2.relname, i.indisprimary, i.indisunique, i.indisclustered, i.indisvalid, \
         pg_catalog.pg_get_indexdef(i.indexrelid, 0, true),\n  \
         pg_catalog.pg_get_constraintdef(con.oid, true), contype, condeferrable, condeferred, \
         i.indisreplident,\n  \
         (SELECT spcname FROM pg_catalog.pg_tablespace WHERE oid = c2.reltablespace)\n\
         FROM pg_catalog.pg_class c, pg_catalog.pg_class c2, pg_catalog.pg_index i\n  \
         LEFT JOIN pg_catalog.pg_constraint con ON (conrelid = i.indrelid \
         AND conindid = i.indexrelid AND contype IN ('p','u','x'))\n\
         WHERE c.oid = {oid} AND c.oid = i.indrelid AND i.indexrelid = c2.oid\n\
         ORDER BY i.indisprimary DESC, c2.relname;"
    );
    let found = fetch(connection, &sql)?;
    section(footers, "Indexes:", &found, |i| {
        let flag = |column| cell(&found, i, column) == "t";
        let mut line = format!("    \"{}\"", cell(&found, i, 0));
        if cell(&found, i, 7) == "x" {
            // An exclusion constraint is shown by its constraint definition.
            line.push_str(&format!(" {}", cell(&found, i, 6)));
        } else {
            if flag(1) {
                line.push_str(" PRIMARY KEY,");
            } else if flag(2) {
                let constraint = cell(&found, i, 7) == "u";
                line.push_str(if constraint {
                    " UNIQUE CONSTRAINT,"
                } else {
                    " UNIQUE,"
                });
            }
            let definition = cell(&found, i, 5);
            let after_using = definition
                .find(" USING ")
                .map_or(definition, |at| &definition[at + 7..]);
            line.push_str(&format!(" {after_using}"));
            if flag(8) {
                line.push_str(" DEFERRABLE");
            }
            if flag(9) {
                line.push_str(" INITIALLY DEFERRED");
            }
        }
        for (set, text) in [
            (flag(3), " CLUSTER"),
            (!flag(4), " INVALID"),
            (flag(10), " REPLICA IDENTITY"),
        ] {
            if set {
                line.push_str(text);
            }
        }
        // An index outside the database's default tablespace says where it is.
        if !is_null(&found, i, 11) {
            line.push_str(&format!(", tablespace \"{}\"", cell(&found, i, 11)));
        }
        line
    });
    Ok(())
}

/// "Foreign-key constraints:" (this table's own, and for a partition those inherited from
/// its ancestors) and "Referenced by:" (keys elsewhere pointing at it or its ancestors).
fn foreign_keys(
    connection: &mut Connection,
    oid: &str,
    footers: &mut Footers,
) -> Result<(), Failure> {
    let sql = format!(
        "SELECT conrelid = {oid}::pg_catalog.regclass AS sametable, conname,\n  \
         pg_catalog.pg_get_constraintdef(oid, true), conrelid::pg_catalog.regclass\n\
         FROM pg_catalog.pg_constraint\n\
         WHERE conrelid IN (SELECT relid FROM pg_catalog.pg_partition_ancestors({oid})\n  \
         UNION ALL VALUES ({oid}::pg_catalog.regclass))\n  \
         AND contype = 'f' AND conparentid = 0\nORDER BY sametable DESC, conname;"
    );
    let own = fetch(connection, &sql)?;
    section(footers, "Foreign-key constraints:", &own, |i| {
        if cell(&own, i, 0) == "t" {
            format!("    \"{}\" {}", cell(&own, i, 1), cell(&own, i, 2))
        } else {
            format!(
                "    TABLE \"{}\" CONSTRAINT \"{}\" {}",
                cell(&own, i, 3),
                cell(&own, i, 1),
                cell(&own, i, 2)
            )
        }
    });
    let sql = format!(
        "SELECT conname, conrelid::pg_catalog.regclass,\n  \
         pg_catalog.pg_get_constraintdef(oid, true)\n\
         FROM pg_catalog.pg_constraint c\n\
         WHERE confrelid IN (SELECT pg_catalog.pg_partition_ancestors({oid})\n  \
         UNION ALL VALUES ({oid}::pg_catalog.regclass))\n  \
         AND contype = 'f' AND conparentid = 0\nORDER BY conname;"
    );
    let referencing = fetch(connection, &sql)?;
    section(footers, "Referenced by:", &referencing, |i| {
        format!(
            "    TABLE \"{}\" CONSTRAINT \"{}\" {}",
            cell(&referencing, i, 1),
            cell(&referencing, i, 0),
            cell(&referencing, i, 2)
        )
    });
    Ok(())
}

/// "Publications:" that publish the table: by name, through its schema, or all tables.
fn publications(
    connection: &mut Connection,
    oid: &str,
    footers: &mut Footers,
) -> Result<(), Failure> {
    let sql = format!(
        "SELECT pubname, NULL, NULL\nFROM pg_catalog.pg_publication p\n     \
         JOIN pg_catalog.pg_publication_namespace pn ON p.oid = pn.pnpubid\n     \
         JOIN pg_catalog.pg_class pc ON pc.relnamespace = pn.pnnspid\n\
         WHERE pc.oid = {oid} AND pg_catalog.pg_relation_is_publishable({oid})\n\
         UNION\n\
         SELECT pubname, pg_catalog.pg_get_expr(pr.prqual, c.oid),\n  \
         CASE WHEN pr.prattrs IS NOT NULL THEN (SELECT string_agg(attname, ', ') \
         FROM pg_catalog.generate_series(0, \
         pg_catalog.array_upper(pr.prattrs::pg_catalog.int2[], 1)) s, pg_catalog.pg_attribute \
         WHERE attrelid = pr.prrelid AND attnum = prattrs[s]) ELSE NULL END\n\
         FROM pg_catalog.pg_publication p\n     \
         JOIN pg_catalog.pg_publication_rel pr ON p.oid = pr.prpubid\n     \
         JOIN pg_catalog.pg_class c ON c.oid = pr.prrelid\nWHERE pr.prrelid = {oid}\n\
         UNION\n\
         SELECT pubname, NULL, NULL\nFROM pg_catalog.pg_publication p\n\
         WHERE p.puballtables AND pg_catalog.pg_relation_is_publishable({oid})\nORDER BY 1;"
    );
    let found = fetch(connection, &sql)?;
    section(footers, "Publications:", &found, |i| {
        let mut line = format!("    \"{}\"", cell(&found, i, 0));
        if !is_null(&found, i, 2) {
            line.push_str(&format!(" ({})", cell(&found, i, 2)));
        }
        if !is_null(&found, i, 1) {
            line.push_str(&format!(" WHERE {}", cell(&found, i, 1)));
        }
        line
    });
    Ok(())
}

/// Replica identity and access method, shown by `\d+` only.
pub(super) fn verbose_footers(relation: &Relation, footers: &mut Footers) {
    let shows_identity = matches!(relation.kind, 'r' | 'm')
        && relation.replica_identity != 'i'
        && if relation.schema == "pg_catalog" {
            relation.replica_identity != 'n'
        } else {
            relation.replica_identity != 'd'
        };
    if shows_identity {
        let identity = match relation.replica_identity {
            'f' => "FULL",
            'n' => "NOTHING",
            _ => "???",
        };
        footers.push(format!("Replica Identity: {identity}"));
    }
    if let Some(method) = &relation.access_method {
        footers.push(format!("Access method: {method}"));
    }
}

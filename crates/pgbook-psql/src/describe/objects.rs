//! `\dx[+]` (extensions and the objects they own), `\dRp[+]` (publications, with their
//! tables and schemas) and `\dRs[+]` (subscriptions).
//!
//! Each builds psql 15's queries and prints them its way; nothing here prints or reads input.

use super::lists::{pattern_conditions, titled_query, where_clause};
use super::pattern::Columns;
use super::query::{cell, fetch, is_null, left_aligned, literal, Failure, Outcome};
use super::DescribeCommand;
use crate::format::{write_titled_table, Footer};
use crate::Connection;

fn name_only(column: &str) -> Columns<'_> {
    Columns {
        schema: None,
        name: column,
        alt_name: None,
        visible: None,
        in_database: false,
    }
}

/// "Did not find any extension named "x"." or "Did not find any extensions.".
fn none_found(command: &DescribeCommand, what: &str, plural: &str) -> Failure {
    Failure::message(match &command.pattern {
        Some(pattern) => format!("Did not find any {what} named \"{pattern}\"."),
        None => format!("Did not find any {plural}."),
    })
}

/// `\dx` lists extensions; `\dx+` lists, for each, the objects it owns.
pub(super) fn extensions(connection: &mut Connection, command: &DescribeCommand) -> Outcome {
    let conditions = pattern_conditions(connection, command, &name_only("e.extname"))?;
    if !command.plus {
        let sql = format!(
            "SELECT e.extname AS \"Name\", e.extversion AS \"Version\", \
             n.nspname AS \"Schema\", c.description AS \"Description\"\n\
             FROM pg_catalog.pg_extension e \
             LEFT JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace \
             LEFT JOIN pg_catalog.pg_description c ON c.objoid = e.oid \
             AND c.classoid = 'pg_catalog.pg_extension'::pg_catalog.regclass\n{}ORDER BY 1;",
            where_clause(&conditions)
        );
        return titled_query(connection, command, "List of installed extensions", &sql);
    }
    let sql = format!(
        "SELECT e.extname, e.oid\nFROM pg_catalog.pg_extension e\n{}ORDER BY 1;",
        where_clause(&conditions)
    );
    let found = fetch(connection, &sql)?;
    if found.rows.is_empty() {
        return Err(none_found(command, "extension", "extensions"));
    }
    let mut out = String::new();
    for i in 0..found.rows.len() {
        let sql = format!(
            "SELECT pg_catalog.pg_describe_object(classid, objid, 0) AS \"Object description\"\n\
             FROM pg_catalog.pg_depend\n\
             WHERE refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass \
             AND refobjid = {} AND deptype = 'e'\nORDER BY 1;",
            literal(cell(&found, i, 1))
        );
        let objects = fetch(connection, &sql)?;
        let title = format!("Objects in extension \"{}\"", cell(&found, i, 0));
        write_titled_table(
            Some(&title),
            &objects,
            Footer::RowCount,
            &command.display,
            &mut out,
        );
    }
    Ok(out)
}

/// `\dRp` lists publications; `\dRp+` prints each with its tables and schemas.
pub(super) fn publications(connection: &mut Connection, command: &DescribeCommand) -> Outcome {
    let conditions = pattern_conditions(connection, command, &name_only("pubname"))?;
    if !command.plus {
        let sql = format!(
            "SELECT pubname AS \"Name\",\n  pg_catalog.pg_get_userbyid(pubowner) AS \"Owner\",\n  \
             puballtables AS \"All tables\",\n  pubinsert AS \"Inserts\",\n  \
             pubupdate AS \"Updates\",\n  pubdelete AS \"Deletes\",\n  \
             pubtruncate AS \"Truncates\",\n  pubviaroot AS \"Via root\"\n\
             FROM pg_catalog.pg_publication\n{}ORDER BY 1;",
            where_clause(&conditions)
        );
        return titled_query(connection, command, "List of publications", &sql);
    }
    let sql = format!(
        "SELECT oid, pubname,\n  pg_catalog.pg_get_userbyid(pubowner) AS owner,\n  \
         puballtables, pubinsert, pubupdate, pubdelete, pubtruncate, pubviaroot\n\
         FROM pg_catalog.pg_publication\n{}ORDER BY 2;",
        where_clause(&conditions)
    );
    let found = fetch(connection, &sql)?;
    if found.rows.is_empty() {
        return Err(none_found(command, "publication", "publications"));
    }
    let mut out = String::new();
    for i in 0..found.rows.len() {
        let values = (2..9)
            .map(|c| Some(cell(&found, i, c).to_string()))
            .collect();
        let headers = [
            "Owner",
            "All tables",
            "Inserts",
            "Updates",
            "Deletes",
            "Truncates",
            "Via root",
        ];
        let table = left_aligned(&headers, vec![values]);
        let mut footers = Vec::new();
        if cell(&found, i, 3) != "t" {
            publication_footers(connection, cell(&found, i, 0), &mut footers)?;
        }
        let title = format!("Publication {}", cell(&found, i, 1));
        // Without tables or schemas to list, psql's default row count stands.
        let footer = if footers.is_empty() {
            Footer::RowCount
        } else {
            Footer::Lines(&footers)
        };
        write_titled_table(Some(&title), &table, footer, &command.display, &mut out);
    }
    Ok(out)
}

/// "Tables:" (with column lists and row filters) and "Tables from schemas:".
fn publication_footers(
    connection: &mut Connection,
    oid: &str,
    footers: &mut Vec<String>,
) -> Result<(), Failure> {
    let sql = format!(
        "SELECT n.nspname, c.relname, pg_catalog.pg_get_expr(pr.prqual, c.oid),\n  \
         CASE WHEN pr.prattrs IS NOT NULL THEN pg_catalog.array_to_string(ARRAY(\
         SELECT attname FROM pg_catalog.generate_series(0, \
         pg_catalog.array_upper(pr.prattrs::pg_catalog.int2[], 1)) s, pg_catalog.pg_attribute \
         WHERE attrelid = c.oid AND attnum = prattrs[s]), ', ') ELSE NULL END\n\
         FROM pg_catalog.pg_class c, pg_catalog.pg_namespace n, \
         pg_catalog.pg_publication_rel pr\n\
         WHERE c.relnamespace = n.oid AND c.oid = pr.prrelid AND pr.prpubid = {}\n\
         ORDER BY 1,2",
        literal(oid)
    );
    let tables = fetch(connection, &sql)?;
    if !tables.rows.is_empty() {
        footers.push("Tables:".into());
        for i in 0..tables.rows.len() {
            let mut line = format!("    \"{}.{}\"", cell(&tables, i, 0), cell(&tables, i, 1));
            if !is_null(&tables, i, 3) {
                line.push_str(&format!(" ({})", cell(&tables, i, 3)));
            }
            if !is_null(&tables, i, 2) {
                line.push_str(&format!(" WHERE {}", cell(&tables, i, 2)));
            }
            footers.push(line);
        }
    }
    let sql = format!(
        "SELECT n.nspname\nFROM pg_catalog.pg_namespace n\n     \
         JOIN pg_catalog.pg_publication_namespace pn ON n.oid = pn.pnnspid\n\
         WHERE pn.pnpubid = {}\nORDER BY 1",
        literal(oid)
    );
    let schemas = fetch(connection, &sql)?;
    if !schemas.rows.is_empty() {
        footers.push("Tables from schemas:".into());
        for i in 0..schemas.rows.len() {
            footers.push(format!("    \"{}\"", cell(&schemas, i, 0)));
        }
    }
    Ok(())
}

/// `\dRs[+]`: "List of subscriptions" of the current database.
pub(super) fn subscriptions(connection: &mut Connection, command: &DescribeCommand) -> Outcome {
    let mut sql = String::from(
        "SELECT subname AS \"Name\"\n,  pg_catalog.pg_get_userbyid(subowner) AS \"Owner\"\n\
         ,  subenabled AS \"Enabled\"\n,  subpublications AS \"Publication\"\n",
    );
    if command.plus {
        sql.push_str(
            ", subbinary AS \"Binary\"\n, substream AS \"Streaming\"\n\
             , subtwophasestate AS \"Two-phase commit\"\n\
             , subdisableonerr AS \"Disable on error\"\n\
             ,  subsynccommit AS \"Synchronous commit\"\n,  subconninfo AS \"Conninfo\"\n\
             , subskiplsn AS \"Skip LSN\"\n",
        );
    }
    sql.push_str("FROM pg_catalog.pg_subscription\n");
    let mut conditions = vec!["subdbid = (SELECT oid FROM pg_catalog.pg_database \
         WHERE datname = pg_catalog.current_database())"
        .to_string()];
    conditions.extend(pattern_conditions(
        connection,
        command,
        &name_only("subname"),
    )?);
    sql.push_str(&where_clause(&conditions));
    sql.push_str("ORDER BY 1;");
    titled_query(connection, command, "List of subscriptions", &sql)
}

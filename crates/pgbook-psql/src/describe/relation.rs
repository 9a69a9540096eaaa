//! `\d NAME` / `\d+ NAME`: finds the relations a pattern names, then prints each — its
//! title and its columns (tables, views, materialized views, indexes, composite types), with
//! the footers of its kind from `table.rs`, `index.rs` or `view.rs` (a sequence is printed
//! by `sequence.rs`), then the options and tablespace footers every kind shares.
//!
//! It builds psql 15's catalog queries and prints like it; nothing here prints or reads input.

use pgbook_book::ResultSet;

use super::lists::{pattern_conditions, relation_columns, where_clause};
use super::query::{cell, fetch, is_null, left_aligned, literal, Failure, Outcome};
use super::DescribeCommand;
use super::{index, sequence, table, view};
use crate::format::{write_titled_table, Display, Expanded, Footer};
use crate::Connection;

/// What the footers of one relation need to know about it.
pub(super) struct Relation {
    pub oid: String,
    pub schema: String,
    pub name: String,
    pub kind: char,
    pub checks: bool,
    pub has_index: bool,
    pub has_rules: bool,
    pub has_triggers: bool,
    pub row_security: bool,
    pub force_row_security: bool,
    pub is_partition: bool,
    pub options: String,
    /// The tablespace, when not the database's default.
    pub tablespace: Option<String>,
    pub persistence: char,
    pub replica_identity: char,
    pub access_method: Option<String>,
    pub verbose: bool,
}

/// Every relation `command.pattern` names, each described in turn.
pub(super) fn describe(connection: &mut Connection, command: &DescribeCommand) -> Outcome {
    let conditions = pattern_conditions(connection, command, &relation_columns())?;
    let sql = format!(
        "SELECT c.oid,\n  n.nspname,\n  c.relname\nFROM pg_catalog.pg_class c\n     \
         LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace\n{}ORDER BY 2, 3;",
        where_clause(&conditions)
    );
    let found = fetch(connection, &sql)?;
    if found.rows.is_empty() {
        let pattern = command.pattern.as_deref().unwrap_or_default();
        return Err(Failure::message(format!(
            "Did not find any relation named \"{pattern}\"."
        )));
    }
    let mut out = String::new();
    for i in 0..found.rows.len() {
        let oid = cell(&found, i, 0).to_string();
        let (schema, name) = (cell(&found, i, 1), cell(&found, i, 2));
        let relation = facts(connection, oid, schema, name, command.plus)?;
        out.push_str(&describe_one(connection, &relation, &command.display)?);
    }
    Ok(out)
}

fn facts(
    connection: &mut Connection,
    oid: String,
    schema: &str,
    name: &str,
    verbose: bool,
) -> Result<Relation, Failure> {
    let sql = format!(
        "SELECT c.relchecks, c.relkind, c.relhasindex, c.relispartition, \
         pg_catalog.array_to_string(c.reloptions || array(select 'toast.' || x \
         from pg_catalog.unnest(tc.reloptions) x), ', '), c.relpersistence, am.amname, c.relreplident,\n  \
         c.relhasrules, c.relhastriggers, c.relrowsecurity, c.relforcerowsecurity,\n  \
         (SELECT spcname FROM pg_catalog.pg_tablespace WHERE oid = c.reltablespace)\n\
         FROM pg_catalog.pg_class c\n \
         LEFT JOIN pg_catalog.pg_class tc ON (c.reltoastrelid = tc.oid)\n\
         LEFT JOIN pg_catalog.pg_am am ON (c.relam = am.oid)\nWHERE c.oid = {};",
        literal(&oid)
    );
    let info = fetch(connection, &sql)?;
    let first_char = |column| cell(&info, 0, column).chars().next().unwrap_or(' ');
    Ok(Relation {
        schema: schema.to_string(),
        name: name.to_string(),
        kind: first_char(1),
        checks: cell(&info, 0, 0) != "0",
        has_index: cell(&info, 0, 2) == "t",
        has_rules: cell(&info, 0, 8) == "t",
        has_triggers: cell(&info, 0, 9) == "t",
        row_security: cell(&info, 0, 10) == "t",
        force_row_security: cell(&info, 0, 11) == "t",
        is_partition: cell(&info, 0, 3) == "t",
        options: cell(&info, 0, 4).to_string(),
        tablespace: (!is_null(&info, 0, 12)).then(|| cell(&info, 0, 12).to_string()),
        persistence: first_char(5),
        replica_identity: first_char(7),
        access_method: (!is_null(&info, 0, 6)).then(|| cell(&info, 0, 6).to_string()),
        verbose,
        oid,
    })
}

fn describe_one(connection: &mut Connection, relation: &Relation, display: &Display) -> Outcome {
    if relation.kind == 'S' {
        return sequence::sequence(connection, relation, display);
    }
    let is_index = matches!(relation.kind, 'i' | 'I');
    let (headers, rows) = columns(connection, relation, is_index)?;
    let mut footers = Vec::new();
    match relation.kind {
        'i' | 'I' => index::index_footers(connection, relation, &mut footers)?,
        'v' => view::view_footers(connection, relation, &mut footers)?,
        _ => table::footers(connection, relation, &mut footers)?,
    }
    if relation.verbose && !relation.options.is_empty() {
        footers.push(format!("Options: {}", relation.options));
    }
    let has_tablespace = matches!(relation.kind, 'r' | 'm' | 'i' | 'p' | 'I' | 't');
    if let Some(tablespace) = relation.tablespace.as_ref().filter(|_| has_tablespace) {
        footers.push(format!("Tablespace: \"{tablespace}\""));
    }
    let mut out = String::new();
    let title = title(relation);
    // psql prints a relation's columns as a table even under `\x`.
    let display = Display {
        expanded: Expanded::Off,
        ..display.clone()
    };
    write_titled_table(
        Some(&title),
        &left_aligned(&headers, rows),
        Footer::Lines(&footers),
        &display,
        &mut out,
    );
    Ok(out)
}

fn title(relation: &Relation) -> String {
    let unlogged = relation.persistence == 'u';
    let kind = match (relation.kind, unlogged) {
        ('r', false) => "Table",
        ('r', true) => "Unlogged table",
        ('p', false) => "Partitioned table",
        ('p', true) => "Unlogged partitioned table",
        ('v', _) => "View",
        ('m', false) => "Materialized view",
        ('m', true) => "Unlogged materialized view",
        ('i', false) => "Index",
        ('i', true) => "Unlogged index",
        ('I', false) => "Partitioned index",
        ('I', true) => "Unlogged partitioned index",
        ('t', _) => "TOAST table",
        ('c', _) => "Composite type",
        ('f', _) => "Foreign table",
        _ => "?",
    };
    format!("{kind} \"{}.{}\"", relation.schema, relation.name)
}

type Rows = Vec<Vec<Option<String>>>;

/// The column table: names and types, then per kind the nullability and defaults (tables,
/// views) or key and definition (indexes), then the `+` columns.
fn columns(
    connection: &mut Connection,
    relation: &Relation,
    is_index: bool,
) -> Result<(Vec<&'static str>, Rows), Failure> {
    let oid = literal(&relation.oid);
    let sql = format!(
        "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),\n  \
         (SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid, true) FROM pg_catalog.pg_attrdef d \
          WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef),\n  \
         a.attnotnull,\n  \
         (SELECT c.collname FROM pg_catalog.pg_collation c, pg_catalog.pg_type t \
          WHERE c.oid = a.attcollation AND t.oid = a.atttypid \
          AND a.attcollation <> t.typcollation),\n  \
         a.attidentity, a.attgenerated, a.attstorage, a.attcompression,\n  \
         CASE WHEN a.attstattarget = -1 THEN NULL ELSE a.attstattarget END,\n  \
         pg_catalog.col_description(a.attrelid, a.attnum),\n  \
         CASE WHEN a.attnum <= (SELECT i.indnkeyatts FROM pg_catalog.pg_index i \
          WHERE i.indexrelid = {oid}) THEN 'yes' ELSE 'no' END,\n  \
         CASE WHEN c.relkind IN ('i', 'I') \
          THEN pg_catalog.pg_get_indexdef(a.attrelid, a.attnum, true) END,\n  \
         CASE WHEN attfdwoptions IS NULL THEN '' ELSE '(' || pg_catalog.array_to_string(ARRAY(\
         SELECT pg_catalog.quote_ident(option_name) || ' ' || \
         pg_catalog.quote_literal(option_value) \
         FROM pg_catalog.pg_options_to_table(attfdwoptions)), ', ') || ')' END\n\
         FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid\n\
         WHERE a.attrelid = {oid} AND a.attnum > 0 AND NOT a.attisdropped\n\
         ORDER BY a.attnum;"
    );
    let attributes = fetch(connection, &sql)?;
    let kind = relation.kind;
    let details = matches!(kind, 'r' | 'p' | 'v' | 'm' | 'f' | 'c');
    let verbose = relation.verbose;
    let compression = verbose && matches!(kind, 'r' | 'p' | 'm');
    let stats = verbose && matches!(kind, 'r' | 'i' | 'I' | 'm' | 'f' | 'p');
    let description = verbose && !is_index;
    let mut headers = vec!["Column", "Type"];
    if details {
        headers.extend(["Collation", "Nullable", "Default"]);
    }
    if is_index {
        headers.extend(["Key?", "Definition"]);
    }
    if kind == 'f' {
        headers.push("FDW options");
    }
    if verbose {
        headers.push("Storage");
    }
    if compression {
        headers.push("Compression");
    }
    if stats {
        headers.push("Stats target");
    }
    if description {
        headers.push("Description");
    }
    let text = |row: usize, column: usize| Some(cell(&attributes, row, column).to_string());
    let rows = (0..attributes.rows.len())
        .map(|i| {
            let mut row = vec![text(i, 0), text(i, 1)];
            if details {
                row.push(text(i, 4));
                let not_null = cell(&attributes, i, 3) == "t";
                row.push(Some(if not_null { "not null" } else { "" }.to_string()));
                row.push(Some(default_text(&attributes, i)));
            }
            if is_index {
                row.extend([text(i, 11), text(i, 12)]);
            }
            if kind == 'f' {
                row.push(text(i, 13));
            }
            if verbose {
                row.push(Some(storage(cell(&attributes, i, 7)).to_string()));
            }
            if compression {
                row.push(Some(compression_name(cell(&attributes, i, 8)).to_string()));
            }
            if stats {
                row.push(text(i, 9));
            }
            if description {
                row.push(text(i, 10));
            }
            row
        })
        .collect();
    Ok((headers, rows))
}

/// The Default column: identity, generated expression, or the default expression.
fn default_text(attributes: &ResultSet, i: usize) -> String {
    let expression = cell(attributes, i, 2);
    match (cell(attributes, i, 5), cell(attributes, i, 6)) {
        ("a", _) => "generated always as identity".into(),
        ("d", _) => "generated by default as identity".into(),
        (_, "s") => format!("generated always as ({expression}) stored"),
        _ => expression.into(),
    }
}

fn storage(code: &str) -> &'static str {
    match code {
        "p" => "plain",
        "m" => "main",
        "x" => "extended",
        "e" => "external",
        _ => "???",
    }
}

fn compression_name(code: &str) -> &'static str {
    match code {
        "p" => "pglz",
        "l" => "lz4",
        _ => "",
    }
}

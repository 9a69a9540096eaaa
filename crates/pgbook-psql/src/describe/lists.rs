//! The list commands that print one query's result under a title: `\d` without a name and
//! `\dt`/`\di`/`\dv`/`\dm`/`\ds` (with their combinations), `\dn`, `\df` and `\dp`.
//!
//! Each builds the catalog query psql 15 builds for its options; alignment comes from the
//! result's column types, as in psql's `printQuery`. Nothing here prints or reads input.

use super::pattern::{self, Columns};
use super::query::{cell, fetch, literal, Failure, Outcome};
use super::DescribeCommand;
use crate::format::{write_titled_table, Footer};
use crate::Connection;

/// `WHERE` from conditions (none: no clause).
pub(super) fn where_clause(conditions: &[String]) -> String {
    if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}\n", conditions.join("\n  AND "))
    }
}

/// The pattern's conditions, or psql's error for a malformed pattern.
pub(super) fn pattern_conditions(
    connection: &mut Connection,
    command: &DescribeCommand,
    columns: &Columns<'_>,
) -> Result<Vec<String>, Failure> {
    let Some(pattern) = command.pattern.as_deref() else {
        // No pattern: every object visible in the search path.
        return Ok(columns.visible.map(str::to_string).into_iter().collect());
    };
    // Only a pattern that names a database needs to know which one this is.
    let current = match pattern::database_part(pattern, columns) {
        Some(_) => {
            let name = fetch(connection, "SELECT pg_catalog.current_database();")?;
            Some(cell(&name, 0, 0).to_string())
        }
        None => None,
    };
    pattern::conditions(pattern, columns, current.as_deref()).map_err(Failure::message)
}

/// Runs `sql` and prints it under `title` with the `(N rows)` footer.
pub(super) fn titled_query(
    connection: &mut Connection,
    command: &DescribeCommand,
    title: &str,
    sql: &str,
) -> Outcome {
    let result = fetch(connection, sql)?;
    let mut out = String::new();
    write_titled_table(
        Some(title),
        &result,
        Footer::RowCount,
        &command.display,
        &mut out,
    );
    Ok(out)
}

/// `\d`, `\dt`, `\di`, `\dv`, `\dm`, `\ds`, `\dE` and their combinations (`kinds` holds the
/// letters), "List of relations".
pub(super) fn relations(
    connection: &mut Connection,
    command: &DescribeCommand,
    kinds: &str,
) -> Outcome {
    let has = |c: char| kinds.contains(c);
    let (tables, indexes) = (has('t'), has('i'));
    let has_pattern = command.pattern.is_some();
    let mut sql = String::from(
        "SELECT n.nspname as \"Schema\",\n  c.relname as \"Name\",\n  \
         CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' \
         WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' \
         WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' \
         WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END as \"Type\",\n  \
         pg_catalog.pg_get_userbyid(c.relowner) as \"Owner\"",
    );
    if indexes {
        sql.push_str(",\n  c2.relname as \"Table\"");
    }
    if command.plus {
        sql.push_str(
            ",\n  CASE c.relpersistence WHEN 'p' THEN 'permanent' WHEN 't' THEN 'temporary' \
             WHEN 'u' THEN 'unlogged' END as \"Persistence\"",
        );
        if tables || has('m') || indexes {
            sql.push_str(",\n  am.amname as \"Access method\"");
        }
        sql.push_str(
            ",\n  pg_catalog.pg_size_pretty(pg_catalog.pg_table_size(c.oid)) as \"Size\",\n  \
             pg_catalog.obj_description(c.oid, 'pg_class') as \"Description\"",
        );
    }
    sql.push_str(
        "\nFROM pg_catalog.pg_class c\n     \
         LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace\n",
    );
    if command.plus {
        sql.push_str("     LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam\n");
    }
    if indexes {
        sql.push_str(
            "     LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid\n     \
             LEFT JOIN pg_catalog.pg_class c2 ON i.indrelid = c2.oid\n",
        );
    }
    let mut relkinds: Vec<&str> = Vec::new();
    if tables {
        relkinds.extend(["'r'", "'p'"]);
        if command.system || has_pattern {
            relkinds.push("'t'");
        }
    }
    if has('v') {
        relkinds.push("'v'");
    }
    if has('m') {
        relkinds.push("'m'");
    }
    if indexes {
        relkinds.extend(["'i'", "'I'"]);
    }
    if has('s') {
        relkinds.push("'S'");
    }
    if command.system || has_pattern {
        // Special relations, which psql still asks for by their old relkind.
        relkinds.push("'s'");
    }
    if has('E') {
        relkinds.push("'f'");
    }
    relkinds.push("''");
    let mut conditions = vec![format!("c.relkind IN ({})", relkinds.join(","))];
    if !command.system && !has_pattern {
        conditions.push(
            "n.nspname <> 'pg_catalog' AND n.nspname !~ '^pg_toast' \
             AND n.nspname <> 'information_schema'"
                .into(),
        );
    }
    conditions.extend(pattern_conditions(
        connection,
        command,
        &relation_columns(),
    )?);
    sql.push_str(&where_clause(&conditions));
    sql.push_str("ORDER BY 1,2;");
    let result = fetch(connection, &sql)?;
    if result.rows.is_empty() {
        return Err(Failure::message(match &command.pattern {
            Some(pattern) => format!("Did not find any relation named \"{pattern}\"."),
            None => "Did not find any relations.".to_string(),
        }));
    }
    let mut out = String::new();
    write_titled_table(
        Some("List of relations"),
        &result,
        Footer::RowCount,
        &command.display,
        &mut out,
    );
    Ok(out)
}

/// The columns a relation pattern constrains.
pub(super) fn relation_columns() -> Columns<'static> {
    Columns {
        schema: Some("n.nspname"),
        name: "c.relname",
        alt_name: None,
        visible: Some("pg_catalog.pg_table_is_visible(c.oid)"),
        in_database: true,
    }
}

/// `\dn[+]`: "List of schemas".
pub(super) fn schemas(connection: &mut Connection, command: &DescribeCommand) -> Outcome {
    let mut sql = String::from(
        "SELECT n.nspname AS \"Name\",\n  pg_catalog.pg_get_userbyid(n.nspowner) AS \"Owner\"",
    );
    if command.plus {
        sql.push_str(
            ",\n  pg_catalog.array_to_string(n.nspacl, E'\\n') AS \"Access privileges\",\n  \
             pg_catalog.obj_description(n.oid, 'pg_namespace') AS \"Description\"",
        );
    }
    sql.push_str("\nFROM pg_catalog.pg_namespace n\n");
    let mut conditions = Vec::new();
    if !command.system && command.pattern.is_none() {
        conditions.push("n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'".into());
    }
    let columns = Columns {
        schema: None,
        name: "n.nspname",
        alt_name: None,
        visible: None,
        in_database: true,
    };
    conditions.extend(pattern_conditions(connection, command, &columns)?);
    sql.push_str(&where_clause(&conditions));
    sql.push_str("ORDER BY 1;");
    let Some(pattern) = command.pattern.as_deref() else {
        return titled_query(connection, command, "List of schemas", &sql);
    };
    let result = fetch(connection, &sql)?;
    // With a pattern, psql lists the publications of the schema so named (the pattern
    // taken as a plain name) instead of the row count, if there are any.
    let sql = format!(
        "SELECT pubname\nFROM pg_catalog.pg_publication p\n     \
         JOIN pg_catalog.pg_publication_namespace pn ON p.oid = pn.pnpubid\n     \
         JOIN pg_catalog.pg_namespace n ON n.oid = pn.pnnspid\n\
         WHERE n.nspname = {}\nORDER BY 1",
        literal(pattern)
    );
    let publications = fetch(connection, &sql)?;
    let mut footers = Vec::new();
    if !publications.rows.is_empty() {
        footers.push("Publications:".to_string());
        footers.extend(
            (0..publications.rows.len()).map(|i| format!("    \"{}\"", cell(&publications, i, 0))),
        );
    }
    let footer = if footers.is_empty() {
        Footer::RowCount
    } else {
        Footer::Lines(&footers)
    };
    let mut out = String::new();
    write_titled_table(
        Some("List of schemas"),
        &result,
        footer,
        &command.display,
        &mut out,
    );
    Ok(out)
}

/// `\df[anptw][+]`: "List of functions", of the kinds `kinds` names (all when none).
pub(super) fn functions(
    connection: &mut Connection,
    command: &DescribeCommand,
    kinds: &str,
) -> Outcome {
    let mut sql = String::from(
        "SELECT n.nspname as \"Schema\",\n  p.proname as \"Name\",\n  \
         pg_catalog.pg_get_function_result(p.oid) as \"Result data type\",\n  \
         pg_catalog.pg_get_function_arguments(p.oid) as \"Argument data types\",\n \
         CASE p.prokind WHEN 'a' THEN 'agg' WHEN 'w' THEN 'window' WHEN 'p' THEN 'proc' \
         ELSE 'func' END as \"Type\"",
    );
    if command.plus {
        sql.push_str(
            ",\n CASE WHEN p.provolatile = 'i' THEN 'immutable' \
             WHEN p.provolatile = 's' THEN 'stable' WHEN p.provolatile = 'v' THEN 'volatile' \
             END as \"Volatility\",\n \
             CASE WHEN p.proparallel = 'r' THEN 'restricted' WHEN p.proparallel = 's' THEN 'safe' \
             WHEN p.proparallel = 'u' THEN 'unsafe' END as \"Parallel\",\n \
             pg_catalog.pg_get_userbyid(p.proowner) as \"Owner\",\n \
             CASE WHEN prosecdef THEN 'definer' ELSE 'invoker' END AS \"Security\",\n \
             pg_catalog.array_to_string(p.proacl, E'\\n') AS \"Access privileges\",\n \
             l.lanname as \"Language\",\n \
             COALESCE(pg_catalog.pg_get_function_sqlbody(p.oid), p.prosrc) as \"Source code\",\n \
             pg_catalog.obj_description(p.oid, 'pg_proc') as \"Description\"",
        );
    }
    sql.push_str(
        "\nFROM pg_catalog.pg_proc p\n     \
         LEFT JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace\n",
    );
    // psql 15 joins each argument-type pattern's type and its schema.
    for i in 0..command.arguments.len() {
        sql.push_str(&format!(
            "     LEFT JOIN pg_catalog.pg_type t{i} ON t{i}.oid = p.proargtypes[{i}]\n     \
             LEFT JOIN pg_catalog.pg_namespace nt{i} ON nt{i}.oid = t{i}.typnamespace\n"
        ));
    }
    if command.plus {
        sql.push_str("     LEFT JOIN pg_catalog.pg_language l ON l.oid = p.prolang\n");
    }
    let mut conditions = Vec::new();
    if !command.system && command.pattern.is_none() {
        conditions.push("n.nspname <> 'pg_catalog' AND n.nspname <> 'information_schema'".into());
    }
    conditions.extend(function_kinds(kinds));
    let columns = Columns {
        schema: Some("n.nspname"),
        name: "p.proname",
        alt_name: None,
        visible: Some("pg_catalog.pg_function_is_visible(p.oid)"),
        in_database: true,
    };
    conditions.extend(pattern_conditions(connection, command, &columns)?);
    for (i, argument) in command.arguments.iter().enumerate() {
        conditions.extend(argument_type_conditions(connection, i, argument)?);
    }
    sql.push_str(&where_clause(&conditions));
    sql.push_str("ORDER BY 1, 2, 4;");
    titled_query(connection, command, "List of functions", &sql)
}

/// The conditions `\df`'s `i`-th argument-type pattern adds: `-` means the function has no
/// such argument; any other pattern matches the type's name or its SQL name
/// (`format_type`), as `\dT` does, after psql's mapping of grammar-only names.
fn argument_type_conditions(
    connection: &mut Connection,
    i: usize,
    argument: &str,
) -> Result<Vec<String>, Failure> {
    if argument == "-" {
        return Ok(vec![format!("t{i}.typname IS NULL")]);
    }
    let (schema, name, alt, visible) = (
        format!("nt{i}.nspname"),
        format!("t{i}.typname"),
        format!("pg_catalog.format_type(t{i}.oid, NULL)"),
        format!("pg_catalog.pg_type_is_visible(t{i}.oid)"),
    );
    let columns = Columns {
        schema: Some(&schema),
        name: &name,
        alt_name: Some(&alt),
        visible: Some(&visible),
        in_database: true,
    };
    let pattern = canonical_type_name(argument);
    let current = match pattern::database_part(pattern, &columns) {
        Some(_) => {
            let name = fetch(connection, "SELECT pg_catalog.current_database();")?;
            Some(cell(&name, 0, 0).to_string())
        }
        None => None,
    };
    pattern::conditions(pattern, &columns, current.as_deref()).map_err(Failure::message)
}

/// psql's `map_typename_pattern`: type names the grammar accepts that neither `pg_type` nor
/// `format_type` spells that way, and array names whose canonical spelling differs.
fn canonical_type_name(pattern: &str) -> &str {
    const NAMES: &[(&str, &str)] = &[
        ("decimal", "numeric"),
        ("float", "double precision"),
        ("int", "integer"),
        ("bool[]", "boolean[]"),
        ("decimal[]", "numeric[]"),
        ("float[]", "double precision[]"),
        ("float4[]", "real[]"),
        ("float8[]", "double precision[]"),
        ("int[]", "integer[]"),
        ("int2[]", "smallint[]"),
        ("int4[]", "integer[]"),
        ("int8[]", "bigint[]"),
        ("time[]", "time without time zone[]"),
        ("timestamp[]", "timestamp without time zone[]"),
        ("timestamptz[]", "timestamp with time zone[]"),
        ("varbit[]", "bit varying[]"),
        ("varchar[]", "character varying[]"),
    ];
    NAMES
        .iter()
        .find(|(written, _)| written.eq_ignore_ascii_case(pattern))
        .map_or(pattern, |(_, canonical)| canonical)
}

/// The condition for `\df`'s kind letters: with `n` (normal functions), everything except
/// the kinds not named; without it, only the kinds named.
fn function_kinds(kinds: &str) -> Option<String> {
    const TRIGGER: &str = "p.prorettype = 'pg_catalog.trigger'::pg_catalog.regtype";
    let all = "anptw".chars().all(|c| kinds.contains(c));
    if kinds.is_empty() || all {
        return None;
    }
    let named = |c| kinds.contains(c);
    if named('n') {
        let mut excluded = Vec::new();
        if !named('a') {
            excluded.push("p.prokind != 'a'".to_string());
        }
        if !named('p') {
            excluded.push("(p.prokind IS NULL OR p.prokind <> 'p')".to_string());
        }
        if !named('t') {
            excluded.push(format!("NOT ({TRIGGER})"));
        }
        if !named('w') {
            excluded.push("p.prokind <> 'w'".to_string());
        }
        return (!excluded.is_empty()).then(|| excluded.join(" AND "));
    }
    let wanted: Vec<String> = [
        ('a', "p.prokind = 'a'"),
        ('t', TRIGGER),
        ('p', "p.prokind = 'p'"),
        ('w', "p.prokind = 'w'"),
    ]
    .iter()
    .filter(|(c, _)| named(*c))
    .map(|(_, condition)| condition.to_string())
    .collect();
    Some(format!("({})", wanted.join(" OR ")))
}

/// `\dp`: "Access privileges" of tables, views, sequences, with column privileges and
/// row-level security policies.
pub(super) fn privileges(connection: &mut Connection, command: &DescribeCommand) -> Outcome {
    let mut sql = String::from(
        "SELECT n.nspname as \"Schema\",\n  c.relname as \"Name\",\n  \
         CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' \
         WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' \
         WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' END as \"Type\",\n  \
         pg_catalog.array_to_string(c.relacl, E'\\n') AS \"Access privileges\",\n  \
         pg_catalog.array_to_string(ARRAY(\n    \
           SELECT attname || E':\\n  ' || pg_catalog.array_to_string(attacl, E'\\n  ')\n    \
           FROM pg_catalog.pg_attribute a\n    \
           WHERE attrelid = c.oid AND NOT attisdropped AND attacl IS NOT NULL\n  \
         ), E'\\n') AS \"Column privileges\",\n  \
         pg_catalog.array_to_string(ARRAY(\n    \
           SELECT polname\n    \
           || CASE WHEN NOT polpermissive THEN E' (RESTRICTIVE)' ELSE '' END\n    \
           || CASE WHEN polcmd != '*' THEN E' (' || polcmd::pg_catalog.text || E'):' \
              ELSE E':' END\n    \
           || CASE WHEN polqual IS NOT NULL THEN \
              E'\\n  (u): ' || pg_catalog.pg_get_expr(polqual, polrelid) ELSE E'' END\n    \
           || CASE WHEN polwithcheck IS NOT NULL THEN \
              E'\\n  (c): ' || pg_catalog.pg_get_expr(polwithcheck, polrelid) ELSE E'' END\n    \
           || CASE WHEN polroles <> '{0}' THEN E'\\n  to: ' || pg_catalog.array_to_string(\
              ARRAY(SELECT rolname FROM pg_catalog.pg_roles WHERE oid = ANY (polroles) \
              ORDER BY 1), E', ') ELSE E'' END\n    \
           FROM pg_catalog.pg_policy pol\n    \
           WHERE polrelid = c.oid), E'\\n') AS \"Policies\"\n\
         FROM pg_catalog.pg_class c\n     \
         LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace\n",
    );
    let mut conditions = vec!["c.relkind IN ('r','v','m','S','f','p')".to_string()];
    if command.pattern.is_none() {
        conditions
            .push("n.nspname !~ '^pg_' AND pg_catalog.pg_table_is_visible(c.oid)".to_string());
    }
    conditions.extend(pattern_conditions(
        connection,
        command,
        &relation_columns(),
    )?);
    sql.push_str(&where_clause(&conditions));
    sql.push_str("ORDER BY 1, 2;");
    titled_query(connection, command, "Access privileges", &sql)
}

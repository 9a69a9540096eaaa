//! The footers about what acts on a relation's rows: row-level security policies, extended
//! statistics objects, rules and triggers, each in psql 15's words and categories.
//!
//! It only adds footer lines; nothing here prints or reads input.

use super::query::{cell, fetch, is_null, Failure};
use crate::Connection;

type Footers = Vec<String>;

/// "Policies:" and its variants, which also say whether row security is enabled or forced.
pub(super) fn policies(
    connection: &mut Connection,
    oid: &str,
    enabled: bool,
    forced: bool,
    footers: &mut Footers,
) -> Result<(), Failure> {
    let sql = format!(
        "SELECT pol.polname, pol.polpermissive,\n  \
         CASE WHEN pol.polroles = '{{0}}' THEN NULL ELSE pg_catalog.array_to_string(array(\
         select rolname from pg_catalog.pg_roles where oid = any (pol.polroles) order by 1),',') \
         END,\n  pg_catalog.pg_get_expr(pol.polqual, pol.polrelid),\n  \
         pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid),\n  \
         CASE pol.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' \
         WHEN 'd' THEN 'DELETE' END AS cmd\n\
         FROM pg_catalog.pg_policy pol\nWHERE pol.polrelid = {oid} ORDER BY 1;"
    );
    let found = fetch(connection, &sql)?;
    let any = !found.rows.is_empty();
    let heading = match (enabled, forced, any) {
        (true, false, true) => Some("Policies:"),
        (true, true, true) => Some("Policies (forced row security enabled):"),
        (true, false, false) => Some("Policies (row security enabled): (none)"),
        (true, true, false) => Some("Policies (forced row security enabled): (none)"),
        (false, _, true) => Some("Policies (row security disabled):"),
        (false, _, false) => None,
    };
    footers.extend(heading.map(str::to_string));
    for i in 0..found.rows.len() {
        let mut line = format!("    POLICY \"{}\"", cell(&found, i, 0));
        if cell(&found, i, 1) == "f" {
            line.push_str(" AS RESTRICTIVE");
        }
        if !is_null(&found, i, 5) {
            line.push_str(&format!(" FOR {}", cell(&found, i, 5)));
        }
        for (column, label) in [(2, "TO "), (3, "USING ("), (4, "WITH CHECK (")] {
            if !is_null(&found, i, column) {
                let close = if column == 2 { "" } else { ")" };
                line.push_str(&format!(
                    "\n      {label}{}{close}",
                    cell(&found, i, column)
                ));
            }
        }
        footers.push(line);
    }
    Ok(())
}

/// "Statistics objects:": name, the kinds when not all of them, columns, target.
pub(super) fn statistics(
    connection: &mut Connection,
    oid: &str,
    footers: &mut Footers,
) -> Result<(), Failure> {
    let sql = format!(
        "SELECT oid, stxrelid::pg_catalog.regclass, \
         stxnamespace::pg_catalog.regnamespace::pg_catalog.text AS nsp, stxname,\n\
         pg_catalog.pg_get_statisticsobjdef_columns(oid) AS columns,\n  \
         'd' = any(stxkind), 'f' = any(stxkind), 'm' = any(stxkind), stxstattarget\n\
         FROM pg_catalog.pg_statistic_ext\nWHERE stxrelid = {oid}\nORDER BY nsp, stxname;"
    );
    let found = fetch(connection, &sql)?;
    if found.rows.is_empty() {
        return Ok(());
    }
    footers.push("Statistics objects:".into());
    for i in 0..found.rows.len() {
        let mut line = format!("    \"{}.{}\"", cell(&found, i, 2), cell(&found, i, 3));
        let kinds: Vec<&str> = [(5, "ndistinct"), (6, "dependencies"), (7, "mcv")]
            .iter()
            .filter(|(column, _)| cell(&found, i, *column) == "t")
            .map(|(_, name)| *name)
            .collect();
        if !kinds.is_empty() && kinds.len() < 3 {
            line.push_str(&format!(" ({})", kinds.join(", ")));
        }
        line.push_str(&format!(
            " ON {} FROM {}",
            cell(&found, i, 4),
            cell(&found, i, 1)
        ));
        if !is_null(&found, i, 8) && cell(&found, i, 8) != "-1" {
            line.push_str(&format!("; STATISTICS {}", cell(&found, i, 8)));
        }
        footers.push(line);
    }
    Ok(())
}

/// A table's rules, grouped by how they fire (`for_view`: a view's rules other than its
/// `_RETURN`, in one group).
pub(super) fn rules(
    connection: &mut Connection,
    oid: &str,
    for_view: bool,
    footers: &mut Footers,
) -> Result<(), Failure> {
    let not_return = if for_view {
        " AND r.rulename != '_RETURN'"
    } else {
        ""
    };
    let sql = format!(
        "SELECT r.rulename, trim(trailing ';' from pg_catalog.pg_get_ruledef(r.oid, true)), \
         ev_enabled\nFROM pg_catalog.pg_rewrite r\nWHERE r.ev_class = {oid}{not_return} \
         ORDER BY 1;"
    );
    let found = fetch(connection, &sql)?;
    let categories: &[(&str, &str)] = if for_view {
        &[("OADR", "Rules:")]
    } else {
        &[
            ("O", "Rules:"),
            ("D", "Disabled rules:"),
            ("A", "Rules firing always:"),
            ("R", "Rules firing on replica only:"),
        ]
    };
    for (states, heading) in categories {
        let mut first = true;
        for i in 0..found.rows.len() {
            if !states.contains(cell(&found, i, 2)) || cell(&found, i, 2).is_empty() {
                continue;
            }
            if std::mem::take(&mut first) {
                footers.push(heading.to_string());
            }
            // Everything after "CREATE RULE " is shown as written.
            let definition = cell(&found, i, 1);
            let shown = definition.get(12..).unwrap_or(definition);
            // A view's rules are indented by one space, a table's by four.
            let indent = if for_view { " " } else { "    " };
            footers.push(format!("{indent}{shown}"));
        }
    }
    Ok(())
}

/// Triggers by category (enabled, disabled user, disabled internal, always, replica), each
/// shown from after `TRIGGER`, with the table an inherited trigger comes from.
pub(super) fn triggers(
    connection: &mut Connection,
    oid: &str,
    footers: &mut Footers,
) -> Result<(), Failure> {
    let sql = format!(
        "SELECT t.tgname, pg_catalog.pg_get_triggerdef(t.oid, true), t.tgenabled, \
         t.tgisinternal,\n  CASE WHEN t.tgparentid != 0 THEN\n    \
         (SELECT u.tgrelid::pg_catalog.regclass\n     \
         FROM pg_catalog.pg_trigger AS u,\n          \
         pg_catalog.pg_partition_ancestors(t.tgrelid) WITH ORDINALITY AS a(relid, depth)\n     \
         WHERE u.tgname = t.tgname AND u.tgrelid = a.relid AND u.tgparentid = 0\n     \
         ORDER BY a.depth LIMIT 1)\n  END AS parent\n\
         FROM pg_catalog.pg_trigger t\n\
         WHERE t.tgrelid = {oid} AND (NOT t.tgisinternal OR (t.tgisinternal \
         AND t.tgenabled = 'D'))\nORDER BY 1;"
    );
    let found = fetch(connection, &sql)?;
    let categories: [(&str, Option<bool>, &str); 5] = [
        ("Ot", None, "Triggers:"),
        ("Df", Some(false), "Disabled user triggers:"),
        ("Df", Some(true), "Disabled internal triggers:"),
        ("A", None, "Triggers firing always:"),
        ("R", None, "Triggers firing on replica only:"),
    ];
    for (states, internal, heading) in categories {
        let mut first = true;
        for i in 0..found.rows.len() {
            let state = cell(&found, i, 2);
            let is_internal = cell(&found, i, 3) == "t";
            if state.is_empty()
                || !states.contains(state)
                || internal.is_some_and(|want| want != is_internal)
            {
                continue;
            }
            if std::mem::take(&mut first) {
                footers.push(heading.to_string());
            }
            let definition = cell(&found, i, 1);
            let shown = definition
                .find(" TRIGGER ")
                .map_or(definition, |at| &definition[at + 9..]);
            let mut line = format!("    {shown}");
            if !is_null(&found, i, 4) {
                line.push_str(&format!(", ON TABLE {}", cell(&found, i, 4)));
            }
            footers.push(line);
        }
    }
    Ok(())
}

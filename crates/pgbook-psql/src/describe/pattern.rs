//! psql's name patterns (`processSQLNamePattern`): `*` and `?` as wildcards, `schema.name`,
//! double quotes for exact (case-kept) names, unquoted letters folded to lower case, and
//! other regular-expression characters passed through outside quotes.
//!
//! It turns a pattern into SQL conditions and nothing else; it runs no query.

use super::query::literal;

/// Which catalog columns a pattern constrains.
pub(super) struct Columns<'a> {
    /// The schema name column, or `None` for objects without a schema (roles, schemas).
    pub schema: Option<&'a str>,
    pub name: &'a str,
    /// The condition that keeps only objects visible in the search path, used when the
    /// pattern names no schema.
    pub visible: Option<&'a str>,
}

/// The SQL conditions (to be joined with AND) that select what `pattern` names.
/// `Err` is psql's message for a name with too many dots.
pub(super) fn conditions(pattern: &str, columns: &Columns<'_>) -> Result<Vec<String>, String> {
    let parts = regex_parts(pattern);
    let (schema, name) = match (parts.as_slice(), columns.schema) {
        ([name], _) => (None, name.as_str()),
        ([schema, name], Some(_)) => (Some(schema.as_str()), name.as_str()),
        _ => {
            return Err(format!(
                "improper qualified name (too many dotted names): {pattern}"
            ))
        }
    };
    let mut out = Vec::new();
    // `*` alone matches everything: psql leaves the condition out.
    if name != ".*" {
        out.push(format!(
            "{} OPERATOR(pg_catalog.~) {} COLLATE pg_catalog.default",
            columns.name,
            literal(&format!("^({name})$"))
        ));
    }
    match (schema, columns.schema) {
        (Some(schema), Some(column)) => {
            if schema != ".*" {
                out.push(format!(
                    "{column} OPERATOR(pg_catalog.~) {} COLLATE pg_catalog.default",
                    literal(&format!("^({schema})$"))
                ));
            }
        }
        _ => out.extend(columns.visible.map(str::to_string)),
    }
    Ok(out)
}

/// The pattern cut at unquoted dots, each part turned into a regular expression body.
fn regex_parts(pattern: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut in_quotes = false;
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let current = parts.last_mut().expect("parts is never empty");
        match c {
            '"' if in_quotes && chars.get(i + 1) == Some(&'"') => {
                current.push('"');
                i += 1;
            }
            '"' => in_quotes = !in_quotes,
            '*' if !in_quotes => current.push_str(".*"),
            '?' if !in_quotes => current.push('.'),
            '.' if !in_quotes => parts.push(String::new()),
            // `$` is legal in identifiers and the pattern is anchored anyway: always literal.
            '$' => current.push_str("\\$"),
            c if !in_quotes && c.is_ascii_uppercase() => current.push(c.to_ascii_lowercase()),
            c => {
                let special = "|*+?()[]{}.^$\\".contains(c);
                // `[]` outside quotes is far more likely an array type than a bracket class.
                if (in_quotes && special) || (c == '[' && chars.get(i + 1) == Some(&']')) {
                    current.push('\\');
                }
                current.push(c);
            }
        }
        i += 1;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    const RELATIONS: Columns<'static> = Columns {
        schema: Some("n.nspname"),
        name: "c.relname",
        visible: Some("vis"),
    };

    fn name_is(regex: &str) -> String {
        format!("c.relname OPERATOR(pg_catalog.~) E'{regex}' COLLATE pg_catalog.default")
    }

    fn schema_is(regex: &str) -> String {
        format!("n.nspname OPERATOR(pg_catalog.~) E'{regex}' COLLATE pg_catalog.default")
    }

    #[test]
    fn patterns_like_psql() {
        let cases: Vec<(&str, Vec<String>)> = vec![
            ("Orders", vec![name_is("^(orders)$"), "vis".into()]),
            ("\"Orders\"", vec![name_is("^(Orders)$"), "vis".into()]),
            ("ord*", vec![name_is("^(ord.*)$"), "vis".into()]),
            ("o?d", vec![name_is("^(o.d)$"), "vis".into()]),
            ("*", vec!["vis".into()]),
            ("app.*", vec![schema_is("^(app)$")]),
            ("*.t", vec![name_is("^(t)$")]),
            ("\"a.b\"", vec![name_is("^(a\\\\.b)$"), "vis".into()]),
            ("a$b", vec![name_is("^(a\\\\$b)$"), "vis".into()]),
            ("int[]", vec![name_is("^(int\\\\[])$"), "vis".into()]),
            ("\"x\"\"y\"", vec![name_is("^(x\"y)$"), "vis".into()]),
            ("it's", vec![name_is("^(it''s)$"), "vis".into()]),
        ];
        for (pattern, expected) in cases {
            assert_eq!(conditions(pattern, &RELATIONS), Ok(expected), "{pattern}");
        }
        assert_eq!(
            conditions("a.b.c", &RELATIONS),
            Err("improper qualified name (too many dotted names): a.b.c".into())
        );
    }
}

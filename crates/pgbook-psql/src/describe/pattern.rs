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
    /// A second expression the name part may match instead (`\df`'s argument types match
    /// `typname` or `format_type`), as psql's `altnamevar`.
    pub alt_name: Option<&'a str>,
    /// The condition that keeps only objects visible in the search path, used when the
    /// pattern names no schema.
    pub visible: Option<&'a str>,
    /// The objects live in a database, so a part before the name (or before the schema)
    /// names a database: schemas and relations, not roles or extensions.
    pub in_database: bool,
}

/// The database a pattern names (`db.schema.name`, or `db.schema` for schemas), with
/// psql's case folding and quotes applied; `None` when it names none.
pub(super) fn database_part(pattern: &str, columns: &Columns<'_>) -> Option<String> {
    let parts = split_parts(pattern);
    let wanted = if columns.schema.is_some() { 3 } else { 2 };
    (columns.in_database && parts.len() == wanted).then(|| parts[0].literal.clone())
}

/// The SQL conditions (to be joined with AND) that select what `pattern` names, given the
/// name of the database connected to (needed only when [`database_part`] names one).
/// `Err` is psql's message for a name with too many dots or naming another database.
pub(super) fn conditions(
    pattern: &str,
    columns: &Columns<'_>,
    current_database: Option<&str>,
) -> Result<Vec<String>, String> {
    let parts: Vec<String> = split_parts(pattern).into_iter().map(|p| p.regex).collect();
    let cross_database = || format!("cross-database references are not implemented: {pattern}");
    let (schema, name) = match (parts.as_slice(), columns.schema) {
        ([name], _) => (None, name.as_str()),
        ([schema, name], Some(_)) => (Some(schema.as_str()), name.as_str()),
        // psql 15 refuses a database in a schema pattern even when it is the current one.
        ([_, _], None) if columns.in_database => return Err(cross_database()),
        ([_, schema, name], Some(_)) if columns.in_database => {
            let named = database_part(pattern, columns);
            if named.as_deref() != current_database {
                return Err(cross_database());
            }
            (Some(schema.as_str()), name.as_str())
        }
        _ => {
            return Err(format!(
                "improper qualified name (too many dotted names): {pattern}"
            ))
        }
    };
    let mut out = Vec::new();
    // `*` alone matches everything: psql leaves the condition out.
    if name != ".*" {
        let regex = literal(&format!("^({name})$"));
        let matches = |column: &str| {
            format!("{column} OPERATOR(pg_catalog.~) {regex} COLLATE pg_catalog.default")
        };
        out.push(match columns.alt_name {
            Some(alt) => format!("({}\n        OR {})", matches(columns.name), matches(alt)),
            None => matches(columns.name),
        });
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

/// One dot-separated part of a pattern: as a regular expression body, and as the plain
/// name it spells (quotes removed, unquoted letters folded), for comparing a database name.
struct Part {
    regex: String,
    literal: String,
}

/// The pattern cut at unquoted dots.
fn split_parts(pattern: &str) -> Vec<Part> {
    let new_part = || Part {
        regex: String::new(),
        literal: String::new(),
    };
    let mut parts = vec![new_part()];
    let mut in_quotes = false;
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let current = parts.last_mut().expect("parts is never empty");
        match c {
            '"' if in_quotes && chars.get(i + 1) == Some(&'"') => {
                current.regex.push('"');
                current.literal.push('"');
                i += 1;
            }
            '"' => in_quotes = !in_quotes,
            '.' if !in_quotes => parts.push(new_part()),
            c => {
                let folded = if in_quotes { c } else { c.to_ascii_lowercase() };
                current.literal.push(folded);
                push_regex(&mut current.regex, c, in_quotes, chars.get(i + 1));
            }
        }
        i += 1;
    }
    parts
}

/// Appends one character of a pattern to its regular expression.
fn push_regex(regex: &mut String, c: char, in_quotes: bool, next: Option<&char>) {
    match c {
        '*' if !in_quotes => regex.push_str(".*"),
        '?' if !in_quotes => regex.push('.'),
        // `$` is legal in identifiers and the pattern is anchored anyway: always literal.
        '$' => regex.push_str("\\$"),
        c if !in_quotes && c.is_ascii_uppercase() => regex.push(c.to_ascii_lowercase()),
        c => {
            let special = "|*+?()[]{}.^$\\".contains(c);
            // `[]` outside quotes is far more likely an array type than a bracket class.
            if (in_quotes && special) || (c == '[' && next == Some(&']')) {
                regex.push('\\');
            }
            regex.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RELATIONS: Columns<'static> = Columns {
        schema: Some("n.nspname"),
        name: "c.relname",
        alt_name: None,
        visible: Some("vis"),
        in_database: true,
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
            assert_eq!(
                conditions(pattern, &RELATIONS, None),
                Ok(expected),
                "{pattern}"
            );
        }
        assert_eq!(
            conditions("db.s.t", &RELATIONS, Some("db")),
            Ok(vec![name_is("^(t)$"), schema_is("^(s)$")])
        );
        assert_eq!(database_part("DB.s.t", &RELATIONS), Some("db".into()));
        assert_eq!(
            conditions("a.b.c", &RELATIONS, Some("db")),
            Err("cross-database references are not implemented: a.b.c".into())
        );
        assert_eq!(
            conditions("a.b.c.d", &RELATIONS, Some("db")),
            Err("improper qualified name (too many dotted names): a.b.c.d".into())
        );
    }
}

//! psql's aligned table with a title above it and footers below it, as the describe
//! commands print them (`printTable` with a title, and either the `(N rows)` default footer
//! or footer lines such as `Indexes:`).
//!
//! It reuses the plain aligned table of `table.rs` unchanged and only decorates it: it knows
//! nothing of catalogs or of which footers a command prints.

use pgbook_book::ResultSet;

use super::table::write_table;
use super::width::printable_lines;

/// What goes below the rows of a titled table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Footer<'a> {
    /// psql's default footer, `(N rows)`.
    RowCount,
    /// These lines instead (none at all when empty), each printed as is.
    Lines(&'a [String]),
}

/// Appends `result` as psql prints it with `title` centred over the table (or flush left
/// when it is as wide as the table or wider) and `footer` below the rows, then the blank line.
pub fn write_titled_table(
    title: Option<&str>,
    result: &ResultSet,
    footer: Footer<'_>,
    out: &mut String,
) {
    let mut body = String::new();
    write_table(result, &mut body);
    if let Some(title) = title {
        let width_total = table_width(result, &body);
        // psql measures the title as one piece of text, in screen columns.
        let title_width: usize = printable_lines(title).iter().map(|l| l.width).sum();
        if title_width < width_total {
            out.push_str(&" ".repeat((width_total - title_width) / 2));
        }
        out.push_str(title);
        out.push('\n');
    }
    match footer {
        Footer::RowCount => out.push_str(&body),
        Footer::Lines(lines) => {
            // The plain table ends with its row count and a blank line: swap the row count
            // for the given lines.
            let without_blank = body.strip_suffix('\n').unwrap_or(&body);
            let without_count = without_blank
                .strip_suffix('\n')
                .and_then(|rest| rest.rfind('\n').map(|at| &rest[..=at]))
                .unwrap_or("");
            out.push_str(without_count);
            for line in lines {
                out.push_str(line);
                out.push('\n');
            }
            out.push('\n');
        }
    }
}

/// The table's width in screen columns: that of its rule line, which follows the header
/// lines (as many as the tallest column name has).
fn table_width(result: &ResultSet, body: &str) -> usize {
    let header_height = result
        .columns
        .iter()
        .map(|c| printable_lines(&c.name).len())
        .max()
        .unwrap_or(0);
    body.lines()
        .nth(header_height)
        .map(|rule| rule.chars().count())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pgbook_book::Column;

    fn two_columns() -> ResultSet {
        ResultSet {
            elided_rows: 0,
            all_rows: None,
            columns: ["Name", "Owner"]
                .iter()
                .map(|n| Column {
                    name: n.to_string(),
                    type_oid: 25,
                })
                .collect(),
            rows: vec![vec![Some("public".into()), Some("postgres".into())]],
        }
    }

    /// Expected texts are psql 15's output (`\dn` and a `\d`-style footer).
    #[test]
    fn titles_and_footers_like_psql() {
        let mut out = String::new();
        write_titled_table(
            Some("List of schemas"),
            &two_columns(),
            Footer::RowCount,
            &mut out,
        );
        assert_eq!(
            out,
            "  List of schemas\n  Name  |  Owner   \n--------+----------\n public | postgres\n(1 row)\n\n"
        );
        let mut out = String::new();
        let footers = vec!["Indexes:".to_string(), "    \"i\" btree (a)".to_string()];
        write_titled_table(
            Some("A title much wider than the table"),
            &two_columns(),
            Footer::Lines(&footers),
            &mut out,
        );
        assert_eq!(
            out,
            "A title much wider than the table\n  Name  |  Owner   \n--------+----------\n public | postgres\nIndexes:\n    \"i\" btree (a)\n\n"
        );
        let mut out = String::new();
        write_titled_table(None, &two_columns(), Footer::Lines(&[]), &mut out);
        assert_eq!(
            out,
            "  Name  |  Owner   \n--------+----------\n public | postgres\n\n"
        );
    }
}

//! psql's table with a title above it and footers below it, as the describe commands print
//! them (`printTable` with a title, and either the `(N rows)` default footer or footer lines
//! such as `Indexes:`), in each format the session's `\x` and `\pset` ask for.
//!
//! It reuses the plain writers of `table.rs`, `expanded.rs` and `plain.rs` and only
//! decorates their output: it knows nothing of catalogs or of which footers a command prints.

use pgbook_book::ResultSet;

use super::display::{Display, Format};
use super::expanded::write_expanded;
use super::plain::{write_csv, write_unaligned, write_unaligned_vertical};
use super::table::write_aligned;
use super::width::printable_lines;

/// What goes below the rows of a titled table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Footer<'a> {
    /// psql's default footer, `(N rows)` (unless `\pset footer off`).
    RowCount,
    /// These lines instead (none at all when empty), each printed as is.
    Lines(&'a [String]),
}

/// Appends `result` as psql's `printTable` prints it with `title` and `footer` in the
/// session's `display` format: aligned with the title centred over the table (flush left
/// when it is as wide or wider), expanded with the title flush left, unaligned with the
/// title as a first line, csv with neither title nor footers; `tuples_only` drops title
/// and footers.
pub fn write_titled_table(
    title: Option<&str>,
    result: &ResultSet,
    footer: Footer<'_>,
    display: &Display,
    out: &mut String,
) {
    let title = title.filter(|_| !display.tuples_only);
    let explicit: &[String] = match footer {
        Footer::Lines(lines) if !display.tuples_only => lines,
        _ => &[],
    };
    // The default footer is printed only where no footer lines replace it.
    let rows_display = Display {
        footer: display.footer && footer == Footer::RowCount,
        ..display.clone()
    };
    match display.format {
        Format::Csv => write_csv(result, display, out),
        Format::Unaligned if display.is_expanded() => {
            write_unaligned_vertical(title, result, explicit, display, out)
        }
        Format::Unaligned => {
            if let Some(title) = title {
                out.push_str(title);
                out.push('\n');
            }
            write_unaligned(result, &rows_display, out);
            for line in explicit {
                out.push_str(line);
                out.push('\n');
            }
        }
        Format::Aligned if display.is_expanded() => {
            write_expanded_titled(title, result, footer, explicit, display, &rows_display, out)
        }
        Format::Aligned => {
            let mut body = String::new();
            write_aligned(result, &rows_display, &mut body);
            if let Some(title) = title {
                let width_total = table_width(result, display, &body);
                // psql measures the title as one piece of text, in screen columns.
                let title_width: usize = printable_lines(title).iter().map(|l| l.width).sum();
                if title_width < width_total {
                    out.push_str(&" ".repeat((width_total - title_width) / 2));
                }
                out.push_str(title);
                out.push('\n');
            }
            // The table ends with a blank line; footer lines go before it.
            out.push_str(body.strip_suffix('\n').unwrap_or(&body));
            for line in explicit {
                out.push_str(line);
                out.push('\n');
            }
            out.push('\n');
        }
    }
}

/// psql's expanded (`\x`) table with a title and footers: no title and only the footers
/// when there is no row; otherwise the title flush left, the records, and the footer lines
/// after a blank line (none with border 2).
fn write_expanded_titled(
    title: Option<&str>,
    result: &ResultSet,
    footer: Footer<'_>,
    explicit: &[String],
    display: &Display,
    rows_display: &Display,
    out: &mut String,
) {
    if result.rows.is_empty() || result.columns.is_empty() {
        match footer {
            Footer::RowCount => write_expanded(result, rows_display, out),
            Footer::Lines(_) => {
                for line in explicit {
                    out.push_str(line);
                    out.push('\n');
                }
                out.push('\n');
            }
        }
        return;
    }
    if let Some(title) = title {
        out.push_str(title);
        out.push('\n');
    }
    let mut body = String::new();
    write_expanded(result, display, &mut body);
    out.push_str(body.strip_suffix('\n').unwrap_or(&body));
    if !explicit.is_empty() {
        if display.border.min(2) < 2 {
            out.push('\n');
        }
        for line in explicit {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push('\n');
}

/// The table's width as psql counts it to centre a title: that of its rule line, which
/// follows the header lines (as many as the tallest column name has) or comes first with
/// border 2; with border 0 psql counts one column more than the rule has.
fn table_width(result: &ResultSet, display: &Display, body: &str) -> usize {
    let border = display.border.min(2);
    let beyond_rule = usize::from(border == 0 && !result.columns.is_empty());
    let rule = if border == 2 {
        0
    } else {
        result
            .columns
            .iter()
            .map(|c| printable_lines(&c.name).len())
            .max()
            .unwrap_or(0)
    };
    body.lines()
        .nth(rule)
        .map(|rule| rule.chars().count() + beyond_rule)
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
            &Display::default(),
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
            &Display::default(),
            &mut out,
        );
        assert_eq!(
            out,
            "A title much wider than the table\n  Name  |  Owner   \n--------+----------\n public | postgres\nIndexes:\n    \"i\" btree (a)\n\n"
        );
        let mut out = String::new();
        write_titled_table(
            None,
            &two_columns(),
            Footer::Lines(&[]),
            &Display::default(),
            &mut out,
        );
        assert_eq!(
            out,
            "  Name  |  Owner   \n--------+----------\n public | postgres\n\n"
        );
    }
}

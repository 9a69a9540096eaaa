//! psql's unaligned (`\a`, `\pset format unaligned`) and csv formats, each in its normal and
//! expanded form: separators instead of padding, nothing measured.
//!
//! It prints one result set into a string; it knows nothing of the statement or the server.

use pgbook_book::ResultSet;

use super::display::Display;

/// psql's default `fieldsep` for unaligned output.
const FIELD_SEP: &str = "|";
/// psql's default `csv_fieldsep`.
const CSV_SEP: char = ',';

/// The values of a row as psql prints them (NULL as the `null` setting).
fn cells<'a>(result: &'a ResultSet, display: &'a Display) -> impl Iterator<Item = Vec<&'a str>> {
    let columns = result.columns.len();
    result.rows.iter().map(move |row| {
        (0..columns)
            .map(|i| {
                row.get(i)
                    .and_then(|v| v.as_deref())
                    .unwrap_or(&display.null)
            })
            .collect()
    })
}

/// Unaligned: header and rows joined by `|`, a `(N rows)` footer, no blank line after.
pub(crate) fn write_unaligned(result: &ResultSet, display: &Display, out: &mut String) {
    let names: Vec<&str> = result.columns.iter().map(|c| c.name.as_str()).collect();
    if display.is_expanded() {
        for (i, row) in cells(result, display).enumerate() {
            if i > 0 {
                out.push('\n');
            }
            for (name, value) in names.iter().zip(row) {
                out.push_str(name);
                out.push_str(FIELD_SEP);
                out.push_str(value);
                out.push('\n');
            }
        }
        return;
    }
    if !display.tuples_only {
        out.push_str(&names.join(FIELD_SEP));
        out.push('\n');
    }
    for row in cells(result, display).filter(|row| !row.is_empty()) {
        out.push_str(&row.join(FIELD_SEP));
        out.push('\n');
    }
    if display.footer && !display.tuples_only {
        match result.rows.len() {
            1 => out.push_str("(1 row)\n"),
            n => out.push_str(&format!("({n} rows)\n")),
        }
    }
}

/// Unaligned and expanded with a title and footer lines, as psql's `print_unaligned_vertical`:
/// the title, then each record after a blank line (`name|value` lines), then the footer
/// lines after a blank line.
pub(crate) fn write_unaligned_vertical(
    title: Option<&str>,
    result: &ResultSet,
    footers: &[String],
    display: &Display,
    out: &mut String,
) {
    let mut open_line = false;
    if let Some(title) = title {
        out.push_str(title);
        open_line = true;
    }
    let names: Vec<&str> = result.columns.iter().map(|c| c.name.as_str()).collect();
    for row in cells(result, display).filter(|row| !row.is_empty()) {
        if open_line {
            out.push_str("\n\n");
        }
        let fields: Vec<String> = names
            .iter()
            .zip(row)
            .map(|(name, value)| format!("{name}{FIELD_SEP}{value}"))
            .collect();
        out.push_str(&fields.join("\n"));
        open_line = true;
    }
    if !footers.is_empty() {
        out.push('\n');
        for line in footers {
            out.push('\n');
            out.push_str(line);
        }
        open_line = true;
    }
    if open_line {
        out.push('\n');
    }
}

/// CSV: a header line unless tuples_only, then one line per row; expanded, one
/// `name,value` line per value. Never a footer.
pub(crate) fn write_csv(result: &ResultSet, display: &Display, out: &mut String) {
    let names: Vec<&str> = result.columns.iter().map(|c| c.name.as_str()).collect();
    if display.is_expanded() {
        for row in cells(result, display) {
            for (name, value) in names.iter().zip(row) {
                csv_field(name, out);
                out.push(CSV_SEP);
                csv_field(value, out);
                out.push('\n');
            }
        }
        return;
    }
    let line = |values: &[&str], out: &mut String| {
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                out.push(CSV_SEP);
            }
            csv_field(value, out);
        }
        out.push('\n');
    };
    if !display.tuples_only {
        line(&names, out);
    }
    for row in cells(result, display).filter(|row| !row.is_empty()) {
        line(&row, out);
    }
}

/// A field quoted when it holds the separator, a quote, CR or LF, or is exactly `\.`.
fn csv_field(value: &str, out: &mut String) {
    let quote = value.contains([CSV_SEP, '"', '\r', '\n']) || value == "\\.";
    if quote {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

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

/// Calls `each` with every row's values as psql prints them (NULL as the `null` setting),
/// one value per column.
fn for_each_row(result: &ResultSet, display: &Display, mut each: impl FnMut(usize, &[&str])) {
    let columns = result.columns.len();
    let mut index = 0;
    result.for_each_row(|row| {
        let values: Vec<&str> = (0..columns)
            .map(|i| row.get(i).copied().flatten().unwrap_or(&display.null))
            .collect();
        each(index, &values);
        index += 1;
    });
}

/// Unaligned: header and rows joined by `|`, a `(N rows)` footer, no blank line after.
pub(crate) fn write_unaligned(result: &ResultSet, display: &Display, out: &mut String) {
    let names: Vec<&str> = result.columns.iter().map(|c| c.name.as_str()).collect();
    if display.is_expanded() {
        for_each_row(result, display, |i, row| {
            if i > 0 {
                out.push('\n');
            }
            for (name, value) in names.iter().zip(row) {
                out.push_str(name);
                out.push_str(FIELD_SEP);
                out.push_str(value);
                out.push('\n');
            }
        });
        return;
    }
    if !display.tuples_only {
        out.push_str(&names.join(FIELD_SEP));
        out.push('\n');
    }
    for_each_row(result, display, |_, row| {
        if !row.is_empty() {
            out.push_str(&row.join(FIELD_SEP));
            out.push('\n');
        }
    });
    if display.footer && !display.tuples_only {
        match result.total_rows() {
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
    for_each_row(result, display, |_, row| {
        if row.is_empty() {
            return;
        }
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
    });
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
        for_each_row(result, display, |_, row| {
            for (name, value) in names.iter().zip(row) {
                csv_field(name, out);
                out.push(CSV_SEP);
                csv_field(value, out);
                out.push('\n');
            }
        });
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
    for_each_row(result, display, |_, row| {
        if !row.is_empty() {
            line(row, out);
        }
    });
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

//! psql's aligned table format (the default of `psql -X` writing to a pipe): centred
//! headers, a `-`/`+` rule, numbers right-aligned, `+` marks on values that continue on the
//! next line, and the `(N rows)` footer followed by a blank line.
//!
//! It prints one result set into a string; it knows nothing of the statement or the server.

use pgbook_book::ResultSet;

use super::display::Display;
use super::width::{printable_lines, printable_width, Line};

/// Type OIDs psql right-aligns: int2/4/8, float4/8, numeric, oid, xid, xid8, cid, money.
const RIGHT_ALIGNED_TYPES: [u32; 11] = [21, 23, 20, 700, 701, 1700, 26, 28, 5069, 29, 790];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
    Centre,
}

/// Whether psql right-aligns a column of this type.
pub(crate) fn is_right_aligned(type_oid: u32) -> bool {
    RIGHT_ALIGNED_TYPES.contains(&type_oid)
}

/// Appends the aligned rendering of `result` with psql's default settings.
pub(crate) fn write_table(result: &ResultSet, out: &mut String) {
    write_aligned(result, &Display::default(), out);
}

/// Appends the aligned rendering of `result` (rules, header, rows, footer and blank line as
/// `display`'s border, tuples_only, footer and null settings say) to `out`.
///
/// psql needs every row to size the columns, so this takes two passes over the rows: one
/// measuring each value's widest line, one printing row by row. Only one row's printable
/// lines exist at a time; a million-row result is never held as a second, formatted copy.
pub(crate) fn write_aligned(result: &ResultSet, display: &Display, out: &mut String) {
    let border = display.border.min(2);
    let headers = printable_headers(result);
    let widths = column_widths(result, &headers, display);
    let aligns: Vec<Align> = result
        .columns
        .iter()
        .map(|c| {
            if is_right_aligned(c.type_oid) {
                Align::Right
            } else {
                Align::Left
            }
        })
        .collect();

    // A result without columns (`SELECT;`) prints its rules only: `--` with border 1.
    let layout = Layout {
        widths: &widths,
        border,
    };
    if !display.tuples_only {
        if border == 2 {
            layout.rule(out);
        }
        if !widths.is_empty() {
            let centred = vec![Align::Centre; widths.len()];
            layout.record(&headers, &centred, true, out);
        }
        layout.rule(out);
    }
    if !widths.is_empty() {
        // The last read of the rows: a large result's compact copy is freed as it prints.
        let mut cells = Vec::with_capacity(widths.len());
        result.drain_each_row(|row| {
            cells.clear();
            cells.extend((0..widths.len()).map(|i| printable_lines(cell(row, i, display))));
            layout.record(&cells, &aligns, false, out);
        });
    }
    if border == 2 {
        layout.rule(out);
    }
    if display.footer && !display.tuples_only {
        match result.total_rows() {
            1 => out.push_str("(1 row)\n"),
            n => out.push_str(&format!("({n} rows)\n")),
        }
    }
    out.push('\n');
}

/// The text psql shows for column `i` of `row`: a missing value (from a malformed, e.g.
/// hand-edited cached, result) or NULL prints as `display`'s null.
fn cell<'a>(row: &[Option<&'a str>], i: usize, display: &'a Display) -> &'a str {
    row.get(i).copied().flatten().unwrap_or(&display.null)
}

fn printable_headers(result: &ResultSet) -> Vec<Vec<Line>> {
    result
        .columns
        .iter()
        .map(|c| printable_lines(&c.name))
        .collect()
}

/// Each column's width: its widest header or value line, measured without keeping lines.
fn column_widths(result: &ResultSet, headers: &[Vec<Line>], display: &Display) -> Vec<usize> {
    let mut widths: Vec<usize> = headers.iter().map(|h| max_width(h)).collect();
    result.for_each_row(|row| {
        for (i, width) in widths.iter_mut().enumerate() {
            *width = (*width).max(printable_width(cell(row, i, display)));
        }
    });
    widths
}

pub(crate) fn max_width(lines: &[Line]) -> usize {
    lines.iter().map(|l| l.width).max().unwrap_or(0)
}

/// Column widths and border style: what every line of one table shares.
struct Layout<'a> {
    widths: &'a [usize],
    border: u32,
}

impl Layout<'_> {
    /// A `---+---` rule (`+---+---+` with border 2, `--- ---` with border 0).
    fn rule(&self, out: &mut String) {
        match self.border {
            2 => out.push_str("+-"),
            1 => out.push('-'),
            _ => {}
        }
        for (i, width) in self.widths.iter().enumerate() {
            out.push_str(&"-".repeat(*width));
            if i + 1 < self.widths.len() {
                out.push_str(if self.border == 0 { " " } else { "-+-" });
            }
        }
        match self.border {
            2 => out.push_str("-+"),
            1 => out.push('-'),
            _ => {}
        }
        out.push('\n');
    }

    /// Prints one header or data record, which takes as many output lines as its tallest
    /// cell. Header cells are always padded to full width; in data records the last column
    /// carries no trailing padding (border 0 and 1) unless a `+` continuation mark follows.
    fn record(&self, cells: &[Vec<Line>], aligns: &[Align], is_header: bool, out: &mut String) {
        let widths = self.widths;
        let height = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let last = cells.len() - 1;
        for line_no in 0..height {
            if self.border == 2 {
                out.push('|');
            }
            for (col, cell) in cells.iter().enumerate() {
                if self.border != 0 {
                    out.push(' ');
                }
                let pad_end = is_header || self.border == 2 || col < last;
                let Some(line) = cell.get(line_no) else {
                    if pad_end {
                        push_spaces(out, widths[col]);
                    }
                    if pad_end {
                        out.push(' ');
                    }
                    if self.border != 0 && col < last {
                        out.push('|');
                    }
                    continue;
                };
                let continues = line_no + 1 < cell.len();
                let room = widths[col] - line.width;
                let (before, after) = match aligns[col] {
                    Align::Left => (0, room),
                    Align::Right => (room, 0),
                    Align::Centre => (room / 2, room - room / 2),
                };
                push_spaces(out, before);
                out.push_str(&line.text);
                if continues {
                    push_spaces(out, after);
                    out.push('+');
                } else if pad_end {
                    push_spaces(out, after);
                    out.push(' ');
                }
                if self.border != 0 && col < last {
                    out.push('|');
                }
            }
            if self.border == 2 {
                out.push('|');
            }
            out.push('\n');
        }
    }
}

/// The column names and the cells of `result` as printable lines, for the aligned and the
/// expanded formats. Every row gets exactly one cell per column, even from a malformed (e.g.
/// hand-edited cached) result: missing values print as `display`'s null, extra ones are
/// dropped.
pub(crate) fn printable_cells(
    result: &ResultSet,
    display: &Display,
) -> (Vec<Vec<Line>>, Vec<Vec<Vec<Line>>>) {
    let headers = printable_headers(result);
    let mut rows = Vec::with_capacity(result.total_rows());
    result.for_each_row(|row| {
        rows.push(
            (0..headers.len())
                .map(|i| printable_lines(cell(row, i, display)))
                .collect(),
        )
    });
    (headers, rows)
}

pub(crate) fn push_spaces(out: &mut String, count: usize) {
    out.push_str(&" ".repeat(count));
}

#[cfg(test)]
mod tests {
    use super::*;
    use pgbook_book::Column;

    fn result(columns: &[(&str, u32)], rows: &[&[Option<&str>]]) -> ResultSet {
        ResultSet {
            elided_rows: 0,
            all_rows: None,
            columns: columns
                .iter()
                .map(|(name, type_oid)| Column {
                    name: name.to_string(),
                    type_oid: *type_oid,
                })
                .collect(),
            rows: rows
                .iter()
                .map(|row| row.iter().map(|v| v.map(str::to_string)).collect())
                .collect(),
        }
    }

    /// Expected texts are psql 15's output for the same results (see the differential suite).
    #[test]
    fn tables_like_psql() {
        const TEXT: u32 = 25;
        const INT4: u32 = 23;
        let cases: Vec<(ResultSet, &str)> = vec![
            (
                result(&[("a", INT4), ("b", TEXT)], &[&[Some("1"), Some("x")]]),
                " a | b \n---+---\n 1 | x\n(1 row)\n\n",
            ),
            (
                result(&[("v", TEXT), ("n", TEXT)], &[&[Some("ab\nc"), None]]),
                " v  | n \n----+---\n ab+| \n c  | \n(1 row)\n\n",
            ),
            (
                result(
                    &[("a", TEXT), ("n", INT4)],
                    &[&[Some("x"), None], &[Some("y\nz"), Some("5")]],
                ),
                " a | n \n---+---\n x |  \n y+| 5\n z | \n(2 rows)\n\n",
            ),
            (
                result(
                    &[("a\nbcd", INT4), ("b", TEXT), ("c\nd", INT4)],
                    &[&[Some("1"), Some("x"), Some("22")]],
                ),
                "  a +| b | c +\n bcd |   | d  \n-----+---+----\n   1 | x | 22\n(1 row)\n\n",
            ),
            (result(&[], &[&[]]), "--\n(1 row)\n\n"),
            (
                result(&[("a", TEXT), ("b", TEXT)], &[&[Some("x")]]),
                " a | b \n---+---\n x | \n(1 row)\n\n",
            ),
            (
                result(&[("?column?", INT4)], &[]),
                " ?column? \n----------\n(0 rows)\n\n",
            ),
        ];
        for (result, expected) in cases {
            let mut out = String::new();
            write_table(&result, &mut out);
            assert_eq!(out, expected, "{result:?}");
        }
    }
}

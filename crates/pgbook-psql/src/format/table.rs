//! psql's aligned table format (the default of `psql -X` writing to a pipe): centred
//! headers, a `-`/`+` rule, numbers right-aligned, `+` marks on values that continue on the
//! next line, and the `(N rows)` footer followed by a blank line.
//!
//! It prints one result set into a string; it knows nothing of the statement or the server.

use pgbook_book::ResultSet;

use super::width::{printable_lines, Line};

/// Type OIDs psql right-aligns: int2/4/8, float4/8, numeric, oid, xid, xid8, cid, money.
const RIGHT_ALIGNED_TYPES: [u32; 11] = [21, 23, 20, 700, 701, 1700, 26, 28, 5069, 29, 790];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
    Centre,
}

/// Appends the aligned rendering of `result` (with its footer and blank line) to `out`.
pub(crate) fn write_table(result: &ResultSet, out: &mut String) {
    let headers: Vec<Vec<Line>> = result
        .columns
        .iter()
        .map(|c| printable_lines(&c.name))
        .collect();
    // Every row gets exactly one cell per column, even from a malformed (e.g. hand-edited
    // cached) result: missing values print as NULL, extra ones are dropped.
    let rows: Vec<Vec<Vec<Line>>> = result
        .rows
        .iter()
        .map(|row| {
            (0..headers.len())
                .map(|i| printable_lines(row.get(i).and_then(|v| v.as_deref()).unwrap_or("")))
                .collect()
        })
        .collect();
    let widths = column_widths(&headers, &rows);
    let aligns: Vec<Align> = result
        .columns
        .iter()
        .map(|c| {
            if RIGHT_ALIGNED_TYPES.contains(&c.type_oid) {
                Align::Right
            } else {
                Align::Left
            }
        })
        .collect();

    if widths.is_empty() {
        // A result without columns (`SELECT;`): psql prints a bare rule.
        out.push_str("--\n");
    } else {
        let centred = vec![Align::Centre; widths.len()];
        write_record(&headers, &widths, &centred, true, out);
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(w + 2)).collect();
        out.push_str(&rule.join("+"));
        out.push('\n');
        for row in &rows {
            write_record(row, &widths, &aligns, false, out);
        }
    }
    match rows.len() {
        1 => out.push_str("(1 row)\n"),
        n => out.push_str(&format!("({n} rows)\n")),
    }
    out.push('\n');
}

fn column_widths(headers: &[Vec<Line>], rows: &[Vec<Vec<Line>>]) -> Vec<usize> {
    let mut widths: Vec<usize> = headers.iter().map(|h| max_width(h)).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(max_width(cell));
        }
    }
    widths
}

fn max_width(lines: &[Line]) -> usize {
    lines.iter().map(|l| l.width).max().unwrap_or(0)
}

/// Prints one header or data record, which takes as many output lines as its tallest cell.
/// Header cells are always padded to full width; in data records the last column carries
/// no trailing padding unless a `+` continuation mark follows it.
fn write_record(
    cells: &[Vec<Line>],
    widths: &[usize],
    aligns: &[Align],
    is_header: bool,
    out: &mut String,
) {
    let height = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
    let last = cells.len() - 1;
    for line_no in 0..height {
        for (col, cell) in cells.iter().enumerate() {
            if col > 0 {
                out.push('|');
            }
            out.push(' ');
            let pad_end = is_header || col < last;
            let Some(line) = cell.get(line_no) else {
                if pad_end {
                    push_spaces(out, widths[col] + 1);
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
                push_spaces(out, after + 1);
            }
        }
        out.push('\n');
    }
}

fn push_spaces(out: &mut String, count: usize) {
    out.push_str(&" ".repeat(count));
}

#[cfg(test)]
mod tests {
    use super::*;
    use pgbook_book::Column;

    fn result(columns: &[(&str, u32)], rows: &[&[Option<&str>]]) -> ResultSet {
        ResultSet {
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

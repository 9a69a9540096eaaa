//! psql's expanded (`\x`) aligned format: one `-[ RECORD n ]` header per row, sized as psql
//! sizes it, then a `name | value` line per column; and psql's `(0 rows)` for an empty result.
//!
//! It prints one result set into a string; it knows nothing of the statement or the server.

use pgbook_book::ResultSet;

use super::display::Display;
use super::table::{max_width, printable_cells, push_spaces};
use super::width::Line;

/// Appends the expanded rendering of `result` to `out`.
pub(crate) fn write_expanded(result: &ResultSet, display: &Display, out: &mut String) {
    let border = display.border.min(2) as usize;
    if result.total_rows() == 0 || result.columns.is_empty() {
        // With no value to show, psql prints the default footer even in expanded mode.
        if display.footer && !display.tuples_only {
            match result.total_rows() {
                1 => out.push_str("(1 row)\n"),
                n => out.push_str(&format!("({n} rows)\n")),
            }
        }
        out.push('\n');
        return;
    }
    let (headers, rows) = printable_cells(result, display);
    let hwidth = headers.iter().map(|h| max_width(h)).max().unwrap_or(0);
    let dwidth = rows
        .iter()
        .flatten()
        .map(|cell| max_width(cell))
        .max()
        .unwrap_or(0);
    // psql pads a value that continues on the next line only when some value does.
    let multiline = rows.iter().flatten().any(|cell| cell.len() > 1);
    let shape = Shape {
        border,
        hwidth,
        dwidth,
        multiline,
        header_multiline: headers.iter().any(|h| h.len() > 1),
    };
    for (i, row) in rows.iter().enumerate() {
        if !display.tuples_only {
            shape.record_line(Some(i + 1), out);
        } else if i != 0 || border == 2 {
            shape.record_line(None, out);
        }
        for (header, cell) in headers.iter().zip(row) {
            shape.field(header, cell, out);
        }
    }
    if border == 2 {
        shape.record_line(None, out);
    }
    out.push('\n');
}

/// The widths and border that every line of one expanded result shares.
struct Shape {
    border: usize,
    hwidth: usize,
    dwidth: usize,
    multiline: bool,
    /// Whether some column name takes several lines.
    header_multiline: bool,
}

impl Shape {
    /// The line above a record: `-[ RECORD n ]-----+------` (or a plain rule without a
    /// number), the record label overlapping the rule as far as it reaches.
    fn record_line(&self, record: Option<usize>, out: &mut String) {
        let fill = if self.border > 0 { "-" } else { " " };
        match self.border {
            2 => out.push_str("+-"),
            1 => out.push('-'),
            _ => {}
        }
        let label = match record {
            Some(n) if self.border == 0 => format!("* Record {n}"),
            Some(n) => format!("[ RECORD {n} ]"),
            None => String::new(),
        };
        out.push_str(&label);
        // The label's length in psql's count: border 0 and 1 count one more (the leading
        // dash of border 1), with or without a label.
        let mut reclen = label.len() as isize + isize::from(self.border != 2);
        for _ in reclen.max(0) as usize..self.hwidth {
            out.push_str(fill);
        }
        reclen -= self.hwidth as isize;
        let joints: &[&str] = if self.border > 0 {
            &["-", "+", "-"]
        } else {
            &[" "]
        };
        for joint in joints {
            if reclen <= 0 {
                out.push_str(joint);
            }
            reclen -= 1;
        }
        for _ in reclen.max(0) as usize..self.dwidth {
            out.push_str(fill);
        }
        if self.border == 2 {
            out.push_str("-+");
        }
        out.push('\n');
    }

    /// One column of a record: its name, then its value, over as many lines as either takes.
    fn field(&self, header: &[Line], cell: &[Line], out: &mut String) {
        let height = header.len().max(cell.len()).max(1);
        for line_no in 0..height {
            if self.border == 2 {
                out.push_str("| ");
            }
            match header.get(line_no) {
                Some(line) => {
                    out.push_str(&line.text);
                    push_spaces(out, self.hwidth - line.width);
                    // The column name's own `+` mark, or the space before the rule.
                    if self.border > 0 || self.header_multiline {
                        out.push(if line_no + 1 < header.len() { '+' } else { ' ' });
                    }
                }
                None => {
                    // Border 2's left space was printed with its rule.
                    let extra = match self.border {
                        0 => usize::from(self.header_multiline),
                        1 => 1,
                        _ => 1,
                    };
                    push_spaces(out, self.hwidth + extra);
                }
            }
            if self.border > 0 {
                out.push('|');
            }
            let Some(line) = cell.get(line_no) else {
                // The name takes more lines than the value.
                if self.border == 2 {
                    push_spaces(out, self.dwidth);
                    out.push_str("  |");
                }
                out.push('\n');
                continue;
            };
            out.push(' ');
            out.push_str(&line.text);
            let room = self.dwidth - line.width;
            if line_no + 1 < cell.len() {
                if self.border > 1 || self.multiline {
                    push_spaces(out, room);
                    out.push('+');
                }
            } else if self.border > 1 {
                push_spaces(out, room);
                out.push(' ');
            }
            if self.border == 2 {
                out.push('|');
            }
            out.push('\n');
        }
    }
}

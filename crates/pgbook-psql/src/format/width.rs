//! Terminal display widths and psql's rendering of a value into printable lines.
//!
//! psql measures text in screen columns: CJK characters take two, combining marks none, and
//! control characters are shown escaped (`\r`, `\x01`, `\u0080`); tabs advance to the next
//! multiple of eight. This module knows nothing of tables or server messages.

use std::fmt::Write;

use unicode_width::UnicodeWidthChar;

/// One printable line of a value and its width in screen columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    pub text: String,
    pub width: usize,
}

/// Screen width of a character, or `None` for a control character.
///
/// PostgreSQL 15 gives zero width only to combining marks (categories Mn and Me); other
/// characters that Unicode's width rules make invisible — format characters such as the
/// zero-width space, joiner, soft hyphen and BOM, and Hangul medial and final jamo — take
/// one column in psql.
fn char_width(c: char) -> Option<usize> {
    if c.is_control() {
        return None;
    }
    match c.width() {
        Some(0) if is_zero_width_non_mark(c) => Some(1),
        width => Some(width.unwrap_or(0)),
    }
}

/// Characters of zero Unicode width that are not combining marks.
fn is_zero_width_non_mark(c: char) -> bool {
    matches!(
        c as u32,
        0x00AD
            | 0x0600..=0x0605
            | 0x061C
            | 0x06DD
            | 0x070F
            | 0x0890..=0x0891
            | 0x08E2
            | 0x1160..=0x11FF
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0xD7B0..=0xD7FF
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    )
}

/// Width of a character in an error excerpt, where psql counts anything narrower than one
/// column (control characters, combining marks) as one.
pub(crate) fn excerpt_width(c: char) -> usize {
    char_width(c).unwrap_or(1).max(1)
}

/// Splits a value into the lines psql prints for it, escaping control characters and
/// expanding tabs the way psql's aligned format does.
pub(crate) fn printable_lines(value: &str) -> Vec<Line> {
    if is_plain_ascii(value) {
        return vec![Line {
            text: value.to_string(),
            width: value.len(),
        }];
    }
    let mut lines = Vec::new();
    let mut line = Line {
        text: String::new(),
        width: 0,
    };
    for c in value.chars() {
        match c {
            '\n' => lines.push(std::mem::replace(
                &mut line,
                Line {
                    text: String::new(),
                    width: 0,
                },
            )),
            '\r' => {
                line.text.push_str("\\r");
                line.width += 2;
            }
            '\t' => {
                let spaces = 8 - line.width % 8;
                line.text.push_str(&" ".repeat(spaces));
                line.width += spaces;
            }
            c if c.is_ascii_control() => {
                let _ = write!(line.text, "\\x{:02X}", c as u32);
                line.width += 4;
            }
            c => match char_width(c) {
                Some(width) => {
                    line.text.push(c);
                    line.width += width;
                }
                None => {
                    let _ = write!(line.text, "\\u{:04X}", c as u32);
                    line.width += 6;
                }
            },
        }
    }
    lines.push(line);
    lines
}

/// Printable ASCII only: one line, one column per byte, nothing escaped.
fn is_plain_ascii(value: &str) -> bool {
    value.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// The width of the widest of [`printable_lines`]`(value)`, without building them: a value
/// of printable ASCII on one line (most values) is measured by its length alone.
pub(crate) fn printable_width(value: &str) -> usize {
    if is_plain_ascii(value) {
        return value.len();
    }
    printable_lines(value)
        .iter()
        .map(|l| l.width)
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_widths() {
        let cases: &[(&str, &[(&str, usize)])] = &[
            ("abc", &[("abc", 3)]),
            ("", &[("", 0)]),
            ("a\nbc", &[("a", 1), ("bc", 2)]),
            ("a\n", &[("a", 1), ("", 0)]),
            ("a\tb", &[("a       b", 9)]),
            ("12345678\tb", &[("12345678        b", 17)]),
            ("\u{1}\r", &[("\\x01\\r", 6)]),
            ("\u{80}", &[("\\u0080", 6)]),
            ("日本", &[("日本", 4)]),
            ("e\u{301}", &[("e\u{301}", 1)]),
            ("a\u{200b}\u{ad}\u{feff}", &[("a\u{200b}\u{ad}\u{feff}", 4)]),
        ];
        for (value, expected) in cases {
            let got: Vec<(String, usize)> = printable_lines(value)
                .into_iter()
                .map(|l| (l.text, l.width))
                .collect();
            let expected: Vec<(String, usize)> =
                expected.iter().map(|(t, w)| (t.to_string(), *w)).collect();
            assert_eq!(got, expected, "value: {value:?}");
            let widest = expected.iter().map(|(_, w)| *w).max().unwrap_or(0);
            assert_eq!(printable_width(value), widest, "value: {value:?}");
        }
    }

    #[test]
    fn excerpt_widths() {
        assert_eq!(excerpt_width('a'), 1);
        assert_eq!(excerpt_width('日'), 2);
        assert_eq!(excerpt_width('\u{301}'), 1);
        assert_eq!(excerpt_width('\u{1}'), 1);
    }
}

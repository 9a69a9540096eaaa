//! Mapping a server error's position back to the Markdown: the server reports a 1-based
//! *character* position in the statement it was sent; the statement knows its byte offset
//! in the snippet, and the snippet knows where each of its lines is in the chapter file.
//!
//! Pure arithmetic on strings; no I/O.

use pgbook_book::{Snippet, SourcePos, StatementOutcome};

/// Where the character at the server's `position` (1-based, as in an ErrorResponse) of
/// `statement` is in the chapter file.
pub fn error_source_pos(
    snippet: &Snippet,
    statement: &StatementOutcome,
    position: u32,
) -> SourcePos {
    let char_index = position.saturating_sub(1) as usize;
    let byte_in_statement = statement
        .sql
        .char_indices()
        .nth(char_index)
        .map_or(statement.sql.len(), |(i, _)| i);
    snippet.source_pos(statement.offset + byte_in_statement)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pgbook_book::Attributes;

    fn snippet(sql: &str, first_line: usize) -> Snippet {
        let line_map = (0..sql.lines().count())
            .map(|i| SourcePos {
                line: first_line + i,
                col: 1,
            })
            .collect();
        Snippet {
            index: 0,
            line: first_line - 1,
            attrs: Attributes::default(),
            sql: sql.into(),
            line_map,
            block_range: 0..0,
            expected: None,
            included_files: Vec::new(),
        }
    }

    fn statement(snippet: &Snippet, text: &str) -> StatementOutcome {
        StatementOutcome {
            sql: text.into(),
            offset: snippet.sql.find(text).unwrap(),
            events: Vec::new(),
        }
    }

    #[test]
    fn positions_map_to_chapter_lines_and_columns() {
        let s = snippet("SELECT 1;\nSELECT 'é',\n  nope;\n", 10);
        let second = statement(&s, "SELECT 'é',\n  nope;");
        // Characters, not bytes: 'é' is one character of two bytes.
        let cases = [(1, (11, 1)), (9, (11, 9)), (13, (12, 1)), (15, (12, 3))];
        for (position, (line, col)) in cases {
            let pos = error_source_pos(&s, &second, position);
            assert_eq!((pos.line, pos.col), (line, col), "position {position}");
        }
    }
}

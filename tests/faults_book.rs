//! Bad books: malformed or unknown `book.toml` keys and values, SUMMARY.md entries that do
//! not lead to one readable chapter, chapter files that are not plain UTF-8 Markdown, and
//! includes that cannot be expanded. Each case runs the real binary and asserts the exit
//! code, the located message, and that nothing was left running or on disk.

mod support;

use std::path::Path;

const SUMMARY: &str = "# Summary\n\n- [X](x.md)\n";
const CHAPTER: &str = "# X\n\n```sql\nselect 1;\n```\n";

/// Writes a one-chapter book whose files are given as bytes (chapter files may be bad UTF-8).
fn raw_book(root: &Path, toml: &str, summary: &str, chapter: &[u8]) {
    support::write(&root.join("book.toml"), toml);
    support::write(&root.join("content/SUMMARY.md"), summary);
    std::fs::write(root.join("content/x.md"), chapter).unwrap();
}

/// Runs `pgbook test` on each (book.toml, SUMMARY.md, chapter) and checks the exit code and
/// that the message is printed, with nothing left behind.
fn each_fails(cases: &[(&str, &str, &[u8], i32, &str)]) {
    let run = support::run_dir();
    for (toml, summary, chapter, code, message) in cases {
        let book = tempfile::tempdir().unwrap();
        raw_book(book.path(), toml, summary, chapter);
        let out = support::pgbook_in(run.path(), &["test", book.path().to_str().unwrap()]);
        // Input errors go to stderr; a failed check is part of the report on stdout.
        let err = support::stderr(&out) + &support::stdout(&out);
        assert_eq!(out.status.code(), Some(*code), "{message}\n{err}");
        assert!(err.contains(message), "expected {message:?} in:\n{err}");
        assert!(!err.contains("panicked"), "{err}");
        support::assert_nothing_left(run.path(), message);
    }
}

#[test]
fn bad_book_toml_is_located_and_exits_2() {
    let c = CHAPTER.as_bytes();
    each_fails(&[
        (
            "[book\ntitle = 3\n",
            SUMMARY,
            c,
            2,
            "book.toml:1:6: invalid table header",
        ),
        (
            "[book]\ntitle = 3\n",
            SUMMARY,
            c,
            2,
            "book.toml:2:9: invalid type: integer `3`, expected a string",
        ),
        (
            "[bok]\n",
            SUMMARY,
            c,
            2,
            "book.toml:1:2: unknown key 'bok' (did you mean 'book'?)",
        ),
        (
            "[execute]\njobs = -1\n",
            SUMMARY,
            c,
            2,
            "book.toml:2:8: invalid value: integer `-1`",
        ),
        (
            "[execute]\njobs = \"many\"\n",
            SUMMARY,
            c,
            2,
            "book.toml:2:8: invalid type: string \"many\"",
        ),
        (
            "[execute]\ntimeout = 5\n",
            SUMMARY,
            c,
            2,
            "book.toml:2:11: invalid type: integer `5`",
        ),
        (
            "[execute]\ntimeout = \"-1s\"\n",
            SUMMARY,
            c,
            2,
            "book.toml:2:11: '-1s' is not a duration",
        ),
        (
            "[execute]\ntimeout = \"0ms\"\n",
            SUMMARY,
            c,
            2,
            "book.toml:2:11: '0ms' is zero",
        ),
        (
            "[execute]\ntimeout = \"25d\"\n",
            SUMMARY,
            c,
            2,
            "book.toml:2:11: '25d' is too long",
        ),
    ]);
}

#[test]
fn summary_entries_must_lead_to_one_readable_chapter() {
    let c = CHAPTER.as_bytes();
    each_fails(&[
        (
            "",
            "- [X](x.md)\n- [Y](y.md)\n",
            c,
            2,
            "content/SUMMARY.md:2:7: chapter file 'content/y.md' cannot be read",
        ),
        (
            "",
            "- [X](x.md)\n- [X again](x.md)\n",
            c,
            2,
            "content/SUMMARY.md:2:13: 'x.md' is already listed at line 1",
        ),
        (
            "",
            "# Summary\n\n[Intro](x.md)\n\nsome text\n",
            c,
            2,
            "content/SUMMARY.md:5:1: expected a chapter link",
        ),
        // A numbered chapter after the suffix chapters: the order mdBook gives them is lost.
        (
            "",
            "- [Draft]()\n\n[X](x.md)\n\n- [Later]()\n",
            c,
            2,
            "content/SUMMARY.md:5:1: a list item after the suffix chapters (from line 3)",
        ),
        // Nested deeper than Markdown nests: it would be text of the chapter above.
        (
            "",
            "- [X](x.md)\n        - [Y](x.md)\n",
            c,
            2,
            "content/SUMMARY.md:2:9: a chapter indented 8 spaces deeper than its parent at line 1",
        ),
    ]);
}

#[test]
fn a_draft_chapter_is_listed_but_never_run() {
    let run = support::run_dir();
    let book = tempfile::tempdir().unwrap();
    raw_book(
        book.path(),
        "",
        "- [X](x.md)\n- [Later]()\n",
        CHAPTER.as_bytes(),
    );
    let out = support::pgbook_in(run.path(), &["test", book.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", support::stderr(&out));
    assert!(
        support::stdout(&out).contains("1 passed"),
        "{}",
        support::stdout(&out)
    );
    support::assert_nothing_left(run.path(), "draft");
}

#[test]
fn chapter_encodings_and_includes() {
    each_fails(&[
        (
            "",
            SUMMARY,
            b"# X\n\nab\xff\xfe\n",
            2,
            "content/x.md:3:3: not valid UTF-8 (byte 0xFF)",
        ),
        (
            "",
            SUMMARY,
            b"# X\n\n{{#include x.md}}\n",
            1,
            "content/x.md:3:1: include cycle: content/x.md includes 'x.md' again",
        ),
        (
            "",
            SUMMARY,
            b"# X\n\ntext\n{{#include nothere.sql}}\n",
            1,
            "content/x.md:4:1: {{#include}} target 'nothere.sql' does not exist",
        ),
        (
            "",
            SUMMARY,
            b"# X\n\n```sql\n{{#include x.md:nope}}\n```\n",
            2,
            "content/x.md:4:1: cannot include 'x.md:nope': no anchor 'nope'",
        ),
        // CRLF line ends: the error is still on the right line and column.
        (
            "",
            SUMMARY,
            b"# X\r\n\r\n```sql\r\nselect 1;\r\nselect nope;\r\n```\r\n",
            1,
            "content/x.md:5:8: ERROR:  column \"nope\" does not exist",
        ),
    ]);
}

#[test]
fn a_byte_order_mark_and_crlf_line_ends_still_verify() {
    let run = support::run_dir();
    let expected = "```output\n ?column? \n----------\n        1\n(1 row)\n\n```\n";
    for chapter in [
        format!("\u{feff}# X\n\n```sql\nselect 1;\n```\n\n{expected}"),
        format!("# X\n\n```sql\nselect 1;\n```\n\n{expected}").replace('\n', "\r\n"),
    ] {
        let book = tempfile::tempdir().unwrap();
        raw_book(book.path(), "", SUMMARY, chapter.as_bytes());
        let out = support::pgbook_in(run.path(), &["test", book.path().to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", support::stdout(&out));
        assert!(support::stdout(&out).contains("1 passed"), "{chapter:?}");
        support::assert_nothing_left(run.path(), "bom/crlf");
    }
}

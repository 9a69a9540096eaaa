//! A million-row snippet end to end (issue 18): `pgbook build` keeps the page bounded (the
//! first transcript lines and table rows, the real totals) and writes the whole transcript
//! beside the page as plain text that the page links to; `pgbook test` verifies the whole
//! result against an expected block with `...`, and still fails on a changed row near the
//! end, with the diff showing that row.

use std::path::Path;

mod support;
use support::{assert_nothing_left, book, pgbook_in, run_dir, stderr, stdout};

const ROWS: usize = 1_000_000;
/// A page with a million-row snippet stays well under this.
const PAGE_BOUND: u64 = 512 * 1024;

fn chapter(expected: Option<&str>) -> String {
    let mut text = format!(
        "# Big\n\n```sql\nSELECT g, md5(g::text) FROM generate_series(1, {ROWS}) g;\n```\n"
    );
    if let Some(expected) = expected {
        text.push_str(&format!("\n```output\n{expected}```\n"));
    }
    text
}

fn write_book(root: &Path, expected: Option<&str>) {
    book(
        root,
        "[book]\ntitle = \"Big\"\n",
        &[("big.md", &chapter(expected))],
    );
}

#[test]
fn a_million_rows_build_a_bounded_page_and_verify_with_wildcards() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("book-src");
    let run = run_dir();

    // Build without an expected block: the page and the transcript beside it.
    write_book(&root, None);
    let out = pgbook_in(run.path(), &["build", root.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "build failed: {}", stderr(&out));
    let site = root.join("book");
    let page_size = std::fs::metadata(site.join("big.html")).unwrap().len();
    assert!(page_size < PAGE_BOUND, "the page is {page_size} bytes");
    let page = std::fs::read_to_string(site.join("big.html")).unwrap();
    let txt_name = "big.snippet-3.txt";
    assert!(
        page.contains(&format!("href=\"{txt_name}\"")),
        "the page links to the whole transcript"
    );
    assert!(
        page.contains(&format!("({ROWS} rows)")),
        "the table's real total"
    );
    let transcript = std::fs::read_to_string(site.join(txt_name)).unwrap();
    let lines: Vec<&str> = transcript.lines().collect();
    assert_eq!(
        lines.len(),
        ROWS + 4,
        "header, rule, rows, footer, blank line"
    );
    assert_eq!(lines[ROWS + 2], format!("({ROWS} rows)"));
    assert!(lines[ROWS + 1]
        .trim_start()
        .starts_with(&format!("{ROWS} | ")));
    let shown = transcript.lines().count() - 500;
    assert!(
        page.contains(&format!("… {shown} more lines not shown")),
        "the elided count"
    );

    // The expected block: header and rule as psql printed them, `...`, the last row.
    let (header, rule, last_row, footer) = (lines[0], lines[1], lines[ROWS + 1], lines[ROWS + 2]);
    let expected = format!("{header}\n{rule}\n...\n{last_row}\n{footer}\n");
    write_book(&root, Some(&expected));
    let out = pgbook_in(run.path(), &["test", root.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );

    // A changed row near the end fails, and the diff names it.
    let near_end = lines[ROWS - 1];
    let changed = near_end.replace(|c: char| c.is_ascii_hexdigit() && c.is_alphabetic(), "0");
    assert_ne!(changed, near_end);
    let expected = format!(
        "{header}\n{rule}\n...\n{changed}\n{}\n{last_row}\n{footer}\n",
        lines[ROWS]
    );
    write_book(&root, Some(&expected));
    let out = pgbook_in(run.path(), &["test", root.to_str().unwrap()]);
    let report = format!("{}{}", stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(
        report.contains("big.md:3:1"),
        "located at the snippet: {report}"
    );
    assert!(report.contains(&format!("-{changed}")), "{report}");
    assert!(report.contains(&format!(" {last_row}")), "{report}");
    assert_nothing_left(run.path(), "a million-row snippet");
}

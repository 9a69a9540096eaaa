//! Table tests of the bless patcher: which bytes change, and which must not.

use super::*;
use pgbook_book::Diagnostic;

use crate::check::{Blessing, SnippetCheck, Verdict};
use crate::failure::Failure;
use crate::test_support::chapter;

fn check(bless: Option<&str>) -> SnippetCheck {
    SnippetCheck {
        verdict: Verdict::Failed(Failure::from(Diagnostic::new(
            "content/x.md",
            1,
            0,
            "the output differs",
        ))),
        expected: None,
        actual: String::new(),
        bless: bless.map(|text| Blessing::Text(text.to_string())),
        fixed_by_bless: bless.is_some(),
    }
}

fn bless(text: &str, blessings: &[Option<&str>]) -> String {
    let ch = chapter(text);
    let checks: Vec<SnippetCheck> = blessings.iter().map(|b| check(*b)).collect();
    apply_edits(text, &plan_edits(&ch, &checks))
}

#[test]
fn patcher_table() {
    // (original, what bless writes per snippet, result)
    let cases: &[(&str, &[Option<&str>], &str)] = &[
        // A failing block: only its content changes.
        (
            "# A\n\n```sql\nselect 1;\n```\n\n```output\nold\n```\n\ntail\n",
            &[Some("new\nlines\n")],
            "# A\n\n```sql\nselect 1;\n```\n\n```output\nnew\nlines\n```\n\ntail\n",
        ),
        // A missing block is added after the snippet, one blank line between.
        (
            "```sql\nselect 1;\n```\ntext\n",
            &[Some("out\n")],
            "```sql\nselect 1;\n```\n\n```output\nout\n```\ntext\n",
        ),
        // At the end of a file without a final newline.
        (
            "```sql\nselect 1;\n```",
            &[Some("out\n")],
            "```sql\nselect 1;\n```\n\n```output\nout\n```\n",
        ),
        // CRLF files stay CRLF, in rewritten and in new blocks.
        (
            "```sql\r\nselect 1;\r\n```\r\n\r\n```output\r\nold\r\n```\r\n\r\n```sql\r\nselect 2;\r\n```\r\n",
            &[Some("a\n\nb\n"), Some("c\n")],
            "```sql\r\nselect 1;\r\n```\r\n\r\n```output\r\na\r\n\r\nb\r\n```\r\n\r\n```sql\r\nselect 2;\r\n```\r\n\r\n```output\r\nc\r\n```\r\n",
        ),
        // Several edits in one file, applied from the end; untouched snippets stay.
        (
            "```sql\nselect 1;\n```\n\n```output\n1\n```\n\n```sql\nselect 2;\n```\n\n```output\nok\n```\n\n```sql\nselect 3;\n```\n\n```output\n3\n```\n",
            &[Some("one\n"), None, Some("three\n")],
            "```sql\nselect 1;\n```\n\n```output\none\n```\n\n```sql\nselect 2;\n```\n\n```output\nok\n```\n\n```sql\nselect 3;\n```\n\n```output\nthree\n```\n",
        ),
        // The fence's indentation (inside a list item) is kept for the content.
        (
            "- step\n\n  ```sql\n  select 1;\n  ```\n\n  ```output\n  old\n  ```\n",
            &[Some("a\nb\n")],
            "- step\n\n  ```sql\n  select 1;\n  ```\n\n  ```output\n  a\n  b\n  ```\n",
        ),
        (
            "- step\n\n  ```sql\n  select 1;\n  ```\n- next\n",
            &[Some("a\n")],
            "- step\n\n  ```sql\n  select 1;\n  ```\n\n  ```output\n  a\n  ```\n- next\n",
        ),
        // Output containing a fence gets a longer fence.
        (
            "```sql\nselect 1;\n```\n",
            &[Some("```\n")],
            "```sql\nselect 1;\n```\n\n````output\n```\n````\n",
        ),
        // ... in an existing block too: the whole block is rewritten with a longer fence.
        (
            "```sql\nselect 1;\n```\n\n```output\nold\n```\ntail\n",
            &[Some("```\n")],
            "```sql\nselect 1;\n```\n\n````output\n```\n````\ntail\n",
        ),
        // (An unclosed snippet fence never reaches bless: loading the chapter refuses it.)
        // Tilde fences are closed too.
        (
            "~~~sql\nselect 1;\n~~~\n",
            &[Some("out\n")],
            "~~~sql\nselect 1;\n~~~\n\n```output\nout\n```\n",
        ),
        // Identical content: no edit at all.
        (
            "```sql\nselect 1;\n```\n\n```output\nsame\n```\n",
            &[Some("same\n")],
            "```sql\nselect 1;\n```\n\n```output\nsame\n```\n",
        ),
    ];
    for (original, blessings, want) in cases {
        assert_eq!(bless(original, blessings), *want, "original: {original:?}");
    }
}

#[test]
fn blessing_twice_changes_nothing() {
    let original = "```sql\r\nselect 1;\r\n```\r\n\r\n```output\r\nold\r\n```\r\n\r\n```sql\r\nselect 2;\r\n```\r\n";
    let once = bless(original, &[Some("x\n"), Some("y\n")]);
    let twice = bless(&once, &[Some("x\n"), Some("y\n")]);
    assert_eq!(once, twice);
}

#[test]
fn writes_atomically_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.md");
    std::fs::write(&path, "old").unwrap();
    write_atomically(&path, "new").unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    // No temporary file is left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn snippets_of_included_prose_are_blessed_in_their_own_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let chapter_text = "```sql\nselect 1;\n```\n\n{{#include ../parts/p.md}}\n";
    let part_text =
        "Part.\n\n```sql\nselect 2;\n```\n\n```output\nold\n```\n\n```sql\nselect 3;\n```\n";
    std::fs::create_dir_all(root.join("content")).unwrap();
    std::fs::create_dir_all(root.join("parts")).unwrap();
    std::fs::write(root.join("content/x.md"), chapter_text).unwrap();
    std::fs::write(root.join("parts/p.md"), part_text).unwrap();
    let ch = Chapter::parse(
        root,
        Path::new("content"),
        Path::new("x.md"),
        chapter_text.into(),
    )
    .unwrap();
    let checks = [check(None), check(Some("two\n")), check(Some("three\n"))];
    assert!(plan_edits(&ch, &checks).is_empty());
    assert!(bless_chapter(&root.join("content"), &ch, &checks).unwrap());
    assert_eq!(
        std::fs::read_to_string(root.join("content/x.md")).unwrap(),
        chapter_text
    );
    assert_eq!(
        std::fs::read_to_string(root.join("parts/p.md")).unwrap(),
        "Part.\n\n```sql\nselect 2;\n```\n\n```output\ntwo\n```\n\n```sql\nselect 3;\n```\n\n```output\nthree\n```\n"
    );
}

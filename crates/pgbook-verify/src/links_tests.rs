//! Tests of link, anchor and include checks on small books in temporary directories.

use std::fs;

use super::*;

#[test]
fn anchors_include_duplicates_explicit_ids_and_html() {
    let text =
        "# Locks\n\n## Locks\n\n## Custom {#my-id}\n\n<a id=\"raw\"></a>\n\n## `code` *emph*\n";
    let chapter = crate::test_support::chapter(text);
    let ids = anchors_of(&chapter.document);
    for id in ["locks", "locks-1", "my-id", "raw", "code-emph"] {
        assert!(ids.contains(id), "{id} missing from {ids:?}");
    }
}

#[test]
fn finds_broken_links_anchors_and_includes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("content/sub")).unwrap();
    fs::create_dir_all(root.join("snippets")).unwrap();
    fs::write(root.join("snippets/ok.sql"), "select 1;\n").unwrap();
    fs::write(root.join("content/img.png"), "").unwrap();
    fs::write(
        root.join("content/SUMMARY.md"),
        "- [A](a.md)\n- [B](sub/b.md)\n",
    )
    .unwrap();
    fs::write(
        root.join("content/a.md"),
        "# Alpha\n\n## Section Two\n\n\
         [ok](sub/b.md) [ok](sub/b.html#beta) [ok](#section-two) [ok](img.png)\n\
         [ext](https://example.com/x.md) [mail](mailto:a@b.c)\n\
         [bad](missing.md)\n\
         [bad anchor](sub/b.md#nope)\n\
         [bad local](#nowhere)\n\n\
         {{#include ../snippets/ok.sql}}\n\
         {{#include ../snippets/gone.sql:anchor}}\n\
         \\{{#include ../snippets/escaped.sql}}\n",
    )
    .unwrap();
    fs::write(
        root.join("content/sub/b.md"),
        "# Beta\n\n[up](../a.md#alpha)\n",
    )
    .unwrap();
    let book = Book::load(root).unwrap();
    let found: Vec<String> = check_links(&book).iter().map(|d| d.to_string()).collect();
    assert_eq!(
        found,
        vec![
            "content/a.md:7:1: broken link to 'missing.md': no file 'content/missing.md'",
            "content/a.md:8:1: broken link to 'sub/b.md#nope': no heading or id '#nope' in sub/b.md",
            "content/a.md:9:1: broken link to '#nowhere': no heading or id '#nowhere' in a.md",
            "content/a.md:12:1: {{#include}} target '../snippets/gone.sql' does not exist",
        ]
    );
}

#[test]
fn links_in_included_prose_are_reported_where_they_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("content")).unwrap();
    fs::create_dir_all(root.join("parts")).unwrap();
    fs::write(root.join("content/SUMMARY.md"), "- [A](a.md)\n").unwrap();
    fs::write(
        root.join("content/a.md"),
        "# Alpha\n\n{{#include ../parts/p.md}}\n\n[bad](#nowhere)\n",
    )
    .unwrap();
    // The included heading defines an anchor of the chapter; links resolve against it.
    fs::write(
        root.join("parts/p.md"),
        "## Part%20Two\n\n[ok](#part20two) [ok](a.md#alpha) [ok](#%C3%A9t%C3%A9)\n\n## Été\n\n[bad](b.md)\n",
    )
    .unwrap();
    let book = Book::load(root).unwrap();
    let found: Vec<String> = check_links(&book).iter().map(|d| d.to_string()).collect();
    assert_eq!(
        found,
        vec![
            "parts/p.md:7:1: broken link to 'b.md': no file 'content/b.md'",
            "content/a.md:5:1: broken link to '#nowhere': no heading or id '#nowhere' in a.md",
        ]
    );
}

//! The chapter parse on small texts: headings and their ids, links, code blocks, snippets
//! from included prose, and where everything is written.

use std::path::Path;

use super::*;

fn parse_in(root: &Path, text: &str) -> Parsed {
    parse_chapter(text.into(), &root.join("content/ch.md"), root)
        .unwrap_or_else(|e| panic!("{e:?}"))
}

fn parse(text: &str) -> Parsed {
    parse_in(Path::new("/nonexistent"), text)
}

#[test]
fn slugs() {
    let cases: &[(&str, &str)] = &[
        ("Hello World", "hello-world"),
        ("  MVCC: row versions ", "mvcc-row-versions"),
        ("SELECT ... FOR UPDATE", "select--for-update"),
        ("snake_case and kebab-case", "snake_case-and-kebab-case"),
        ("Ünïcode ok", "ünïcode-ok"),
        ("What is `VACUUM`?", "what-is-vacuum"),
        ("?!", "section"),
        ("  ", "section"),
    ];
    for (content, want) in cases {
        assert_eq!(slug(content), *want, "{content:?}");
    }
}

#[test]
fn heading_ids_are_unique_and_explicit_ids_win() {
    let p = parse("# Locks\n\n## Locks\n\n## Custom {#my-id .wide}\n\n## `code` *emph*\n");
    let ids: Vec<_> = p.document.headings.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["locks", "locks-1", "my-id", "code-emph"]);
    assert_eq!(p.document.headings[2].classes, ["wide"]);
    assert_eq!(p.document.headings[3].title, "code emph");
}

#[test]
fn links_code_blocks_and_html_are_kept() {
    let text = "# T\n\nSee [a](a.md#x) and ![i](p.png).\n\n<a id=\"raw\"></a>\n\n```rust\nfn main() {}\n```\n";
    let p = parse(text);
    let links: Vec<_> = p
        .document
        .links
        .iter()
        .map(|l| (l.dest.as_str(), l.is_image, p.document.origin(l.offset).col))
        .collect();
    assert_eq!(links, [("a.md#x", false, 5), ("p.png", true, 21)]);
    assert!(p.document.html().any(|h| h.contains("id=\"raw\"")));
    let code: Vec<_> = p
        .document
        .nodes
        .iter()
        .filter_map(|n| match n {
            Node::Code(c) => Some((c.info.as_str(), c.code.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(code, [("rust", "fn main() {}\n")]);
}

#[test]
fn snippets_are_nodes_and_their_output_blocks_are_not() {
    let text = "```sql\nselect 1;\n```\n\n```output\n ?column? \n```\n\ntext\n\n```sql,hidden\nselect 2;\n```\n";
    let p = parse(text);
    let kinds: Vec<_> = p
        .document
        .nodes
        .iter()
        .filter_map(|n| match n {
            Node::Snippet(i) => Some(format!("snippet {i}")),
            Node::Code(_) => Some("code".into()),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, ["snippet 0", "snippet 1"]);
    assert_eq!(p.snippets[0].origin.file, Path::new("content/ch.md"));
    assert_eq!(
        &text[p.snippets[1].block_range.clone()],
        "```sql,hidden\nselect 2;\n```"
    );
}

#[test]
fn included_prose_brings_real_snippets_located_in_their_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("content")).unwrap();
    std::fs::create_dir_all(dir.path().join("extra")).unwrap();
    std::fs::write(
        dir.path().join("extra/part.md"),
        "## Part\n\n[x](#nowhere)\n\n```sql\nselect 'part';\n```\n\n```output\nx\n```\n",
    )
    .unwrap();
    let text = "# Ch\n\n```sql\nselect 1;\n```\n\n{{#include ../extra/part.md}}\n\n```sql\nselect 3;\n```\n";
    let p = parse_in(dir.path(), text);
    let sql: Vec<_> = p.snippets.iter().map(|s| s.sql.as_str()).collect();
    assert_eq!(sql, ["select 1;\n", "select 'part';\n", "select 3;\n"]);
    let part = &p.snippets[1];
    assert_eq!(
        (part.origin.file.as_path(), part.origin.line, part.line),
        (Path::new("extra/part.md"), 5, 7)
    );
    // Byte ranges are in the file the blocks are written in.
    let part_text = std::fs::read_to_string(dir.path().join("extra/part.md")).unwrap();
    let expected = part.expected.as_ref().unwrap();
    assert_eq!(&part_text[expected.content_range.clone()], "x\n");
    assert_eq!(
        &part_text[part.block_range.clone()],
        "```sql\nselect 'part';\n```"
    );
    assert_eq!(
        &text[p.snippets[2].block_range.clone()],
        "```sql\nselect 3;\n```"
    );
    assert_eq!(p.snippets[2].line, 9);
    let link = &p.document.links[0];
    let o = p.document.origin(link.offset);
    assert_eq!((o.file.as_path(), o.line), (Path::new("extra/part.md"), 3));
    assert!(p.document.has_prose_includes(&p.snippets));
    assert_eq!(p.document.headings[1].id, "part");
}

#[test]
fn a_failed_include_is_an_error_in_a_snippet_and_recorded_in_prose() {
    let text = "{{#include gone.md}}\n\n```sql\n{{#include gone.sql}}\n```\n";
    let err = parse_chapter(
        text.into(),
        Path::new("/nonexistent/content/ch.md"),
        Path::new("/nonexistent"),
    )
    .err()
    .unwrap();
    assert_eq!(err.len(), 1);
    assert!(
        err[0]
            .to_string()
            .starts_with("content/ch.md:4:1: cannot include 'gone.sql'"),
        "{}",
        err[0]
    );
    let p = parse("{{#include gone.md}}\n");
    assert!(p.document.includes[0].error.is_some());
    assert!(p.document.has_prose_includes(&p.snippets));
}

#[test]
fn snippet_includes_are_not_prose_includes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("content")).unwrap();
    std::fs::write(dir.path().join("content/f.sql"), "select 1;\n").unwrap();
    let p = parse_in(dir.path(), "```sql\n{{#include f.sql}}\nselect 2;\n```\n");
    assert_eq!(p.snippets[0].sql, "select 1;\nselect 2;\n");
    let lines: Vec<_> = p.snippets[0].line_map.iter().map(|s| s.line).collect();
    assert_eq!(lines, [2, 3]);
    assert!(!p.document.has_prose_includes(&p.snippets));
}

#[test]
fn positions_in_included_sql_lead_to_the_included_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("content")).unwrap();
    std::fs::write(
        dir.path().join("content/f.sql"),
        "select 1;\nselect nope;\n",
    )
    .unwrap();
    let text = "# T\n\n- item\n\n  ```sql\n  {{#include f.sql}}\n  select 3;\n  ```\n";
    let p = parse_in(dir.path(), text);
    let s = &p.snippets[0];
    assert_eq!(s.sql, "select 1;\nselect nope;\nselect 3;\n");
    let nope = s.source_pos(s.sql.find("nope").unwrap());
    // In chapter terms: the directive's line; where it is written: the included file.
    assert_eq!(nope.line, 6);
    let o = p.document.origin(nope.offset);
    assert_eq!(
        (o.file.as_path(), o.line, o.col),
        (Path::new("content/f.sql"), 2, 8)
    );
    let three = s.source_pos(s.sql.find("3").unwrap());
    let o = p.document.origin(three.offset);
    assert_eq!(
        (o.file.as_path(), o.line, o.col),
        (Path::new("content/ch.md"), 7, 10)
    );
    assert_eq!((three.line, three.col), (7, 10));
}

//! Tests of Markdown rendering: chapters in, HTML, heading ids, links and snippet views out.

use std::path::Path;

use pgbook_book::Chapter;

use super::*;

fn chapter(path: &str, text: &str) -> Chapter {
    let root = Path::new("/nonexistent");
    let chapter = Chapter::parse(root, Path::new("content"), Path::new(path), text.into()).unwrap();
    Chapter {
        title: "Title".into(),
        ..chapter
    }
}

fn render(path: &str, text: &str) -> RenderedChapter {
    let ch = chapter(path, text);
    render_chapter(&ch, &mut |i| {
        Ok(format!("<div class=\"snippet-{i}\"></div>"))
    })
    .unwrap()
}

#[test]
fn gfm_features() {
    let r = render(
        "a.md",
        "| a | b |\n|---|--:|\n| 1 | 2 |\n\n~~gone~~\n\n- [x] done\n\nNote[^1].\n\n[^1]: The note.\n",
    );
    assert!(r.html.contains("<table>"), "{}", r.html);
    assert!(r.html.contains("<del>gone</del>"));
    assert!(r.html.contains("type=\"checkbox\""));
    assert!(r.html.contains("footnote-definition"));
}

#[test]
fn headings_get_ids_and_anchors_and_sections() {
    let r = render(
        "a.md",
        "intro text\n\n# Hello, World!\n\nbody\n\n## Hello, World!\n\nmore\n\n### Custom {#mine}\n",
    );
    assert!(
        r.html.contains(
            "<h1 id=\"hello-world\">Hello, World!<a class=\"anchor\" href=\"#hello-world\""
        ),
        "{}",
        r.html
    );
    assert!(r.html.contains("<h2 id=\"hello-world-1\">"));
    assert!(r.html.contains("<h3 id=\"mine\">"));
    let titles: Vec<_> = r
        .sections
        .iter()
        .map(|s| (s.title.as_str(), s.anchor.as_deref()))
        .collect();
    assert_eq!(
        titles,
        vec![
            ("Title", None),
            ("Hello, World!", Some("hello-world")),
            ("Hello, World!", Some("hello-world-1")),
            ("Custom", Some("mine"))
        ]
    );
    assert_eq!(r.sections[1].text.trim(), "body");
}

#[test]
fn links_are_relative_to_root_and_md_becomes_html() {
    let r = render(
        "part/b.md",
        "[x](c.md#sec) [y](../top.md) [z](https://e.org/a.md) [w](#here) ![i](img/p.png) [out](../../up.md)",
    );
    let page = r.html_for("../");
    assert!(page.contains("href=\"../part/c.html#sec\""), "{page}");
    assert!(page.contains("href=\"../top.html\""));
    assert!(page.contains("href=\"https://e.org/a.md\""));
    assert!(page.contains("href=\"#here\""));
    assert!(page.contains("src=\"../part/img/p.png\""));
    assert!(page.contains("href=\"../../up.md\""));
    assert!(r.html_for("").contains("href=\"part/c.html#sec\""));
}

#[test]
fn snippets_are_replaced_and_output_blocks_dropped() {
    let r = render(
        "a.md",
        "```sql\nselect 1;\n```\n\n```output\n ?column? \n```\n\ntext\n\n```sql,hidden\nselect 2;\n```\n\n```rust\n# use std;\nfn main() {}\n```\n",
    );
    assert!(r.html.contains("<div class=\"snippet-0\"></div>"));
    assert!(r.html.contains("<div class=\"snippet-1\"></div>"));
    assert!(!r.html.contains("?column?"), "{}", r.html);
    assert!(r.html.contains("fn main() {}"));
    assert!(!r.html.contains("use std"));
}

#[test]
fn raw_text_is_escaped_in_code() {
    let r = render(
        "a.md",
        "```html\n<script>alert(1)</script>\n```\n\n```psql\nselect '<b>';\n```\n",
    );
    assert!(!r.html.contains("<script>"));
    assert!(r.html.contains("&lt;b&gt;"));
}

#[test]
fn prose_include_errors_are_located() {
    let ch = chapter("a.md", "text\n\n{{#include missing.txt}}\n");
    let err = render_chapter(&ch, &mut |_| Ok(String::new())).unwrap_err();
    assert!(err.to_string().starts_with("content/a.md:3:"), "{err}");
}

#[test]
fn snippets_of_included_prose_are_rendered_in_place() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("content")).unwrap();
    std::fs::write(
        dir.path().join("part.md"),
        "Included prose.\n\n```sql\nselect 2;\n```\n\n```output\nhidden\n```\n",
    )
    .unwrap();
    let text = "```sql\nselect 1;\n```\n\n{{#include ../part.md}}\n\n```sql\nselect 3;\n```\n";
    let ch = Chapter::parse(
        dir.path(),
        Path::new("content"),
        Path::new("a.md"),
        text.into(),
    )
    .unwrap();
    let r = render_chapter(&ch, &mut |i| {
        Ok(format!("<div class=\"snippet-{i}\"></div>"))
    })
    .unwrap();
    let at = |needle: &str| {
        r.html
            .find(needle)
            .unwrap_or_else(|| panic!("{needle}: {}", r.html))
    };
    assert!(at("snippet-0") < at("Included prose."));
    assert!(at("Included prose.") < at("snippet-1"));
    assert!(at("snippet-1") < at("snippet-2"));
    assert!(!r.html.contains("hidden"), "{}", r.html);
}

#[test]
fn gfm_block_quotes_become_callouts_and_plain_quotes_stay_quotes() {
    let r = render(
        "a.md",
        "> [!WARNING]\n> Locks are held **until commit**.\n\n> Just a quote.\n\n> [!TIP]\n> > [!NOTE]\n> > nested\n",
    );
    assert!(
        r.html
            .contains("<blockquote class=\"callout callout-warning\">"),
        "{}",
        r.html
    );
    assert!(r.html.contains("</svg>Warning</p>"));
    assert!(r.html.contains("<strong>until commit</strong>"));
    assert!(!r.html.contains("[!WARNING]"));
    assert!(r
        .html
        .contains("<blockquote>\n<p>Just a quote.</p>\n</blockquote>"));
    let tip = r.html.find("callout-tip").unwrap();
    let note = r.html.find("callout-note").unwrap();
    assert!(tip < note);
    assert_eq!(
        r.html.matches("<blockquote").count(),
        r.html.matches("</blockquote>").count()
    );
}

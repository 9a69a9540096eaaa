//! Include expansion on small files in a temporary directory: selectors, escapes, errors
//! recorded (never raised), indentation, and the source map back to each file.

use super::*;

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("content")).unwrap();
    std::fs::create_dir_all(dir.path().join("snippets")).unwrap();
    std::fs::write(
        dir.path().join("snippets/f.sql"),
        "-- ANCHOR: setup\ncreate table t(a int);\n-- ANCHOR_END: setup\nselect 1;\nselect 2;\n",
    )
    .unwrap();
    dir
}

fn expand_in(dir: &tempfile::TempDir, text: &str) -> Expansion {
    expand(text.into(), &dir.path().join("content/ch.md"), dir.path())
}

#[test]
fn selectors_and_escapes() {
    let d = fixture();
    let cases = [
        (
            "{{#include ../snippets/f.sql}}",
            "create table t(a int);\nselect 1;\nselect 2;\n",
        ),
        (
            "{{#include ../snippets/f.sql:setup}}",
            "create table t(a int);\n",
        ),
        ("{{#include ../snippets/f.sql:4}}", "select 1;\n"),
        (
            "{{#include ../snippets/f.sql:4:5}}",
            "select 1;\nselect 2;\n",
        ),
        (
            "{{#include ../snippets/f.sql::2}}",
            "create table t(a int);\n",
        ),
        ("{{#include ../snippets/f.sql:5:}}", "select 2;\n"),
        ("x\n{{#include ../snippets/f.sql:4}}\ny", "x\nselect 1;\ny"),
        (
            "\\{{#include ../snippets/f.sql}}",
            "{{#include ../snippets/f.sql}}",
        ),
    ];
    for (text, want) in cases {
        let e = expand_in(&d, text);
        assert_eq!(e.text, want, "{text:?}");
    }
    let e = expand_in(&d, "{{#include ../snippets/f.sql}}");
    assert_eq!(e.includes.len(), 1);
    assert!(e.includes[0].expanded);
    assert_eq!(e.map.files[1].display, Path::new("snippets/f.sql"));
    assert_eq!(e.map.files[1].path, d.path().join("snippets/f.sql"));
}

#[test]
fn failures_are_recorded_with_their_place_and_the_directive_kept() {
    let d = fixture();
    let e = expand_in(
        &d,
        "a\n  {{#include nope.sql}}\n{{#include ../snippets/f.sql:nothere}}\n",
    );
    assert_eq!(
        e.text,
        "a\n  {{#include nope.sql}}\n{{#include ../snippets/f.sql:nothere}}\n"
    );
    let found: Vec<_> = e
        .includes
        .iter()
        .map(|i| (i.origin.line, i.origin.col, i.error.clone()))
        .collect();
    assert!(matches!(&found[0], (2, 3, Some(IncludeError::Missing(m))) if m.contains("nope.sql")));
    assert!(
        matches!(&found[1], (3, 1, Some(IncludeError::Invalid(m))) if m.contains("no anchor 'nothere'"))
    );
}

#[test]
fn indented_directives_indent_every_included_line() {
    let d = fixture();
    let e = expand_in(
        &d,
        "- item\n\n  ```sql\n  {{#include ../snippets/f.sql:4:5}}\n  ```\n",
    );
    assert_eq!(
        e.text,
        "- item\n\n  ```sql\n  select 1;\n  select 2;\n  ```\n"
    );
}

#[test]
fn the_map_leads_back_to_each_file() {
    let d = fixture();
    let text = "intro\n{{#include ../snippets/f.sql:4:5}}\nend\n";
    let e = expand_in(&d, text);
    assert_eq!(e.text, "intro\nselect 1;\nselect 2;\nend\n");
    let at = |needle: &str| e.text.find(needle).unwrap();
    let origin = e.map.origin(at("2;"));
    assert_eq!(
        (origin.file.as_path(), origin.line, origin.col),
        (Path::new("snippets/f.sql"), 5, 8)
    );
    let origin = e.map.origin(at("end"));
    assert_eq!(
        (origin.file.as_path(), origin.line, origin.col),
        (Path::new("content/ch.md"), 3, 1)
    );
    // In chapter terms, included text sits at its directive.
    assert_eq!(e.map.chapter_line_col(at("2;")), (2, 1));
    assert_eq!(e.map.chapter_offset(at("end")), text.find("end").unwrap());
}

#[test]
fn nesting_resolves_against_each_file_and_stops_at_a_cycle() {
    let d = fixture();
    std::fs::write(
        d.path().join("snippets/outer.md"),
        "outer\n{{#include f.sql:4}}\n",
    )
    .unwrap();
    let e = expand_in(&d, "{{#include ../snippets/outer.md}}\n");
    assert_eq!(e.text, "outer\nselect 1;\n");
    assert_eq!(e.includes.len(), 2);
    std::fs::write(d.path().join("content/self.md"), "{{#include self.md}}\n").unwrap();
    let e = expand_in(&d, "{{#include self.md}}\n");
    let last = e.includes.last().unwrap();
    assert!(
        matches!(&last.error, Some(IncludeError::Invalid(m))
            if m == "include cycle: content/self.md includes 'self.md' again"),
        "{:?}",
        last.error
    );
}

#[test]
fn normalise_resolves_dots() {
    assert_eq!(
        normalise(Path::new("/b/content/../snippets/./x")),
        Path::new("/b/snippets/x")
    );
    assert_eq!(normalise(Path::new("./a/../../x")), Path::new("../x"));
}

#[test]
fn rustdoc_includes_are_checked_but_never_expanded() {
    let d = fixture();
    let text = "{{#rustdoc_include ../snippets/f.sql:4}}\n{{#rustdoc_include gone.rs}}\n";
    let e = expand_in(&d, text);
    assert_eq!(e.text, text);
    let seen: Vec<_> = e
        .includes
        .iter()
        .map(|i| (i.rustdoc, i.expanded, i.error.is_some()))
        .collect();
    assert_eq!(seen, [(true, false, false), (true, false, true)]);
}

//! Tidy check of an architecture invariant: only `pgbook-book` parses chapter Markdown. A
//! second parse elsewhere is a second, slightly different truth about where snippets and
//! headings are (the renderer once lost a snippet that way), so any use of pulldown-cmark's
//! `Parser` outside this crate fails the test suite. It reads source files; it runs nothing.

use std::path::{Path, PathBuf};

/// The workspace root (this crate is `crates/pgbook-book`).
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("the crate sits two levels below the workspace")
        .to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if name != "target" && !name.to_string_lossy().starts_with('.') {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Whether `text` names pulldown-cmark's `Parser`: `pulldown_cmark::Parser`, or `Parser` in a
/// `pulldown_cmark::{...}` import list, or a glob import that would bring it in.
fn uses_markdown_parser(text: &str) -> bool {
    text.match_indices("pulldown_cmark::").any(|(at, prefix)| {
        let rest = &text[at + prefix.len()..];
        if rest.starts_with("Parser") || rest.starts_with('*') {
            return true;
        }
        let Some(list) = rest.strip_prefix('{') else {
            return false;
        };
        let list = &list[..list.find('}').unwrap_or(list.len())];
        list.split([',', ' ', '\n', '\t'])
            .any(|item| item == "Parser" || item == "*")
    })
}

#[test]
fn the_scanner_sees_what_it_must() {
    assert!(uses_markdown_parser("use pulldown_cmark::{Event, Parser};"));
    assert!(uses_markdown_parser("pulldown_cmark::Parser::new(text)"));
    assert!(uses_markdown_parser(
        "use pulldown_cmark::{\n    Options,\n    Parser,\n};"
    ));
    assert!(uses_markdown_parser("use pulldown_cmark::*;"));
    assert!(!uses_markdown_parser("use pulldown_cmark::{Event, Tag};"));
    assert!(!uses_markdown_parser("use clap::Parser;"));
}

#[test]
fn only_pgbook_book_parses_markdown() {
    let root = workspace();
    let own = root.join("crates/pgbook-book");
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    rust_files(&root.join("tests"), &mut files);
    rust_files(&root.join("crates"), &mut files);
    let parsers: Vec<&PathBuf> = files
        .iter()
        .filter(|f| uses_markdown_parser(&std::fs::read_to_string(f).unwrap_or_default()))
        .collect();
    // The scan is not vacuous: the one parse is found where it belongs.
    assert!(
        parsers.contains(&&own.join("src/markdown.rs")),
        "the scan no longer finds pgbook-book's own parse: {parsers:?}"
    );
    let outside: Vec<String> = parsers
        .iter()
        .filter(|f| !f.starts_with(&own))
        .map(|f| f.strip_prefix(&root).unwrap_or(f).display().to_string())
        .collect();
    assert!(
        outside.is_empty(),
        "only crates/pgbook-book may parse Markdown (use the chapter model, \
         pgbook_book::markdown): {outside:?}"
    );
}

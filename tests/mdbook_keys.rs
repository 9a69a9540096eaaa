//! mdBook's `[output.html]` keys that pgbook implements, on one small mdBook book built by
//! mdBook itself and by pgbook: the same pages and redirect pages, no `print.html` and no
//! search index where they are disabled, no chapter numbers with `no-section-label`, and the
//! repository icon `git-repository-icon` names, the sidebar folding of `fold`, and the 404
//! page from `input-404`, and the `CNAME` file of `cname`.

#[path = "support/mod.rs"]
mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::{pgbook, stderr, write};

const BOOK_TOML: &str = r#"[book]
title = "Keys"
src = "src"

[output.html]
no-section-label = true
git-repository-url = "https://gitlab.com/example/keys"
git-repository-icon = "fab-gitlab"
input-404 = "lost.md"
cname = "keys.example.org"

[output.html.fold]
enable = true
level = 0

[output.html.print]
enable = false

[output.html.search]
enable = false

[output.html.redirect]
"/old/intro.html" = "../intro.html"
"/gone.html" = "https://example.org/gone"
"#;

/// mdBook as `cargo install` puts it (`scripts/test` installs it when missing).
fn mdbook() -> PathBuf {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(&std::env::var_os("HOME").expect("HOME is set")).join(".cargo")
        });
    let path = cargo_home.join("bin/mdbook");
    assert!(
        path.exists(),
        "mdBook 0.5 is required: cargo install mdbook --locked --version 0.5.4 (scripts/test does)"
    );
    path
}

/// Every file of `dir` whose name ends with one of `exts`, relative to it.
fn files(dir: &Path, exts: &[&str]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                if exts.iter().any(|e| rel.ends_with(e)) {
                    out.insert(rel);
                }
            }
        }
    }
    out
}

#[test]
fn implemented_mdbook_keys_build_the_structure_mdbook_builds() {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("keys");
    write(&root.join("book.toml"), BOOK_TOML);
    write(
        &root.join("src/SUMMARY.md"),
        "# Summary\n\n- [Intro](intro.md)\n- [Next](sub/next.md)\n  - [Deeper](sub/deeper.md)\n",
    );
    write(&root.join("src/sub/deeper.md"), "# Deeper\n");
    write(&root.join("src/intro.md"), "# Intro\n\nHello.\n");
    write(
        &root.join("src/lost.md"),
        "# Nothing here\n\nTry [the introduction](intro.md).\n",
    );
    write(&root.join("src/sub/next.md"), "# Next\n\n## A section\n");

    let by_mdbook = work.path().join("by-mdbook");
    let out = Command::new(mdbook())
        .args(["build", "-d"])
        .arg(&by_mdbook)
        .arg(&root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let by_pgbook = work.path().join("by-pgbook");
    let out = pgbook(&[
        "build",
        root.to_str().unwrap(),
        "--dest",
        by_pgbook.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // None of the implemented keys is warned about as ignored.
    assert!(!stderr(&out).contains("pgbook ignores"), "{}", stderr(&out));

    // The same pages, redirect pages included, and both list the whole table of contents in
    // `toc.html` (mdBook's sidebar for readers without scripts; pgbook's too).
    let mdbook_pages = files(&by_mdbook, &[".html"]);
    let pgbook_pages = files(&by_pgbook, &[".html"]);
    assert_eq!(pgbook_pages, mdbook_pages);
    assert!(!pgbook_pages.contains("print.html"));
    // Search disabled: neither writes an index.
    assert!(files(&by_mdbook, &["searchindex.js", "searchindex.json"]).is_empty());
    assert!(files(&by_pgbook, &["searchindex.js", "searchindex.json"]).is_empty());

    // input-404: the chapter is the 404 page of both, named after it, its links from the
    // site's root.
    let mdbook_404 = std::fs::read_to_string(by_mdbook.join("lost.html")).unwrap();
    let pgbook_404 = std::fs::read_to_string(by_pgbook.join("lost.html")).unwrap();
    assert!(mdbook_404.contains("Nothing here"));
    assert!(
        pgbook_404.contains("Nothing here</h1>") || pgbook_404.contains("Nothing here<a"),
        "{pgbook_404}"
    );
    // mdBook links relatively under `<base href="/">`; pgbook from the site URL: both /intro.html.
    assert!(mdbook_404.contains("<base href=\"/\">") && mdbook_404.contains("href=\"intro.html\""));
    assert!(pgbook_404.contains("href=\"/intro.html\""), "{pgbook_404}");
    assert!(!pgbook_404.contains("This page does not exist"));

    // cname: the same CNAME file as mdBook's.
    assert_eq!(
        std::fs::read_to_string(by_pgbook.join("CNAME"))
            .unwrap()
            .trim(),
        std::fs::read_to_string(by_mdbook.join("CNAME"))
            .unwrap()
            .trim()
    );

    let redirect = std::fs::read_to_string(by_pgbook.join("old/intro.html")).unwrap();
    assert!(
        redirect.contains("content=\"0; URL=../intro.html\""),
        "{redirect}"
    );
    let away = std::fs::read_to_string(by_pgbook.join("gone.html")).unwrap();
    assert!(away.contains("href=\"https://example.org/gone\""), "{away}");

    let page = std::fs::read_to_string(by_pgbook.join("sub/next.html")).unwrap();
    let mdbook_toc = std::fs::read_to_string(by_mdbook.join("toc.html")).unwrap();
    let pgbook_toc = std::fs::read_to_string(by_pgbook.join("toc.html")).unwrap();
    // no-section-label: mdBook prints "2." in a <strong>; pgbook a toc-number. Neither does.
    assert!(!mdbook_toc.contains("2.</strong>"));
    assert!(pgbook_toc.contains("sub/next.html") && !pgbook_toc.contains("toc-number"));
    assert!(!page.contains("id=\"search-toggle\""));
    assert!(!page.contains("print.html"));
    assert!(page.contains("href=\"https://gitlab.com/example/keys\""));
    assert!(page.contains("class=\"git-icon gitlab\""), "{page}");
    // fold: the sidebar folds from level 0 (the script does the folding).
    assert!(page.contains(" data-fold-level=\"0\"></ol>"), "{page}");
    assert!(page.contains("js/sidebar-fold.js"));
    assert!(by_pgbook.join("js/sidebar-fold.js").is_file());
}

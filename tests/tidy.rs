//! Tidy checks on the source tree itself, so that conventions hold without a reviewer:
//! every Rust file under `src/` and `crates/*/src/` opens with a `//!` comment saying what it
//! is for (STYLE.md). Lints enforce the rest (see ARCHITECTURE.md, "Enforced invariants").

use std::path::{Path, PathBuf};

/// Every `.rs` file below `dir`, recursively, sorted.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn source_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    for krate in std::fs::read_dir(root.join("crates")).unwrap() {
        rust_files(&krate.unwrap().path().join("src"), &mut files);
    }
    files.sort();
    files
}

/// Whether `text` opens with a module comment (blank lines before it are tolerated).
fn has_module_comment(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| l.starts_with("//!"))
}

#[test]
fn every_source_file_opens_with_a_module_comment() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = source_files(root);
    // Guards against the walk silently finding nothing (a moved directory).
    assert!(files.len() > 50, "only {} source files found", files.len());
    let missing: Vec<String> = files
        .iter()
        .filter(|f| !has_module_comment(&std::fs::read_to_string(f).unwrap()))
        .map(|f| f.strip_prefix(root).unwrap_or(f).display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "these files do not open with a `//!` comment saying what they are for:\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn module_comment_detection() {
    let cases = [
        ("//! What this is for.\n\nuse x;\n", true),
        ("\n//! After a blank line.\n", true),
        ("// A plain comment.\n//! Too late.\n", false),
        ("/// An item doc.\nfn f() {}\n", false),
        ("use x;\n", false),
        ("", false),
    ];
    for (text, want) in cases {
        assert_eq!(has_module_comment(text), want, "{text:?}");
    }
}

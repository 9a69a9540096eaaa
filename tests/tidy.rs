//! Tidy checks on the source tree itself, so that conventions hold without a reviewer:
//! every Rust file under `src/` and `crates/*/src/` opens with a `//!` comment saying what it
//! is for (STYLE.md), and no crate embeds a file from outside its own directory (a crate must
//! build and package on its own). Lints enforce the rest (see ARCHITECTURE.md, "Enforced
//! invariants").

use std::path::{Component, Path, PathBuf};

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

/// The paths `include_str!`/`include_bytes!` name in `text` (for `concat!`, its first literal,
/// the directory part).
fn included_paths(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for mac in ["include_str!(", "include_bytes!("] {
        for (at, _) in text.match_indices(mac) {
            let rest = &text[at + mac.len()..];
            if let Some(open) = rest.find('"') {
                if let Some(len) = rest[open + 1..].find('"') {
                    out.push(&rest[open + 1..open + 1 + len]);
                }
            }
        }
    }
    out
}

/// `path` with `.` and `..` resolved lexically.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[test]
fn crates_embed_only_their_own_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut escapes = Vec::new();
    for krate in std::fs::read_dir(root.join("crates")).unwrap() {
        let krate = krate.unwrap().path();
        let mut files = Vec::new();
        rust_files(&krate.join("src"), &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for included in included_paths(&text) {
                let target = normalise(&file.parent().unwrap().join(included));
                if !target.starts_with(&krate) {
                    escapes.push(format!("{}: {included}", file.display()));
                }
            }
        }
    }
    assert!(
        escapes.is_empty(),
        "these files embed files from outside their crate:\n  {}",
        escapes.join("\n  ")
    );
}

#[test]
fn included_path_detection() {
    let text = r#"const G: &str = include_str!("../syntaxes/g.sublime-syntax");
        include_str!(concat!("../../../themes/default/", $name)); include_bytes!("x.bin")"#;
    assert_eq!(
        included_paths(text),
        [
            "../syntaxes/g.sublime-syntax",
            "../../../themes/default/",
            "x.bin"
        ]
    );
    assert_eq!(
        normalise(Path::new("/w/crates/r/src/../../../themes")),
        Path::new("/w/themes")
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

//! Fixtures shared by this crate's unit tests (compiled for tests only): a chapter parsed from
//! Markdown text. Nothing here judges an outcome.

use std::path::{Path, PathBuf};

use pgbook_book::snippet::parse_snippets;
use pgbook_book::Chapter;

/// A chapter parsed from `text`, as `content/x.md`.
pub(crate) fn chapter(text: &str) -> Chapter {
    Chapter {
        title: "T".into(),
        number: None,
        depth: 0,
        path: PathBuf::from("x.md"),
        source_path: PathBuf::from("content/x.md"),
        text: text.into(),
        snippets: parse_snippets(text, Path::new("content/x.md"), Path::new(".")).unwrap(),
    }
}

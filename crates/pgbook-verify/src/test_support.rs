//! Fixtures shared by this crate's unit tests (compiled for tests only): a chapter parsed from
//! Markdown text. Nothing here judges an outcome.

use std::path::Path;

use pgbook_book::Chapter;

/// A chapter parsed from `text`, as `content/x.md`.
pub(crate) fn chapter(text: &str) -> Chapter {
    let chapter = Chapter::parse(
        Path::new("."),
        Path::new("content"),
        Path::new("x.md"),
        text.into(),
    )
    .unwrap();
    Chapter {
        title: "T".into(),
        ..chapter
    }
}

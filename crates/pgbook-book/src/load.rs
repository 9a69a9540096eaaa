//! Loading a whole book from disk: the only code that reads chapter files. Each chapter is
//! expanded and parsed once here (`markdown::parse_chapter`); later stages work on the
//! result and never read or parse a chapter again.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::config::{load_config, Config};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::markdown::{parse_chapter, Document};
use crate::snippet::Snippet;
use crate::summary::{parse_summary, Summary, SummaryItem};

/// The 1-based column where `path` is written on SUMMARY.md's `line` (1 if it cannot be
/// found, for example when the link target is percent-encoded).
fn column_of(summary: &str, line: usize, path: &Path) -> usize {
    let text = summary.lines().nth(line.saturating_sub(1)).unwrap_or("");
    let target = path.to_string_lossy();
    text.find(&format!("]({target}"))
        .map(|at| text[..at + 2].chars().count() + 1)
        .unwrap_or(1)
}

/// A chapter that is not UTF-8, located at its first bad byte (pgbook, like mdBook, reads
/// chapters as UTF-8; a lossy read would show replacement characters without saying why).
fn not_utf8(file: &Path, e: std::string::FromUtf8Error) -> Diagnostic {
    let bytes = e.as_bytes();
    let good = &bytes[..e.utf8_error().valid_up_to()];
    let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let col = String::from_utf8_lossy(&good[line_start..]).chars().count() + 1;
    let byte = bytes[good.len()];
    Diagnostic::new(
        file,
        line,
        col,
        format!("not valid UTF-8 (byte 0x{byte:02X}); chapters must be saved as UTF-8"),
    )
}

/// A chapter with a file.
#[derive(Debug, Clone)]
pub struct Chapter {
    /// Title from SUMMARY.md (raw link text).
    pub title: String,
    pub number: Option<Vec<u32>>,
    pub depth: usize,
    /// Path relative to the source directory, e.g. `a/b.md`.
    pub path: PathBuf,
    /// Path relative to the book root, as shown in diagnostics: `content/a/b.md`.
    pub source_path: PathBuf,
    /// The file's text, unchanged.
    pub text: String,
    pub snippets: Vec<Snippet>,
    /// The parsed chapter (includes expanded): what the renderer and the link check read.
    pub document: Document,
}

impl Chapter {
    /// Parses chapter `path` (relative to the source directory `src`, itself relative to the
    /// book `root`) from its `text`. Title, number and depth are left empty for the caller.
    pub fn parse(
        root: &Path,
        src: &Path,
        path: &Path,
        text: String,
    ) -> Result<Chapter, Vec<Diagnostic>> {
        let parsed = parse_chapter(text.clone(), &root.join(src).join(path), root)?;
        Ok(Chapter {
            title: String::new(),
            number: None,
            depth: 0,
            path: path.to_path_buf(),
            source_path: src.join(path),
            text,
            snippets: parsed.snippets,
            document: parsed.document,
        })
    }

    /// A chapter made of snippets directly, with no Markdown (tools and tests that feed the
    /// engine SQL): `path` relative to the source directory, `source_path` as shown in
    /// diagnostics.
    pub fn from_snippets(
        title: &str,
        path: PathBuf,
        source_path: PathBuf,
        snippets: Vec<Snippet>,
    ) -> Chapter {
        Chapter {
            title: title.to_string(),
            number: None,
            depth: 0,
            path,
            source_path,
            text: String::new(),
            snippets,
            document: Document::default(),
        }
    }

    /// Whether `snippet` is written in the chapter file itself (not brought in by a prose
    /// `{{#include}}`), so its byte ranges are ranges of [`Chapter::text`].
    pub fn is_written_here(&self, snippet: &Snippet) -> bool {
        self.document
            .map
            .files
            .first()
            .is_some_and(|f| f.display == snippet.origin.file)
    }

    /// Every file this chapter was built from: the chapter file, then each file included
    /// (in prose or in snippets), with `..` resolved. What `serve` must watch.
    pub fn files(&self) -> impl Iterator<Item = &Path> {
        self.document.map.files.iter().map(|f| f.path.as_path())
    }

    /// A digest of everything that determines this chapter's SQL results: every snippet's
    /// attributes and SQL (includes expanded), in order. Callers add server version and
    /// settings.
    pub fn sql_fingerprint(&self) -> String {
        let mut h = Sha256::new();
        for s in &self.snippets {
            h.update(format!("{:?}\u{0}{}\u{0}", s.attrs, s.sql).as_bytes());
        }
        hex::encode(h.finalize())
    }
}

/// A loaded book.
#[derive(Debug, Clone)]
pub struct Book {
    /// The book's root directory (where book.toml is).
    pub root: PathBuf,
    pub config: Config,
    pub summary: Summary,
    /// Chapters that have files, in SUMMARY order.
    pub chapters: Vec<Chapter>,
    /// Warnings about book.toml keys that pgbook ignores.
    pub warnings: Vec<Diagnostic>,
    /// mdBook's 404 chapter (`[output.html] input-404`, else `404.md`), when the file exists.
    pub not_found: Option<Chapter>,
}

impl Book {
    /// Loads `book.toml`, `SUMMARY.md` and every chapter under `root`, collecting all problems.
    pub fn load(root: &Path) -> Result<Book, Diagnostics> {
        let loaded = load_config(root)?;
        let config = loaded.config;
        let src_rel = config.book.src.clone();
        let src = root.join(&src_rel);
        let summary_rel = src_rel.join("SUMMARY.md");
        let summary_text = std::fs::read_to_string(src.join("SUMMARY.md")).map_err(|e| {
            Diagnostic::new(
                &summary_rel,
                0,
                0,
                format!("cannot read the table of contents: {e}"),
            )
        })?;
        let summary = parse_summary(&summary_text, &summary_rel)?;
        let mut errors = Vec::new();
        let mut files = Vec::new();
        // Where each chapter file was first listed: a chapter listed twice would run twice
        // and be written to the same page, so the second entry is refused.
        let mut listed: std::collections::HashMap<&Path, usize> = Default::default();
        for item in &summary.items {
            let SummaryItem::Chapter {
                title,
                path: Some(path),
                number,
                depth,
                line,
            } = item
            else {
                continue;
            };
            let col = column_of(&summary_text, *line, path);
            let at = |message: String| Diagnostic::new(&summary_rel, *line, col, message);
            if let Some(first) = listed.insert(path, *line) {
                listed.insert(path, first);
                errors.push(at(format!(
                    "'{}' is already listed at line {first}; a chapter can appear only once",
                    path.display()
                )));
                continue;
            }
            match std::fs::read(src.join(path)) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => files.push((title, path, number, *depth, text)),
                    Err(e) => errors.push(not_utf8(&src_rel.join(path), e)),
                },
                Err(e) => errors.push(at(format!(
                    "chapter file '{}' cannot be read: {e}",
                    src_rel.join(path).display()
                ))),
            }
        }
        let parsed = parallel_map(files, |(title, path, number, depth, text)| {
            Chapter::parse(root, &src_rel, path, text).map(|chapter| Chapter {
                title: title.clone(),
                number: number.clone(),
                depth,
                ..chapter
            })
        });
        let mut chapters = Vec::with_capacity(parsed.len());
        for result in parsed {
            match result {
                Ok(chapter) => chapters.push(chapter),
                Err(errs) => errors.extend(errs),
            }
        }
        let not_found = load_not_found(root, &src_rel, &config).unwrap_or_else(|errs| {
            errors.extend(errs);
            None
        });
        if !errors.is_empty() {
            return Err(Diagnostics(errors));
        }
        Ok(Book {
            root: root.to_path_buf(),
            config,
            summary,
            chapters,
            warnings: loaded.warnings,
            not_found,
        })
    }

    /// Absolute path of the source directory.
    pub fn src_dir(&self) -> PathBuf {
        self.root.join(&self.config.book.src)
    }

    /// Absolute path of the build directory.
    pub fn build_dir(&self) -> PathBuf {
        self.root.join(&self.config.build.build_dir)
    }

    /// The book's title: book.toml, else SUMMARY.md's heading, else "Book".
    pub fn title(&self) -> String {
        self.config
            .book
            .title
            .clone()
            .or_else(|| self.summary.title.clone())
            .unwrap_or_else(|| "Book".into())
    }
}

/// mdBook's 404 page source: `input-404` (or `404.md`) in the source directory. A missing
/// default file is no error; a missing file the book names is.
fn load_not_found(
    root: &Path,
    src_rel: &Path,
    config: &Config,
) -> Result<Option<Chapter>, Vec<Diagnostic>> {
    let named = config.output.html.input_404.as_deref();
    let path = PathBuf::from(named.unwrap_or("404.md"));
    match std::fs::read_to_string(root.join(src_rel).join(&path)) {
        Ok(text) => {
            let chapter = Chapter::parse(root, src_rel, &path, text)?;
            let title = chapter
                .document
                .headings
                .first()
                .map_or_else(|| "Page not found".to_string(), |h| h.title.clone());
            Ok(Some(Chapter { title, ..chapter }))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && named.is_none() => Ok(None),
        Err(e) => Err(vec![Diagnostic::new(
            "book.toml",
            0,
            0,
            format!(
                "output.html.input-404: '{}' cannot be read: {e}",
                src_rel.join(&path).display()
            ),
        )]),
    }
}

/// `f` over `items` on a few threads, results in the order of `items`. Parsing a large
/// book's chapters is the bulk of loading it, and every `serve` rebuild loads the book.
fn parallel_map<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = items.len().div_ceil(threads).max(8);
    if items.len() <= chunk {
        return items.into_iter().map(f).collect();
    }
    let mut chunks: Vec<Vec<T>> = Vec::new();
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        chunks.push(items.by_ref().take(chunk).collect());
    }
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| scope.spawn(move || chunk.into_iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_book_and_reports_missing_chapter() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("content")).unwrap();
        std::fs::write(root.join("book.toml"), "[book]\ntitle = \"T\"\n").unwrap();
        std::fs::write(
            root.join("content/SUMMARY.md"),
            "- [One](one.md)\n- [Two](two.md)\n",
        )
        .unwrap();
        std::fs::write(
            root.join("content/one.md"),
            "# One\n\n```sql\nselect 1;\n```\n",
        )
        .unwrap();
        let err = Book::load(root).unwrap_err();
        assert!(
            err.to_string().starts_with(
                "content/SUMMARY.md:2:9: chapter file 'content/two.md' cannot be read"
            ),
            "{err}"
        );
        std::fs::write(
            root.join("content/two.md"),
            "# Two\n\n```sql,sesion=x\nselect 1;\n```\n",
        )
        .unwrap();
        let err = Book::load(root).unwrap_err();
        assert_eq!(
            err.to_string(),
            "content/two.md:3:1: unknown attribute 'sesion' (did you mean 'session'?)"
        );
        std::fs::write(root.join("content/two.md"), "# Two\n").unwrap();
        let book = Book::load(root).unwrap();
        assert_eq!(book.chapters.len(), 2);
        assert_eq!(book.chapters[0].snippets.len(), 1);
        assert_eq!(book.title(), "T");
    }
}

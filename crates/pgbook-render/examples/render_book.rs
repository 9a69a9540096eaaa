//! Renders a book without executing anything and prints how long each stage took:
//! `cargo run --release -p pgbook-render --example render_book -- BOOK_DIR OUT_DIR`.
//! A profiling aid for the renderer; `pgbook build` is the real entry point.

// A command-line aid: printing, and an exit code for bad arguments, are what it is for.
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::disallowed_methods)]

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use pgbook_book::Book;
use pgbook_render::{write_site, ChapterJob, Renderer};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (book_dir, out_dir) = match args.as_slice() {
        [_, book, out] => (Path::new(book), Path::new(out)),
        _ => {
            eprintln!("usage: render_book BOOK_DIR OUT_DIR");
            std::process::exit(2);
        }
    };
    let mut last = Instant::now();
    let mut lap = |name: &str| {
        let now = Instant::now();
        eprint!("{name} {:.1} ms | ", (now - last).as_secs_f64() * 1000.0);
        last = now;
    };
    let book = Book::load(book_dir).unwrap_or_else(|e| panic!("{e}"));
    lap("load");
    let renderer = Renderer::new(&book.root.join(&book.config.output.html.theme));
    let jobs: Vec<ChapterJob> = (0..book.chapters.len())
        .map(|index| ChapterJob {
            index,
            outcome: None,
            statuses: &[],
        })
        .collect();
    let bodies: Vec<Arc<_>> = renderer
        .render_chapters(&book, &jobs)
        .into_iter()
        .map(|b| Arc::new(b.unwrap_or_else(|e| panic!("{e}"))))
        .collect();
    lap("chapters");
    let site = renderer
        .render_site(&book, &bodies, None, None)
        .unwrap_or_else(|e| panic!("{e}"));
    lap("pages + search index");
    write_site(&site, out_dir).unwrap_or_else(|e| panic!("{e}"));
    lap("write");
    eprintln!();
}

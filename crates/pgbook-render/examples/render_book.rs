//! Renders a book without executing anything and prints how long each stage took:
//! `cargo run --release -p pgbook-render --example render_book -- BOOK_DIR OUT_DIR`.
//! A profiling aid for the renderer; `pgbook build` is the real entry point.

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
    let t0 = Instant::now();
    pgbook_render::highlight::highlight_sql("select 1;");
    eprintln!("grammar load + first highlight: {:?}", t0.elapsed());
    let t = Instant::now();
    let book = Book::load(book_dir).unwrap_or_else(|e| panic!("{e}"));
    let loaded = t.elapsed();
    let renderer = Renderer::new(&book.root.join(&book.config.output.html.theme));
    let ready = t.elapsed();
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
    let rendered = t.elapsed();
    let site = renderer
        .render_site(&book, &bodies, None)
        .unwrap_or_else(|e| panic!("{e}"));
    let assembled = t.elapsed();
    let t2 = Instant::now();
    let paths: Vec<String> = book
        .chapters
        .iter()
        .map(|c| pgbook_render::nav::page_path(&c.path))
        .collect();
    let sections: Vec<pgbook_render::search::PageSections> = bodies
        .iter()
        .zip(&paths)
        .zip(&book.chapters)
        .map(|((b, p), c)| pgbook_render::search::PageSections {
            page_path: p,
            chapter_title: &c.title,
            sections: &b.sections,
        })
        .collect();
    let js = pgbook_render::search::search_index_js(&sections);
    eprintln!(
        "search index alone: {:?} ({} bytes)",
        t2.elapsed(),
        js.len()
    );
    let t = t + t2.elapsed();
    write_site(&site, out_dir).unwrap_or_else(|e| panic!("{e}"));
    let written = t.elapsed();
    eprintln!(
        "load {loaded:?} | renderer {:?} | bodies {:?} | pages+search {:?} | write {:?} | total {written:?}",
        ready - loaded,
        rendered - ready,
        assembled - rendered,
        written - assembled
    );
}

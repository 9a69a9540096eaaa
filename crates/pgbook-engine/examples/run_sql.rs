//! Runs one `.sql` file through the engine, as a one-snippet chapter, and prints its
//! transcript — what `psql -X -f FILE` would print. Used by the benchmark (against psql on
//! the same server) and by the tests that run pgbook from a directory postgres cannot read.
//!
//! `run_sql FILE [DATABASE_URL]`: without a URL a scratch cluster is started.

// A command-line aid: printing is what it is for.
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::disallowed_methods)]

mod support;

use std::io::Write;
use std::path::PathBuf;

use pgbook_book::{Attributes, Chapter, Snippet};
use pgbook_engine::{Engine, EngineOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let file = PathBuf::from(args.next().ok_or("usage: run_sql FILE [DATABASE_URL]")?);
    let database_url = args.next();
    support::exit_on_signals()?;
    let sql = std::fs::read_to_string(&file)?;
    let chapter = one_snippet_chapter(&file, sql);
    let engine = Engine::start(EngineOptions {
        database_url,
        // Standing in for the binary, which resolves the cache directory for the engine.
        cache_dir: std::env::var_os("PGBOOK_CACHE_DIR").map(Into::into),
        ..EngineOptions::default()
    })?;
    let outcome = engine.run_chapter(&chapter);
    if pgbook_engine::is_cancelled() {
        // A signal cancelled the run: its handler is cleaning up and ends the process with
        // the signal's status; returning now would end it first, with ours.
        loop {
            std::thread::park();
        }
    }
    let outcome = outcome?;
    let mut out = std::io::stdout().lock();
    for snippet in outcome.snippets.iter().flatten() {
        out.write_all(snippet.transcript.as_bytes())?;
        if let Some(failure) = &snippet.failure {
            eprintln!("{}: {failure}", file.display());
        }
    }
    Ok(())
}

fn one_snippet_chapter(file: &std::path::Path, sql: String) -> Chapter {
    let snippet = Snippet::from_sql(0, 1, file, Attributes::default(), sql);
    Chapter::from_snippets(
        "run_sql",
        PathBuf::from("run_sql.md"),
        file.to_path_buf(),
        vec![snippet],
    )
}

//! `pgbook test`: execute every snippet of the selected chapters, verify it against the
//! Markdown, check internal links, optionally `--bless`, and report (human, JSON or JUnit;
//! GitHub Actions annotations when `GITHUB_ACTIONS=true`).
//!
//! Glue only: the pipeline runs [`Action::Test`] (the same driver as `build` and `serve`,
//! without the cache), `pgbook-verify` formats; this file chooses where output goes and maps
//! outcomes to [`Status`] (configuration and environment problems are errors, exit 2).

use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::Context;
use pgbook_verify::Report;

use super::Status;
use crate::pipeline::{Action, Options, Pipeline};
use crate::progress::Progress;
use crate::{ReportFormat, TestArgs};

pub fn run(args: TestArgs) -> anyhow::Result<Status> {
    let args = dir_or_filter(args);
    let _signals = crate::signals::install()?;
    let progress = Progress::new(args.verbosity.get());
    let mut pipeline = Pipeline::new(
        &args.dir,
        Options {
            database_url: args.database_url.clone(),
            progress: progress.sink(),
            template_cache: Some(crate::cache_dir::template_cache_dir()),
            ..Options::default()
        },
    );
    let report = pipeline.run(&Action::Test {
        bless: args.bless,
        filter: args.filter.clone(),
        shard: args.shard,
    });
    progress.finish();
    let report = report?;
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    emit(&args, &report.verification)?;
    Ok(if report.is_failure() {
        Status::Failed
    } else {
        Status::Success
    })
}

/// `pgbook test locking` means the filter `locking` in the current book: DIR and FILTER are
/// both positional, so a first word that names nothing on disk, run inside a book, is taken
/// as a filter.
fn dir_or_filter(mut args: TestArgs) -> TestArgs {
    if !args.dir.exists() && Path::new("book.toml").is_file() {
        let word = args.dir.to_string_lossy().into_owned();
        args.filter.insert(0, word);
        args.dir = ".".into();
    }
    args
}

/// Writes the report where the flags say, plus GitHub annotations under Actions.
fn emit(args: &TestArgs, report: &Report) -> anyhow::Result<()> {
    let to_file = args.output.is_some();
    let text = match args.format {
        ReportFormat::Human => report.human(!to_file && use_color()),
        ReportFormat::Json => report.json(),
        ReportFormat::Junit => report.junit(),
    };
    let json_on_stdout = args.format == ReportFormat::Json && !to_file;
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        // Keep stdout parseable when it carries the JSON report.
        if json_on_stdout {
            eprint!("{}", report.github_annotations());
        } else {
            write_stdout(&report.github_annotations())?;
        }
    }
    match &args.output {
        Some(path) => {
            std::fs::write(path, text)
                .with_context(|| format!("cannot write the report to {}", path.display()))?;
            if args.format != ReportFormat::Human {
                write_stdout(&report.human(use_color()))?;
            }
        }
        None => {
            write_stdout(&text)?;
            // The machine formats hold snippets; book-level problems must still be seen.
            if args.format != ReportFormat::Human {
                for problem in &report.problems {
                    eprintln!("{problem}");
                }
            }
        }
    }
    Ok(())
}

/// Writes to stdout; a reader that went away (`pgbook test | head`) is not an error.
fn write_stdout(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        result => result.context("cannot write the report to standard output"),
    }
}

/// Colour only on a terminal, and never when `NO_COLOR` is set (<https://no-color.org>).
fn use_color() -> bool {
    std::io::stdout().is_terminal()
        && !matches!(std::env::var_os("NO_COLOR"), Some(v) if !v.is_empty())
}

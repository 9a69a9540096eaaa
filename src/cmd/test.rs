//! `pgbook test`: execute every snippet of the selected chapters, verify it against the
//! Markdown, check internal links, optionally `--bless`, and report (human, JSON or JUnit;
//! GitHub Actions annotations when `GITHUB_ACTIONS=true`).
//!
//! Glue only: the engine runs SQL, `pgbook-verify` judges and formats; this file chooses
//! where output goes and maps outcomes to [`Status`] (configuration and environment problems
//! are errors, exit 2).

use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::Context;
use pgbook_book::{Book, Chapter, ChapterOutcome};
use pgbook_engine::{Engine, EngineOptions};
use pgbook_verify::bless::bless_chapter;
use pgbook_verify::links::check_links;
use pgbook_verify::{CheckStatus, CheckedSnippet, Report, SnippetCheck, Verifier};

use super::Status;
use crate::{ReportFormat, TestArgs};

pub fn run(args: TestArgs) -> anyhow::Result<Status> {
    let args = dir_or_filter(args);
    let book = Book::load(&args.dir).map_err(|d| anyhow::anyhow!("{d}"))?;
    for warning in &book.warnings {
        eprintln!("warning: {warning}");
    }
    let verifier =
        Verifier::new(&book.config.verify).map_err(|e| anyhow::anyhow!("book.toml: {e}"))?;
    let chapters = select_chapters(&book, &args.filter)?;
    let outcomes = execute(&book, &chapters, args.database_url.clone())?;
    let mut report = Report::default();
    for (chapter, outcome) in chapters.iter().zip(&outcomes) {
        let checks = check_chapter(&verifier, chapter, outcome);
        let checks = if args.bless {
            bless(&book, chapter, checks, &mut report)?
        } else {
            checks
        };
        report.snippets.extend(located(chapter, checks));
    }
    report.problems = check_links(&book)
        .into_iter()
        .filter(|d| chapters.iter().any(|c| c.source_path == d.file))
        .collect();
    emit(&args, &report)?;
    Ok(if report.is_failure() {
        Status::Failed
    } else {
        Status::Success
    })
}

/// Each check with the place of its snippet, for the reports.
fn located(
    chapter: &Chapter,
    checks: Vec<SnippetCheck>,
) -> impl Iterator<Item = CheckedSnippet> + '_ {
    let file = display_path(&chapter.source_path);
    chapter
        .snippets
        .iter()
        .zip(checks)
        .map(move |(snippet, check)| CheckedSnippet {
            file: file.clone(),
            line: snippet.line,
            session: snippet.attrs.session_name().to_string(),
            check,
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

/// The chapters whose path contains one of the filters (all of them without filters).
fn select_chapters<'b>(book: &'b Book, filters: &[String]) -> anyhow::Result<Vec<&'b Chapter>> {
    let chapters: Vec<&Chapter> = book
        .chapters
        .iter()
        .filter(|c| {
            let path = display_path(&c.source_path);
            filters.is_empty() || filters.iter().any(|f| path.contains(f.as_str()))
        })
        .collect();
    if chapters.is_empty() && !filters.is_empty() {
        anyhow::bail!("no chapter path contains {}", filters.join(" or "));
    }
    Ok(chapters)
}

/// Runs the chapters on a scratch cluster (or the given server). Any engine error — no
/// PostgreSQL, a meta-command in a snippet — stops the run (exit 2).
fn execute(
    book: &Book,
    chapters: &[&Chapter],
    database_url: Option<String>,
) -> anyhow::Result<Vec<ChapterOutcome>> {
    let _signals = crate::signals::install()?;
    let engine = Engine::start(EngineOptions::from_config(&book.config, database_url))?;
    let outcomes = engine
        .run_chapters(chapters)
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    Ok(outcomes)
}

fn check_chapter(
    verifier: &Verifier,
    chapter: &Chapter,
    outcome: &ChapterOutcome,
) -> Vec<SnippetCheck> {
    chapter
        .snippets
        .iter()
        .enumerate()
        .map(|(i, snippet)| {
            let executed = outcome.snippets.get(i).and_then(Option::as_ref);
            verifier.check(chapter, snippet, executed)
        })
        .collect()
}

/// Rewrites the chapter's output blocks; snippets whose only fault was their block now pass.
fn bless(
    book: &Book,
    chapter: &Chapter,
    mut checks: Vec<SnippetCheck>,
    report: &mut Report,
) -> anyhow::Result<Vec<SnippetCheck>> {
    let changed = bless_chapter(&book.src_dir(), chapter, &checks)
        .with_context(|| format!("cannot write {}", chapter.source_path.display()))?;
    if !changed {
        return Ok(checks);
    }
    for (snippet, check) in chapter.snippets.iter().zip(&mut checks) {
        if check.bless.is_none() {
            continue;
        }
        let place = format!("{}:{}", display_path(&chapter.source_path), snippet.line);
        report.blessed.push(place);
        if check.fixed_by_bless {
            check.status = CheckStatus::Passed;
            check.messages.clear();
        }
    }
    Ok(checks)
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

/// Colour only on a terminal, and never when `NO_COLOR` is set (https://no-color.org).
fn use_color() -> bool {
    std::io::stdout().is_terminal()
        && !matches!(std::env::var_os("NO_COLOR"), Some(v) if !v.is_empty())
}

fn display_path(path: &Path) -> String {
    path.display().to_string()
}

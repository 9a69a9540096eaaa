//! The pipeline's verify stage: which chapters a run covers, each snippet's check, `--bless`,
//! the checks placed for the reports, and the link check (whose severity the action decides).
//!
//! Judging is `pgbook-verify`'s; this module only applies it to a run and writes nothing but
//! blessed chapter files.

use std::sync::Arc;

use anyhow::Context;
use pgbook_book::{Book, Chapter, ChapterOutcome};
use pgbook_render::SnippetStatus;
use pgbook_verify::bless::bless_chapter;
use pgbook_verify::links::check_links;
use pgbook_verify::{CheckedSnippet, Failure, SnippetCheck, Verdict, Verifier};

use super::shard::Shard;
use super::RunReport;

/// `pgbook test locking`: the chapters whose path contains one of the filters (all of them
/// without filters), as indices into the book.
pub(super) fn select_chapters(book: &Book, filters: &[String]) -> anyhow::Result<Vec<usize>> {
    let selected: Vec<usize> = (0..book.chapters.len())
        .filter(|&i| {
            let path = book.chapters[i].source_path.display().to_string();
            filters.is_empty() || filters.iter().any(|f| path.contains(f.as_str()))
        })
        .collect();
    if selected.is_empty() && !filters.is_empty() {
        anyhow::bail!("no chapter path contains {}", filters.join(" or "));
    }
    Ok(selected)
}

/// The chapters of `chosen` that fall in `shard` (see [`super::shard::assign`]: by path and
/// snippet count, so the same on every runner).
pub(super) fn shard_chapters(book: &Book, chosen: Vec<usize>, shard: Shard) -> Vec<usize> {
    let weighed: Vec<(String, usize)> = chosen
        .iter()
        .map(|&i| {
            let chapter = &book.chapters[i];
            let path = chapter.source_path.to_string_lossy().replace('\\', "/");
            (path, chapter.snippets.len())
        })
        .collect();
    let shards = super::shard::assign(&weighed, shard.count);
    chosen
        .into_iter()
        .zip(shards)
        .filter(|&(_, s)| s + 1 == shard.index)
        .map(|(i, _)| i)
        .collect()
}

/// Checks every snippet of the `selected` chapters (index-aligned with `outcomes`), blesses
/// when asked, and records the checks in the report; returns the verdicts as pages show them.
pub(super) fn check_chapters(
    verifier: &Verifier,
    book: &Book,
    selected: &[usize],
    outcomes: &mut [Arc<ChapterOutcome>],
    for_build: bool,
    blessing: bool,
    report: &mut RunReport,
) -> anyhow::Result<Vec<Vec<SnippetStatus>>> {
    let mut statuses = Vec::with_capacity(selected.len());
    for (&i, outcome) in selected.iter().zip(outcomes) {
        let chapter = &book.chapters[i];
        // When nothing reads the transcripts after the checks (`test`), each is moved
        // into its check instead of being copied.
        let mut checks = match Arc::get_mut(outcome).filter(|_| !for_build) {
            Some(outcome) => check_chapter_taking_transcripts(verifier, chapter, outcome),
            None => check_chapter(verifier, chapter, outcome, for_build),
        };
        if blessing {
            bless(book, chapter, &mut checks, report)?;
        }
        statuses.push(checks.iter().map(snippet_status).collect());
        report
            .verification
            .snippets
            .extend(located(chapter, checks));
    }
    Ok(statuses)
}

/// Broken links, anchors and includes of the `selected` chapters.
pub(super) fn broken_links(book: &Book, selected: &[usize]) -> Vec<Failure> {
    check_links(book)
        .into_iter()
        .filter(|d| {
            selected
                .iter()
                .any(|&i| book.chapters[i].source_path == d.file)
        })
        .map(Failure::from)
        .collect()
}

/// Checks every snippet of `chapter` against what running it produced. A build
/// (`for_build`) shows the transcript of a failed snippet only, so a passing one's is not
/// copied into its check.
fn check_chapter(
    verifier: &Verifier,
    chapter: &Chapter,
    outcome: &ChapterOutcome,
    for_build: bool,
) -> Vec<SnippetCheck> {
    chapter
        .snippets
        .iter()
        .enumerate()
        .map(|(i, snippet)| {
            let executed = outcome.snippets.get(i).and_then(Option::as_ref);
            if for_build {
                verifier.check_keeping_failed_actual(chapter, snippet, executed)
            } else {
                verifier.check(chapter, snippet, executed)
            }
        })
        .collect()
}

/// [`check_chapter`], moving each transcript out of `outcome` into its check.
fn check_chapter_taking_transcripts(
    verifier: &Verifier,
    chapter: &Chapter,
    outcome: &mut ChapterOutcome,
) -> Vec<SnippetCheck> {
    chapter
        .snippets
        .iter()
        .enumerate()
        .map(|(i, snippet)| {
            let executed = outcome.snippets.get_mut(i).and_then(Option::as_mut);
            verifier.check_taking_transcript(chapter, snippet, executed)
        })
        .collect()
}

/// Rewrites the chapter's output blocks; snippets whose only fault was their block now pass.
fn bless(
    book: &Book,
    chapter: &Chapter,
    checks: &mut [SnippetCheck],
    report: &mut RunReport,
) -> anyhow::Result<()> {
    let changed = bless_chapter(&book.src_dir(), chapter, checks)
        .with_context(|| format!("cannot write {}", chapter.source_path.display()))?;
    if !changed {
        return Ok(());
    }
    for (snippet, check) in chapter.snippets.iter().zip(checks) {
        if check.bless.is_some() {
            let place = format!("{}:{}", snippet.origin.file.display(), snippet.origin.line);
            report.verification.blessed.push(place);
            check.mark_blessed();
        }
    }
    Ok(())
}

/// Each check with the place of its snippet, for the reports.
fn located(
    chapter: &Chapter,
    checks: Vec<SnippetCheck>,
) -> impl Iterator<Item = CheckedSnippet> + '_ {
    chapter
        .snippets
        .iter()
        .zip(checks)
        .map(move |(snippet, check)| CheckedSnippet {
            // Where the snippet is written: the chapter, or the file its prose included.
            file: snippet.origin.file.clone(),
            line: snippet.origin.line,
            session: snippet.attrs.session_name().to_string(),
            check,
        })
}

/// The verdict as the page shows it.
fn snippet_status(check: &SnippetCheck) -> SnippetStatus {
    match &check.verdict {
        Verdict::Passed => SnippetStatus::Passed,
        Verdict::Failed(failure) => SnippetStatus::Failed(failure.clone()),
        Verdict::Ignored => SnippetStatus::Ignored,
    }
}

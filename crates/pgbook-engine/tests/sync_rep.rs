//! Commits that wait for a synchronous standby (DESIGN.md §5, §10), on real clusters: the
//! standby's walreceiver is disconnected (`primary_conninfo = ''`, reload), a commit on the
//! primary shows `<waiting ...>` like a lock wait, and it completes during the standby's
//! step that connects it again. The chapter runs several times with identical transcripts.

mod common;

use pgbook_book::ChapterOutcome;

use common::{chapter, engine};

/// How many times the scenario runs; all runs must agree.
const RUNS: usize = 3;

/// Per step: transcript, the step it completed during, its failure.
type StepSummary = Option<(String, Option<usize>, Option<String>)>;

fn summary(outcome: &ChapterOutcome) -> Vec<StepSummary> {
    outcome
        .snippets
        .iter()
        .map(|s| {
            s.as_ref()
                .map(|s| (s.transcript.clone(), s.completed_during, s.failure.clone()))
        })
        .collect()
}

#[test]
fn a_commit_waits_for_the_disconnected_synchronous_standby_and_completes_when_it_returns() {
    let path = format!(
        "{}/tests/sync_rep/commit-waits.md",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("read fixture");
    let chapter = chapter("commit-waits", &text);
    let runs: Vec<Vec<StepSummary>> = (0..RUNS)
        .map(|_| summary(&engine().run_chapter(&chapter).expect("run chapter")))
        .collect();
    for (number, run) in runs.iter().enumerate().skip(1) {
        assert_eq!(run, &runs[0], "run {} differs from the first", number + 1);
    }
    let steps = &runs[0];
    for (snippet, step) in chapter.snippets.iter().zip(steps) {
        let (transcript, _, failure) = step.as_ref().expect("executed");
        assert_eq!(failure, &None, "line {}: {transcript}", snippet.line);
        if let Some(expected) = &snippet.expected {
            assert_eq!(&expected.text, transcript, "line {}", snippet.line);
        }
    }
    let (commit, reconnect) = (4, 5);
    assert!(chapter.snippets[commit].sql.contains("VALUES (2)"));
    assert!(chapter.snippets[reconnect].sql.contains(":'conninfo'"));
    let waited: Vec<(usize, usize)> = steps
        .iter()
        .enumerate()
        .filter_map(|(i, s)| Some((i, s.as_ref()?.1?)))
        .collect();
    assert_eq!(waited, vec![(commit, reconnect)]);
}

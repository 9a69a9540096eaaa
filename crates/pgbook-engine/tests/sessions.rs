//! Sessions interleaved on a real scratch cluster: lock waits shown as `<waiting ...>` and
//! completed during the step that released them, serialization failures, deadlocks with
//! the same victim every run, lock queues, `lock_timeout`, waits never released, and a step
//! on a session that still waits.
//!
//! Every scenario is a fixture chapter under `tests/sessions/` whose `output` blocks state
//! what each step must print (`[..]` stands for any text within a line, as in pgbook). Each
//! is run several times, and every run must produce exactly the same transcripts.

mod common;

use pgbook_book::{Chapter, ChapterOutcome, SnippetOutcome};

use common::engine;

/// How many times every scenario runs; all runs must agree.
const RUNS: usize = 3;

/// A scenario after its runs: the chapter and the outcome of the first run.
struct Scenario {
    chapter: Chapter,
    outcome: ChapterOutcome,
}

impl Scenario {
    /// Runs fixture `name` [`RUNS`] times; checks every run gives the same transcripts,
    /// failures and completion points, and that each transcript matches its output block.
    fn run(name: &str) -> Scenario {
        let path = format!("{}/tests/sessions/{name}.md", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).expect("read fixture");
        let chapter = common::chapter(name, &text);
        let runs: Vec<ChapterOutcome> = (0..RUNS)
            .map(|_| engine().run_chapter(&chapter).expect("run chapter"))
            .collect();
        let first = summary(&runs[0]);
        for (number, run) in runs.iter().enumerate().skip(1) {
            assert_eq!(summary(run), first, "{name}: run {} differs", number + 1);
        }
        for (snippet, outcome) in chapter.snippets.iter().zip(&runs[0].snippets) {
            let (Some(expected), Some(outcome)) = (&snippet.expected, outcome) else {
                continue;
            };
            assert!(
                matches(&expected.text, &outcome.transcript),
                "{name}.md:{}: transcript\n{}\ndoes not match\n{}",
                snippet.line,
                outcome.transcript,
                expected.text
            );
        }
        Scenario {
            chapter,
            outcome: runs.into_iter().next().expect("one run"),
        }
    }

    /// The outcome of the chapter's `n`th (0-based) snippet.
    fn step(&self, n: usize) -> &SnippetOutcome {
        self.outcome.snippets[n].as_ref().expect("step executed")
    }

    /// Index of the `nth` (0-based) snippet of `session`.
    fn of(&self, session: &str, nth: usize) -> usize {
        self.chapter
            .snippets
            .iter()
            .enumerate()
            .filter(|(_, s)| s.attrs.session_name() == session)
            .nth(nth)
            .map(|(i, _)| i)
            .expect("such a step")
    }

    /// Indices of the steps that waited, with the step during which each completed.
    fn waits(&self) -> Vec<(usize, usize)> {
        self.outcome
            .snippets
            .iter()
            .enumerate()
            .filter_map(|(i, o)| Some((i, o.as_ref()?.completed_during?)))
            .collect()
    }

    fn failures(&self) -> Vec<(usize, String)> {
        self.outcome
            .snippets
            .iter()
            .enumerate()
            .filter_map(|(i, o)| Some((i, o.as_ref()?.failure.clone()?)))
            .collect()
    }
}

/// Per step: transcript (ids masked), the step it completed during, its failure.
type StepSummary = Option<(String, Option<usize>, Option<String>)>;

/// What must be identical from run to run.
fn summary(outcome: &ChapterOutcome) -> Vec<StepSummary> {
    outcome
        .snippets
        .iter()
        .map(|o| {
            o.as_ref().map(|o| {
                let transcript = mask_ids(&o.transcript);
                (transcript, o.completed_during, o.failure.clone())
            })
        })
        .collect()
}

/// The transcript with backend pids and transaction ids (deadlock reports name them, and
/// they differ from run to run) replaced by `N`.
fn mask_ids(transcript: &str) -> String {
    let mut masked = String::with_capacity(transcript.len());
    let mut rest = transcript;
    while let Some(at) = ["rocess ", "transaction "]
        .iter()
        .filter_map(|word| rest.find(word).map(|i| i + word.len()))
        .min()
    {
        masked.push_str(&rest[..at]);
        rest = &rest[at..];
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 {
            masked.push('N');
            rest = &rest[digits..];
        }
    }
    masked.push_str(rest);
    masked
}

/// Whether `actual` matches `expected` line by line, `[..]` matching any text in a line;
/// trailing blank lines do not count.
fn matches(expected: &str, actual: &str) -> bool {
    let expected: Vec<&str> = expected.trim_end_matches('\n').split('\n').collect();
    let actual: Vec<&str> = actual.trim_end_matches('\n').split('\n').collect();
    expected.len() == actual.len()
        && expected
            .iter()
            .zip(&actual)
            .all(|(e, a)| line_matches(e, a))
}

fn line_matches(expected: &str, actual: &str) -> bool {
    let mut pieces = expected.split("[..]");
    let first = pieces.next().unwrap_or("");
    let Some(mut rest) = actual.strip_prefix(first) else {
        return false;
    };
    let pieces: Vec<&str> = pieces.collect();
    for (i, piece) in pieces.iter().enumerate() {
        if i == pieces.len() - 1 {
            return rest.ends_with(piece);
        }
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

#[test]
fn the_line_matcher_of_these_tests_is_strict() {
    assert!(line_matches("a [..] c", "a bb c"));
    assert!(line_matches("[..]", "anything"));
    assert!(!line_matches("a [..] c", "a bb d"));
    assert!(!line_matches("abc", "abcd"));
    assert!(!matches("a\nb\n", "a\n"));
    assert_eq!(
        mask_ids("Process 12 waits for ShareLock on transaction 7; blocked by process 9.\n"),
        "Process N waits for ShareLock on transaction N; blocked by process N.\n"
    );
}

#[test]
fn read_committed_sees_a_commit_mid_transaction_repeatable_read_does_not() {
    let s = Scenario::run("read-phenomena");
    assert_eq!(s.waits(), vec![]);
    assert_eq!(s.failures(), vec![]);
    assert!(s.step(3).transcript.contains("      50\n"));
    assert!(s
        .step(6)
        .transcript
        .starts_with(" balance \n---------\n      50\n"));
}

#[test]
fn write_skew_passes_repeatable_read_and_fails_serializable() {
    let s = Scenario::run("write-skew");
    let bob_serializable = s.of("bob", 3);
    assert_eq!(s.step(bob_serializable).error_codes(), vec!["40001"]);
    assert_eq!(s.step(s.of("bob", 1)).error_codes(), Vec::<&str>::new());
    assert_eq!(s.waits(), vec![]);
}

#[test]
fn double_booking_waits_on_the_room_lock_and_on_the_exclusion_constraint() {
    let s = Scenario::run("double-booking");
    let (bob_locks, alice_commits) = (s.of("bob", 0), s.of("alice", 1));
    let (bob_inserts, alice_commits_again) = (s.of("bob", 2), s.of("alice", 3));
    assert_eq!(
        s.waits(),
        vec![
            (bob_locks, alice_commits),
            (bob_inserts, alice_commits_again)
        ]
    );
    assert_eq!(s.step(bob_inserts).error_codes(), vec!["23P01"]);
    // The step's statements after the wait ran too, in order.
    assert!(s.step(bob_inserts).transcript.ends_with("ROLLBACK\n"));
    assert_eq!(s.failures(), vec![]);
}

#[test]
fn skip_locked_workers_never_wait_a_plain_for_update_does() {
    let s = Scenario::run("skip-locked");
    let worker3 = s.of("worker3", 0);
    // Released from job 1 by the first worker, it then waits for job 3 of the second.
    assert_eq!(s.waits(), vec![(worker3, s.of("worker2", 1))]);
    assert_eq!(s.failures(), vec![]);
}

#[test]
fn the_step_that_closes_a_deadlock_is_the_victim_every_run() {
    let s = Scenario::run("deadlock");
    let (alice_waits, bob_closes) = (s.of("alice", 1), s.of("bob", 1));
    let (bob_waits, alice_closes) = (s.of("bob", 4), s.of("alice", 4));
    assert_eq!(s.step(bob_closes).error_codes(), vec!["40P01"]);
    assert_eq!(s.step(alice_closes).error_codes(), vec!["40P01"]);
    assert_eq!(s.step(alice_waits).error_codes(), Vec::<&str>::new());
    assert_eq!(
        s.waits(),
        vec![(alice_waits, bob_closes), (bob_waits, alice_closes)]
    );
}

#[test]
fn a_migration_queues_behind_a_read_and_reads_queue_behind_it_unless_lock_timeout() {
    let s = Scenario::run("lock-queue");
    let release = s.of("report", 1);
    assert_eq!(
        s.waits(),
        vec![
            (s.of("migration", 0), release),
            (s.of("web", 0), release),
            (s.of("web2", 0), release),
            (s.of("migration", 1), s.of("report", 3)),
        ]
    );
    let timed_out = s.step(s.of("migration", 1));
    assert_eq!(timed_out.error_codes(), vec!["55P03"]);
    // The lock timeout ends the wait during the step that outlasts it, every run.
    assert_eq!(timed_out.completed_during, Some(s.of("report", 3)));
    assert_eq!(s.failures(), vec![]);
}

#[test]
fn a_wait_never_released_fails_its_step_instead_of_hanging() {
    let s = Scenario::run("never-released");
    let (bob_waits, bob_again) = (s.of("bob", 0), s.of("bob", 1));
    let line = s.chapter.snippets[bob_waits].line;
    assert_eq!(
        s.failures(),
        vec![
            (
                bob_waits,
                "still waiting on a lock when the chapter ended (session bob)".to_string()
            ),
            (
                bob_again,
                format!(
                    "session `bob` was still waiting in its step at line {line} after 1s (this \
                     step's timeout): a session runs one step at a time, so another session \
                     must release it before this step"
                )
            ),
        ]
    );
    assert_eq!(s.step(bob_waits).error_codes(), vec!["57014"]);
    assert_eq!(s.step(bob_again).transcript, "");
    assert_eq!(s.waits(), vec![]);
}

#[test]
fn a_waiting_step_is_cancelled_by_its_statement_timeout_and_goes_on() {
    let s = Scenario::run("timeout-while-waiting");
    let (bob_waits, alice_sleeps) = (s.of("bob", 0), s.of("alice", 1));
    assert_eq!(s.waits(), vec![(bob_waits, alice_sleeps)]);
    assert_eq!(s.step(bob_waits).error_codes(), vec!["57014"]);
    assert_eq!(s.failures(), vec![]);
}

#[test]
fn a_step_on_a_waiting_session_waits_for_its_previous_step_to_finish() {
    let s = Scenario::run("same-session-waits");
    let (bob_waits, bob_next) = (s.of("bob", 0), s.of("bob", 1));
    assert_eq!(s.step(bob_waits).error_codes(), vec!["57014"]);
    // The earlier step ended during the later one, which then ran.
    assert_eq!(s.waits(), vec![(bob_waits, bob_next)]);
    assert_eq!(s.failures(), vec![]);
}

#[test]
fn a_wait_whose_deadlock_check_is_not_logged_soon_still_settles() {
    let s = Scenario::run("own-deadlock-timeout");
    assert_eq!(s.waits(), vec![(s.of("bob", 0), s.of("alice", 1))]);
    assert_eq!(s.failures(), vec![]);
}

#[test]
fn a_one_session_chapter_opens_no_lock_monitor_and_keeps_the_servers_deadlock_timeout() {
    let s = Scenario::run("one-session");
    assert_eq!(s.failures(), vec![]);
    assert_eq!(s.step(0).error_codes(), Vec::<&str>::new());
}

#[test]
fn a_session_whose_backend_is_terminated_loses_its_step_and_reconnects_for_the_next() {
    let s = Scenario::run("reconnect");
    let (lost, again) = (s.of("alice", 1), s.of("alice", 2));
    assert_eq!(
        s.failures(),
        vec![(
            lost,
            "the server closed the connection while this snippet ran; the rest of the snippet \
             was skipped, and later steps of session `alice` run on a new connection"
                .to_string()
        )]
    );
    // The second statement of the lost step was never sent.
    assert_eq!(s.step(lost).statements.len(), 1);
    assert_eq!(s.step(lost).error_codes(), vec!["57P01"]);
    assert_eq!(s.step(again).failure, None);
    assert_eq!(s.waits(), vec![]);
}

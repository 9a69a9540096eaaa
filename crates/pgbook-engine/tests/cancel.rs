//! Cancelling a run: after `pgbook_engine::cancel()` a running `run_chapters` returns
//! promptly with `EngineError::Cancelled` for every chapter it did not finish, and the
//! statements it was running are ended. A test binary of its own, because the cancel flag
//! is process-wide and stays set.

mod common;

use std::time::{Duration, Instant};

use common::{chapter, engine};
use pgbook_engine::EngineError;

#[test]
fn cancel_stops_running_chapters_promptly_with_a_typed_error() {
    let engine = engine();
    let sleepy = chapter(
        "sleepy",
        "```sql\nSELECT pg_sleep(600);\n```\n\n```sql\nSELECT 'not started';\n```\n",
    );
    let later = chapter("later", "```sql\nSELECT 1;\n```\n");
    let canceller = std::thread::spawn(|| {
        // Long enough for the first statement to be running.
        std::thread::sleep(Duration::from_millis(1500));
        pgbook_engine::cancel();
    });
    let began = Instant::now();
    // As many sleepy chapters as workers: `later` waits behind them and must never start.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut chapters = vec![&sleepy; workers];
    chapters.push(&later);
    let results = engine.run_chapters(&chapters);
    canceller.join().unwrap();
    assert!(
        began.elapsed() < Duration::from_secs(60),
        "took {:?}",
        began.elapsed()
    );
    for result in &results {
        assert!(
            matches!(result, Err(EngineError::Cancelled)),
            "{:?}",
            result.as_ref().map(|o| &o.snippets)
        );
    }
    assert!(pgbook_engine::is_cancelled());
    // A chapter asked for after the cancel is not started either.
    assert!(matches!(
        engine.run_chapter(&later),
        Err(EngineError::Cancelled)
    ));
}

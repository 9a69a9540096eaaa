//! What a long `build`, `test` or `serve` start shows while it runs: a progress line on a
//! terminal (chapters done of total, snippets run, the chapter running longest, elapsed
//! time), each chapter's time with `--verbose`, and the slowest chapters at the end.
//!
//! The pipeline only emits [`ProgressEvent`]s; this is where they become text on stderr.
//! Nothing is drawn when stderr is not a terminal, under `CI=true`, or with `--quiet`, so
//! logs and pipes never see control sequences.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::pipeline::{ProgressEvent, ProgressSink};

/// How much the user asked to see.
#[derive(Debug, Clone, Copy, Default)]
pub struct Verbosity {
    pub quiet: bool,
    pub verbose: bool,
}

/// A run taking longer than this ends with its slowest chapters.
const SLOW_RUN: Duration = Duration::from_secs(5);
/// How many of the slowest chapters are listed.
const SLOWEST: usize = 5;

#[derive(Default)]
struct State {
    done: u64,
    snippets: usize,
    snippets_total: usize,
    running: HashMap<PathBuf, Instant>,
    times: Vec<(PathBuf, Duration)>,
}

/// The progress display of one command; [`Progress::finish`] clears it.
pub struct Progress {
    bar: Option<ProgressBar>,
    state: Arc<Mutex<State>>,
    verbosity: Verbosity,
    began: Instant,
    stop: Arc<AtomicBool>,
    ticker: Option<JoinHandle<()>>,
}

impl Progress {
    pub fn new(verbosity: Verbosity) -> Progress {
        let bar = shows_progress(verbosity).then(|| {
            // Hidden until the run knows how many chapters it will execute.
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
            bar.set_style(
                ProgressStyle::with_template(
                    "[{elapsed_precise}] {bar:12.cyan/blue} {pos}/{len} chapters {wide_msg}",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            );
            bar
        });
        let mut progress = Progress {
            bar,
            state: Arc::default(),
            verbosity,
            began: Instant::now(),
            stop: Arc::default(),
            ticker: None,
        };
        progress.ticker = progress.bar.clone().map(|bar| {
            let (state, stop) = (progress.state.clone(), progress.stop.clone());
            // The longest-running chapter changes with time, not only with events.
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    bar.set_message(message(&lock(&state)));
                    std::thread::sleep(Duration::from_millis(200));
                }
            })
        });
        progress
    }

    /// The sink to hand to the pipeline; it ignores whatever comes after [`Progress::finish`].
    pub fn sink(&self) -> ProgressSink {
        let (bar, state, verbose) = (self.bar.clone(), self.state.clone(), self.verbosity.verbose);
        let stop = self.stop.clone();
        ProgressSink::new(move |event| {
            // `serve` keeps the sink for its later rebuilds, which show no progress.
            if stop.load(Ordering::Relaxed) {
                return;
            }
            let mut state = lock(&state);
            match event {
                ProgressEvent::Planned { chapters, snippets } => {
                    state.snippets_total = snippets;
                    if let Some(bar) = &bar {
                        bar.set_length(chapters as u64);
                        bar.set_position(0);
                    }
                }
                ProgressEvent::Started { path } => {
                    state.running.insert(path.to_path_buf(), Instant::now());
                }
                ProgressEvent::Finished { path, snippets } => {
                    let took = state
                        .running
                        .remove(path)
                        .map_or(Duration::ZERO, |t| t.elapsed());
                    state.done += 1;
                    state.snippets += snippets;
                    state.times.push((path.to_path_buf(), took));
                    if verbose {
                        let line = format!("{:>8} {}", seconds(took), path.display());
                        match &bar {
                            Some(bar) => bar.println(line),
                            None => eprintln!("{line}"),
                        }
                    }
                }
            }
            if let Some(bar) = &bar {
                bar.set_position(state.done);
                bar.set_message(message(&state));
                if let ProgressEvent::Planned { .. } = event {
                    bar.set_draw_target(ProgressDrawTarget::stderr());
                }
            }
        })
    }

    /// Clears the progress line and, after a slow run (unless `--quiet`), lists the slowest
    /// chapters on stderr.
    pub fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(ticker) = self.ticker.take() {
            let _ = ticker.join();
        }
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if self.verbosity.quiet || self.began.elapsed() < SLOW_RUN {
            return;
        }
        let mut times = std::mem::take(&mut lock(&self.state).times);
        // With one chapter, "the slowest" is just the run itself.
        if times.len() < 2 {
            return;
        }
        times.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        eprintln!("slowest chapters:");
        for (path, took) in times.iter().take(SLOWEST) {
            eprintln!("{:>8} {}", seconds(*took), path.display());
        }
    }
}

/// Progress is drawn only for a person watching: stderr is a terminal, not `CI=true`, not
/// `--quiet`.
fn shows_progress(verbosity: Verbosity) -> bool {
    !verbosity.quiet
        && std::io::stderr().is_terminal()
        && !std::env::var("CI").is_ok_and(|v| v == "true")
}

fn message(state: &State) -> String {
    let longest = state
        .running
        .iter()
        .min_by_key(|(path, started)| (**started, (*path).clone()));
    let running = match longest {
        Some((path, started)) => format!(
            " · longest {} {}",
            seconds(started.elapsed()),
            path.display()
        ),
        None => String::new(),
    };
    format!(
        "· {}/{} snippets{running}",
        state.snippets, state.snippets_total
    )
}

fn seconds(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

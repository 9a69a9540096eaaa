//! What SIGINT, SIGTERM and SIGHUP do to a `pgbook` process — the one place that decides.
//!
//! `build` and `test` ([`install`]): cancel the engine's run (no further statement starts),
//! run the engine's cleanup (every scratch server stopped, every scratch directory removed,
//! chapter databases on a `--database-url` server dropped), then exit with 128 + the signal.
//! `serve` ([`install_for_serve`]): cancel the running build and ask the watch loop to stop,
//! so serve shuts down in order and exits 0; if it has not within [`SERVE_GRACE`], or a
//! second signal comes, clean up and exit with 128 + the signal from here.
//!
//! Signals are received by `signal-hook`'s iterator on a thread of their own, so all this
//! runs as ordinary code, not inside a signal handler. The libraries never see a signal.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::Duration;

use anyhow::Context;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

const HANDLED: [i32; 3] = [SIGINT, SIGTERM, SIGHUP];

/// How long serve may take to stop in order after a signal before it is stopped from here.
const SERVE_GRACE: Duration = Duration::from_secs(5);

/// How long the main thread waits for the signal thread to end the process before ending it
/// itself (the cleanup gives every server 20 s at most to go).
const CLEANUP_PATIENCE: Duration = Duration::from_secs(60);

/// Keeps the main thread from ending the process while a signal's cleanup runs: returned by
/// [`install`], to be held for as long as the engine runs.
#[must_use = "hold the guard while the engine runs"]
pub struct Guard(());

impl Drop for Guard {
    /// The run returned — cancelled, if a signal came. Then the signal thread is cleaning up
    /// and will end the process with the signal's status; returning from `main` now would end
    /// it first, with ours, and cut the cleanup short.
    fn drop(&mut self) {
        let signal = received().load(Ordering::SeqCst);
        if signal == 0 {
            return;
        }
        thread::sleep(CLEANUP_PATIENCE);
        // The signal path: the signal thread is about to end the process with this status.
        #[allow(clippy::disallowed_methods)]
        std::process::exit(128 + signal as i32);
    }
}

/// The signal received last (0: none). Set inside the signal handler itself, before any
/// interrupted system call returns, so the main thread can never miss that one came.
fn received() -> &'static Arc<AtomicUsize> {
    static RECEIVED: OnceLock<Arc<AtomicUsize>> = OnceLock::new();
    RECEIVED.get_or_init(|| Arc::new(AtomicUsize::new(0)))
}

/// Signal handling for `build` and `test`: cancel, clean up, exit 128 + the signal.
pub fn install() -> anyhow::Result<Guard> {
    start(|signal, _| exit_now(signal))?;
    Ok(Guard(()))
}

/// Signal handling for `serve`: the first signal cancels the engine's run and calls `stop`;
/// the process ends from here only if serve has not stopped within [`SERVE_GRACE`] or a
/// second signal comes.
pub fn install_for_serve(stop: impl FnOnce() + Send + 'static) -> anyhow::Result<()> {
    let mut stop = Some(stop);
    start(move |signal, first| {
        if !first {
            exit_now(signal);
        }
        pgbook_engine::cancel();
        if let Some(stop) = stop.take() {
            stop();
        }
        thread::spawn(move || {
            thread::sleep(SERVE_GRACE);
            eprintln!("pgbook serve: stopping now");
            exit_now(signal);
        });
    })
}

/// Registers the handlers once and spawns the thread that calls `on_signal(signal, first)`.
fn start(mut on_signal: impl FnMut(i32, bool) + Send + 'static) -> anyhow::Result<()> {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return Ok(());
    }
    for signal in HANDLED {
        signal_hook::flag::register_usize(signal, received().clone(), signal as usize)
            .context("installing signal handlers")?;
    }
    let mut signals = Signals::new(HANDLED).context("installing signal handlers")?;
    thread::Builder::new()
        .name("pgbook-signals".into())
        .spawn(move || {
            let mut first = true;
            for signal in signals.forever() {
                on_signal(signal, first);
                first = false;
            }
        })
        .context("starting the signal thread")?;
    Ok(())
}

/// Cancels and cleans up through the engine, then ends the process with the signal's status.
fn exit_now(signal: i32) -> ! {
    pgbook_engine::cleanup();
    // The signal path: everything this process started has just been cleaned up.
    #[allow(clippy::disallowed_methods)]
    std::process::exit(128 + signal)
}

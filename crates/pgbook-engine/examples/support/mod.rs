//! What the examples share: ending the process on a signal the way the `pgbook` binary does
//! (the engine itself never ends the process).

/// On SIGINT/SIGTERM/SIGHUP: clean up through the engine (which stops every server of this
/// process and drops the chapter databases on a database URL's server), then exit
/// 128 + the signal.
pub fn exit_on_signals() -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            pgbook_engine::cleanup();
            // An example program: ending the process is its job, not the library's.
            #[allow(clippy::disallowed_methods)]
            std::process::exit(128 + signal);
        }
    });
    Ok(())
}

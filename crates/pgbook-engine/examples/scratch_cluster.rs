//! Starts a scratch cluster and ends in the way named by the first argument, so that the
//! lifecycle tests (and the benchmark) can watch what is left behind.
//!
//! `ok` stops normally; `wait` waits for a signal (on SIGINT/SIGTERM/SIGHUP it runs the
//! engine's cleanup and exits 128 + the signal, as the `pgbook` binary does), or for ever
//! when killed with -9; `error` returns an error from main; `panic` panics; `exit` runs the
//! engine's cleanup and calls `std::process::exit`, as any caller that ends the process
//! itself must; `time` prints milliseconds from the start call to
//! the answer of a first query (`SELECT 1` over a new connection), and to the stop, and
//! on stderr when each phase of the start ended.
//! Once ready it prints `ready SOCKET_DIR POSTMASTER_PID INITDB` on one line. Further
//! arguments `NAME=VALUE` are server settings, as a book's `[database.settings]`.

// A command-line aid: printing and ending the process its own way are what it is for.
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::disallowed_methods)]

mod support;

use std::io::Write;
use std::time::Instant;

use pgbook_engine::{ClusterOptions, ScratchCluster};

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // Display, not Debug: the message is what a user of pgbook would see.
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mode = std::env::args().nth(1).unwrap_or_else(|| "ok".into());
    support::exit_on_signals()?;
    let began = Instant::now();
    let settings = std::env::args()
        .skip(2)
        .filter_map(|arg| {
            arg.split_once('=')
                .map(|(n, v)| (n.to_string(), v.to_string()))
        })
        .collect();
    let cluster = ScratchCluster::start(&ClusterOptions {
        settings,
        // Standing in for the binary, which resolves the cache directory for the engine.
        cache_dir: std::env::var_os("PGBOOK_CACHE_DIR").map(Into::into),
        ..ClusterOptions::default()
    })?;
    let ready_after = began.elapsed();
    println!(
        "ready {} {} {}",
        cluster.socket_dir().display(),
        cluster.postmaster_pid().unwrap_or(0),
        cluster.ran_initdb()
    );
    std::io::stdout().flush()?;
    match mode.as_str() {
        "time" => {
            let mut connection =
                pgbook_psql::Connection::connect(&cluster.connect_options("postgres"))?;
            connection.execute("SELECT 1")?;
            let first_query = began.elapsed();
            connection.close();
            let stopping = Instant::now();
            for (phase, after) in cluster.startup_phases() {
                eprintln!(
                    "pgbook startup: {phase} after {:.1} ms",
                    after.as_secs_f64() * 1000.0
                );
            }
            cluster.stop()?;
            println!(
                "ready-ms {:.1} first-query-ms {:.1} stop-ms {:.1}",
                ready_after.as_secs_f64() * 1000.0,
                first_query.as_secs_f64() * 1000.0,
                stopping.elapsed().as_secs_f64() * 1000.0
            );
            return Ok(());
        }
        "wait" => loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        },
        "error" => return Err("failing on purpose".into()),
        "panic" => panic!("panicking on purpose"),
        "exit" => {
            pgbook_engine::cleanup();
            std::process::exit(3)
        }
        _ => {}
    }
    cluster.stop()?;
    Ok(())
}

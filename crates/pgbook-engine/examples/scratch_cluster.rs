//! Starts a scratch cluster and ends in the way named by the first argument, so that the
//! lifecycle tests (and the benchmark) can watch what is left behind.
//!
//! `ok` stops normally; `wait` waits for a signal (SIGINT/SIGTERM cleanup installed), or
//! for ever when killed with -9; `error` returns an error from main; `panic` panics;
//! `exit` calls `std::process::exit`; `time` prints milliseconds from the start call to
//! the answer of a first query (`SELECT 1` over a new connection), and to the stop.
//! Once ready it prints `ready SOCKET_DIR POSTMASTER_PID INITDB` on one line. Further
//! arguments `NAME=VALUE` are server settings, as a book's `[database.settings]`.

// A command-line aid: printing is what it is for.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;
use std::time::Instant;

use pgbook_engine::{ClusterOptions, ScratchCluster};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mode = std::env::args().nth(1).unwrap_or_else(|| "ok".into());
    pgbook_engine::install_signal_cleanup()?;
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
        // Exiting this way is the case under test.
        #[allow(clippy::disallowed_methods)]
        "exit" => std::process::exit(3),
        _ => {}
    }
    cluster.stop()?;
    Ok(())
}

//! Prints what pgbook would show for a SQL file, like `psql -X -d DB < FILE 2>&1` does:
//! `cargo run -p pgbook-psql --example transcript -- postgres://user@%2Ftmp%2Fsock:5432/db FILE`.
//! Used by the benchmark in `bench/psql.sh` and handy to compare with psql by hand.

// A command-line aid: printing is what it is for.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use pgbook_book::StatementOutcome;
use pgbook_psql::{split_statements, transcript, ConnectOptions, Connection};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, file] = args.as_slice() else {
        eprintln!("usage: transcript DATABASE_URL FILE.sql");
        return ExitCode::from(2);
    };
    match run(url, file) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("transcript: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(url: &str, file: &str) -> Result<String, String> {
    let sql = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
    let statements = split_statements(&sql).map_err(|e| format!("{file}: {e}"))?;
    let options = ConnectOptions::from_url(url).map_err(|e| e.to_string())?;
    let mut connection = Connection::connect(&options).map_err(|e| e.to_string())?;
    let mut outcomes = Vec::new();
    for statement in statements {
        let events = connection
            .execute(&statement.text)
            .map_err(|e| e.to_string())?;
        outcomes.push(StatementOutcome {
            sql: statement.text,
            offset: statement.offset,
            events,
            printed: None,
            interpolations: Vec::new(),
            expanded: false,
            rows_consumed: false,
        });
        if connection.is_closed() {
            break;
        }
    }
    if !connection.is_closed() {
        connection.close();
    }
    Ok(transcript(&outcomes))
}

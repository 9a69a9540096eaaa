//! Times the first highlight with the PostgreSQL grammar (loading the grammar and compiling
//! the regexes it needs) and a few more lines: a profiling aid.
//! `cargo run --release -p pgbook-render --example grammar_time`

// A command-line aid: printing is what it is for.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::Instant;

fn main() {
    let start = Instant::now();
    for code in [
        "select 1;\n",
        "SELECT count(*) FROM t WHERE x = 'a' AND y::int > 3;\n",
        "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql;\n",
    ] {
        let html = pgbook_render::highlight::highlight_sql(code);
        eprintln!(
            "{:>8.1} ms  {} bytes",
            start.elapsed().as_secs_f64() * 1000.0,
            html.len()
        );
    }
}

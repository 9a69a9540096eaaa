//! Measures what nodes and per-chapter clusters cost: starting a cluster from the
//! template, making a streaming standby of it, and discarding a cluster (immediate
//! shutdown, files removed). Prints one `name ms` line per measurement and run, for
//! `bench/engine.sh`.
//!
//! `node_times [RUNS]` (default 5).

// A command-line aid: printing is what it is for.
#![allow(clippy::print_stdout, clippy::disallowed_methods)]

use std::time::Instant;

use pgbook_engine::{ClusterOptions, ClusterTemplate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::args().nth(1).map_or(Ok(5), |n| n.parse())?;
    let template = ClusterTemplate::prepare(&ClusterOptions::default())?;
    let ms = |since: Instant| since.elapsed().as_secs_f64() * 1000.0;
    for _ in 0..runs {
        let began = Instant::now();
        let primary = template.start_with(&[("full_page_writes".into(), "on".into())])?;
        println!("cluster-start {:.1}", ms(began));
        let began = Instant::now();
        let (standby, _) = template.start_standby(&primary, "replica")?;
        println!("standby-start {:.1}", ms(began));
        let began = Instant::now();
        standby.discard();
        println!("discard {:.1}", ms(began));
        primary.discard();
    }
    pgbook_engine::cleanup();
    Ok(())
}

//! Measures what nodes and per-chapter clusters cost: starting a cluster from the
//! template, making a streaming standby of it, taking a base backup, restoring it (the
//! source's WAL archived, recovery to the archive's end, promotion), and discarding a
//! cluster (immediate shutdown, files removed). Prints one `name ms` line per measurement and run, for
//! `bench/engine.sh`.
//!
//! `node_times [RUNS]` (default 5).

// A command-line aid: printing is what it is for.
#![allow(clippy::print_stdout, clippy::disallowed_methods)]

use std::time::Instant;

use pgbook_engine::{ClusterOptions, ClusterTemplate, RestoreTarget};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::args().nth(1).map_or(Ok(5), |n| n.parse())?;
    let template = ClusterTemplate::prepare(&ClusterOptions::default())?;
    let ms = |since: Instant| since.elapsed().as_secs_f64() * 1000.0;
    for _ in 0..runs {
        let archive = template.new_archive()?;
        let began = Instant::now();
        let primary = template.start_with(&archive.settings())?;
        println!("cluster-start {:.1}", ms(began));
        let began = Instant::now();
        let backup = template.take_backup(&primary, "base")?;
        println!("backup {:.1}", ms(began));
        let began = Instant::now();
        primary.archive_now()?;
        let (restored, _) = template.start_restored(&backup, &archive, &RestoreTarget::End)?;
        println!("restore-start {:.1}", ms(began));
        restored.discard();
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

//! How long verification takes on large transcripts, against GNU `diff -u` on the same texts
//! as the reference (run in the same go). `cargo run --release -p pgbook-verify --example
//! matcher_bench`. Not a test: it only prints timings.

// A command-line aid: printing is what it is for.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::Command;
use std::time::{Duration, Instant};

use pgbook_verify::mask::Masks;
use pgbook_verify::matcher::compare;

/// A psql-like result set of `rows` rows.
fn table(rows: usize, changed_every: Option<usize>) -> String {
    let mut s = String::from("  id   |        name        \n-------+--------------------\n");
    for i in 0..rows {
        let name = match changed_every {
            Some(n) if i % n == n - 1 => format!("changed {i}"),
            _ => format!("name {i}"),
        };
        s.push_str(&format!(" {i:>5} | {name}\n"));
    }
    s.push_str(&format!("({rows} rows)\n\n"));
    s
}

/// An EXPLAIN ANALYZE plan of `nodes` nodes with volatile figures.
fn plan(nodes: usize, seed: usize) -> String {
    let mut s = String::from("   QUERY PLAN\n-------------\n");
    for i in 0..nodes {
        s.push_str(&format!(
            " {:indent$}->  Seq Scan on t{i}  (cost=0.00..{}.50 rows={} width=4) (actual time=0.0{seed}..1.{seed} rows=10 loops=1)\n   Buffers: shared hit={}\n",
            "",
            i + seed,
            i * seed + 1,
            seed + i,
            indent = i % 8
        ));
    }
    s.push_str(" Planning Time: 0.1 ms\n Execution Time: 2.3 ms\n");
    s
}

/// The fastest of 15 runs: the machine is shared, and the minimum is the least disturbed.
fn time<F: FnMut()>(mut f: F) -> Duration {
    (0..15)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap()
}

fn gnu_diff(expected: &str, actual: &str) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::write(&a, expected).unwrap();
    std::fs::write(&b, actual).unwrap();
    time(|| {
        Command::new("diff")
            .arg("-u")
            .arg(&a)
            .arg(&b)
            .output()
            .unwrap();
    })
}

fn main() {
    let masks = Masks::new(&[]).unwrap();
    let cases = [
        (
            "10k-row result, equal",
            table(10_000, None),
            table(10_000, None),
        ),
        (
            "1k-row result, every 10th row differs",
            table(1_000, None),
            table(1_000, Some(10)),
        ),
        (
            "20k-row result, every 100th row differs",
            table(20_000, None),
            table(20_000, Some(100)),
        ),
        (
            "2k-node plan, figures differ (masked)",
            plan(2_000, 1),
            plan(2_000, 7),
        ),
    ];
    println!("| case | pgbook compare | diff -u | ratio |");
    println!("|---|---|---|---|");
    for (name, expected, actual) in &cases {
        let ours = time(|| {
            std::hint::black_box(compare(expected, actual, &masks));
        });
        let reference = gnu_diff(expected, actual);
        println!(
            "| {name} | {:.1} ms | {:.1} ms | {:.2} |",
            ours.as_secs_f64() * 1e3,
            reference.as_secs_f64() * 1e3,
            ours.as_secs_f64() / reference.as_secs_f64()
        );
    }
}

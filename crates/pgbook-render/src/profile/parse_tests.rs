//! Table tests of the text-plan parser on lines the way PostgreSQL 15 prints them (the live
//! capture of every node kind is `tests/profile_pg15.rs`).

use super::*;

fn node_line(line: &str) -> PlanNode {
    parse([line]).expect("a node").nodes.remove(0)
}

/// (line, kind, target, estimated rows, actual rows, loops, never executed)
type NodeCase<'a> = (
    &'a str,
    &'a str,
    &'a str,
    Option<f64>,
    Option<f64>,
    Option<u64>,
    bool,
);

#[test]
fn node_lines() {
    let table: &[NodeCase] = &[
        (
            "Seq Scan on a  (cost=0.00..1.05 rows=5 width=4) (actual time=0.010..0.020 rows=7 loops=3)",
            "Seq Scan", " on a", Some(5.0), Some(7.0), Some(3), false,
        ),
        (
            "Index Only Scan Backward using b_pkey on b b_1  (cost=0.1..1 rows=1 width=4) (never executed)",
            "Index Only Scan Backward", " using b_pkey on b b_1", Some(1.0), None, None, true,
        ),
        (
            "Nested Loop Left Join  (cost=0.15..9.60 rows=10 width=12) (actual rows=10 loops=1)",
            "Nested Loop Left Join", "", Some(10.0), Some(10.0), Some(1), false,
        ),
        ("Result  (cost=0.00..0.01 rows=1 width=4)", "Result", "", Some(1.0), None, None, false),
        ("Sort (actual rows=50000 loops=1)", "Sort", "", None, Some(50000.0), Some(1), false),
        ("Seq Scan on events e (never executed)", "Seq Scan", " on events e", None, None, None, true),
        ("Memoize  (actual time=0.001..0.002 rows=1 loops=10)", "Memoize", "", None, Some(1.0), Some(10), false),
    ];
    for &(line, kind, target, est, act, loops, never) in table {
        let n = node_line(line);
        assert_eq!(n.kind, kind, "{line}");
        assert_eq!(n.target, target, "{line}");
        assert_eq!(n.estimate.map(|e| e.rows), est, "{line}");
        assert_eq!(n.actual.map(|a| a.rows), act, "{line}");
        assert_eq!(n.actual.map(|a| a.loops), loops, "{line}");
        assert_eq!(n.never_executed, never, "{line}");
    }
    let timed =
        node_line("Sort  (cost=1..2 rows=2 width=8) (actual time=0.414..0.416 rows=2 loops=2)");
    assert_eq!(timed.actual.unwrap().last_ms, Some(0.416));
    assert_eq!(timed.estimate.unwrap().total_cost, 2.0);
    let untimed = node_line("Sort  (actual rows=2 loops=2)");
    assert_eq!(untimed.actual.unwrap().last_ms, None);
}

#[test]
fn odd_lines_are_properties_or_summary() {
    let plan = parse([
        "Gather Merge  (cost=1..2 rows=2 width=8) (actual time=1.0..2.0 rows=4 loops=1)",
        "  Workers Planned: 1",
        "  InitPlan 1 (returns $1)",
        "    ->  Result  (cost=0.00..0.01 rows=1 width=4) (actual time=0.001..0.001 rows=1 loops=1)",
        "  ->  Sort  (cost=1..2 rows=2 width=8) (actual time=0.4..0.5 rows=2 loops=2)",
        "        Sort Key: b.id",
        "        Sort Method: quicksort  Memory: 25kB",
        "        Worker 0:  Sort Method: quicksort  Memory: 25kB",
        "        Buffers: shared hit=818 read=18, temp read=5 written=6",
        "        ->  Hash  (cost=1..2 rows=2 width=4) (actual time=0.3..0.3 rows=2 loops=2)",
        "              Buckets: 1024  Batches: 1  Memory Usage: 40kB",
        "              Rows Removed by Index Recheck: 12",
        "              ->  Seq Scan on a  (cost=0..1 rows=2 width=4) (actual time=0.0..0.6 rows=4 loops=1)",
        "                    Filter: (id < 5)",
        "                    Rows Removed by Filter: 19996",
        "  SubPlan 2",
        "    ->  Seq Scan on c  (cost=0..1 rows=2 width=4) (never executed)",
        "Planning:",
        "  Buffers: shared hit=54 read=2",
        "Planning Time: 0.173 ms",
        "JIT:",
        "  Functions: 3",
        "Execution Time: 19.387 ms",
    ])
    .unwrap();
    let kinds: Vec<(&str, usize)> = plan
        .nodes
        .iter()
        .map(|n| (n.kind.as_str(), n.depth))
        .collect();
    assert_eq!(
        kinds,
        [
            ("Gather Merge", 0),
            ("Result", 1),
            ("Sort", 1),
            ("Hash", 2),
            ("Seq Scan", 3),
            ("Seq Scan", 1)
        ]
    );
    assert_eq!(plan.nodes[0].children, [1, 2, 5]);
    assert_eq!(
        plan.nodes[1].subplan.as_deref(),
        Some("InitPlan 1 (returns $1)")
    );
    assert_eq!(plan.nodes[2].subplan, None);
    assert_eq!(plan.nodes[5].subplan.as_deref(), Some("SubPlan 2"));
    assert_eq!(plan.nodes[0].properties, ["Workers Planned: 1"]);
    assert_eq!(plan.nodes[2].properties.len(), 4);
    let b = plan.nodes[2].buffers.unwrap();
    assert_eq!(
        (b.shared_hit, b.shared_read, b.temp_read, b.temp_written),
        (818, 18, 5, 6)
    );
    assert_eq!(plan.nodes[3].rows_removed_by_recheck, Some(12));
    assert_eq!(plan.nodes[4].rows_removed_by_filter, Some(19996));
    assert!(plan.nodes[5].never_executed);
    assert_eq!(plan.planning_ms, Some(0.173));
    assert_eq!(plan.execution_ms, Some(19.387));
    assert_eq!(plan.planning_buffers.unwrap().shared_read, 2);
    assert_eq!(plan.summary, ["JIT:", "Functions: 3"]);
    assert!(plan.analyzed());
}

#[test]
fn plain_explain_is_not_analysed_and_non_plans_are_refused() {
    let plan = parse(["Seq Scan on t  (cost=0.00..35.50 rows=2550 width=4)"]).unwrap();
    assert!(!plan.analyzed());
    assert!(parse(["[{\"Plan\": 1}]"]).is_none());
    assert!(parse(["  ->  Seq Scan on t"]).is_none());
}

//! Golden tests of the profile arithmetic on a plan PostgreSQL 15 printed (a nested loop whose
//! inner side ran 29 times), and of the misestimate flags.

use super::*;

/// `EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM b JOIN a ON a.k = b.id WHERE a.id < 30` with hash
/// and merge joins off, as the server printed it.
const NESTED_LOOP: &[&str] = &[
    "Nested Loop  (cost=0.00..344.47 rows=29 width=12) (actual time=0.046..0.679 rows=27 loops=1)",
    "  Join Filter: (b.id = a.k)",
    "  Rows Removed by Join Filter: 263",
    "  Buffers: shared hit=90",
    "  ->  Seq Scan on a  (cost=0.00..339.00 rows=29 width=8) (actual time=0.004..0.612 rows=29 loops=1)",
    "        Filter: (id < 30)",
    "        Rows Removed by Filter: 19971",
    "        Buffers: shared hit=89",
    "  ->  Materialize  (cost=0.00..1.15 rows=10 width=4) (actual time=0.001..0.002 rows=10 loops=29)",
    "        Buffers: shared hit=1",
    "        ->  Seq Scan on b  (cost=0.00..1.10 rows=10 width=4) (actual time=0.037..0.038 rows=10 loops=1)",
    "              Buffers: shared hit=1",
    "Planning:",
    "  Buffers: shared hit=138",
    "Planning Time: 0.437 ms",
    "Execution Time: 0.712 ms",
];

#[test]
fn exclusive_time_is_inclusive_times_loops_minus_children() {
    let plan = parse(NESTED_LOOP.iter().copied()).unwrap();
    let view = profile(&plan).unwrap();
    let rows: Vec<(&str, Option<&str>, f64)> = view
        .nodes
        .iter()
        .map(|n| (n.kind.as_str(), n.self_ms.as_deref(), n.share))
        .collect();
    // Nested Loop: 0.679 - (0.612 + 0.002 × 29); Materialize: 0.002 × 29 - 0.038.
    assert_eq!(
        rows,
        [
            ("Nested Loop", Some("0.009 ms"), 1.3),
            ("Seq Scan", Some("0.612 ms"), 90.1),
            ("Materialize", Some("0.020 ms"), 2.9),
            ("Seq Scan", Some("0.038 ms"), 5.6),
        ]
    );
    assert_eq!(view.total_ms, "0.679 ms");
    assert!(view.timed);
    assert_eq!(view.execution_ms.as_deref(), Some("0.712 ms"));
    assert_eq!(view.planning_buffers.as_deref(), Some("138 hit, 0 read"));
    let seq = &view.nodes[1];
    assert_eq!(seq.removed, ["Rows Removed by Filter: 19971"]);
    assert_eq!(seq.details, ["Filter: (id < 30)"]);
    assert_eq!((seq.buffers_hit, seq.buffers_read), (Some(89), Some(0)));
    assert_eq!(view.nodes[2].loops, Some(29));
    assert_eq!(view.nodes[0].removed, ["Rows Removed by Join Filter: 263"]);
}

#[test]
fn misestimates_are_flagged_by_order_of_magnitude_and_direction() {
    // (estimated, actual, factor, direction)
    let table = [
        (10.0, 10.0, 1.0, "under"),
        (1.0, 0.0, 1.0, "under"),
        (5.0, 50.0, 10.0, "under"),
        (2000.0, 2.0, 1000.0, "over"),
        (100.0, 0.0, 100.0, "over"),
    ];
    for (e, a, factor, direction) in table {
        assert_eq!(misestimate(e, a), (factor, direction), "{e} vs {a}");
    }
    let line = |est: u32, act: u32| {
        let text = format!(
            "Seq Scan on t  (cost=0.00..1.00 rows={est} width=4) (actual time=0.001..0.002 rows={act} loops=1)"
        );
        let plan = parse([text.as_str()]).unwrap();
        let node = profile(&plan).unwrap().nodes.remove(0);
        (
            node.misestimate_level,
            node.misestimate,
            node.misestimate_factor,
        )
    };
    assert_eq!(line(10, 99), (0, None, None));
    assert_eq!(line(10, 100), (1, Some("under"), Some("10×".into())));
    assert_eq!(line(100, 1), (2, Some("over"), Some("100×".into())));
    assert_eq!(line(1, 5000), (3, Some("under"), Some("5000×".into())));
}

#[test]
fn never_executed_nodes_take_no_time_and_plain_plans_get_no_profile() {
    let plan = parse([
        "Append  (cost=0.01..126.06 rows=2259 width=8) (actual time=0.009..0.010 rows=0 loops=1)",
        "  ->  Seq Scan on p1 p_1  (cost=0.00..38.25 rows=753 width=8) (never executed)",
        "        Filter: (d > $0)",
    ])
    .unwrap();
    let view = profile(&plan).unwrap();
    assert!(view.nodes[1].never_executed);
    assert_eq!(view.nodes[1].self_ms, None);
    assert_eq!(view.nodes[1].misestimate_level, 0);
    assert_eq!(view.nodes[0].self_ms.as_deref(), Some("0.010 ms"));
    let untimed = parse(["Sort (actual rows=50000 loops=1)", "  Sort Key: payload"]).unwrap();
    let view = profile(&untimed).unwrap();
    assert!(!view.timed);
    assert_eq!(view.nodes[0].actual_rows.as_deref(), Some("50000"));
    assert_eq!(view.nodes[0].details, ["Sort Key: payload"]);
    let plain = parse(["Seq Scan on t  (cost=0.00..35.50 rows=2550 width=4)"]).unwrap();
    assert!(profile(&plain).is_none());
}

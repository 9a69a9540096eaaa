//! Property tests (proptest, bounded) of the EXPLAIN text-plan parser and the profile built
//! on it. Plan trees are generated and printed the way PostgreSQL 15 prints them (a child's
//! `->` two columns in from its parent's details, details six columns in from a node's `->`,
//! costs to two places, times to three), then parsed: the tree, the figures and the property
//! lines come back as generated, and the profile's shares stay within 0–100 and add up to
//! the whole. Arbitrary plan-like lines never make either panic. The real server's output is
//! `profile_pg15.rs`'s business; this is about shapes the server may print that no test wrote.

use pgbook_render::profile::parse::{parse, Plan};
use pgbook_render::profile::profile;
use proptest::prelude::*;

/// One generated plan node and its subtree.
#[derive(Debug, Clone)]
struct Node {
    kind: &'static str,
    target: &'static str,
    cost: (f64, f64),
    rows: u64,
    width: u64,
    /// `None`: `(never executed)`.
    actual: Option<(f64, f64, u64, u64)>,
    properties: Vec<String>,
    children: Vec<Node>,
}

const KINDS: [(&str, &str); 8] = [
    ("Seq Scan", " on orders"),
    ("Index Scan", " using orders_pkey on orders o"),
    ("Hash Join", ""),
    ("Hash", ""),
    ("Nested Loop", ""),
    ("Sort", ""),
    ("Aggregate", ""),
    ("Bitmap Heap Scan", " on items"),
];

fn property() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Filter: (x > 1)".to_string()),
        Just("Hash Cond: (a.id = b.id)".to_string()),
        Just("Sort Key: x DESC".to_string()),
        Just("Sort Method: quicksort  Memory: 25kB".to_string()),
        (0u64..100_000).prop_map(|n| format!("Rows Removed by Filter: {n}")),
        (0u64..1000, 0u64..1000).prop_map(|(h, r)| format!("Buffers: shared hit={h} read={r}")),
        Just("Worker 0:  actual time=0.010..0.020 rows=5 loops=1".to_string()),
    ]
}

fn leaf() -> impl Strategy<Value = Node> {
    (
        0..KINDS.len(),
        (0u32..10_000, 0u32..100_000),
        0u64..1_000_000,
        1u64..200,
        prop::option::weighted(
            0.85,
            (0u32..50_000, 0u32..50_000, 0u64..1_000_000, 1u64..1000),
        ),
        prop::collection::vec(property(), 0..3),
    )
        .prop_map(|(kind, (a, b), rows, width, actual, properties)| Node {
            kind: KINDS[kind].0,
            target: KINDS[kind].1,
            cost: (f64::from(a.min(b)) / 100.0, f64::from(a.max(b)) / 100.0),
            rows,
            width,
            actual: actual.map(|(x, y, rows, loops)| {
                (
                    f64::from(x.min(y)) / 1000.0,
                    f64::from(x.max(y)) / 1000.0,
                    rows,
                    loops,
                )
            }),
            properties,
            children: Vec::new(),
        })
}

fn tree() -> impl Strategy<Value = Node> {
    leaf().prop_recursive(4, 24, 3, |inner| {
        (leaf(), prop::collection::vec(inner, 1..4)).prop_map(|(mut node, children)| {
            node.children = children;
            node
        })
    })
}

/// The node's own line, without indentation or `->`.
fn node_line(node: &Node) -> String {
    let actual = match node.actual {
        Some((first, last, rows, loops)) => {
            format!(" (actual time={first:.3}..{last:.3} rows={rows} loops={loops})")
        }
        None => " (never executed)".to_string(),
    };
    format!(
        "{}{}  (cost={:.2}..{:.2} rows={} width={}){actual}",
        node.kind, node.target, node.cost.0, node.cost.1, node.rows, node.width
    )
}

/// Prints `node` as PostgreSQL does: `details` is the column of its details and children.
fn print(node: &Node, details: usize, lines: &mut Vec<String>) {
    for property in &node.properties {
        lines.push(format!("{}{property}", " ".repeat(details)));
    }
    for child in &node.children {
        lines.push(format!("{}->  {}", " ".repeat(details), node_line(child)));
        print(child, details + 6, lines);
    }
}

fn printed(root: &Node, planning: f64, execution: f64) -> Vec<String> {
    let mut lines = vec![node_line(root)];
    print(root, 2, &mut lines);
    lines.push("Planning:".to_string());
    lines.push("  Buffers: shared hit=12".to_string());
    lines.push(format!("Planning Time: {planning:.3} ms"));
    lines.push(format!("Execution Time: {execution:.3} ms"));
    lines
}

/// The generated nodes in pre-order, with their depths.
fn preorder(node: &Node, depth: usize, out: &mut Vec<(usize, Node)>) {
    out.push((depth, node.clone()));
    for child in &node.children {
        preorder(child, depth + 1, out);
    }
}

fn assert_profile_is_sane(plan: &Plan) {
    let Some(view) = profile(plan) else {
        return;
    };
    assert_eq!(view.nodes.len(), plan.nodes.len());
    for node in &view.nodes {
        assert!(
            (0.0..=100.0).contains(&node.share),
            "share {} of {node:?}",
            node.share
        );
    }
    let total: f64 = view.nodes.iter().map(|n| n.share).sum();
    if view.nodes.iter().any(|n| n.share > 0.0) {
        // Each share is rounded to a tenth.
        let slack = 0.05 * view.nodes.len() as f64 + 1e-9;
        assert!((total - 100.0).abs() <= slack, "shares add up to {total}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn printed_plans_parse_back_to_the_same_tree(
        root in tree(),
        planning in 0u32..100_000,
        execution in 0u32..1_000_000,
    ) {
        let (planning, execution) = (f64::from(planning) / 1000.0, f64::from(execution) / 1000.0);
        let lines = printed(&root, planning, execution);
        let plan = parse(lines.iter().map(String::as_str)).expect("a plan");
        let mut expected = Vec::new();
        preorder(&root, 0, &mut expected);
        prop_assert_eq!(plan.nodes.len(), expected.len(), "{:#?}", lines);
        for (index, (parsed, (depth, node))) in plan.nodes.iter().zip(&expected).enumerate() {
            prop_assert_eq!(parsed.depth, *depth, "node {}", index);
            prop_assert_eq!(&parsed.kind, node.kind);
            prop_assert_eq!(&parsed.target, node.target);
            let estimate = parsed.estimate.expect("an estimate");
            prop_assert_eq!(estimate.total_cost, node.cost.1);
            prop_assert_eq!(estimate.rows, node.rows as f64);
            prop_assert_eq!(estimate.width, node.width);
            match node.actual {
                Some((_, last, rows, loops)) => {
                    let actual = parsed.actual.expect("actual figures");
                    prop_assert_eq!(actual.last_ms, Some(last));
                    prop_assert_eq!(actual.rows, rows as f64);
                    prop_assert_eq!(actual.loops, loops);
                    prop_assert!(!parsed.never_executed);
                }
                None => prop_assert!(parsed.never_executed),
            }
            prop_assert_eq!(&parsed.properties, &node.properties);
            // Children are listed in order and point forward (pre-order).
            prop_assert_eq!(parsed.children.len(), node.children.len());
            prop_assert!(parsed.children.iter().all(|&c| c > index));
        }
        prop_assert_eq!(plan.planning_ms, Some(planning));
        prop_assert_eq!(plan.execution_ms, Some(execution));
        assert_profile_is_sane(&plan);
    }

    #[test]
    fn any_plan_like_text_parses_or_not_without_panicking(
        lines in prop::collection::vec(
            prop_oneof![
                Just("Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)".to_string()),
                Just("  ->  Hash  (cost=1.00..1.00 rows=0 width=0) (actual time=0.001..0.001 rows=0 loops=0)".to_string()),
                Just("        ->  Seq Scan on b  (never executed)".to_string()),
                Just("  SubPlan 1".to_string()),
                Just("  InitPlan 1 (returns $0)".to_string()),
                Just("  CTE c".to_string()),
                Just("  Buffers: shared hit=x read=".to_string()),
                Just("  Rows Removed by Filter: -1".to_string()),
                Just("Planning Time: nan ms".to_string()),
                Just("Execution Time: -1.0 ms".to_string()),
                Just("->".to_string()),
                Just("  ->  (cost=..)".to_string()),
                Just("".to_string()),
                "[ ->a-zA-Z0-9=.:()$,]{0,40}",
            ],
            0..20,
        )
    ) {
        if let Some(plan) = parse(lines.iter().map(String::as_str)) {
            assert_profile_is_sane(&plan);
        }
    }
}

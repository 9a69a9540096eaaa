//! The plan parser and the profile on real EXPLAIN ANALYZE output: a scratch PostgreSQL runs
//! a query of each node kind the profile must read (nested loop with loops > 1, CTE, SubPlan,
//! InitPlan, parallel workers, Memoize, partition pruning, never-executed nodes, BUFFERS and
//! its `Planning:` section), and each plan is parsed as the server printed it.

use pgbook_book::Event;
use pgbook_engine::{ClusterOptions, ScratchCluster};
use pgbook_psql::Connection;
use pgbook_render::profile::{exclusive_ms, inclusive_ms, parse, profile, Plan};

const SETUP: &str = "
CREATE TABLE a AS SELECT g AS id, g % 10 AS k FROM generate_series(1, 20000) g;
CREATE INDEX a_k ON a (k);
CREATE TABLE b AS SELECT g AS id FROM generate_series(1, 10) g;
CREATE INDEX b_id ON b (id);
CREATE TABLE p (id int, d date) PARTITION BY RANGE (d);
CREATE TABLE p1 PARTITION OF p FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
CREATE TABLE p2 PARTITION OF p FOR VALUES FROM ('2021-01-01') TO ('2022-01-01');
CREATE TABLE p3 PARTITION OF p FOR VALUES FROM ('2022-01-01') TO ('2023-01-01');
ANALYZE a; ANALYZE b; ANALYZE p;
PREPARE after(date) AS SELECT * FROM p WHERE d > $1;
";

/// Runs `sql` and returns the QUERY PLAN lines of its last result set.
fn explain(conn: &mut Connection, sql: &str) -> Vec<String> {
    let events = conn.execute(sql).expect("execute");
    events
        .into_iter()
        .filter_map(|e| match e {
            Event::Complete {
                rows: Some(rows), ..
            } => Some(rows),
            Event::Error(m) => panic!("{sql}: {}", m.message),
            _ => None,
        })
        .next_back()
        .expect("a result set")
        .rows
        .into_iter()
        .map(|r| r[0].clone().unwrap_or_default())
        .collect()
}

fn kinds(plan: &Plan) -> Vec<&str> {
    plan.nodes.iter().map(|n| n.kind.as_str()).collect()
}

fn has_property(plan: &Plan, prefix: &str) -> bool {
    plan.nodes
        .iter()
        .any(|n| n.properties.iter().any(|p| p.starts_with(prefix)))
}

#[test]
fn every_node_kind_of_postgresql_15_parses() {
    std::env::set_var(
        "PGBOOK_CACHE_DIR",
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("render-template-cache"),
    );
    let cluster = ScratchCluster::start(&ClusterOptions::default()).expect("scratch cluster");
    let mut conn = Connection::connect(&cluster.connect_options("postgres")).expect("connect");
    for statement in SETUP.split(";\n").filter(|s| !s.trim().is_empty()) {
        conn.execute(statement).expect("setup");
    }
    // (settings, query, node kinds that must appear, property or sub-plan heading that must)
    let cases: &[(&str, &str, &[&str], &str)] = &[
        ("SET enable_hashjoin = off; SET enable_mergejoin = off; SET enable_indexscan = off; SET enable_bitmapscan = off; SET enable_indexonlyscan = off",
         "SELECT * FROM b JOIN a ON a.k = b.id WHERE a.id < 30", &["Nested Loop", "Materialize"], "Rows Removed by Join Filter:"),
        ("RESET ALL", "WITH c AS MATERIALIZED (SELECT * FROM b) SELECT * FROM c, LATERAL (SELECT count(*) FROM a WHERE a.k = c.id) s",
         &["CTE Scan", "Aggregate"], "CTE c"),
        ("RESET ALL", "SELECT (SELECT max(id) FROM a WHERE a.k = b.id) FROM b", &["Seq Scan", "Aggregate"], "SubPlan 1"),
        ("RESET ALL", "SELECT * FROM b WHERE id = (SELECT max(k) FROM a)", &["Seq Scan"], "InitPlan 1 (returns $"),
        ("SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0",
         "SELECT * FROM a WHERE id < 500 ORDER BY k", &["Gather Merge", "Sort", "Parallel Seq Scan"], "Workers Launched:"),
        ("RESET ALL; SET enable_hashjoin = off; SET enable_mergejoin = off; SET enable_seqscan = off",
         "SELECT * FROM a JOIN b ON b.id = a.k WHERE a.id < 50", &["Nested Loop", "Memoize"], "Hits:"),
        ("RESET ALL; SET plan_cache_mode = force_generic_plan", "EXECUTE after('2022-06-01')", &["Append"], "Subplans Removed:"),
        ("RESET ALL", "SELECT * FROM p WHERE d > (SELECT '2022-06-01'::date)", &["Append", "Seq Scan"], "InitPlan 1"),
        ("RESET ALL", "SELECT * FROM a JOIN b ON a.k = b.id ORDER BY a.id", &["Sort", "Hash Join", "Hash"], "Buckets:"),
    ];
    for &(settings, query, expected_kinds, marker) in cases {
        for s in settings.split("; ") {
            conn.execute(s).expect("settings");
        }
        for options in ["ANALYZE", "ANALYZE, BUFFERS"] {
            let lines = explain(&mut conn, &format!("EXPLAIN ({options}) {query}"));
            let text = lines.join("\n");
            let plan = parse(lines.iter().map(String::as_str)).unwrap_or_else(|| panic!("{text}"));
            assert!(plan.analyzed(), "{text}");
            for kind in expected_kinds {
                assert!(
                    kinds(&plan).contains(kind),
                    "{kind} missing from {:?}\n{text}",
                    kinds(&plan)
                );
            }
            let found = has_property(&plan, marker)
                || plan
                    .nodes
                    .iter()
                    .any(|n| n.subplan.as_deref().is_some_and(|s| s.starts_with(marker)));
            assert!(found, "{marker} not read from\n{text}");
            // Every node line became a node, every other line of the tree a property or a
            // heading, and the summary was read.
            let arrows = lines
                .iter()
                .filter(|l| l.trim_start().starts_with("->"))
                .count();
            assert_eq!(plan.nodes.len(), arrows + 1, "{text}");
            assert!(
                plan.execution_ms.is_some() && plan.planning_ms.is_some(),
                "{text}"
            );
            // A `Buffers:` line (printed only when some block was touched) is read.
            for node in &plan.nodes {
                let printed = node.properties.iter().any(|p| p.starts_with("Buffers:"));
                assert_eq!(node.buffers.is_some(), printed, "{text}");
            }
            // A sub-plan's heading belongs to the node right below it, not to a sibling.
            let headed = plan.nodes.iter().filter(|n| n.subplan.is_some()).count();
            let headings = lines
                .iter()
                .map(|l| l.trim_start())
                .filter(|l| {
                    l.starts_with("InitPlan ")
                        || l.starts_with("SubPlan ")
                        || (l.starts_with("CTE ") && !l.contains(':'))
                })
                .count();
            assert_eq!(headed, headings, "{text}");
            // The profile's shares add up to the whole, and no node takes less than nothing.
            let view = profile(&plan).expect("a profile");
            let shares: f64 = view.nodes.iter().map(|n| n.share).sum();
            assert!(
                (shares - 100.0).abs() < 1.0 || shares == 0.0,
                "{shares}\n{text}"
            );
            let exclusive = exclusive_ms(&plan);
            for (node, own) in plan.nodes.iter().zip(&exclusive) {
                let own = own.expect("timed");
                assert!(
                    own >= 0.0 && own <= inclusive_ms(node).unwrap() + 1e-9,
                    "{text}"
                );
            }
        }
    }
}

#[test]
fn the_nested_loop_inner_side_counts_every_loop() {
    std::env::set_var(
        "PGBOOK_CACHE_DIR",
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("render-template-cache"),
    );
    let cluster = ScratchCluster::start(&ClusterOptions::default()).expect("scratch cluster");
    let mut conn = Connection::connect(&cluster.connect_options("postgres")).expect("connect");
    for statement in SETUP.split(";\n").filter(|s| !s.trim().is_empty()) {
        conn.execute(statement).expect("setup");
    }
    for s in [
        "SET enable_hashjoin = off",
        "SET enable_mergejoin = off",
        "SET enable_seqscan = off",
    ] {
        conn.execute(s).unwrap();
    }
    let lines = explain(
        &mut conn,
        "EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM a JOIN b ON b.id = a.k WHERE a.id < 50",
    );
    let plan = parse(lines.iter().map(String::as_str)).unwrap();
    let text = lines.join("\n");
    assert!(
        plan.nodes[0].buffers.is_some_and(|b| b.shared_hit > 0),
        "{text}"
    );
    // The loop's inner side ran once per outer row.
    let inner = plan.nodes[0].children[1];
    let actual = plan.nodes[inner].actual.unwrap();
    assert_eq!(actual.loops, 49, "{text}");
    // Its inclusive time is its per-loop time times its loops, and the join's own time is
    // what is left of the join's after both sides.
    let per_loop = actual.last_ms.unwrap();
    assert!((inclusive_ms(&plan.nodes[inner]).unwrap() - per_loop * 49.0).abs() < 1e-9);
    let root = inclusive_ms(&plan.nodes[0]).unwrap();
    let sides: f64 = plan.nodes[0]
        .children
        .iter()
        .map(|&c| inclusive_ms(&plan.nodes[c]).unwrap())
        .sum();
    assert!(
        (exclusive_ms(&plan)[0].unwrap() - (root - sides).max(0.0)).abs() < 1e-9,
        "{text}"
    );
}

/// A connection to a fresh scratch server with the tables of [`SETUP`].
fn server_with_tables() -> (ScratchCluster, Connection) {
    std::env::set_var(
        "PGBOOK_CACHE_DIR",
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("render-template-cache"),
    );
    let cluster = ScratchCluster::start(&ClusterOptions::default()).expect("scratch cluster");
    let mut conn = Connection::connect(&cluster.connect_options("postgres")).expect("connect");
    for statement in SETUP.split(";\n").filter(|s| !s.trim().is_empty()) {
        conn.execute(statement).expect("setup");
    }
    (cluster, conn)
}

/// The index of the first node of `kind` (and, when given, whose sub-plan heading is `heading`).
fn node_of(plan: &Plan, kind: &str, heading: Option<&str>) -> usize {
    plan.nodes
        .iter()
        .position(|n| n.kind == kind && (heading.is_none() || n.subplan.as_deref() == heading))
        .unwrap_or_else(|| panic!("no {kind} under {heading:?}"))
}

/// A materialized CTE's time is inside the `CTE Scan`s that pulled its rows: counted there,
/// not also subtracted from the node its heading hangs under, so the shares sum to 100% and
/// the CTE's own work (a sleep) is where the time went.
#[test]
fn cte_time_is_counted_once() {
    let (_cluster, mut conn) = server_with_tables();
    let queries = [
        // One scan; the heading hangs under the Aggregate, not under the scan.
        "WITH c AS MATERIALIZED (SELECT g, pg_sleep(0.02) FROM generate_series(1, 3) g) \
         SELECT count(*) FROM c",
        // Two scans of one CTE: the second reads the rows the first one stored.
        "WITH c AS MATERIALIZED (SELECT g, pg_sleep(0.02) FROM generate_series(1, 3) g) \
         SELECT g FROM c UNION ALL SELECT g FROM c",
    ];
    for query in queries {
        let lines = explain(&mut conn, &format!("EXPLAIN (ANALYZE, BUFFERS) {query}"));
        let text = lines.join("\n");
        let plan = parse(lines.iter().map(String::as_str)).unwrap();
        let cte = node_of(&plan, "Function Scan", Some("CTE c"));
        let cte_time = inclusive_ms(&plan.nodes[cte]).unwrap();
        let scans: Vec<usize> = (0..plan.nodes.len())
            .filter(|&i| plan.nodes[i].kind == "CTE Scan")
            .collect();
        let scans_time: f64 = scans
            .iter()
            .map(|&s| inclusive_ms(&plan.nodes[s]).unwrap())
            .sum();
        let exclusive = exclusive_ms(&plan);
        // Each scan keeps what it did beyond its part of the CTE's time.
        for &scan in &scans {
            let own = inclusive_ms(&plan.nodes[scan]).unwrap();
            let expected = (own - cte_time * own / scans_time).max(0.0);
            assert!((exclusive[scan].unwrap() - expected).abs() < 1e-9, "{text}");
        }
        // The root only loses its plan children, not the CTE a second time.
        let root = inclusive_ms(&plan.nodes[0]).unwrap();
        let plan_children: f64 = plan.nodes[0]
            .children
            .iter()
            .filter(|&&c| c != cte)
            .map(|&c| inclusive_ms(&plan.nodes[c]).unwrap())
            .sum();
        assert!(
            (exclusive[0].unwrap() - (root - plan_children).max(0.0)).abs() < 1e-9,
            "{text}"
        );
        // The whole is the statement's time, and the sleeping CTE has almost all of it.
        let total: f64 = exclusive.iter().flatten().sum();
        assert!(
            (total - root).abs() < 0.01 + root * 0.01,
            "{total} vs {root}\n{text}"
        );
        let view = profile(&plan).unwrap();
        let shares: f64 = view.nodes.iter().map(|n| n.share).sum();
        assert!(shares <= 100.5, "{shares}\n{text}");
        assert!(
            view.nodes[cte].share >= 90.0,
            "{:?}\n{text}",
            view.nodes[cte]
        );
        for &scan in &scans {
            assert!(
                view.nodes[scan].share <= 5.0,
                "{:?}\n{text}",
                view.nodes[scan]
            );
        }
    }
}

/// Under a `Gather`, a node's printed time is the average over the workers and the leader and
/// its loops count them: its wall time is time × loops ÷ (workers launched + 1).
#[test]
fn parallel_nodes_count_wall_time_once() {
    let (_cluster, mut conn) = server_with_tables();
    for s in [
        "SET max_parallel_workers_per_gather = 2",
        "SET parallel_setup_cost = 0",
        "SET parallel_tuple_cost = 0",
        "SET min_parallel_table_scan_size = 0",
    ] {
        conn.execute(s).unwrap();
    }
    let lines = explain(
        &mut conn,
        "EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM a WHERE id % 2000 = 0 AND pg_sleep(0.005) IS NOT NULL",
    );
    let text = lines.join("\n");
    let plan = parse(lines.iter().map(String::as_str)).unwrap();
    assert_eq!(plan.nodes[0].kind, "Gather", "{text}");
    let launched: f64 = plan.nodes[0]
        .properties
        .iter()
        .find_map(|p| p.strip_prefix("Workers Launched: "))
        .expect("Workers Launched")
        .parse()
        .unwrap();
    assert!(launched >= 1.0, "no worker started\n{text}");
    let scan = node_of(&plan, "Parallel Seq Scan", None);
    let actual = plan.nodes[scan].actual.unwrap();
    assert_eq!(actual.loops as f64, launched + 1.0, "{text}");
    let wall = actual.last_ms.unwrap() * actual.loops as f64 / (launched + 1.0);
    let exclusive = exclusive_ms(&plan);
    assert!((exclusive[scan].unwrap() - wall).abs() < 1e-9, "{text}");
    let gather = inclusive_ms(&plan.nodes[0]).unwrap();
    assert!(
        (exclusive[0].unwrap() - (gather - wall).max(0.0)).abs() < 1e-9,
        "{text}"
    );
    // The shares are of the Gather's time, not of the processes' times added up.
    let view = profile(&plan).unwrap();
    let expected_share = |ms: f64| (ms / gather.max(wall) * 1000.0).round() / 10.0;
    assert_eq!(view.nodes[scan].share, expected_share(wall), "{text}");
    let total: f64 = exclusive.iter().flatten().sum();
    assert!(total <= gather.max(wall) + 1e-9, "{total}\n{text}");
    assert!(total <= plan.execution_ms.unwrap(), "{total}\n{text}");
}

//! A parser for PostgreSQL's text-format EXPLAIN output (one row per line, as the server sends
//! it): the plan tree with each node's estimated and actual figures, its property lines
//! (`Filter:`, `Rows Removed by Filter:`, `Buffers:`, `Worker 0:  ...`), the sub-plan headings
//! that attach a subtree to its parent (`InitPlan 1 (returns $1)`, `SubPlan 2`, `CTE name`),
//! and the summary after the tree (`Planning:` with its `Buffers:`, `Planning Time:`,
//! `Execution Time:`, triggers, JIT).
//!
//! Pure string processing: it knows nothing of HTML and does no arithmetic on times beyond
//! reading them; a line it does not recognise is kept as a property, never an error.

/// `(cost=STARTUP..TOTAL rows=ROWS width=WIDTH)`: the planner's estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub startup_cost: f64,
    pub total_cost: f64,
    /// Estimated rows per loop.
    pub rows: f64,
    pub width: u64,
}

/// `(actual time=FIRST..LAST rows=ROWS loops=LOOPS)`; times are per loop, in milliseconds,
/// and absent under `TIMING OFF`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Actual {
    pub first_ms: Option<f64>,
    pub last_ms: Option<f64>,
    /// Rows per loop, rounded by the server.
    pub rows: f64,
    pub loops: u64,
}

/// Buffer counts of one `Buffers:` line (shared and temp blocks; local ones are rare enough
/// to stay in the property text).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Buffers {
    pub shared_hit: u64,
    pub shared_read: u64,
    pub shared_dirtied: u64,
    pub shared_written: u64,
    pub temp_read: u64,
    pub temp_written: u64,
}

/// One plan node, with its children's indices in [`Plan::nodes`].
#[derive(Debug, Clone, PartialEq)]
pub struct PlanNode {
    /// Depth in the tree (the root is 0).
    pub depth: usize,
    /// `Hash Join`, `Index Only Scan Backward`, `Parallel Seq Scan`, ...
    pub kind: String,
    /// What follows the node type: ` on a`, ` using a_pkey on a a_1`, ...
    pub target: String,
    pub estimate: Option<Estimate>,
    pub actual: Option<Actual>,
    /// `(never executed)`.
    pub never_executed: bool,
    /// The sub-plan heading above this node: `InitPlan 1 (returns $1)`, `SubPlan 2`, `CTE c`.
    pub subplan: Option<String>,
    /// Property lines in order, as printed (without indentation).
    pub properties: Vec<String>,
    pub rows_removed_by_filter: Option<u64>,
    pub rows_removed_by_join_filter: Option<u64>,
    pub rows_removed_by_recheck: Option<u64>,
    pub buffers: Option<Buffers>,
    pub children: Vec<usize>,
}

/// A parsed plan: nodes in the order printed (a pre-order walk; index 0 is the root).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub nodes: Vec<PlanNode>,
    pub planning_ms: Option<f64>,
    pub execution_ms: Option<f64>,
    /// `Buffers:` of the `Planning:` section.
    pub planning_buffers: Option<Buffers>,
    /// Summary lines other than the two times (`Trigger ...`, `JIT:` and its lines).
    pub summary: Vec<String>,
}

impl Plan {
    /// Whether the plan was run (`EXPLAIN ANALYZE`): some node has actual figures.
    pub fn analyzed(&self) -> bool {
        self.nodes
            .iter()
            .any(|n| n.actual.is_some() || n.never_executed)
    }
}

/// Parses a text plan, one line per item. Returns `None` when the first line is not a node.
pub fn parse<'a>(lines: impl IntoIterator<Item = &'a str>) -> Option<Plan> {
    let mut plan = Plan::default();
    // Open nodes: (column of the node's `->`, or -1 for the root; node index).
    let mut stack: Vec<(isize, usize)> = Vec::new();
    let mut pending_subplan: Option<String> = None;
    let mut in_summary = false;
    let mut section = String::new();
    for (i, line) in lines.into_iter().enumerate() {
        let body = line.trim_start();
        let indent = (line.len() - body.len()) as isize;
        if body.is_empty() {
            continue;
        }
        if i == 0 {
            plan.nodes.push(parse_node(body, 0)?);
            stack.push((-1, 0));
            continue;
        }
        if indent == 0 {
            // The tree ends at the first unindented line after the root.
            in_summary = true;
            section = body.to_string();
        }
        if in_summary {
            summary_line(&mut plan, &section, body);
            continue;
        }
        while stack.len() > 1 && stack.last().is_some_and(|&(col, _)| col >= indent) {
            stack.pop();
        }
        let &(_, parent) = stack.last()?;
        if let Some(rest) = body.strip_prefix("->") {
            let depth = plan.nodes[parent].depth + 1;
            let mut node = parse_node(rest.trim_start(), depth)?;
            node.subplan = pending_subplan.take();
            let index = plan.nodes.len();
            plan.nodes.push(node);
            plan.nodes[parent].children.push(index);
            stack.push((indent, index));
        } else if is_subplan_heading(body) {
            pending_subplan = Some(body.to_string());
        } else {
            property(&mut plan.nodes[parent], body);
        }
    }
    Some(plan)
}

fn is_subplan_heading(body: &str) -> bool {
    body.starts_with("InitPlan ")
        || body.starts_with("SubPlan ")
        || (body.starts_with("CTE ") && !body.contains(':'))
}

fn summary_line(plan: &mut Plan, section: &str, body: &str) {
    if let Some(v) = body.strip_prefix("Planning Time:") {
        plan.planning_ms = ms(v);
    } else if let Some(v) = body.strip_prefix("Execution Time:") {
        plan.execution_ms = ms(v);
    } else if section == "Planning:" && body.starts_with("Buffers:") {
        plan.planning_buffers = parse_buffers(body);
    } else if body != "Planning:" {
        plan.summary.push(body.to_string());
    }
}

fn ms(text: &str) -> Option<f64> {
    text.trim().strip_suffix("ms")?.trim().parse().ok()
}

fn property(node: &mut PlanNode, body: &str) {
    let count = |prefix: &str| {
        body.strip_prefix(prefix)
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    if let Some(n) = count("Rows Removed by Filter:") {
        node.rows_removed_by_filter = Some(n);
    } else if let Some(n) = count("Rows Removed by Join Filter:") {
        node.rows_removed_by_join_filter = Some(n);
    } else if let Some(n) = count("Rows Removed by Index Recheck:") {
        node.rows_removed_by_recheck = Some(n);
    } else if body.starts_with("Buffers:") {
        node.buffers = parse_buffers(body);
    }
    node.properties.push(body.to_string());
}

/// `Buffers: shared hit=818 read=18, temp read=5 written=5`.
pub fn parse_buffers(body: &str) -> Option<Buffers> {
    let mut b = Buffers::default();
    for group in body.strip_prefix("Buffers:")?.split(',') {
        let mut words = group.split_whitespace();
        let kind = words.next()?;
        for pair in words {
            let (key, value) = pair.split_once('=')?;
            let value: u64 = value.parse().ok()?;
            match (kind, key) {
                ("shared", "hit") => b.shared_hit = value,
                ("shared", "read") => b.shared_read = value,
                ("shared", "dirtied") => b.shared_dirtied = value,
                ("shared", "written") => b.shared_written = value,
                ("temp", "read") => b.temp_read = value,
                ("temp", "written") => b.temp_written = value,
                _ => {}
            }
        }
    }
    Some(b)
}

/// A node line after its `->`: `Seq Scan on a  (cost=...) (actual ...)`.
fn parse_node(body: &str, depth: usize) -> Option<PlanNode> {
    if !body.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    // Figures follow two spaces, or one under COSTS OFF: `Sort (actual rows=5 loops=1)`.
    let figures_at = [" (cost=", " (actual ", " (never executed)"]
        .iter()
        .filter_map(|m| body.find(m))
        .min()
        .unwrap_or(body.len());
    let (head, figures) = body.split_at(figures_at);
    let head = head.trim_end();
    let kind_len = kind_len(head);
    let mut node = PlanNode {
        depth,
        kind: head[..kind_len].to_string(),
        target: head[kind_len..].to_string(),
        estimate: None,
        actual: None,
        never_executed: false,
        subplan: None,
        properties: Vec::new(),
        rows_removed_by_filter: None,
        rows_removed_by_join_filter: None,
        rows_removed_by_recheck: None,
        buffers: None,
        children: Vec::new(),
    };
    for group in figures.split('(').map(|g| g.trim().trim_end_matches(')')) {
        if let Some(rest) = group.strip_prefix("cost=") {
            node.estimate = parse_estimate(rest);
        } else if let Some(rest) = group.strip_prefix("actual ") {
            node.actual = parse_actual(rest);
        } else if group == "never executed" {
            node.never_executed = true;
        }
    }
    Some(node)
}

/// The node type: the leading capitalised words (`Nested Loop Left Join`), up to `on`,
/// `using` or anything else in lower case.
fn kind_len(head: &str) -> usize {
    let mut end = 0;
    let mut at = 0;
    for word in head.split(' ') {
        if !word.is_empty() {
            if !word.starts_with(|c: char| c.is_ascii_uppercase()) {
                break;
            }
            end = at + word.len();
        }
        at += word.len() + 1;
    }
    if end == 0 {
        head.len()
    } else {
        end
    }
}

fn key_values(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.split_whitespace().filter_map(|kv| kv.split_once('='))
}

/// `1.13..194.70 rows=41 width=12`.
fn parse_estimate(rest: &str) -> Option<Estimate> {
    let (costs, tail) = rest.split_once(' ')?;
    let (startup, total) = costs.split_once("..")?;
    let mut e = Estimate {
        startup_cost: startup.parse().ok()?,
        total_cost: total.parse().ok()?,
        rows: 0.0,
        width: 0,
    };
    for (key, value) in key_values(tail) {
        match key {
            "rows" => e.rows = value.parse().ok()?,
            "width" => e.width = value.parse().ok()?,
            _ => {}
        }
    }
    Some(e)
}

/// `time=0.176..0.504 rows=30 loops=3` or, under `TIMING OFF`, `rows=30 loops=3`.
fn parse_actual(rest: &str) -> Option<Actual> {
    let mut a = Actual {
        first_ms: None,
        last_ms: None,
        rows: 0.0,
        loops: 1,
    };
    for (key, value) in key_values(rest) {
        match key {
            "time" => {
                let (first, last) = value.split_once("..")?;
                a.first_ms = first.parse().ok();
                a.last_ms = last.parse().ok();
            }
            "rows" => a.rows = value.parse().ok()?,
            "loops" => a.loops = value.parse().ok()?,
            _ => {}
        }
    }
    Some(a)
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;

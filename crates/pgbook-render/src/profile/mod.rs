//! EXPLAIN ANALYZE as a profile: from a parsed text plan, each node's own (exclusive) time and
//! its share of the whole, the misestimate factor of its row estimate, and the figures a
//! reader looks for (loops, rows removed, buffers), ready for `partials/profile.html`.
//!
//! The arithmetic is depesz's: a node's inclusive time is its last-row time times its loops
//! (divided among the processes under a `Gather`); its exclusive time is that minus its
//! children's inclusive times (sub-plans included), never below zero, with a CTE's time
//! taken from the `CTE Scan`s that read it. It works on the text the snippet printed, so nothing runs twice, and it
//! knows nothing of HTML: every string it hands the template is plain text.

pub mod parse;

use serde::Serialize;

pub use parse::{parse, Plan, PlanNode};

/// Misestimates at or above these factors are flagged, one level each.
const MISESTIMATE_LEVELS: [f64; 3] = [10.0, 100.0, 1000.0];

/// Everything `partials/profile.html` receives for one plan.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileView {
    pub nodes: Vec<ProfileNode>,
    /// Whether the plan has times (not `TIMING OFF`): without them there are no bars.
    pub timed: bool,
    /// Sum of the nodes' exclusive times, in ms (the 100% of the shares).
    pub total_ms: String,
    pub planning_ms: Option<String>,
    pub execution_ms: Option<String>,
    pub planning_buffers: Option<String>,
}

/// One row of the profile.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileNode {
    pub depth: usize,
    pub kind: String,
    pub target: String,
    /// `InitPlan 1 (returns $1)`, `SubPlan 2`, `CTE c`.
    pub subplan: Option<String>,
    pub never_executed: bool,
    /// Exclusive time, formatted (`1.234 ms`); `None` without timing.
    pub self_ms: Option<String>,
    /// Share of the total, 0–100, rounded to a tenth (the bar's width).
    pub share: f64,
    pub estimated_rows: Option<String>,
    pub actual_rows: Option<String>,
    pub loops: Option<u64>,
    /// `under` (more rows than estimated) or `over`.
    pub misestimate: Option<&'static str>,
    /// `12×`, rounded.
    pub misestimate_factor: Option<String>,
    /// 0 below 10×, 1 at ≥10×, 2 at ≥100×, 3 at ≥1000×.
    pub misestimate_level: usize,
    /// `Rows Removed by Filter: 19901` and friends, as printed.
    pub removed: Vec<String>,
    pub buffers_hit: Option<u64>,
    pub buffers_read: Option<u64>,
    /// The other property lines (`Hash Cond: ...`, `Sort Method: ...`), as printed.
    pub details: Vec<String>,
}

/// Inclusive time of a node in ms over all its loops, as printed (per-loop time × loops),
/// when timed. Under a `Gather` this adds up the processes' times; see [`inclusive_times`].
pub fn inclusive_ms(node: &PlanNode) -> Option<f64> {
    if node.never_executed {
        return Some(0.0);
    }
    let actual = node.actual?;
    Some(actual.last_ms? * actual.loops as f64)
}

/// Inclusive wall-clock time of every node, in ms, in [`Plan::nodes`] order. Below a
/// `Gather` or `Gather Merge`, the workers and the leader run the same node side by side:
/// its per-loop time is their average and its loops count every process, so the printed
/// figure times loops is divided by the number of processes (workers launched + the
/// leader), as explain.depesz.com does.
pub fn inclusive_times(plan: &Plan) -> Vec<Option<f64>> {
    let mut processes = vec![1u64; plan.nodes.len()];
    // Nodes are in pre-order: a parent's count is known before its children's.
    for (index, node) in plan.nodes.iter().enumerate() {
        let below = if matches!(node.kind.as_str(), "Gather" | "Gather Merge") {
            workers_launched(node) + 1
        } else {
            processes[index]
        };
        for &child in &node.children {
            processes[child] = below;
        }
    }
    plan.nodes
        .iter()
        .zip(processes)
        .map(|(node, processes)| Some(inclusive_ms(node)? / processes as f64))
        .collect()
}

/// `Workers Launched: N` of a gather node (0 when it did not say).
fn workers_launched(node: &PlanNode) -> u64 {
    node.properties
        .iter()
        .find_map(|p| p.strip_prefix("Workers Launched:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// Exclusive time of every node, in ms, in [`Plan::nodes`] order: its inclusive time minus
/// its children's, never below zero.
///
/// A CTE is the exception, as explain.depesz.com treats it: its subtree (under its
/// `CTE name` heading) runs when a `CTE Scan` pulls rows from it, so its time is already
/// inside the scans' times. The CTE's time is taken from the scans that read it (shared in
/// proportion to their times when several do) instead of from the node the heading hangs
/// under; otherwise it would be counted twice and the shares would exceed 100%.
pub fn exclusive_ms(plan: &Plan) -> Vec<Option<f64>> {
    let inclusive = inclusive_times(plan);
    let mut deducted = vec![0.0; plan.nodes.len()];
    let mut read_by_scans = vec![false; plan.nodes.len()];
    for (cte, node) in plan.nodes.iter().enumerate() {
        let Some(name) = node.subplan.as_deref().and_then(|s| s.strip_prefix("CTE ")) else {
            continue;
        };
        let scans: Vec<usize> = plan
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.kind == "CTE Scan" && cte_scanned(n) == Some(name))
            .map(|(i, _)| i)
            .collect();
        if scans.is_empty() {
            continue;
        }
        read_by_scans[cte] = true;
        let cte_time = inclusive[cte].unwrap_or(0.0);
        let scans_time: f64 = scans.iter().filter_map(|&s| inclusive[s]).sum();
        for &scan in &scans {
            let part = if scans_time > 0.0 {
                inclusive[scan].unwrap_or(0.0) / scans_time
            } else {
                1.0 / scans.len() as f64
            };
            deducted[scan] += cte_time * part;
        }
    }
    plan.nodes
        .iter()
        .enumerate()
        .map(|(index, node)| {
            let own = inclusive[index]?;
            let children: f64 = node
                .children
                .iter()
                .filter(|&&c| !read_by_scans[c])
                .filter_map(|&c| inclusive[c])
                .sum();
            Some((own - children - deducted[index]).max(0.0))
        })
        .collect()
}

/// The CTE a `CTE Scan on name [alias]` reads, written as its `CTE name` heading writes it
/// (a quoted name keeps its quotes and may hold spaces).
fn cte_scanned(node: &PlanNode) -> Option<&str> {
    let rest = node.target.strip_prefix(" on ")?;
    let end = if rest.starts_with('"') {
        // The closing quote is the first one not doubled.
        let bytes = rest.as_bytes();
        let mut at = 1;
        while at < bytes.len() {
            if bytes[at] == b'"' {
                if bytes.get(at + 1) == Some(&b'"') {
                    at += 2;
                    continue;
                }
                break;
            }
            at += 1;
        }
        (at + 1).min(rest.len())
    } else {
        rest.find(' ').unwrap_or(rest.len())
    };
    Some(&rest[..end])
}

/// The factor between estimated and actual rows per loop, and its direction. Zero counts as
/// one row, so an estimate of 1 against 0 rows is no misestimate (the planner never
/// estimates fewer than one row).
pub fn misestimate(estimated: f64, actual: f64) -> (f64, &'static str) {
    let (e, a) = (estimated.max(1.0), actual.max(1.0));
    if a >= e {
        (a / e, "under")
    } else {
        (e / a, "over")
    }
}

/// The profile of an analysed plan; `None` for a plan that was not run.
pub fn profile(plan: &Plan) -> Option<ProfileView> {
    if !plan.analyzed() {
        return None;
    }
    let exclusive = exclusive_ms(plan);
    let total: f64 = exclusive.iter().flatten().sum();
    let nodes = plan
        .nodes
        .iter()
        .zip(&exclusive)
        .map(|(node, &own)| profile_node(node, own, total))
        .collect();
    let timed = plan
        .nodes
        .iter()
        .any(|n| n.actual.is_some_and(|a| a.last_ms.is_some()));
    Some(ProfileView {
        nodes,
        timed,
        total_ms: format_ms(total),
        planning_ms: plan.planning_ms.map(format_ms),
        execution_ms: plan.execution_ms.map(format_ms),
        planning_buffers: plan
            .planning_buffers
            .map(|b| format!("{} hit, {} read", b.shared_hit, b.shared_read)),
    })
}

fn profile_node(node: &PlanNode, own: Option<f64>, total: f64) -> ProfileNode {
    let share = match own {
        Some(ms) if total > 0.0 => (ms / total * 1000.0).round() / 10.0,
        _ => 0.0,
    };
    let executed = node.actual.filter(|_| !node.never_executed);
    let (mut level, mut direction, mut factor) = (0, None, None);
    if let (Some(estimate), Some(actual)) = (node.estimate, executed) {
        let (f, dir) = misestimate(estimate.rows, actual.rows);
        level = MISESTIMATE_LEVELS.iter().filter(|&&l| f >= l).count();
        if level > 0 {
            direction = Some(dir);
            factor = Some(format!("{}×", f.round()));
        }
    }
    let is_removed = |p: &str| p.starts_with("Rows Removed by ");
    ProfileNode {
        depth: node.depth,
        kind: node.kind.clone(),
        target: node.target.clone(),
        subplan: node.subplan.clone(),
        never_executed: node.never_executed,
        self_ms: own
            .filter(|_| executed.is_some_and(|a| a.last_ms.is_some()))
            .map(format_ms),
        share,
        estimated_rows: node.estimate.map(|e| format_count(e.rows)),
        actual_rows: executed.map(|a| format_count(a.rows)),
        loops: executed.map(|a| a.loops),
        misestimate: direction,
        misestimate_factor: factor,
        misestimate_level: level,
        removed: node
            .properties
            .iter()
            .filter(|p| is_removed(p))
            .cloned()
            .collect(),
        buffers_hit: node.buffers.map(|b| b.shared_hit),
        buffers_read: node.buffers.map(|b| b.shared_read),
        details: node
            .properties
            .iter()
            .filter(|p| !is_removed(p) && !p.starts_with("Buffers:"))
            .cloned()
            .collect(),
    }
}

fn format_ms(ms: f64) -> String {
    format!("{ms:.3} ms")
}

fn format_count(n: f64) -> String {
    if n.fract() == 0.0 {
        format!("{n:.0}")
    } else {
        format!("{n}")
    }
}

#[cfg(test)]
mod tests;

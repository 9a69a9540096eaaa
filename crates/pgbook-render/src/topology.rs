//! Nodes as a topology (DESIGN.md §8, §10): for a chapter with several nodes, a small SVG
//! drawn at build time — a box per node, an arrow from each node to the nodes that receive
//! from it: a standby streams from its upstream, a restored node was made from a backup of
//! its source, a subscriber applies what its publisher sends. Nodes are laid out in rows by
//! how far they are from a node that receives from none, in the order they were created.
//!
//! Colours are classes styled by the theme's CSS variables (both themes, print); every name
//! goes through `escape`. Works on the chapter outcome's node records only: it knows nothing
//! of how nodes were made, and nothing of templates.

use std::fmt::Write;

use pgbook_book::{NodeOrigin, NodeRecord};
use serde::Serialize;

use crate::escape::escape;

const BOX_WIDTH: f64 = 132.0;
const BOX_HEIGHT: f64 = 44.0;
const COLUMN: f64 = BOX_WIDTH + 44.0;
const ROW: f64 = BOX_HEIGHT + 58.0;
const MARGIN: f64 = 8.0;
/// Longest name drawn in full; longer ones are cut (the full text is in `<title>`).
const NAME_CHARS: usize = 16;

/// What `partials/topology.html` receives.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopologyView {
    /// The SVG, built and escaped here.
    pub svg: String,
    /// Its natural width in CSS pixels (the picture is not scaled below legible text).
    pub width: f64,
}

/// One arrow: data flows from node `from` to node `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Edge {
    from: usize,
    to: usize,
    label: String,
    /// The sentence a screen reader hears.
    sentence: String,
    kind: &'static str,
}

/// The topology of a chapter's nodes, or `None` when it has fewer than two.
pub fn topology(nodes: &[NodeRecord], id: &str) -> Option<TopologyView> {
    if nodes.len() < 2 {
        return None;
    }
    let edges = edges(nodes);
    let rows = rows(nodes.len(), &edges);
    let per_row = count_per_row(&rows);
    let widest = per_row.iter().copied().max().unwrap_or(1);
    let width = MARGIN * 2.0 + COLUMN * widest as f64 - (COLUMN - BOX_WIDTH);
    let height = MARGIN * 2.0 + ROW * per_row.len() as f64 - (ROW - BOX_HEIGHT);
    // Top-left corner of each node's box: a row's nodes centred, in creation order.
    let mut placed = vec![0usize; per_row.len()];
    let corners: Vec<(f64, f64)> = rows
        .iter()
        .map(|&row| {
            let row_width = COLUMN * per_row[row] as f64 - (COLUMN - BOX_WIDTH);
            let x = (width - row_width) / 2.0 + COLUMN * placed[row] as f64;
            placed[row] += 1;
            (x, MARGIN + ROW * row as f64)
        })
        .collect();

    let mut out = String::with_capacity(2048);
    let description = description(nodes, &edges);
    let _ = write!(
        out,
        r#"<svg class="topology-svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" role="img" aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">The nodes of this chapter</title><desc id="{id}-desc">{}</desc>"#,
        escape(&description)
    );
    let _ = write!(
        out,
        r#"<defs><marker id="{id}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path class="topology-arrowhead" d="M0,0 L10,5 L0,10 z"/></marker></defs>"#
    );
    for edge in &edges {
        arrow(&mut out, edge, corners[edge.from], corners[edge.to], id);
    }
    for (node, &(x, y)) in nodes.iter().zip(&corners) {
        node_box(&mut out, node, x, y);
    }
    out.push_str("</svg>");
    Some(TopologyView { svg: out, width })
}

/// The arrows between nodes, from each node's origin and subscriptions.
fn edges(nodes: &[NodeRecord]) -> Vec<Edge> {
    let index = |name: &str| nodes.iter().position(|n| n.name == name);
    let mut edges = Vec::new();
    for (to, node) in nodes.iter().enumerate() {
        let name = &node.name;
        match &node.origin {
            NodeOrigin::Standby { upstream } => {
                if let Some(from) = index(upstream) {
                    edges.push(Edge {
                        from,
                        to,
                        label: "streams WAL".into(),
                        sentence: format!("{name} is a streaming standby of {upstream}."),
                        kind: "stream",
                    });
                }
            }
            NodeOrigin::Restore {
                backup,
                source,
                target,
            } => {
                if let Some(from) = index(source) {
                    let until = target
                        .as_ref()
                        .map_or("the end of the archive".to_string(), |t| t.clone());
                    edges.push(Edge {
                        from,
                        to,
                        label: format!("backup {backup}"),
                        sentence: format!(
                            "{name} was restored from backup {backup} of {source} and its WAL \
                             archive, up to {until}."
                        ),
                        kind: "restore",
                    });
                }
            }
            NodeOrigin::Main | NodeOrigin::Empty => {}
        }
        for subscription in &node.subscriptions {
            let Some(publisher) = subscription.publisher.as_deref() else {
                continue;
            };
            if let Some(from) = index(publisher) {
                edges.push(Edge {
                    from,
                    to,
                    label: format!("subscription {}", subscription.name),
                    sentence: format!(
                        "{name} subscribes to {publisher} (subscription {}).",
                        subscription.name
                    ),
                    kind: "subscribe",
                });
            }
        }
    }
    edges
}

/// Each node's row: one below the lowest node it receives from that was created before it.
fn rows(count: usize, edges: &[Edge]) -> Vec<usize> {
    let mut rows = vec![0usize; count];
    for to in 0..count {
        rows[to] = edges
            .iter()
            .filter(|e| e.to == to && e.from < to)
            .map(|e| rows[e.from] + 1)
            .max()
            .unwrap_or(0);
    }
    rows
}

fn count_per_row(rows: &[usize]) -> Vec<usize> {
    let mut counts = vec![0usize; rows.iter().copied().max().map_or(0, |m| m + 1)];
    for &row in rows {
        counts[row] += 1;
    }
    counts
}

/// What a node is, in a word or two, under its name.
fn role_of(node: &NodeRecord) -> &'static str {
    match node.origin {
        NodeOrigin::Main => "the chapter's cluster",
        NodeOrigin::Empty if !node.subscriptions.is_empty() => "subscriber",
        NodeOrigin::Empty => "new cluster",
        NodeOrigin::Standby { .. } => "standby",
        NodeOrigin::Restore { .. } => "restored",
    }
}

fn description(nodes: &[NodeRecord], edges: &[Edge]) -> String {
    let names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
    let mut text = format!("{} nodes: {}.", nodes.len(), names.join(", "));
    for edge in edges {
        text.push(' ');
        text.push_str(&edge.sentence);
    }
    text
}

fn node_box(out: &mut String, node: &NodeRecord, x: f64, y: f64) {
    let name = &node.name;
    let shown = if name.chars().count() > NAME_CHARS {
        let cut: String = name.chars().take(NAME_CHARS - 1).collect();
        format!("{cut}…")
    } else {
        name.clone()
    };
    let centre = x + BOX_WIDTH / 2.0;
    let kind = match node.origin {
        NodeOrigin::Main => "main",
        NodeOrigin::Empty => "empty",
        NodeOrigin::Standby { .. } => "standby",
        NodeOrigin::Restore { .. } => "restore",
    };
    let _ = write!(
        out,
        r#"<g class="topology-node topology-{kind}"><title>{}</title><rect x="{x:.1}" y="{y:.1}" width="{BOX_WIDTH}" height="{BOX_HEIGHT}" rx="5"/><text class="topology-name" x="{centre:.1}" y="{:.1}" text-anchor="middle">{}</text><text class="topology-role" x="{centre:.1}" y="{:.1}" text-anchor="middle">{}</text></g>"#,
        escape(name),
        y + 19.0,
        escape(&shown),
        y + 34.0,
        role_of(node),
    );
}

/// An arrow from the bottom of `from`'s box to the top of `to`'s (or between their sides
/// when they share a row), labelled at its middle.
fn arrow(out: &mut String, edge: &Edge, from: (f64, f64), to: (f64, f64), id: &str) {
    let (x1, y1, x2, y2) = if to.1 > from.1 {
        (
            from.0 + BOX_WIDTH / 2.0,
            from.1 + BOX_HEIGHT,
            to.0 + BOX_WIDTH / 2.0,
            to.1,
        )
    } else if to.1 < from.1 {
        (
            from.0 + BOX_WIDTH / 2.0,
            from.1,
            to.0 + BOX_WIDTH / 2.0,
            to.1 + BOX_HEIGHT,
        )
    } else if to.0 > from.0 {
        (
            from.0 + BOX_WIDTH,
            from.1 + BOX_HEIGHT / 2.0,
            to.0,
            to.1 + BOX_HEIGHT / 2.0,
        )
    } else {
        (
            from.0,
            from.1 + BOX_HEIGHT / 2.0,
            to.0 + BOX_WIDTH,
            to.1 + BOX_HEIGHT / 2.0,
        )
    };
    // The label sits beside the line, nearer the receiving end, on its outer side: arrows
    // fanning out of one node keep their labels apart.
    let (lx, ly) = (x1 + (x2 - x1) * 0.62, y1 + (y2 - y1) * 0.62);
    let (dx, anchor) = if x2 < x1 - 1.0 {
        (-6.0, "end")
    } else {
        (6.0, "start")
    };
    let _ = write!(
        out,
        r#"<g class="topology-edge topology-{}"><line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" marker-end="url(#{id}-arrow)"/><text x="{:.1}" y="{:.1}" text-anchor="{anchor}">{}</text></g>"#,
        edge.kind,
        lx + dx,
        ly + 4.0,
        escape(&edge.label),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use pgbook_book::Subscription;

    fn node(name: &str, origin: NodeOrigin) -> NodeRecord {
        NodeRecord {
            name: name.into(),
            origin,
            created_before: 0,
            actions: Vec::new(),
            subscriptions: Vec::new(),
        }
    }

    #[test]
    fn receivers_sit_below_their_sources_with_labelled_arrows() {
        let mut sub = node("sub<x>", NodeOrigin::Empty);
        sub.subscriptions.push(Subscription {
            name: "s".into(),
            publisher: Some("main".into()),
        });
        let nodes = vec![
            node("main", NodeOrigin::Main),
            node(
                "replica",
                NodeOrigin::Standby {
                    upstream: "main".into(),
                },
            ),
            node(
                "cascade",
                NodeOrigin::Standby {
                    upstream: "replica".into(),
                },
            ),
            node(
                "restored",
                NodeOrigin::Restore {
                    backup: "base".into(),
                    source: "main".into(),
                    target: Some("lsn:0/3000060".into()),
                },
            ),
            sub,
        ];
        let edges = edges(&nodes);
        assert_eq!(rows(nodes.len(), &edges), [0, 1, 2, 1, 1]);
        let view = topology(&nodes, "topology-1").unwrap();
        let svg = &view.svg;
        assert_eq!(svg.matches("<g class=\"topology-node").count(), 5);
        assert_eq!(svg.matches("<line ").count(), 4);
        assert!(svg.contains(">streams WAL</text>"), "{svg}");
        assert!(svg.contains(">backup base</text>"), "{svg}");
        assert!(svg.contains(">subscription s</text>"), "{svg}");
        assert!(svg.contains("sub&lt;x&gt;"), "names are escaped: {svg}");
        assert!(!svg.contains("sub<x>"), "{svg}");
        assert!(
            svg.contains("restored was restored from backup base of main and its WAL archive, up to lsn:0/3000060."),
            "{svg}"
        );
        assert!(topology(&nodes[..1], "t").is_none());
    }
}

//! EXPLAIN output (psql's text format) cut into lines a template can style: node types
//! emphasised, cost/actual figures quieted, detail lines (`Filter:`, `Hash Cond:`) set apart,
//! and the indentation that shows the tree kept.
//!
//! Pure string processing; knows nothing of HTML.

use serde::Serialize;

/// One line of a text-format plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanLine {
    /// Leading spaces as printed by PostgreSQL (they draw the tree).
    pub indent: String,
    /// Whether the line starts with `->`, PostgreSQL's child marker.
    pub arrow: bool,
    /// Spaces between `->` and the node, kept so columns line up as in psql.
    pub gap: String,
    /// The plan node's type (`Hash Join`, `Index Only Scan`), for node lines.
    pub node: Option<String>,
    /// The rest of the line after the node type and before the figures.
    pub text: String,
    /// `(cost=... rows=... width=...) (actual time=...)`, if present.
    pub figures: String,
    /// A property line of a node (`Filter: ...`) or a summary line (`Planning Time: ...`).
    pub detail: bool,
    /// How many tree guides (vertical lines of ancestors' child arrows) pass left of this
    /// line's text.
    pub guides: usize,
}

/// Whether a result set is an EXPLAIN plan in text format.
pub fn is_text_plan(column_names: &[&str], first_value: Option<&str>) -> bool {
    column_names == ["QUERY PLAN"]
        && first_value.is_some_and(|v| v.starts_with(|c: char| c.is_ascii_alphabetic()))
}

/// Splits the plan's lines (one row each) into [`PlanLine`]s.
pub fn parse_plan<'a>(rows: impl IntoIterator<Item = &'a str>) -> Vec<PlanLine> {
    let mut depth = 0;
    rows.into_iter()
        .enumerate()
        .map(|(i, line)| {
            let mut parsed = parse_line(line, i == 0);
            // psql draws a child's `->` at column 2 + 6 × (depth - 1); a node's properties
            // are indented past its own arrow, so they sit right of `depth` guides.
            if parsed.arrow {
                depth = (parsed.indent.len().saturating_sub(2)) / 6 + 1;
                parsed.guides = depth - 1;
            } else if parsed.detail {
                parsed.guides = if parsed.indent.is_empty() { 0 } else { depth };
            }
            parsed
        })
        .collect()
}

fn parse_line(line: &str, first: bool) -> PlanLine {
    let body = line.trim_start();
    let indent = line[..line.len() - body.len()].to_string();
    let (arrow, body) = match body.strip_prefix("->") {
        Some(rest) => (true, rest.trim_start()),
        None => (false, body),
    };
    let gap = if arrow {
        " ".repeat(line.len() - indent.len() - 2 - body.len())
    } else {
        String::new()
    };
    let is_node = arrow || first;
    let (head, figures) = split_figures(body);
    if !is_node {
        return PlanLine {
            indent,
            arrow,
            gap,
            node: None,
            text: body.to_string(),
            figures: String::new(),
            detail: true,
            guides: 0,
        };
    }
    let node_len = node_type_len(head);
    PlanLine {
        indent,
        arrow,
        gap,
        node: Some(head[..node_len].to_string()),
        text: head[node_len..].to_string(),
        figures: figures.to_string(),
        detail: false,
        guides: 0,
    }
}

/// Splits `Seq Scan on t  (cost=...)` into the description and the figures.
fn split_figures(body: &str) -> (&str, &str) {
    for marker in ["  (cost=", "  (actual", "  (never executed)"] {
        if let Some(i) = body.find(marker) {
            return (&body[..i], &body[i..]);
        }
    }
    (body, "")
}

/// Length of the node type: the leading capitalised words (`Nested Loop Left Join`), up to
/// `on`, `using` or anything else in lower case.
fn node_type_len(head: &str) -> usize {
    let mut end = 0;
    for (start, word) in words(head) {
        if !word.starts_with(|c: char| c.is_ascii_uppercase()) {
            break;
        }
        end = start + word.len();
    }
    if end == 0 {
        head.len()
    } else {
        end
    }
}

fn words(s: &str) -> impl Iterator<Item = (usize, &str)> {
    s.split(' ')
        .scan(0usize, |pos, w| {
            let start = *pos;
            *pos += w.len() + 1;
            Some((start, w))
        })
        .filter(|(_, w)| !w.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_details_and_figures() {
        let plan = parse_plan([
            "Hash Join  (cost=1.09..2.21 rows=3 width=8)",
            "  Hash Cond: (a.id = b.id)",
            "  ->  Seq Scan on a  (cost=0.00..1.05 rows=5 width=4)",
            "  ->  Index Only Scan Backward using b_pkey on b  (cost=0.1..1 rows=1 width=4)",
            "Planning Time: 0.1 ms",
        ]);
        assert_eq!(plan[0].node.as_deref(), Some("Hash Join"));
        assert_eq!(plan[0].figures, "  (cost=1.09..2.21 rows=3 width=8)");
        assert!(plan[1].detail);
        assert_eq!(plan[1].text, "Hash Cond: (a.id = b.id)");
        assert_eq!(plan[2].node.as_deref(), Some("Seq Scan"));
        assert_eq!(plan[2].text, " on a");
        assert!(plan[2].arrow);
        assert_eq!(plan[3].node.as_deref(), Some("Index Only Scan Backward"));
        assert!(plan[4].detail);
        let guides: Vec<usize> = plan.iter().map(|l| l.guides).collect();
        assert_eq!(guides, vec![0, 0, 0, 0, 0]);
        let deeper = parse_plan([
            "Limit",
            "  ->  Sort",
            "        Sort Key: a",
            "        ->  Seq Scan on t",
            "              Filter: (a > 1)",
            "Planning Time: 0.1 ms",
        ]);
        let guides: Vec<usize> = deeper.iter().map(|l| l.guides).collect();
        assert_eq!(guides, vec![0, 0, 1, 1, 2, 0]);
    }

    #[test]
    fn detects_text_plans_only() {
        assert!(is_text_plan(&["QUERY PLAN"], Some("Seq Scan on t")));
        assert!(!is_text_plan(&["QUERY PLAN"], Some("[{\"Plan\": 1}]")));
        assert!(!is_text_plan(&["plan"], Some("Seq Scan")));
    }
}

//! What pgbook did to a chapter's nodes, as short notes placed where it happened (DESIGN.md
//! §10): a node's creation and a restart before the snippet they precede, a backup after
//! the snippet it follows — each with the shell commands and settings that repeat it by hand,
//! and what the placeholders in them stand for.
//!
//! Builds data for `partials/node-note.html` from the chapter outcome's node records; it
//! knows nothing of how nodes were made, and nothing of HTML.

use pgbook_book::{NodeAction, NodeActionKind, NodeOrigin, NodeRecord};
use serde::Serialize;

/// Everything `partials/node-note.html` receives for one note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeNote {
    /// Whether it goes after its snippet (a backup) rather than before it.
    #[serde(skip)]
    pub after: bool,
    #[serde(skip)]
    pub snippet: usize,
    pub node: String,
    /// One sentence: what pgbook did.
    pub summary: String,
    pub commands: Vec<String>,
    /// `name = 'value'` lines, as written into the configuration.
    pub settings: Vec<String>,
    /// `$PLACEHOLDER` and what it stands for.
    pub placeholders: Vec<(String, String)>,
}

/// Every note of the chapter, in the order of its snippets.
pub fn node_notes(nodes: &[NodeRecord]) -> Vec<NodeNote> {
    let mut notes: Vec<NodeNote> = nodes
        .iter()
        .flat_map(|node| node.actions.iter().map(move |action| note(node, action)))
        .collect();
    notes.sort_by_key(|n| (n.snippet, n.after));
    notes
}

fn note(node: &NodeRecord, action: &NodeAction) -> NodeNote {
    let name = &node.name;
    // The note carries the node's label, so the sentence goes on from it.
    let summary = match &action.kind {
        NodeActionKind::Created => match &node.origin {
            NodeOrigin::Main => "the chapter's own cluster, made by pgbook like this".to_string(),
            NodeOrigin::Empty => "created by pgbook as a new, empty cluster".to_string(),
            NodeOrigin::Standby { upstream } => format!(
                "created by pgbook as a streaming standby of {upstream}, with a replication \
                 slot named {name}"
            ),
            NodeOrigin::Restore {
                backup,
                source,
                target,
            } => {
                // LSN, XID and time targets stop just before; a restore point is reached.
                let until = match target {
                    Some(target)
                        if ["lsn:", "xid:", "time:"]
                            .iter()
                            .any(|k| target.starts_with(k)) =>
                    {
                        format!("recovered up to {target} (stopping just before it)")
                    }
                    Some(target) => format!("recovered up to {target}"),
                    None => "recovered to the end of the archived WAL".to_string(),
                };
                format!(
                    "created by pgbook from backup {backup} of {source}, {until}, then \
                     promoted"
                )
            }
        },
        NodeActionKind::Restarted { immediate: true } => "crashed by pgbook (an immediate \
            shutdown) and started again: the start replays the WAL"
            .to_string(),
        NodeActionKind::Restarted { immediate: false } => {
            "restarted by pgbook: a clean shutdown, then a start".to_string()
        }
        NodeActionKind::BackedUp { backup } => format!("base backup {backup} taken by pgbook"),
    };
    NodeNote {
        after: matches!(action.kind, NodeActionKind::BackedUp { .. }),
        snippet: action.snippet,
        node: name.clone(),
        summary,
        commands: action.commands.clone(),
        settings: action
            .settings
            .iter()
            .map(|(key, value)| format!("{key} = '{}'", value.replace('\'', "''")))
            .collect(),
        placeholders: action.placeholders.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_follow_the_snippets_and_say_what_was_done() {
        let action = |snippet, kind| NodeAction {
            snippet,
            kind,
            commands: vec!["pg_ctl start --pgdata=$MAIN_DATA".into()],
            settings: vec![("primary_conninfo".into(), "host=$MAIN_HOST it's".into())],
            placeholders: vec![("$MAIN_DATA".into(), "main's data directory".into())],
        };
        let nodes = vec![
            NodeRecord {
                name: "main".into(),
                origin: NodeOrigin::Main,
                created_before: 0,
                actions: vec![
                    action(0, NodeActionKind::Created),
                    action(
                        1,
                        NodeActionKind::BackedUp {
                            backup: "base".into(),
                        },
                    ),
                    action(3, NodeActionKind::Restarted { immediate: true }),
                ],
                subscriptions: Vec::new(),
            },
            NodeRecord {
                name: "replica".into(),
                origin: NodeOrigin::Standby {
                    upstream: "main".into(),
                },
                created_before: 2,
                actions: vec![action(2, NodeActionKind::Created)],
                subscriptions: Vec::new(),
            },
        ];
        let notes = node_notes(&nodes);
        let order: Vec<(usize, bool, &str)> = notes
            .iter()
            .map(|n| (n.snippet, n.after, n.node.as_str()))
            .collect();
        assert_eq!(
            order,
            [
                (0, false, "main"),
                (1, true, "main"),
                (2, false, "replica"),
                (3, false, "main")
            ]
        );
        assert!(notes[2].summary.contains("streaming standby of main"));
        assert!(notes[3].summary.starts_with("crashed by pgbook"));
        assert_eq!(
            notes[0].settings,
            ["primary_conninfo = 'host=$MAIN_HOST it''s'"]
        );
    }
}

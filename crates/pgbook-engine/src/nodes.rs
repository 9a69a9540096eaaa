//! A chapter's nodes (DESIGN.md §10), worked out from its snippets before anything runs:
//! which nodes exist, how and where each is created, which backups are taken, and which
//! node every session is bound to. Mistakes only the whole chapter shows — a node created
//! twice or on a later snippet, a standby of a node that does not exist yet, a restore of a
//! backup not yet taken, a session moved to another node — are located errors here, so a
//! chapter never half-runs before failing on them.
//!
//! This module is a pure function of the chapter: it starts no server and runs no SQL.

use std::collections::BTreeMap;

use pgbook_book::node_attrs::RecoveryTarget;
use pgbook_book::{Chapter, Diagnostic, Snippet};

/// How a node comes to exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NodeOrigin {
    /// The chapter's own cluster, there from the start.
    Main,
    /// `node=NAME` alone: a new, empty cluster.
    Empty,
    /// `standby-of=NODE`: a streaming standby made with `pg_basebackup` from `upstream`.
    Standby { upstream: String },
    /// `restore=BACKUP`: recovered from `backup` (taken on `source`) and its WAL archive.
    Restore {
        backup: String,
        source: String,
        until: Option<RecoveryTarget>,
    },
}

/// One node of the chapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NodeSpec {
    pub name: String,
    pub origin: NodeOrigin,
    /// Index (in `chapter.snippets`) of the snippet before which it is created.
    pub created_before: usize,
}

/// Every node of a chapter, in the order they are created (`main` first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NodePlan {
    pub nodes: Vec<NodeSpec>,
    /// Nodes whose backups are taken (they run with WAL archiving from the start).
    pub archiving: Vec<String>,
}

/// The first snippet that needs more than the one cluster a chapter always gets — another
/// node, a backup or a restart — if any.
pub(crate) fn first_node_snippet(chapter: &Chapter) -> Option<&Snippet> {
    chapter.snippets.iter().find(|s| {
        let n = &s.attrs.nodes;
        !s.attrs.ignore && (n.node.is_some() || n.backup.is_some() || n.restart.is_some())
    })
}

/// Works out the chapter's nodes, or the first mistake in them.
pub(crate) fn plan(chapter: &Chapter) -> Result<NodePlan, Diagnostic> {
    let mut nodes = vec![NodeSpec {
        name: "main".into(),
        origin: NodeOrigin::Main,
        created_before: 0,
    }];
    let mut first_use: BTreeMap<String, usize> = BTreeMap::from([("main".to_string(), 0)]);
    // backup name → (node it was taken on, line)
    let mut backups: BTreeMap<String, (String, usize)> = BTreeMap::new();
    // named session → (node, line of first use)
    let mut sessions: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let mut archiving: Vec<String> = Vec::new();

    for (index, snippet) in chapter.snippets.iter().enumerate() {
        if snippet.attrs.ignore {
            continue;
        }
        let attrs = &snippet.attrs.nodes;
        let node = attrs.node_name().to_string();
        // Where the fence is written, column included, like the snippet's attribute errors.
        let fence = &snippet.origin;
        let at = |message: String| Diagnostic::new(&fence.file, fence.line, fence.col, message);
        match first_use.get(&node) {
            Some(&line) if attrs.creates_node() => {
                let line = if node == "main" {
                    "the start".to_string()
                } else {
                    format!("line {line}")
                };
                return Err(at(format!(
                    "node '{node}' already exists (created at {line}): 'standby-of' and \
                     'restore' belong on the first snippet that uses a node"
                )));
            }
            Some(_) => {}
            None => {
                let origin = if let Some(upstream) = &attrs.standby_of {
                    if !first_use.contains_key(upstream) {
                        return Err(at(format!(
                            "standby-of={upstream}: no node '{upstream}' runs before this \
                             snippet (create it with node={upstream} on an earlier one)"
                        )));
                    }
                    NodeOrigin::Standby {
                        upstream: upstream.clone(),
                    }
                } else if let Some(backup) = &attrs.restore {
                    let Some((source, _)) = backups.get(backup) else {
                        return Err(at(format!(
                            "restore={backup}: no backup '{backup}' is taken before this \
                             snippet (take it with backup={backup} on an earlier one)"
                        )));
                    };
                    NodeOrigin::Restore {
                        backup: backup.clone(),
                        source: source.clone(),
                        until: attrs.until.clone(),
                    }
                } else {
                    NodeOrigin::Empty
                };
                first_use.insert(node.clone(), snippet.line);
                nodes.push(NodeSpec {
                    name: node.clone(),
                    origin,
                    created_before: index,
                });
            }
        }
        if let Some(session) = &snippet.attrs.session {
            match sessions.get(session) {
                Some((bound, line)) if *bound != node => {
                    return Err(at(format!(
                        "session '{session}' runs on node '{bound}' (since line {line}); a \
                         session stays on the node of its first use, so open another session \
                         for node '{node}'"
                    )));
                }
                Some(_) => {}
                None => {
                    sessions.insert(session.clone(), (node.clone(), snippet.line));
                }
            }
        }
        if let Some(backup) = &attrs.backup {
            if let Some((_, line)) = backups.get(backup) {
                return Err(at(format!(
                    "backup '{backup}' is already taken at line {line}"
                )));
            }
            backups.insert(backup.clone(), (node.clone(), snippet.line));
            if !archiving.contains(&node) {
                archiving.push(node.clone());
            }
        }
    }
    Ok(NodePlan { nodes, archiving })
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;

    fn chapter(text: &str) -> Chapter {
        Chapter::parse(
            Path::new("."),
            Path::new("content"),
            &PathBuf::from("n.md"),
            text.into(),
        )
        .expect("a valid chapter")
    }

    fn snippets(infos: &[&str]) -> Chapter {
        let text: String = infos
            .iter()
            .map(|info| format!("```{info}\nSELECT 1;\n```\n\n"))
            .collect();
        chapter(&text)
    }

    #[test]
    fn nodes_are_created_on_first_use_in_document_order() {
        let plan = plan(&snippets(&[
            "sql,backup=base",
            "sql,node=replica,standby-of=main",
            "sql,node=cascade,standby-of=replica,session=watcher",
            "sql,node=sub",
            "sql,node=restored,restore=base,until=lsn::drop_lsn",
            "sql,node=replica",
        ]))
        .unwrap();
        let made: Vec<(&str, usize)> = plan
            .nodes
            .iter()
            .map(|n| (n.name.as_str(), n.created_before))
            .collect();
        assert_eq!(
            made,
            [
                ("main", 0),
                ("replica", 1),
                ("cascade", 2),
                ("sub", 3),
                ("restored", 4)
            ]
        );
        assert_eq!(
            plan.nodes[2].origin,
            NodeOrigin::Standby {
                upstream: "replica".into()
            }
        );
        assert_eq!(plan.nodes[3].origin, NodeOrigin::Empty);
        assert!(matches!(
            &plan.nodes[4].origin,
            NodeOrigin::Restore { backup, source, until: Some(_) } if backup == "base" && source == "main"
        ));
        assert_eq!(plan.archiving, ["main"]);
    }

    #[test]
    fn chapter_level_mistakes_are_located() {
        for (infos, line, message) in [
            (
                vec!["sql,node=r", "sql,node=r,standby-of=main"],
                5,
                "already exists (created at line 1)",
            ),
            (
                vec!["sql,node=r,standby-of=nowhere"],
                1,
                "no node 'nowhere' runs before",
            ),
            (
                vec!["sql,node=r,restore=later", "sql,backup=later"],
                1,
                "no backup 'later' is taken",
            ),
            (
                vec!["sql,session=s", "sql,node=r,session=s"],
                5,
                "session 's' runs on node 'main'",
            ),
            (
                vec!["sql,backup=b", "sql,backup=b"],
                5,
                "already taken at line 1",
            ),
        ] {
            let err = plan(&snippets(&infos)).expect_err(message);
            assert_eq!(
                (err.file.as_path(), err.line),
                (Path::new("content/n.md"), line),
                "{infos:?}"
            );
            assert!(err.message.contains(message), "{infos:?}: {}", err.message);
        }
    }

    #[test]
    fn a_chapter_without_node_attributes_uses_no_nodes() {
        let plain = snippets(&["sql", "sql,session=a", "sql,ignore,node=r"]);
        plan(&plain).unwrap();
        assert!(first_node_snippet(&plain).is_none());
        let restart = snippets(&["sql", "sql,restart=immediate"]);
        assert_eq!(first_node_snippet(&restart).map(|s| s.line), Some(5));
    }
}

//! What pgbook did to a chapter's nodes, written down for readers (DESIGN.md §10): for each
//! node the shell commands that would do the same by hand — the actual `pg_basebackup`
//! command lines, `pg_ctl` for restarts — and the settings written into its
//! `postgresql.auto.conf`, as [`NodeRecord`]s in the chapter outcome.
//!
//! Scratch directories have random names, so every path pgbook made is written as a
//! placeholder a reader substitutes (`$REPLICA_DATA`, `$MAIN_HOST`, `$ARCHIVE`, ...): the
//! record, and so the page, is the same on every run. This module only writes text; it runs
//! nothing and decides nothing about when node work happens.

use std::path::Path;

use pgbook_book::{NodeAction, NodeActionKind, NodeOrigin, NodeRecord, Subscription};

use crate::cluster::PORT;

/// The chapter's node records being written, and the placeholders for its directories.
pub(crate) struct Recorder {
    records: Vec<NodeRecord>,
    /// (real path, placeholder, what it stands for), longest path first.
    placeholders: Vec<(String, String, String)>,
    /// The server binaries' directory (commands are shown by their bare names).
    bin_dir: String,
    superuser: String,
}

impl Recorder {
    /// A recorder for nodes whose scratch directories are `node_dirs` (name, directory).
    pub fn new(bin_dir: &Path, superuser: &str, node_dirs: &[(&str, &Path)]) -> Recorder {
        let mut recorder = Recorder {
            records: Vec::new(),
            placeholders: Vec::new(),
            bin_dir: format!("{}/", bin_dir.display()),
            superuser: superuser.to_string(),
        };
        for (name, dir) in node_dirs {
            recorder.add_placeholder(
                &dir.join("data"),
                &placeholder(name, "DATA"),
                &format!("{name}'s data directory"),
            );
            recorder.add_placeholder(
                dir,
                &placeholder(name, "HOST"),
                &format!("{name}'s host (pgbook uses a socket directory)"),
            );
        }
        recorder
    }

    /// Names `path` by `placeholder` wherever it appears in what is recorded from now on.
    pub fn add_placeholder(&mut self, path: &Path, placeholder: &str, meaning: &str) {
        self.placeholders.push((
            path.display().to_string(),
            placeholder.to_string(),
            meaning.to_string(),
        ));
        self.placeholders
            .sort_by_key(|(path, _, _)| std::cmp::Reverse(path.len()));
    }

    /// `text` with every known directory replaced by its placeholder and the binaries'
    /// directory left out.
    fn substitute(&self, text: &str) -> String {
        let mut text = text.replace(&self.bin_dir, "");
        for (path, placeholder, _) in &self.placeholders {
            text = text.replace(path.as_str(), placeholder);
        }
        text
    }

    /// The node has been created (by `origin`, before snippet `snippet`).
    pub fn created(&mut self, name: &str, origin: NodeOrigin, snippet: usize, action: Action) {
        let action = self.action(snippet, NodeActionKind::Created, action);
        self.records.push(NodeRecord {
            name: name.to_string(),
            origin,
            created_before: snippet,
            actions: vec![action],
            subscriptions: Vec::new(),
        });
    }

    /// Something else was done to an existing node.
    pub fn did(&mut self, name: &str, snippet: usize, kind: NodeActionKind, action: Action) {
        let action = self.action(snippet, kind, action);
        if let Some(record) = self.records.iter_mut().find(|r| r.name == name) {
            record.actions.push(action);
        }
    }

    /// Adds the subscriptions node `name` has now to those recorded before (a subscription
    /// seen again keeps its first record).
    pub fn subscriptions(&mut self, name: &str, subscriptions: Vec<Subscription>) {
        if let Some(record) = self.records.iter_mut().find(|r| r.name == name) {
            for subscription in subscriptions {
                if !record
                    .subscriptions
                    .iter()
                    .any(|s| s.name == subscription.name)
                {
                    record.subscriptions.push(subscription);
                }
            }
        }
    }

    fn action(&self, snippet: usize, kind: NodeActionKind, action: Action) -> NodeAction {
        let commands: Vec<String> = action
            .commands
            .iter()
            .map(|c| wrap(&self.substitute(c)))
            .collect();
        let settings: Vec<(String, String)> = action
            .settings
            .iter()
            .map(|(k, v)| (k.clone(), self.substitute(v)))
            .collect();
        let text: String = commands
            .iter()
            .chain(settings.iter().map(|(_, v)| v))
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("\n");
        let mut placeholders: Vec<(String, String)> = self
            .placeholders
            .iter()
            .filter(|(_, placeholder, _)| mentions(&text, placeholder))
            .map(|(_, placeholder, meaning)| (placeholder.clone(), meaning.clone()))
            .collect();
        placeholders.sort();
        NodeAction {
            snippet,
            kind,
            commands,
            settings,
            placeholders,
        }
    }

    /// `pg_ctl` as a reader would run it on node `name`.
    pub fn pg_ctl(&self, name: &str, args: &str) -> String {
        format!("pg_ctl {args} --pgdata={}", placeholder(name, "DATA"))
    }

    /// A client command's connection options for node `name`'s server.
    pub fn connection(&self, name: &str) -> String {
        format!(
            "--host={} --port={PORT} --username={}",
            placeholder(name, "HOST"),
            self.superuser
        )
    }

    pub fn into_records(self) -> Vec<NodeRecord> {
        self.records
    }
}

/// What was done, before placeholders are put in.
#[derive(Default)]
pub(crate) struct Action {
    pub commands: Vec<String>,
    pub settings: Vec<(String, String)>,
}

/// The placeholder for node or backup `name`'s `what` (`$REPLICA_DATA`).
pub(crate) fn placeholder(name: &str, what: &str) -> String {
    format!("${}_{what}", name.to_ascii_uppercase())
}

/// Whether `text` uses `placeholder` itself, not a longer name that starts the same way.
fn mentions(text: &str, placeholder: &str) -> bool {
    text.match_indices(placeholder).any(|(at, _)| {
        !text[at + placeholder.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// Width a command is wrapped at, with ` \` continuations, so it reads without scrolling.
const COMMAND_WIDTH: usize = 72;

/// `command` over several lines joined by ` \` when it is longer than [`COMMAND_WIDTH`],
/// cut only between arguments (never inside quotes); comment lines stay as they are.
fn wrap(command: &str) -> String {
    if command.len() <= COMMAND_WIDTH || command.starts_with('#') {
        return command.to_string();
    }
    let mut words: Vec<String> = Vec::new();
    let mut quoted = false;
    let mut word = String::new();
    for c in command.chars() {
        if c == '\'' {
            quoted = !quoted;
        }
        if c == ' ' && !quoted {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
        } else {
            word.push(c);
        }
    }
    words.push(word);
    let mut lines: Vec<String> = vec![String::new()];
    for word in words {
        let indent = if lines.len() > 1 { 4 } else { 0 };
        let line = lines.last_mut().expect("never empty");
        if !line.is_empty() && indent + line.len() + 1 + word.len() + 2 > COMMAND_WIDTH {
            lines.push(word);
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&word);
        }
    }
    lines.join(" \\\n    ")
}

/// A command line as a reader types it: arguments with spaces or shell characters quoted.
pub(crate) fn shell_line(args: &[String]) -> String {
    args.iter()
        .map(|arg| {
            let plain = arg
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_=./:,%$+@".contains(c));
            if plain && !arg.is_empty() {
                arg.clone()
            } else {
                format!("'{}'", arg.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scratch_paths_become_placeholders_and_binaries_their_names() {
        let mut recorder = Recorder::new(
            Path::new("/usr/lib/postgresql/15/bin"),
            "postgres",
            &[
                ("main", Path::new("/tmp/pgbook-node-1-abc")),
                ("replica", Path::new("/tmp/pgbook-node-1-abcd")),
            ],
        );
        recorder.created(
            "replica",
            NodeOrigin::Standby {
                upstream: "main".into(),
            },
            2,
            Action {
                commands: vec![shell_line(&[
                    "/usr/lib/postgresql/15/bin/pg_basebackup".into(),
                    "--pgdata=/tmp/pgbook-node-1-abcd/data".into(),
                    "--host=/tmp/pgbook-node-1-abc".into(),
                ])],
                settings: vec![(
                    "primary_conninfo".into(),
                    "host=/tmp/pgbook-node-1-abc port=5432 application_name=replica".into(),
                )],
            },
        );
        let records = recorder.into_records();
        let action = &records[0].actions[0];
        assert_eq!(
            action.commands,
            ["pg_basebackup --pgdata=$REPLICA_DATA --host=$MAIN_HOST"]
        );
        assert_eq!(
            action.settings[0].1,
            "host=$MAIN_HOST port=5432 application_name=replica"
        );
        let named: Vec<&str> = action
            .placeholders
            .iter()
            .map(|(p, _)| p.as_str())
            .collect();
        assert_eq!(named, ["$MAIN_HOST", "$REPLICA_DATA"]);
        assert_eq!(
            wrap(
                "pg_basebackup --pgdata=$REPLICA_DATA --host=$MAIN_HOST --port=5432 \
                 --username=postgres --command='SELECT pg_switch_wal()' --no-sync"
            ),
            "pg_basebackup --pgdata=$REPLICA_DATA --host=$MAIN_HOST --port=5432 \\\n    \
             --username=postgres --command='SELECT pg_switch_wal()' --no-sync"
        );
        assert_eq!(
            shell_line(&["echo".into(), "it's here".into()]),
            "echo 'it'\\''s here'"
        );
    }
}

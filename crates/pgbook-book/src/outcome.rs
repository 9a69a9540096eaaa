//! What running SQL produced: the server's messages per statement, the psql transcript, and
//! how a step related to others (waiting on a lock, released late).
//!
//! These types are produced by `pgbook-engine`, turned into psql text by `pgbook-psql`,
//! compared by `pgbook-verify` and shown by `pgbook-render`. They are serialisable so that
//! `build` and `serve` can cache a chapter's results.

use serde::{Deserialize, Serialize};

use crate::rows::CompactRows;

/// A column of a result set, as described by the server's RowDescription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    /// PostgreSQL type OID; psql right-aligns numeric types.
    pub type_oid: u32,
}

/// Rows returned by one statement, in text format. `None` is SQL NULL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultSet {
    pub columns: Vec<Column>,
    /// The rows, or the first [`KEPT_ROWS`] of a larger result (see `elided_rows`).
    pub rows: Vec<Vec<Option<String>>>,
    /// Rows of the result not kept in `rows`: a result of more than [`KEPT_ROWS`] rows is
    /// printed into its statement's transcript while all of it is at hand, and only its
    /// first rows stay as values (for the page's table and a chart).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub elided_rows: usize,
    /// Every row of a large result, compactly, from the client until the statement has been
    /// printed (then dropped; never cached).
    #[serde(skip)]
    pub all_rows: Option<CompactRows>,
}

/// How many rows of a result stay as values once it has been printed (the page shows fewer;
/// a chart reads at most this many).
pub const KEPT_ROWS: usize = 10_000;

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl ResultSet {
    pub fn new(columns: Vec<Column>, rows: Vec<Vec<Option<String>>>) -> ResultSet {
        ResultSet {
            columns,
            rows,
            elided_rows: 0,
            all_rows: None,
        }
    }

    /// How many rows the statement returned, kept or not.
    pub fn total_rows(&self) -> usize {
        self.rows.len() + self.elided_rows
    }

    /// Keeps only the first `kept` rows as values, counting the others as elided, and drops
    /// the compact copy of all rows.
    pub fn keep_first(&mut self, kept: usize) {
        self.all_rows = None;
        if self.rows.len() > kept {
            self.elided_rows += self.rows.len() - kept;
            self.rows.truncate(kept);
            self.rows.shrink_to_fit();
        }
    }

    /// [`ResultSet::for_each_row`] as the last read of a large result's rows (printing it):
    /// the compact copy is freed as it is read.
    pub fn drain_each_row(&self, each: impl FnMut(&[Option<&str>])) {
        match &self.all_rows {
            Some(all) => all.drain_each_row(each),
            None => self.for_each_row(each),
        }
    }

    /// Calls `each` with every row's values in order: all rows while the compact copy is
    /// there, else the rows kept.
    pub fn for_each_row(&self, mut each: impl FnMut(&[Option<&str>])) {
        match &self.all_rows {
            Some(all) => all.for_each_row(each),
            None => {
                let mut values: Vec<Option<&str>> = Vec::with_capacity(self.columns.len());
                for row in &self.rows {
                    values.clear();
                    values.extend(row.iter().map(|v| v.as_deref()));
                    each(&values);
                }
            }
        }
    }
}

/// An ErrorResponse or NoticeResponse, field by field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerMessage {
    /// Severity as sent (`ERROR`, `NOTICE`, `WARNING`, `FATAL`, ...).
    pub severity: String,
    pub sqlstate: String,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
    /// 1-based character position in the statement text.
    pub position: Option<u32>,
    pub internal_position: Option<u32>,
    pub internal_query: Option<String>,
    pub context: Option<String>,
    /// The fields only psql's `VERBOSITY verbose` prints (absent from older caches).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verbose: Option<Box<VerboseFields>>,
}

/// An error's fields that psql prints only with `\set VERBOSITY verbose`: the object it is
/// about and where in the server's source it was raised.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerboseFields {
    pub schema: Option<String>,
    pub table: Option<String>,
    pub column: Option<String>,
    pub datatype: Option<String>,
    pub constraint: Option<String>,
    pub source_file: Option<String>,
    pub source_line: Option<String>,
    pub routine: Option<String>,
}

/// One thing the server said while running a statement, in arrival order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// A completed command: `rows` is present when the command returned a row description
    /// (SELECT, RETURNING, SHOW, EXPLAIN...). `tag` is the CommandComplete text.
    Complete {
        rows: Option<ResultSet>,
        tag: String,
    },
    /// The statement was empty (for example only a comment).
    EmptyQuery,
    /// NOTICE, WARNING, INFO, LOG or DEBUG.
    Notice(ServerMessage),
    /// ERROR (or FATAL when the backend went away).
    Error(ServerMessage),
    /// The data of `COPY ... TO STDOUT`, as sent (psql prints it as it is, before the tag).
    CopyOut(String),
    /// A `NOTIFY` on a channel this session listens to, from backend `pid`.
    Notification {
        channel: String,
        payload: String,
        pid: i32,
    },
}

/// One statement of a snippet and what came back for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementOutcome {
    /// The exact text sent to the server.
    pub sql: String,
    /// Byte offset of `sql` within the snippet's SQL, to map error positions to the Markdown.
    pub offset: usize,
    pub events: Vec<Event>,
    /// What psql printed for it when that is not the default rendering of `events`: a
    /// meta-command's output (`\echo`, `\x`, ...), or a result printed with changed display
    /// settings. `None` for ordinary statements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub printed: Option<String>,
    /// Where psql variables were written into `sql` (empty when none were), so that error
    /// positions in the sent text map back to the Markdown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interpolations: Vec<Interpolation>,
    /// psql printed its rows as expanded records (`\x`, `\gx`), so the page shows them so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub expanded: bool,
    /// psql printed none of its rows: `\gset` stored them in variables, `\gexec` ran them as
    /// statements. The page draws no table or chart from them (they may hold a secret, such
    /// as a connection string, that the transcript never shows).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rows_consumed: bool,
}

/// One psql variable reference replaced by its value in a statement's sent text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interpolation {
    /// Byte range of the value within the sent text.
    pub sent_start: usize,
    pub sent_end: usize,
    /// The reference as written (`:name`, `:'name'`, `:"name"`).
    pub written: String,
}

/// The result of one executed snippet (a "step").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnippetOutcome {
    pub statements: Vec<StatementOutcome>,
    /// Exactly what psql would have printed (plus `<waiting ...>` where the step blocked).
    pub transcript: String,
    /// Index (in the chapter's snippet list) of the step during which this step, having
    /// blocked on a lock, completed. `None` when it never waited.
    pub completed_during: Option<usize>,
    /// A problem that is not a server message: a step still waiting when the chapter ended,
    /// a backend that died, a lost connection.
    pub failure: Option<String>,
}

impl SnippetOutcome {
    /// The SQLSTATEs of every ERROR raised, in order.
    pub fn error_codes(&self) -> Vec<&str> {
        self.statements
            .iter()
            .flat_map(|s| s.events.iter())
            .filter_map(|e| match e {
                Event::Error(m) => Some(m.sqlstate.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Whether this step blocked on a lock before it completed.
    pub fn waited(&self) -> bool {
        self.completed_during.is_some()
    }
}

/// Outcomes of all snippets of a chapter, index-aligned with `Chapter::snippets`.
/// `None` for snippets that were not executed (`ignore`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChapterOutcome {
    pub snippets: Vec<Option<SnippetOutcome>>,
    /// `server_version` as reported by the server, e.g. `15.18 (Debian 15.18-0+deb12u1)`.
    pub server_version: String,
    /// In a chapter with nodes (DESIGN.md §10), every node in the order it was created and
    /// what was done to it, so the page can show readers how to repeat it; empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<NodeRecord>,
}

/// One node of a chapter: how it came to exist, what pgbook did to it and when, and which
/// nodes it subscribes to. Paths of scratch directories appear as placeholders
/// (`$REPLICA_DATA`, `$MAIN_HOST`, ...) listed in `placeholders`, so the record is the same on
/// every run and reads as instructions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeRecord {
    pub name: String,
    pub origin: NodeOrigin,
    /// Index (in the chapter's snippets) of the snippet before which it was created.
    pub created_before: usize,
    /// What pgbook did to the node, in order: its creation first.
    pub actions: Vec<NodeAction>,
    /// Logical replication subscriptions found on the node, with the node each reads from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subscriptions: Vec<Subscription>,
}

/// How a node came to exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum NodeOrigin {
    /// The chapter's own cluster, there from the start.
    Main,
    /// A new, empty cluster (`node=NAME` alone).
    Empty,
    /// A streaming standby of `upstream` (`standby-of=`).
    Standby { upstream: String },
    /// Restored from `backup`, taken on `source`, and its WAL archive (`restore=`), up to
    /// `target` as it was resolved (`None`: the end of the archive).
    Restore {
        backup: String,
        source: String,
        target: Option<String>,
    },
}

/// Something pgbook did to a node: the shell commands a reader would run to do the same, and
/// the settings it wrote into the node's `postgresql.auto.conf`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeAction {
    /// Index of the snippet this happened at: before it (creation, restart) or right after
    /// it (a backup).
    pub snippet: usize,
    pub kind: NodeActionKind,
    pub commands: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<(String, String)>,
    /// Scratch directories named in `commands` and `settings`: placeholder and what it
    /// stands for (`$MAIN_HOST`, "main's socket directory").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub placeholders: Vec<(String, String)>,
}

/// What kind of thing a [`NodeAction`] was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum NodeActionKind {
    Created,
    /// `restart` (clean) or `restart=immediate` (a crash).
    Restarted {
        immediate: bool,
    },
    /// `backup=NAME` after the snippet.
    BackedUp {
        backup: String,
    },
}

/// A logical replication subscription of a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    pub name: String,
    /// The node it connects to, when it is one of the chapter's.
    pub publisher: Option<String>,
}

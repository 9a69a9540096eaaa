//! The book model shared by every stage of pgbook: `book.toml`, `SUMMARY.md`, chapter files,
//! `{{#include}}` expansion, the one Markdown parse of each chapter (the chapter model: prose,
//! headings, links, snippets), and the outcome types that the engine produces and the checker
//! and renderer consume.
//!
//! Architecture invariant: this crate only *reads* files of the book, and it is the only
//! crate that parses chapter Markdown. It knows nothing of PostgreSQL connections, HTML or the
//! output directory, and it never writes.

pub mod config;
pub mod diagnostic;
pub mod duration;
pub mod include;
pub mod load;
pub mod markdown;
pub mod node_attrs;
pub mod outcome;
pub mod rows;
pub mod snippet;
pub mod summary;

pub use config::Config;
pub use diagnostic::{Diagnostic, Diagnostics};
pub use include::Origin;
pub use load::{Book, Chapter};
pub use markdown::{Document, Node};
pub use outcome::{
    ChapterOutcome, Column, Event, Interpolation, NodeAction, NodeActionKind, NodeOrigin,
    NodeRecord, ResultSet, ServerMessage, SnippetOutcome, StatementOutcome, Subscription,
    VerboseFields, KEPT_ROWS,
};
pub use rows::CompactRows;
pub use snippet::{Attributes, ChartKind, ErrorExpectation, Expected, Snippet, SourcePos};
pub use summary::{Summary, SummaryItem};

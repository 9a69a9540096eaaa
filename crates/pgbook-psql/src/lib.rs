//! pgbook-psql: what psql does with a snippet, without psql.
//!
//! - `split`: cut SQL into the statements psql would send, with the exact text it sends;
//! - `format`: print the server's answers byte for byte as psql does (aligned tables,
//!   command tags, notices, errors with their `LINE n:` excerpt);
//! - `client`: a small synchronous wire-protocol client that returns those answers;
//! - `variables` + `meta`: psql's variables and the meta-commands pgbook runs itself
//!   (`\set`, `\echo`, `\gset`, `\x`, `\pset`, ...); `builtin`: the variables psql sets
//!   itself (`DBNAME`, `ROW_COUNT`, ...); `describe`: the `\d` family.
//!
//! Architecture invariant: this crate knows nothing of Markdown, clusters, sessions of a
//! chapter or HTML; psql's own output is its specification.

pub mod builtin;
pub mod client;
pub mod describe;
pub mod format;
mod lexer;
pub mod meta;
pub mod split;
pub mod variables;

pub use client::{ClientError, ConnectOptions, Connection, Target};
pub use format::{
    format_statement, format_statement_with, print_large_results, take_transcript, transcript,
    Display,
};
pub use split::{
    source_offset, split_commands, split_statements, Command, MetaCommand, SplitError,
    SplitStatement, VariableKind, VariableRef,
};
pub use variables::Variables;

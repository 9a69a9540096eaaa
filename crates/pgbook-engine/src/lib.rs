//! Running a book's SQL: scratch PostgreSQL clusters ([`cluster`]) and the [`Engine`] that
//! executes chapters against them (or against a server named by a database URL).
//!
//! Architecture invariant: this is the only crate that spawns processes or opens database
//! connections for a build. It knows nothing of HTML, expected output or reports: it turns
//! chapters into `ChapterOutcome`s and stops there.

pub mod cluster;
mod error;

pub use cluster::{install_signal_cleanup, ClusterOptions, ScratchCluster};
pub use error::EngineError;

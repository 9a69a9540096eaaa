//! Running a book's SQL: scratch PostgreSQL clusters ([`cluster`]) and the [`Engine`] that
//! executes chapters against them (or against a server named by a database URL).
//!
//! Architecture invariant: this is the only crate that spawns processes or opens database
//! connections for a build. It knows nothing of HTML, expected output or reports: it turns
//! chapters into `ChapterOutcome`s and stops there.

mod blocking;
pub mod cluster;
mod database;
mod engine;
mod error;
mod runner;
mod scheduler;
mod session;
mod steps;

pub use cluster::{cleanup_everything, install_signal_cleanup, ClusterOptions, ScratchCluster};
pub use engine::{Engine, EngineOptions};
pub use error::EngineError;

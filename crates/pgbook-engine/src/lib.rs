//! Running a book's SQL: scratch PostgreSQL clusters ([`cluster`]) and the [`Engine`] that
//! executes chapters against them (or against a server named by a database URL).
//!
//! Process fate belongs to the caller: the engine installs no signal handler and never ends
//! the process. It offers [`cancel`] (stop a running `run_chapters` promptly) and
//! [`cleanup`] (stop every server and remove every directory this process started), both
//! callable from a signal-handling thread.
//!
//! Architecture invariant: this is the only crate that spawns processes or opens database
//! connections for a build. It knows nothing of HTML, expected output or reports: it turns
//! chapters into `ChapterOutcome`s and stops there.

mod blocking;
pub mod cluster;
mod database;
mod engine;
mod error;
mod node_run;
mod nodes;
mod psql_meta;
mod role;
mod runner;
mod scheduler;
mod session;
pub mod settings_report;
mod steps;

pub use cluster::{
    cancel, cleanup, is_cancelled, reap_abandoned, Backup, ClusterOptions, ClusterTemplate,
    RestoreTarget, ScratchCluster, ScratchDir, StandbyRecipe, WalArchive,
};
pub use engine::{ChapterProgress, Engine, EngineOptions};
pub use error::EngineError;
pub use settings_report::{ServerReport, ServerSetting};

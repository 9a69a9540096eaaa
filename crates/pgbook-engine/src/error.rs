//! The engine's error type: problems that stop a run before or around SQL execution.
//!
//! SQL errors are *output*, never an `EngineError`; these are problems with the environment
//! (no PostgreSQL, a server that will not start, an unreachable URL) or with the book's input
//! (a psql meta-command in a snippet). The CLI maps every one of them to exit code 2.

use pgbook_book::Diagnostic;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// No PostgreSQL server binaries were found; the message says how to get or point at one.
    #[error("{0}")]
    NoPostgres(String),
    /// Bad input in the book, located at `file:LINE:COL`.
    #[error("{0}")]
    Input(Diagnostic),
    /// The scratch cluster or the database could not be set up.
    #[error("{0}")]
    Setup(String),
    /// The server named by a database URL could not be reached or used.
    #[error("{0}")]
    Connect(String),
}

impl EngineError {
    /// The process exit code the CLI should use: 2, an environment or input problem.
    pub fn exit_code(&self) -> u8 {
        2
    }

    pub(crate) fn setup(context: impl std::fmt::Display, err: impl std::fmt::Display) -> Self {
        EngineError::Setup(format!("{context}: {err}"))
    }
}

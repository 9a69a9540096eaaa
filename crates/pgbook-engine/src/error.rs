//! The engine's error type: problems that stop a run before or around SQL execution.
//!
//! SQL errors are *output*, never an `EngineError`; these are problems with the environment
//! (no PostgreSQL, a server that will not start, an unreachable URL), with the book's input
//! (a psql meta-command in a snippet), or a run that was cancelled. Each variant keeps the
//! error it wraps as its `source`, so callers can print the whole chain or match on it.

use std::io;
use std::path::PathBuf;
use std::process::ExitStatus;

use pgbook_book::Diagnostic;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// No PostgreSQL server binaries were found; the message says how to get or point at one.
    #[error("{0}")]
    NoPostgres(String),
    /// Bad input in the book, located at `file:LINE:COL`.
    #[error("{0}")]
    Input(Diagnostic),
    /// A file or process operation of the scratch cluster failed (`what` says which).
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: io::Error,
    },
    /// `postgres --version` printed something that is not a version.
    #[error("cannot read the version of {}: it printed {printed:?}", binary.display())]
    UnknownVersion { binary: PathBuf, printed: String },
    /// initdb ran and failed; `output` is what it printed.
    #[error("initdb failed ({status}):\n{output}")]
    Initdb { status: ExitStatus, output: String },
    /// pgbook runs as root and there is no `postgres` OS user to run the server as.
    #[error(
        "pgbook runs as root, and PostgreSQL refuses to run as root, but there is no \
         `postgres` OS user to run it as; create one (`useradd --system postgres`) or run \
         pgbook as an ordinary user"
    )]
    NoServerUser,
    /// The scratch server was spawned but never accepted connections.
    #[error("the scratch PostgreSQL server did not start: {problem}{hint}\n{log_tail}")]
    ServerStart {
        problem: String,
        /// Names a likely cause, e.g. the book's server settings; empty when there is none.
        hint: &'static str,
        /// The end of the server's log.
        log_tail: String,
    },
    /// A scratch cluster's directory was still there after the cluster was stopped.
    #[error("could not remove the scratch cluster directory {}", path.display())]
    Leftover { path: PathBuf },
    /// The database URL could not be parsed.
    #[error("invalid database URL: {0}")]
    InvalidUrl(#[source] pgbook_psql::ClientError),
    /// The server (scratch or the URL's) could not be connected to.
    #[error("cannot connect to {target}: {source}")]
    Connect {
        /// Where, for the message (never the password).
        target: String,
        #[source]
        source: postgres::Error,
    },
    /// Administrative SQL (creating a chapter database, reading the version) failed.
    #[error("{what}: {source}")]
    Admin {
        what: String,
        #[source]
        source: postgres::Error,
    },
    /// The server answered an administrative query with something unusable.
    #[error("{what}: the server answered {answer:?}")]
    UnexpectedAnswer { what: String, answer: String },
    /// The run was cancelled (see [`crate::cancel`]) before this chapter finished.
    #[error("cancelled")]
    Cancelled,
    /// Running the chapter panicked; a bug in pgbook, reported instead of crashing the run.
    #[error("{}: internal error while running this chapter", chapter.display())]
    Panicked { chapter: PathBuf },
}

impl EngineError {
    /// The process exit code the CLI should use: 2, an environment or input problem.
    pub fn exit_code(&self) -> u8 {
        2
    }

    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(io::Error) -> EngineError {
        let what = what.into();
        move |source| EngineError::Io { what, source }
    }
}

//! The engine's error type: problems that stop a run before or around SQL execution.
//!
//! SQL errors are *output*, never an `EngineError`; these are problems with the environment
//! (no PostgreSQL, a server that will not start, an unreachable URL), with the book's input
//! (a psql meta-command in a snippet), or a run that was cancelled.
//!
//! A variant that wraps another error keeps it typed in its `cause` field and prints it as
//! part of its own message, so the message is whole however it is printed (`{}` or anyhow's
//! `{:#}`). It is deliberately not also returned by `source()`: a `{:#}` chain would then
//! print the cause twice (and `postgres::Error` already repeats its own cause).

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
    #[error("{what}: {cause}")]
    Io { what: String, cause: io::Error },
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
    #[error("{0}")]
    InvalidUrl(pgbook_psql::ClientError),
    /// The server (scratch or the URL's) could not be connected to.
    #[error("cannot connect to {target}: {}", full_message(cause))]
    Connect {
        /// Where, for the message (never the password).
        target: String,
        cause: postgres::Error,
    },
    /// Administrative SQL (creating a chapter database, reading the version) failed.
    #[error("{what}: {cause}")]
    Admin {
        what: String,
        cause: postgres::Error,
    },
    /// The database URL's role may not create databases, and each chapter needs its own.
    #[error(
        "the role \"{role}\" cannot create databases on {target}, and pgbook creates one per \
         chapter: grant it with ALTER ROLE \"{role}\" CREATEDB (superuser is not needed), or \
         use a role that has CREATEDB"
    )]
    NoCreateDb { role: String, target: String },
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
        move |cause| EngineError::Io { what, cause }
    }
}

/// `error`'s message followed by those of its sources that add something: a
/// `postgres::Error` alone says only "error connecting to server", its source says why.
pub(crate) fn full_message(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message = format!("{message}: {text}");
        }
        source = cause.source();
    }
    message
}

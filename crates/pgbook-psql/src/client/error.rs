//! Errors of the wire client: bad connection strings, sockets that fail, servers that refuse
//! us, and protocol violations. Server messages *about a statement* are not errors here;
//! they are events of the statement.

use std::io;

use pgbook_book::ServerMessage;

/// Why connecting or talking to the server failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The connection string could not be understood (its password is redacted in `url`).
    #[error("invalid database URL `{url}`: {reason}")]
    InvalidUrl { url: String, reason: String },
    /// The socket could not be opened.
    #[error("cannot connect to PostgreSQL at {target}: {source}")]
    Connect {
        target: String,
        #[source]
        source: io::Error,
    },
    /// Reading or writing the socket failed.
    #[error("connection to PostgreSQL failed: {0}")]
    Io(#[from] io::Error),
    /// The server sent something the protocol does not allow here.
    #[error("PostgreSQL protocol error: {0}")]
    Protocol(String),
    /// Authentication could not be carried out (no password, unsupported method...).
    #[error("authentication failed: {0}")]
    Authentication(String),
    /// The server refused the connection (wrong password, no such database...).
    #[error("{}:  {}", .0.severity, .0.message)]
    Rejected(Box<ServerMessage>),
    /// `execute` or `send` while a statement sent earlier has not finished.
    #[error("a statement is still running on this connection")]
    Busy,
    /// The connection is closed.
    #[error("the connection to PostgreSQL is closed")]
    Closed,
}

//! Errors of the wire client: bad connection URLs, sockets that fail, servers that refuse
//! us, and protocol violations. Server messages *about a statement* are not errors here;
//! they are events of the statement.

use std::fmt;
use std::io;

use pgbook_book::ServerMessage;

/// Why connecting or talking to the server failed.
#[derive(Debug)]
pub enum ClientError {
    /// The connection URL could not be understood.
    InvalidUrl { url: String, reason: String },
    /// The socket could not be opened.
    Connect { target: String, source: io::Error },
    /// Reading or writing the socket failed.
    Io(io::Error),
    /// The server sent something the protocol does not allow here.
    Protocol(String),
    /// Authentication could not be carried out (no password, unsupported method...).
    Authentication(String),
    /// The server refused the connection (wrong password, no such database...).
    Rejected(Box<ServerMessage>),
    /// `execute` or `send` while a statement sent earlier has not finished.
    Busy,
    /// The connection is closed.
    Closed,
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::InvalidUrl { url, reason } => {
                write!(f, "invalid database URL `{url}`: {reason}")
            }
            ClientError::Connect { target, source } => {
                write!(f, "cannot connect to PostgreSQL at {target}: {source}")
            }
            ClientError::Io(e) => write!(f, "connection to PostgreSQL failed: {e}"),
            ClientError::Protocol(what) => write!(f, "PostgreSQL protocol error: {what}"),
            ClientError::Authentication(what) => write!(f, "authentication failed: {what}"),
            ClientError::Rejected(m) => write!(f, "{}:  {}", m.severity, m.message),
            ClientError::Busy => write!(f, "a statement is still running on this connection"),
            ClientError::Closed => write!(f, "the connection to PostgreSQL is closed"),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Connect { source, .. } => Some(source),
            ClientError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for ClientError {
    fn from(e: io::Error) -> Self {
        ClientError::Io(e)
    }
}

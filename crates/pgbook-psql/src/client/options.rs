//! Where and as whom to connect: `ConnectOptions`, built directly, from a connection string
//! (URL or `key=value`, parsed by `postgres::Config`), or from a `postgres::Config`.
//!
//! This module only parses; it opens no socket and reads no environment variables.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use postgres::config::{Host, SslMode};

use super::error::ClientError;

/// Libpq's default socket directory on Debian, used when the connection string names no host.
const DEFAULT_SOCKET_DIR: &str = "/var/run/postgresql";
const DEFAULT_PORT: u16 = 5432;
/// The user when the connection string names none. (libpq takes the OS user's name; a
/// library that is given no user should not guess from the process.)
const DEFAULT_USER: &str = "postgres";

/// The server's address: a Unix-domain socket directory or a TCP host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Unix { dir: PathBuf, port: u16 },
    Tcp { host: String, port: u16 },
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Unix { dir, port } => {
                write!(f, "socket {}/.s.PGSQL.{port}", dir.display())
            }
            Target::Tcp { host, port } => write!(f, "{host}:{port}"),
        }
    }
}

/// Everything needed to open a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectOptions {
    pub target: Target,
    pub user: String,
    pub password: Option<String>,
    pub dbname: String,
    pub application_name: String,
    /// How long opening the socket and the startup exchange may take (`None`: as long as
    /// the operating system lets a connect or a read block).
    pub connect_timeout: Option<Duration>,
}

impl ConnectOptions {
    /// Parses a connection string in either of libpq's forms — a
    /// `postgres[ql]://user:password@host:port/dbname?param=value` URL or `key=value` pairs —
    /// with `postgres::Config`, then applies libpq's built-in defaults for what it leaves out
    /// (see [`ConnectOptions::from_config`]).
    pub fn from_url(url: &str) -> Result<ConnectOptions, ClientError> {
        let invalid = |reason: String| ClientError::InvalidUrl {
            url: redact_password(url),
            reason,
        };
        // The parser's own message is only "invalid connection string"; the reason is
        // in its source.
        let config = postgres::Config::from_str(url).map_err(|e| {
            let reason =
                std::error::Error::source(&e).map_or_else(|| e.to_string(), |s| s.to_string());
            invalid(reason)
        })?;
        ConnectOptions::from_config(&config).map_err(|e| match e {
            ClientError::InvalidUrl { reason, .. } => invalid(reason),
            other => other,
        })
    }

    /// The wire client's options for what `config` names. What it leaves out gets libpq's
    /// compiled-in defaults — the Debian socket directory, port 5432, the database named
    /// after the user, and the user `postgres` — never the process's PG* environment
    /// variables: callers that want those put them into `config` themselves.
    pub fn from_config(config: &postgres::Config) -> Result<ConnectOptions, ClientError> {
        let invalid = |reason: String| ClientError::InvalidUrl {
            url: "(connection options)".to_string(),
            reason,
        };
        // One server only. A `host` parameter after the URL's own host adds a host in
        // `postgres::Config` but replaces it in libpq, so the last host named (and the last
        // port) is the one libpq would use first.
        let port = config.get_ports().last().copied().unwrap_or(DEFAULT_PORT);
        let target = match config.get_hosts().last() {
            None => Target::Unix {
                dir: PathBuf::from(DEFAULT_SOCKET_DIR),
                port,
            },
            Some(Host::Unix(dir)) => Target::Unix {
                dir: dir.clone(),
                port,
            },
            Some(Host::Tcp(host)) => Target::Tcp {
                host: host.clone(),
                port,
            },
        };
        match config.get_ssl_mode() {
            SslMode::Disable | SslMode::Prefer => {}
            other => {
                return Err(invalid(format!(
                    "sslmode={} is not supported (no TLS)",
                    format!("{other:?}").to_lowercase()
                )))
            }
        }
        let password = config
            .get_password()
            .map(|p| String::from_utf8(p.to_vec()))
            .transpose()
            .map_err(|_| invalid("the password is not UTF-8".into()))?;
        let user = config.get_user().unwrap_or(DEFAULT_USER).to_string();
        Ok(ConnectOptions {
            target,
            password,
            dbname: config.get_dbname().unwrap_or(&user).to_string(),
            user,
            application_name: config
                .get_application_name()
                .unwrap_or("pgbook")
                .to_string(),
            connect_timeout: config.get_connect_timeout().copied(),
        })
    }

    /// The same connection as a `postgres::Config`, for clients built on the `postgres`
    /// crate (administrative connections next to the snippets' own).
    pub fn to_config(&self) -> postgres::Config {
        let mut config = postgres::Config::new();
        match &self.target {
            Target::Unix { dir, port } => config.host_path(dir).port(*port),
            Target::Tcp { host, port } => config.host(host).port(*port),
        };
        config
            .user(&self.user)
            .dbname(&self.dbname)
            .application_name(&self.application_name)
            .ssl_mode(SslMode::Disable);
        if let Some(password) = &self.password {
            config.password(password);
        }
        if let Some(timeout) = self.connect_timeout {
            config.connect_timeout(timeout);
        }
        config
    }

    /// The same server and credentials, another database.
    pub fn with_dbname(&self, dbname: &str) -> ConnectOptions {
        ConnectOptions {
            dbname: dbname.to_string(),
            ..self.clone()
        }
    }
}

/// The URL with its password replaced, for error messages.
fn redact_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return redact_key_value_password(url);
    };
    let authority_end = url[scheme_end..]
        .find(['/', '?'])
        .map_or(url.len(), |i| scheme_end + i);
    match url[scheme_end..authority_end].rfind('@') {
        Some(at) => {
            let userinfo = &url[scheme_end..scheme_end + at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!(
                    "{}{user}:***{}",
                    &url[..scheme_end],
                    &url[scheme_end + at..]
                ),
                None => url.to_string(),
            }
        }
        None => url.to_string(),
    }
}

/// `key=value` form: the value of `password` replaced (quoted values may hold spaces).
fn redact_key_value_password(text: &str) -> String {
    let Some(start) = text.find("password").and_then(|at| {
        let rest = &text[at + "password".len()..];
        let value = rest.len() - rest.trim_start().len();
        rest.trim_start().strip_prefix('=').map(|after| {
            at + "password".len() + value + 1 + (after.len() - after.trim_start().len())
        })
    }) else {
        return text.to_string();
    };
    let rest = &text[start..];
    let end = match rest.strip_prefix('\'') {
        Some(quoted) => quoted.find('\'').map_or(rest.len(), |i| i + 2),
        None => rest.find(char::is_whitespace).unwrap_or(rest.len()),
    };
    format!("{}***{}", &text[..start], &rest[end..])
}

#[cfg(test)]
#[path = "options_tests.rs"]
mod tests;

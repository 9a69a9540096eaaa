//! Where and as whom to connect: `ConnectOptions`, built directly or from a
//! `postgres://` / `postgresql://` URL with libpq's defaults for what the URL leaves out.
//!
//! This module only parses; it opens no socket.

use std::fmt;
use std::path::PathBuf;

use super::error::ClientError;

/// Libpq's default socket directory on Debian, used when neither URL nor PGHOST names a host.
const DEFAULT_SOCKET_DIR: &str = "/var/run/postgresql";
const DEFAULT_PORT: u16 = 5432;

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
}

impl ConnectOptions {
    /// Parses `postgres[ql]://[user[:password]@][host][:port][/dbname][?param=value&...]`.
    /// Parts are percent-decoded; a host that is a path (`%2Ftmp%2Fx` or `?host=/tmp/x`) is
    /// a Unix socket directory. What is missing comes from PGHOST, PGPORT, PGUSER,
    /// PGPASSWORD, PGDATABASE, then libpq's defaults.
    pub fn from_url(url: &str) -> Result<ConnectOptions, ClientError> {
        let invalid = |reason: &str| ClientError::InvalidUrl {
            url: redact_password(url),
            reason: reason.to_string(),
        };
        let rest = url
            .strip_prefix("postgresql://")
            .or_else(|| url.strip_prefix("postgres://"))
            .ok_or_else(|| invalid("it must start with postgres:// or postgresql://"))?;
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((userinfo, hostport)) => (Some(userinfo), hostport),
            None => (None, authority),
        };

        let mut parts = UrlParts::default();
        if let Some(userinfo) = userinfo {
            let (user, password) = match userinfo.split_once(':') {
                Some((user, password)) => (user, Some(password)),
                None => (userinfo, None),
            };
            parts.user = non_empty(decode(user).map_err(|r| invalid(&r))?);
            if let Some(password) = password {
                parts.password = Some(decode(password).map_err(|r| invalid(&r))?);
            }
        }
        let (host, port) = split_host_port(hostport).map_err(|r| invalid(&r))?;
        parts.host = non_empty(decode(host).map_err(|r| invalid(&r))?);
        parts.port = port.map(str::to_string);
        parts.dbname = non_empty(decode(path).map_err(|r| invalid(&r))?);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode(value).map_err(|r| invalid(&r))?;
            parts.set(key, value).map_err(|r| invalid(&r))?;
        }
        parts.resolve().map_err(|r| invalid(&r))
    }

    /// The same server and credentials, another database.
    pub fn with_dbname(&self, dbname: &str) -> ConnectOptions {
        ConnectOptions {
            dbname: dbname.to_string(),
            ..self.clone()
        }
    }
}

/// What a URL said, before defaults are applied.
#[derive(Default)]
struct UrlParts {
    host: Option<String>,
    port: Option<String>,
    user: Option<String>,
    password: Option<String>,
    dbname: Option<String>,
    application_name: Option<String>,
}

impl UrlParts {
    fn set(&mut self, key: &str, value: String) -> Result<(), String> {
        match key {
            "host" => self.host = non_empty(value),
            "port" => self.port = non_empty(value),
            "user" => self.user = non_empty(value),
            "password" => self.password = Some(value),
            "dbname" => self.dbname = non_empty(value),
            "application_name" => self.application_name = Some(value),
            "sslmode" if matches!(value.as_str(), "disable" | "allow" | "prefer") => {}
            "sslmode" => return Err(format!("sslmode={value} is not supported (no TLS)")),
            "connect_timeout" => {}
            _ => return Err(format!("unknown connection parameter `{key}`")),
        }
        Ok(())
    }

    fn resolve(self) -> Result<ConnectOptions, String> {
        // libpq's PG* variables fill what the URL leaves out, as they do for psql.
        #[allow(clippy::disallowed_methods)]
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let port = match self.port.or_else(|| env("PGPORT")) {
            Some(port) => port
                .parse::<u16>()
                .map_err(|_| format!("invalid port `{port}`"))?,
            None => DEFAULT_PORT,
        };
        let host = self
            .host
            .or_else(|| env("PGHOST"))
            .unwrap_or_else(|| DEFAULT_SOCKET_DIR.to_string());
        if host.contains(',') {
            return Err("several hosts are not supported".to_string());
        }
        let target = if host.starts_with('/') {
            Target::Unix {
                dir: PathBuf::from(host),
                port,
            }
        } else {
            Target::Tcp { host, port }
        };
        let user = self
            .user
            .or_else(|| env("PGUSER"))
            .or_else(|| env("USER"))
            .unwrap_or_else(|| "postgres".to_string());
        Ok(ConnectOptions {
            target,
            password: self.password.or_else(|| env("PGPASSWORD")),
            dbname: self
                .dbname
                .or_else(|| env("PGDATABASE"))
                .unwrap_or_else(|| user.clone()),
            user,
            application_name: self
                .application_name
                .unwrap_or_else(|| "pgbook".to_string()),
        })
    }
}

/// Splits `host:port`, `[v6addr]:port`, `host` or `:port`.
fn split_host_port(hostport: &str) -> Result<(&str, Option<&str>), String> {
    if let Some(bracketed) = hostport.strip_prefix('[') {
        let (host, after) = bracketed
            .split_once(']')
            .ok_or("unterminated `[` in host")?;
        return match after {
            "" => Ok((host, None)),
            _ => after
                .strip_prefix(':')
                .map(|port| (host, Some(port)))
                .ok_or_else(|| format!("unexpected `{after}` after host")),
        };
    }
    Ok(match hostport.rsplit_once(':') {
        Some((host, port)) => (host, Some(port).filter(|p| !p.is_empty())),
        None => (hostport, None),
    })
}

/// Decodes `%XX` escapes; the result must be UTF-8.
fn decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%' {
            let hex = text
                .get(at + 1..at + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("invalid percent-encoding in `{text}`"))?;
            decoded.push(hex);
            at += 3;
        } else {
            decoded.push(bytes[at]);
            at += 1;
        }
    }
    String::from_utf8(decoded).map_err(|_| format!("`{text}` does not decode to UTF-8"))
}

fn non_empty(value: String) -> Option<String> {
    Some(value).filter(|v| !v.is_empty())
}

/// The URL with its password replaced, for error messages.
fn redact_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
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

#[cfg(test)]
#[path = "options_tests.rs"]
mod tests;

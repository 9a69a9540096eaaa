//! Lock-wait detection for a chapter with several sessions: a monitor connection that asks
//! the server, as PostgreSQL's isolationtester does, whether a session's backend waits on a
//! lock held by (or queued behind) another session of the chapter; and the short, known
//! `deadlock_timeout` every session gets so that deadlocks resolve the same way every run.
//!
//! This module only answers questions about backends; it does not run snippets, decide what
//! runs next, or know anything about transcripts.

use std::time::Duration;

use pgbook_book::duration::parse_duration;
use pgbook_book::Event;
use pgbook_psql::{ConnectOptions, Connection};

/// The deadlock check delay given to every session of a multi-session chapter.
const DEADLOCK_TIMEOUT: Duration = Duration::from_millis(50);

/// How long past its `deadlock_timeout` a blocked backend is given to have run its deadlock
/// check for certain (the timer fires in the backend; a loaded machine may delay it).
const DEADLOCK_CHECK_MARGIN: Duration = Duration::from_millis(250);

/// Gives a new session connection the chapter's `deadlock_timeout`, out of band. Returns
/// how long to let a backend of that session wait before its deadlock check has surely run.
///
/// Setting `deadlock_timeout` needs a superuser; without one the server's own value is read
/// and used instead (slower, equally deterministic).
pub(crate) fn configure_session(connection: &mut Connection) -> Result<Duration, String> {
    let set = format!(
        "SET deadlock_timeout = '{}ms'",
        DEADLOCK_TIMEOUT.as_millis()
    );
    let events = connection
        .execute(&set)
        .map_err(|e| format!("cannot set deadlock_timeout: {e}"))?;
    let timeout = if has_error(&events) {
        let events = connection
            .execute("SHOW deadlock_timeout")
            .map_err(|e| format!("cannot read deadlock_timeout: {e}"))?;
        first_value(&events)
            .and_then(|v| parse_duration(&v).ok())
            .ok_or("cannot read deadlock_timeout from the server")?
    } else {
        DEADLOCK_TIMEOUT
    };
    Ok(timeout + DEADLOCK_CHECK_MARGIN)
}

/// The connection that watches the chapter's sessions.
pub(crate) struct LockMonitor {
    connection: Connection,
}

impl LockMonitor {
    pub fn open(options: &ConnectOptions) -> Result<LockMonitor, String> {
        let mut connection = Connection::connect(options)
            .map_err(|e| format!("cannot open the lock monitor connection: {e}"))?;
        // A chapter that lists pg_stat_activity can tell this connection from its sessions.
        connection
            .execute("SET application_name = 'pgbook lock monitor'")
            .map_err(|e| format!("cannot set up the lock monitor connection: {e}"))?;
        Ok(LockMonitor { connection })
    }

    /// Whether backend `pid` waits for a lock because of one of `others` (directly, or
    /// queued behind a waiter that conflicts with it, or for a safe snapshot).
    pub fn is_blocked(&mut self, pid: i32, others: &[i32]) -> Result<bool, String> {
        if others.is_empty() {
            return Ok(false);
        }
        let list: Vec<String> = others.iter().map(i32::to_string).collect();
        // The simple protocol has no parameters; both values are integers we produced.
        let sql = format!(
            "SELECT pg_catalog.pg_isolation_test_session_is_blocked({pid}, '{{{}}}')",
            list.join(",")
        );
        let events = self
            .connection
            .execute(&sql)
            .map_err(|e| format!("lock monitor: {e}"))?;
        match first_value(&events).as_deref() {
            Some("t") => Ok(true),
            Some("f") => Ok(false),
            _ => Err("lock monitor: unexpected answer".into()),
        }
    }

    pub fn is_usable(&self) -> bool {
        !self.connection.is_closed()
    }

    pub fn close(self) {
        self.connection.close();
    }
}

fn has_error(events: &[Event]) -> bool {
    events.iter().any(|e| matches!(e, Event::Error(_)))
}

/// The first column of the first row of the first result set.
fn first_value(events: &[Event]) -> Option<String> {
    events.iter().find_map(|e| match e {
        Event::Complete {
            rows: Some(rows), ..
        } => rows
            .rows
            .first()
            .and_then(|row| row.first().cloned().flatten()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_durations_parse() {
        // The units PostgreSQL's SHOW prints for a time setting; never a bare number, since
        // deadlock_timeout is at least 1ms.
        let show = |text: &str| parse_duration(text).ok();
        assert_eq!(show("1s"), Some(Duration::from_secs(1)));
        assert_eq!(show("50ms"), Some(Duration::from_millis(50)));
        assert_eq!(show("2min"), Some(Duration::from_secs(120)));
        assert_eq!(show("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(show("1d"), Some(Duration::from_secs(86400)));
        assert_eq!(show("1 fortnight"), None);
        assert_eq!(show(""), None);
    }
}

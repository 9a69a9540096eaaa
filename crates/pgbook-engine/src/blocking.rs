//! Wait detection for the sessions of a chapter: a monitor connection that asks the server,
//! as PostgreSQL's isolationtester does, whether a session's backend waits on a lock held by
//! (or queued behind) another session of the chapter, or for a synchronous standby; the
//! short `deadlock_timeout` every session of a multi-session chapter gets; and the signal
//! that a waiting backend's one deadlock check has run, read from the server's log.
//!
//! Why the deadlock check matters: PostgreSQL checks a waiting backend for a deadlock once
//! per wait, `deadlock_timeout` after the wait began (the timer `pg_locks.waitstart` records
//! the start of). The step that closes a cycle is the one whose check finds it only if every
//! earlier waiter's check has already run, finding no cycle. So before the next step starts,
//! every waiting step must have had its check — observed, not guessed with a timer:
//!
//! - Every session of a multi-session chapter on a scratch cluster gets, out of band,
//!   `deadlock_timeout = '10ms'` and `log_lock_waits = on`. Right after the check of a
//!   backend that still waits, `ProcSleep` (`src/backend/storage/lmgr/proc.c`) logs
//!   `process PID still waiting for ... after N ms` (or `acquired`, `detected deadlock`,
//!   `avoided deadlock`, `failed to acquire` when the check changed things). pgbook owns
//!   the cluster and its log (`server.log`, stderr, PostgreSQL's default `log_line_prefix`
//!   `%m [%p] `, `log_timezone` UTC as pgbook pins it), so
//!   [`ServerLog`] reads the newest such line per backend, and a wait counts as checked
//!   once a line for its backend is stamped after the wait's `waitstart` (the stamp has
//!   millisecond precision, the check comes at least `deadlock_timeout` ≥ 1 ms after the
//!   start, and a line of an earlier wait is stamped before it: no mix-up).
//! - Without the log (a `--database-url` server, a role that may not set these, a book
//!   that changed `log_line_prefix` or `log_timezone`, or a session that raised its own
//!   `deadlock_timeout` or turned `log_lock_waits` off), a wait counts as checked once it
//!   has lasted the session's `deadlock_timeout` plus [`DEADLOCK_CHECK_MARGIN`] — the timer
//!   pgbook used before, slower but the same rule.
//!
//! The monitor is an administrative connection on the `postgres` crate (a prepared query
//! with typed parameters); `configure_session` works on a session's own wire connection.
//! This module only answers questions about backends; it does not run snippets, decide what
//! runs next, or know anything about transcripts.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::time::Duration;

use pgbook_book::duration::parse_duration;
use pgbook_book::Event;
use pgbook_psql::{ConnectOptions, Connection};
use postgres::{Client, NoTls, Statement};

use crate::database::CONNECT_TIMEOUT;
use crate::error::full_message;

/// The deadlock check delay given to every session of a multi-session chapter.
const DEADLOCK_TIMEOUT: Duration = Duration::from_millis(10);
/// [`DEADLOCK_TIMEOUT`] as the statement that sets it (the simple protocol, which session
/// connections speak, has no parameters; this text is a constant).
const SET_DEADLOCK_TIMEOUT: &str = "SET deadlock_timeout = '10ms'";
/// Makes a backend log the outcome of its deadlock check (see the module header).
const SET_LOG_LOCK_WAITS: &str = "SET log_lock_waits = on";

/// How long one question to the server may take before the monitor gives up on it.
const MONITOR_STATEMENT_TIMEOUT: &str = "-c statement_timeout=10s";

/// Without the log: how long past its `deadlock_timeout` a waiting backend is given to have
/// run its deadlock check (the timer fires in the backend; a loaded machine may delay it).
/// With the log, the same bound covers a session whose check will not be logged soon.
const DEADLOCK_CHECK_MARGIN: Duration = Duration::from_millis(250);

/// How a session's deadlock checks are known to have run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DeadlockCheck {
    /// Whether the backend logs its checks (`log_lock_waits`) into a log pgbook reads.
    pub logged: bool,
    /// How long a wait may last before its check has surely run, log or not.
    pub bound: Duration,
}

impl DeadlockCheck {
    /// A session that is never checked for deadlocks against others (one session).
    pub const NONE: DeadlockCheck = DeadlockCheck {
        logged: false,
        bound: Duration::ZERO,
    };
}

/// Gives a new session connection the chapter's `deadlock_timeout` out of band, and, when
/// pgbook reads the server's log (`log_watched`), `log_lock_waits`.
///
/// Both settings need a superuser; without one the server's own `deadlock_timeout` is read
/// and the timer rule used instead (slower, equally deterministic).
pub(crate) fn configure_session(
    connection: &mut Connection,
    log_watched: bool,
) -> Result<DeadlockCheck, String> {
    let events = connection
        .execute(SET_DEADLOCK_TIMEOUT)
        .map_err(|e| format!("cannot set deadlock_timeout: {e}"))?;
    if has_error(&events) {
        let events = connection
            .execute("SHOW deadlock_timeout")
            .map_err(|e| format!("cannot read deadlock_timeout: {e}"))?;
        let timeout = first_value(&events)
            .and_then(|v| parse_duration(&v).ok())
            .ok_or("cannot read deadlock_timeout from the server")?;
        return Ok(DeadlockCheck {
            logged: false,
            bound: timeout + DEADLOCK_CHECK_MARGIN,
        });
    }
    let logged = log_watched && {
        let events = connection
            .execute(SET_LOG_LOCK_WAITS)
            .map_err(|e| format!("cannot set log_lock_waits: {e}"))?;
        !has_error(&events)
    };
    Ok(DeadlockCheck {
        logged,
        bound: DEADLOCK_TIMEOUT + DEADLOCK_CHECK_MARGIN,
    })
}

/// What the monitor found a session's backend doing.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Wait {
    /// Waiting because of another session of the chapter (`pg_isolation_test_session_is_blocked`).
    pub blocked: bool,
    /// Waiting for a synchronous standby to confirm its commit (`wait_event = 'SyncRep'`).
    pub sync_rep: bool,
    /// A synchronous standby streams from the server, so such a wait ends by itself.
    pub sync_standby_streams: bool,
    /// Waiting for a heavyweight lock, so subject to a deadlock check (a safe snapshot wait
    /// is blocked without one).
    pub on_lock: bool,
    /// Whether a deadlock check of the current lock wait is in the log.
    pub checked: bool,
    /// How long the current lock wait has lasted, by the server's clock (zero until the
    /// backend has recorded its start).
    pub waited: Duration,
}

impl Wait {
    /// Whether the backend is settled in its wait: only a later step (or a timer) ends it,
    /// and it has had the one deadlock check it gets (`check` says how that is known).
    pub fn is_settled(&self, check: DeadlockCheck) -> bool {
        if self.sync_rep {
            return !self.sync_standby_streams;
        }
        if !self.blocked {
            return false;
        }
        !self.on_lock
            || self.checked
            || (self.waited > Duration::ZERO && self.waited >= check.bound)
    }
}

/// The connection that watches the chapter's sessions.
pub(crate) struct LockMonitor {
    client: Client,
    wait: Statement,
}

/// The monitor's one question. `$3` is the stamp of the newest deadlock-check line the log
/// has for the backend, if any; the check belongs to the current wait when it is later than
/// the wait's start truncated to the log's millisecond precision.
const WAIT_QUERY: &str = "\
SELECT pg_catalog.pg_isolation_test_session_is_blocked($1, $2),
       coalesce((SELECT a.wait_event = 'SyncRep' FROM pg_catalog.pg_stat_activity AS a
                 WHERE a.pid = $1), false),
       EXISTS (SELECT FROM pg_catalog.pg_stat_replication AS r
               WHERE r.state = 'streaming' AND r.sync_state IN ('sync', 'quorum')),
       coalesce(w.waiting, false),
       coalesce($3::text::timestamptz > pg_catalog.date_trunc('milliseconds', w.start), false),
       coalesce(extract(epoch FROM pg_catalog.clock_timestamp() - w.start)::float8, 0)
FROM (SELECT pg_catalog.bool_or(NOT l.granted) AS waiting,
             pg_catalog.max(l.waitstart) FILTER (WHERE NOT l.granted) AS start
      FROM pg_catalog.pg_locks AS l WHERE l.pid = $1) AS w";

impl LockMonitor {
    pub fn open(options: &ConnectOptions) -> Result<LockMonitor, String> {
        let mut config = options.to_config();
        // A chapter that lists pg_stat_activity can tell this connection from its sessions.
        config
            .application_name("pgbook lock monitor")
            .options(MONITOR_STATEMENT_TIMEOUT);
        if options.connect_timeout.is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let mut client = config.connect(NoTls).map_err(|e| {
            format!(
                "cannot open the lock monitor connection: {}",
                full_message(&e)
            )
        })?;
        let wait = client.prepare(WAIT_QUERY).map_err(|e| {
            format!(
                "cannot set up the lock monitor connection: {}",
                full_message(&e)
            )
        })?;
        Ok(LockMonitor { client, wait })
    }

    /// What backend `pid` waits for: one of `others` (directly, queued behind a waiter that
    /// conflicts with it, or for a safe snapshot), or a synchronous standby. `checked_at` is
    /// the stamp of the newest deadlock-check line the log has for it.
    pub fn wait_of(
        &mut self,
        pid: i32,
        others: &[i32],
        checked_at: Option<&str>,
    ) -> Result<Wait, String> {
        let row = self
            .client
            .query_one(&self.wait, &[&pid, &others, &checked_at])
            .map_err(|e| format!("lock monitor: {}", full_message(&e)))?;
        let get = |i: usize| -> Result<bool, String> {
            row.try_get(i)
                .map_err(|e| format!("lock monitor: {}", full_message(&e)))
        };
        let seconds: f64 = row
            .try_get(5)
            .map_err(|e| format!("lock monitor: {}", full_message(&e)))?;
        Ok(Wait {
            blocked: get(0)?,
            sync_rep: get(1)?,
            sync_standby_streams: get(2)?,
            on_lock: get(3)?,
            checked: get(4)?,
            waited: Duration::try_from_secs_f64(seconds).unwrap_or_default(),
        })
    }

    pub fn is_usable(&self) -> bool {
        !self.client.is_closed()
    }

    pub fn close(self) {
        let _ = self.client.close();
    }
}

/// The server's log, read as it grows for the lines a backend writes after its deadlock
/// check (module header). Only complete lines are parsed; a line cut by a read waits for
/// the rest.
pub(crate) struct ServerLog {
    path: PathBuf,
    file: Option<File>,
    /// Bytes read so far that do not yet end with a newline.
    partial: Vec<u8>,
    /// Per backend pid, the stamp of its newest deadlock-check line.
    checks: HashMap<i32, String>,
}

impl ServerLog {
    /// The log at `path`, read from its current end (earlier lines are of earlier backends,
    /// or of waits that ended before the chapter's sessions could have waited).
    pub fn at(path: PathBuf) -> ServerLog {
        let mut log = ServerLog {
            path,
            file: None,
            partial: Vec::new(),
            checks: HashMap::new(),
        };
        log.open_at_end();
        log
    }

    fn open_at_end(&mut self) {
        self.file = File::open(&self.path).ok().and_then(|mut file| {
            file.seek(SeekFrom::End(0)).ok()?;
            Some(file)
        });
    }

    /// Reads what was appended since the last call.
    pub fn refresh(&mut self) {
        if self.file.is_none() {
            self.open_at_end();
        }
        let Some(file) = self.file.as_mut() else {
            return;
        };
        let mut fresh = Vec::new();
        if file.read_to_end(&mut fresh).is_err() {
            return;
        }
        self.partial.extend_from_slice(&fresh);
        let Some(end) = self.partial.iter().rposition(|b| *b == b'\n') else {
            return;
        };
        let complete: Vec<u8> = self.partial.drain(..=end).collect();
        for line in String::from_utf8_lossy(&complete).lines() {
            if let Some((pid, stamp)) = deadlock_check_line(line) {
                self.checks.insert(pid, stamp.to_string());
            }
        }
    }

    /// The stamp of the newest deadlock-check line of backend `pid`.
    pub fn last_check(&self, pid: i32) -> Option<&str> {
        self.checks.get(&pid).map(String::as_str)
    }
}

/// What `ProcSleep` logs right after a deadlock check, after `process PID `.
const CHECK_OUTCOMES: &[&str] = &[
    "still waiting for ",
    "acquired ",
    "detected deadlock ",
    "avoided deadlock ",
    "failed to acquire ",
];

/// The backend pid and the stamp of a deadlock-check line written with the scratch
/// cluster's `log_line_prefix` (`%m [%p] `, in UTC): `2026-01-02 03:04:05.678 UTC [42]
/// LOG:  process 42 still waiting for ...`. Anything else is `None`.
fn deadlock_check_line(line: &str) -> Option<(i32, &str)> {
    const STAMP: usize = "2026-01-02 03:04:05.678 UTC".len();
    let stamp = line.get(..STAMP)?;
    let shape_ok = stamp.bytes().enumerate().all(|(i, b)| match i {
        4 | 7 => b == b'-',
        10 | 23 => b == b' ',
        13 | 16 => b == b':',
        19 => b == b'.',
        24..=26 => b"UTC"[i - 24] == b,
        _ => b.is_ascii_digit(),
    });
    if !shape_ok {
        return None;
    }
    let rest = line[STAMP..].strip_prefix(" [")?;
    let (pid, rest) = rest.split_once("] LOG:  process ")?;
    let rest = rest.strip_prefix(pid)?.strip_prefix(' ')?;
    if !CHECK_OUTCOMES
        .iter()
        .any(|outcome| rest.starts_with(outcome))
    {
        return None;
    }
    Some((pid.parse().ok()?, stamp))
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
    fn the_set_statement_matches_the_timeout() {
        let value = SET_DEADLOCK_TIMEOUT.split('\'').nth(1).unwrap();
        assert_eq!(parse_duration(value).ok(), Some(DEADLOCK_TIMEOUT));
    }

    #[test]
    fn deadlock_check_lines_are_recognised_by_pid_and_stamp() {
        let stamp = "2026-11-30 12:31:05.123 UTC";
        let line = |text: &str| format!("{stamp} [4242] LOG:  process 4242 {text}");
        for outcome in [
            "still waiting for ShareLock on transaction 745 after 10.072 ms",
            "acquired ExclusiveLock on tuple (0,1) of relation 16385 of database 5 after 11.1 ms",
            "detected deadlock while waiting for ShareLock on transaction 746 after 10.2 ms",
            "avoided deadlock for AccessExclusiveLock on relation 1 of database 5 by rearranging",
            "failed to acquire ShareLock on transaction 7 after 10.0 ms",
        ] {
            assert_eq!(deadlock_check_line(&line(outcome)), Some((4242, stamp)));
        }
        // Other lines of the same backend, other backends' lines quoting it, other prefixes.
        assert_eq!(deadlock_check_line(&line("acquiring nothing")), None);
        let detail = format!("{stamp} [4242] DETAIL:  Process holding the lock: 4243.");
        assert_eq!(deadlock_check_line(&detail), None);
        let quoted = format!("{stamp} [7] LOG:  process 4242 still waiting for ShareLock");
        assert_eq!(deadlock_check_line(&quoted), None);
        let other_zone = "2026-11-30 13:31:05.123 CET [42] LOG:  process 42 still waiting for x";
        assert_eq!(deadlock_check_line(other_zone), None);
        assert_eq!(
            deadlock_check_line("LOG:  process 42 still waiting for x"),
            None
        );
        assert_eq!(deadlock_check_line(""), None);
    }

    #[test]
    fn a_wait_is_settled_once_checked_or_past_the_bound() {
        let logged = DeadlockCheck {
            logged: true,
            bound: Duration::from_millis(260),
        };
        let lock_wait = Wait {
            blocked: true,
            on_lock: true,
            waited: Duration::from_millis(12),
            ..Wait::default()
        };
        assert!(!lock_wait.is_settled(logged));
        let checked = Wait {
            checked: true,
            ..lock_wait.clone()
        };
        assert!(checked.is_settled(logged));
        let long = Wait {
            waited: Duration::from_millis(300),
            ..lock_wait.clone()
        };
        assert!(long.is_settled(logged));
        let not_started = Wait {
            waited: Duration::ZERO,
            ..lock_wait.clone()
        };
        assert!(!not_started.is_settled(DeadlockCheck::NONE));
        let safe_snapshot = Wait {
            on_lock: false,
            ..lock_wait.clone()
        };
        assert!(safe_snapshot.is_settled(logged));
        let sync_rep = Wait {
            sync_rep: true,
            ..Wait::default()
        };
        assert!(sync_rep.is_settled(logged));
        // Waiting for a standby that streams: the wait ends by itself in a moment.
        let confirming = Wait {
            sync_standby_streams: true,
            ..sync_rep.clone()
        };
        assert!(!confirming.is_settled(logged));
        assert!(!Wait::default().is_settled(logged));
    }

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

//! Waiting until a node that receives changes has what its upstream had written when a
//! snippet was reached (DESIGN.md §10, "Determinism"): a streaming standby until it has
//! replayed its upstream's flushed WAL, a logical replication subscriber until each of its
//! enabled subscriptions has finished its initial copy and applied what its publisher had
//! flushed. A standby whose replay is paused, a promoted one and a disabled subscription are
//! not waited for: the chapter made that lag on purpose.
//!
//! This module asks servers where they stand, over administrative connections; it decides
//! nothing about which nodes to wait for (the caller does) and runs no snippet SQL.

use std::time::{Duration, Instant};

use crate::database::{cluster_admin, cluster_admin_on};
use crate::ScratchCluster;

/// How often a position is asked for again while waiting.
const POLL: Duration = Duration::from_millis(2);

/// Waits until `standby` has replayed what `upstream` had written (its flush position, or
/// what it had replayed itself if it is a standby too) — unless `standby` was promoted or
/// its replay is paused, or its `primary_conninfo` is empty (its walreceiver taken away
/// on purpose, as when a synchronous standby is made to lag). Not the insert position: after a segment switch (which ends every
/// `pg_basebackup`) it stands past the new segment's page header, which a standby replays
/// only when the next record comes, up to 15 s later.
pub(super) fn standby(
    upstream: &ScratchCluster,
    standby: &ScratchCluster,
    timeout: Duration,
) -> Result<(), String> {
    let lsn = written_position(upstream)?;
    let mut down = cluster_admin(standby).map_err(|e| e.to_string())?;
    let deadline = Instant::now() + timeout;
    loop {
        let row = down
            .query_one(
                "SELECT NOT pg_is_in_recovery() \
                     OR pg_is_wal_replay_paused() \
                     OR current_setting('primary_conninfo') = '' \
                     OR coalesce(pg_last_wal_replay_lsn() >= $1::text::pg_lsn, false)",
                &[&lsn],
            )
            .map_err(|e| e.to_string())?;
        if row.get::<_, bool>(0) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!("it had not replayed up to {lsn} after {timeout:?}"));
        }
        std::thread::sleep(POLL);
    }
}

/// What a node has written for others to receive: its flush position, or its replay
/// position while it is a standby.
fn written_position(cluster: &ScratchCluster) -> Result<String, String> {
    let mut admin = cluster_admin(cluster).map_err(|e| e.to_string())?;
    Ok(admin
        .query_one(
            "SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() \
                     ELSE pg_current_wal_flush_lsn() END)::text",
            &[],
        )
        .map_err(|e| e.to_string())?
        .get(0))
}

/// A logical replication subscription as the subscriber's catalog has it.
#[derive(Debug, Clone)]
pub(super) struct FoundSubscription {
    oid: i64,
    pub name: String,
    database: String,
    pub conninfo: String,
    pub enabled: bool,
}

impl FoundSubscription {
    /// The `host=` of its connection string, where it says where the publisher is.
    pub fn host(&self) -> Option<&str> {
        self.conninfo
            .split_whitespace()
            .find_map(|part| part.strip_prefix("host="))
            .map(|host| host.trim_matches('\''))
    }
}

/// Every subscription on `cluster`, by name.
pub(super) fn subscriptions(cluster: &ScratchCluster) -> Result<Vec<FoundSubscription>, String> {
    let mut admin = cluster_admin(cluster).map_err(|e| e.to_string())?;
    let rows = admin
        .query(
            "SELECT s.oid::int8, s.subname::text, d.datname::text, s.subconninfo, s.subenabled \
             FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid \
             ORDER BY s.subname",
            &[],
        )
        .map_err(|e| e.to_string())?;
    Ok(rows
        .iter()
        .map(|row| FoundSubscription {
            oid: row.get(0),
            name: row.get(1),
            database: row.get(2),
            conninfo: row.get(3),
            enabled: row.get(4),
        })
        .collect())
}

/// Waits until `subscription` on `subscriber` has copied its tables and applied what
/// `publisher` had flushed — unless it is, or becomes, disabled. The apply worker reports
/// a position as received only when its publisher says it has sent everything before it
/// (a keepalive, processed after every change before it was applied), so that position
/// reaching the publisher's means the changes are visible.
pub(super) fn subscription(
    publisher: &ScratchCluster,
    subscriber: &ScratchCluster,
    subscription: &FoundSubscription,
    timeout: Duration,
) -> Result<(), String> {
    let lsn = written_position(publisher)?;
    let mut down =
        cluster_admin_on(subscriber, &subscription.database).map_err(|e| e.to_string())?;
    let deadline = Instant::now() + timeout;
    loop {
        let row = down
            .query_one(
                "SELECT NOT coalesce((SELECT subenabled FROM pg_subscription \
                                      WHERE oid = $1::int8::oid), false) \
                     OR (NOT EXISTS (SELECT FROM pg_subscription_rel \
                                     WHERE srsubid = $1::int8::oid \
                                       AND srsubstate NOT IN ('r', 's')) \
                         AND coalesce((SELECT latest_end_lsn >= $2::text::pg_lsn \
                                       FROM pg_stat_subscription \
                                       WHERE subid = $1::int8::oid AND relid IS NULL), \
                                      false))",
                &[&subscription.oid, &lsn],
            )
            .map_err(|e| e.to_string())?;
        if row.get::<_, bool>(0) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "subscription {} had not applied its publisher's changes up to {lsn} after \
                 {timeout:?}",
                subscription.name
            ));
        }
        std::thread::sleep(POLL);
    }
}

//! The clusters nodes are made of, against real servers (modelled on the behaviour
//! PostgreSQL's `src/test/recovery` checks). Streaming standbys made by
//! `ClusterTemplate::start_standby`: a write on the primary reaches the standby, the
//! primary reports it streaming under its name from its slot, a write on the standby fails
//! with 25006, a standby of the standby cascades, and nothing is left running afterwards.
//! Restarts: after a crash (`restart(true)`) the start replays the WAL and committed data
//! survives; a clean restart replays nothing. Each scenario runs several times and must say
//! the same every time.

mod common;

use std::time::{Duration, Instant};

use pgbook_engine::{ClusterOptions, ClusterTemplate, ScratchCluster};
use postgres::{Client, NoTls};

use common::{process_running, wait_gone};

fn client(cluster: &ScratchCluster) -> Client {
    cluster
        .connect_options("postgres")
        .to_config()
        .connect(NoTls)
        .expect("connect")
}

/// Waits (generously: this is not a timing assertion) until `standby` has replayed
/// everything `primary` had written when called — up to its insert position, which also
/// covers a commit still waiting for the WAL writer.
fn wait_for_replay(primary: &mut Client, standby: &mut Client) {
    let lsn: String = primary
        .query_one("SELECT pg_current_wal_insert_lsn()::text", &[])
        .unwrap()
        .get(0);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let caught_up: bool = standby
            .query_one(
                "SELECT pg_last_wal_replay_lsn() >= $1::text::pg_lsn",
                &[&lsn],
            )
            .unwrap()
            .get(0);
        if caught_up {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the standby never replayed {lsn}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The primary's one walsender, once it reports `streaming`: its application name and
/// state, and the slot it streams from (polled, generously: the walsender reports its
/// state a moment after it has begun sending).
fn streaming(primary: &mut Client) -> (String, String, String, bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let rows = primary
            .query(
                "SELECT r.application_name, r.state, s.slot_name::text, s.active \
                 FROM pg_stat_replication r \
                 JOIN pg_replication_slots s ON s.active_pid = r.pid",
                &[],
            )
            .unwrap();
        if let [row] = rows.as_slice() {
            if row.get::<_, String>(1) == "streaming" {
                return (row.get(0), row.get(1), row.get(2), row.get(3));
            }
        }
        assert!(
            Instant::now() < deadline,
            "no streaming walsender: {rows:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// One run of the scenario: what each step answered, as text.
fn scenario(template: &ClusterTemplate) -> Vec<String> {
    let mut seen = Vec::new();
    // Standbys are made from the primary and from the standby: full-page writes from the
    // start, or a backup of the standby is refused; and commits written at once (the
    // scratch default is asynchronous commit), so the WAL position below covers them.
    let primary = template
        .start_with(&[
            ("full_page_writes".into(), "on".into()),
            ("synchronous_commit".into(), "on".into()),
        ])
        .expect("start the primary");
    let mut p = client(&primary);
    p.batch_execute("CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2);")
        .unwrap();

    let (standby, recipe) = template
        .start_standby(&primary, "replica")
        .expect("make the standby");
    assert!(recipe.basebackup.iter().any(|a| a == "--slot=replica"));
    assert!(recipe
        .settings
        .iter()
        .any(|(k, v)| k == "primary_conninfo" && v.contains("application_name=replica")));
    let mut s = client(&standby);
    p.batch_execute("INSERT INTO t VALUES (3)").unwrap();
    wait_for_replay(&mut p, &mut s);
    let count: i64 = s.query_one("SELECT count(*) FROM t", &[]).unwrap().get(0);
    seen.push(format!("standby sees {count} rows"));
    let in_recovery: bool = s
        .query_one("SELECT pg_is_in_recovery()", &[])
        .unwrap()
        .get(0);
    seen.push(format!("standby in recovery: {in_recovery}"));
    let refused = s.batch_execute("INSERT INTO t VALUES (4)").unwrap_err();
    seen.push(format!(
        "write on the standby: {}",
        refused.code().map(|c| c.code()).unwrap_or("no SQLSTATE")
    ));
    let (name, state, slot, active) = streaming(&mut p);
    seen.push(format!(
        "primary: {name} {state} from slot {slot} (active: {active})"
    ));

    // Cascading: a standby of the standby.
    let (cascade, _) = template
        .start_standby(&standby, "cascade")
        .expect("make the cascading standby");
    let mut c = client(&cascade);
    p.batch_execute("INSERT INTO t VALUES (5)").unwrap();
    wait_for_replay(&mut p, &mut s);
    wait_for_replay(&mut p, &mut c);
    let count: i64 = c.query_one("SELECT count(*) FROM t", &[]).unwrap().get(0);
    seen.push(format!("cascade sees {count} rows"));
    let upstream: String = s
        .query_one("SELECT application_name FROM pg_stat_replication", &[])
        .unwrap()
        .get(0);
    seen.push(format!("the standby streams to {upstream}"));

    let pids: Vec<i32> = [&primary, &standby, &cascade]
        .iter()
        .filter_map(|c| c.postmaster_pid())
        .collect();
    let dirs: Vec<_> = [&primary, &standby, &cascade]
        .iter()
        .map(|c| c.socket_dir().to_path_buf())
        .collect();
    drop((p, s, c));
    drop(cascade);
    drop(standby);
    drop(primary);
    for pid in pids {
        assert!(wait_gone(pid), "postmaster {pid} still runs");
        assert!(!process_running(pid));
    }
    for dir in dirs {
        assert!(!dir.exists(), "{} is left", dir.display());
    }
    seen
}

#[test]
fn a_streaming_standby_replicates_refuses_writes_and_cascades() {
    // Shares the template cache with the other engine tests.
    let _ = common::engine();
    let template = ClusterTemplate::prepare(&ClusterOptions::default()).expect("template");
    let first = scenario(&template);
    assert_eq!(
        first,
        [
            "standby sees 3 rows",
            "standby in recovery: true",
            "write on the standby: 25006",
            "primary: replica streaming from slot replica (active: true)",
            "cascade sees 4 rows",
            "the standby streams to cascade",
        ]
    );
    for _ in 0..2 {
        assert_eq!(scenario(&template), first);
    }
}

/// Committed rows, then a restart of the given kind: what the cluster holds afterwards
/// and whether its start had to replay WAL.
fn restart_scenario(template: &ClusterTemplate, immediate: bool) -> Vec<String> {
    // Commits reach the WAL before they return (the scratch default, asynchronous commit,
    // could lose the last ones in a crash: that is what it is for).
    let mut cluster = template
        .start_with(&[("synchronous_commit".into(), "on".into())])
        .expect("start");
    let mut c = client(&cluster);
    c.batch_execute("CREATE TABLE t (x int); INSERT INTO t SELECT generate_series(1, 100);")
        .unwrap();
    drop(c);
    let log = cluster.socket_dir().join("server.log");
    let before = std::fs::read_to_string(&log).unwrap().len();
    cluster.restart(immediate).expect("restart");
    let mut c = client(&cluster);
    let count: i64 = c.query_one("SELECT count(*) FROM t", &[]).unwrap().get(0);
    let started = std::fs::read_to_string(&log).unwrap()[before..].to_string();
    let replayed = started.contains("redo starts at");
    let interrupted = started.contains("was interrupted");
    drop(c);
    let pid = cluster.postmaster_pid().expect("running");
    drop(cluster);
    assert!(wait_gone(pid));
    vec![
        format!("rows after the restart: {count}"),
        format!("WAL replayed: {replayed}, interrupted: {interrupted}"),
    ]
}

#[test]
fn committed_data_survives_a_crash_and_its_recovery() {
    let _ = common::engine();
    let template = ClusterTemplate::prepare(&ClusterOptions::default()).expect("template");
    for _ in 0..3 {
        assert_eq!(
            restart_scenario(&template, true),
            [
                "rows after the restart: 100",
                "WAL replayed: true, interrupted: true"
            ]
        );
        assert_eq!(
            restart_scenario(&template, false),
            [
                "rows after the restart: 100",
                "WAL replayed: false, interrupted: false"
            ]
        );
    }
}

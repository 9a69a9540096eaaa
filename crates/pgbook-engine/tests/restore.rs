//! Point-in-time recovery with real servers (the behaviour PostgreSQL's
//! `src/test/recovery` checks for recovery targets): a cluster archiving its WAL from the
//! start, a base backup, later work, a `DROP TABLE` by accident — restored to a restore
//! point, to the LSN before the drop and to the drop's transaction id, the table is back
//! and the work done after it is not; restored to the end of the archive, the drop stays.
//! Every restored node is promoted and writable. Runs several times, identically.

mod common;

use pgbook_engine::{ClusterOptions, ClusterTemplate, RestoreTarget, ScratchCluster};
use postgres::{Client, NoTls};

use common::wait_gone;

fn client(cluster: &ScratchCluster) -> Client {
    cluster
        .connect_options("postgres")
        .to_config()
        .connect(NoTls)
        .expect("connect")
}

fn scenario(template: &ClusterTemplate) -> Vec<String> {
    let archive = template.new_archive().expect("archive");
    let primary = template.start_with(&archive.settings()).expect("primary");
    let mut p = client(&primary);
    p.batch_execute("CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2), (3);")
        .unwrap();
    let backup = template.take_backup(&primary, "base").expect("backup");
    assert!(backup.command.iter().any(|a| a == "--label=base"));
    p.batch_execute("INSERT INTO t VALUES (4)").unwrap();
    p.batch_execute("SELECT pg_create_restore_point('before_drop')")
        .unwrap();
    let lsn: String = p
        .query_one("SELECT pg_current_wal_insert_lsn()::text", &[])
        .unwrap()
        .get(0);
    let mut accident = p.transaction().unwrap();
    let xid: i64 = accident
        .query_one("SELECT txid_current()", &[])
        .unwrap()
        .get(0);
    accident.batch_execute("DROP TABLE t").unwrap();
    accident.commit().unwrap();
    p.batch_execute("CREATE TABLE later (y int)").unwrap();
    primary.archive_now().expect("archive the WAL");

    let mut seen = Vec::new();
    for target in [
        RestoreTarget::Name("before_drop".into()),
        RestoreTarget::Lsn(lsn.clone()),
        RestoreTarget::Xid(xid.to_string()),
        RestoreTarget::End,
    ] {
        let (restored, settings) = template
            .start_restored(&backup, &archive, &target)
            .unwrap_or_else(|e| panic!("restore to {target:?}: {e}"));
        assert!(settings.iter().any(|(k, _)| k == "restore_command"));
        let mut r = client(&restored);
        let row = r
            .query_one(
                "SELECT to_regclass('t') IS NOT NULL, to_regclass('later') IS NOT NULL, \
                        pg_is_in_recovery()",
                &[],
            )
            .unwrap();
        let (t, later, recovering): (bool, bool, bool) = (row.get(0), row.get(1), row.get(2));
        let rows = if t {
            let count: i64 = r.query_one("SELECT count(*) FROM t", &[]).unwrap().get(0);
            r.batch_execute("INSERT INTO t VALUES (5)").unwrap();
            format!("{count} rows, writable")
        } else {
            "gone".to_string()
        };
        let kind = format!("{target:?}");
        let kind = kind.split('(').next().unwrap_or_default();
        seen.push(format!(
            "{kind}: t {rows}; later exists: {later}; in recovery: {recovering}"
        ));
        let pid = restored.postmaster_pid().unwrap();
        drop(r);
        drop(restored);
        assert!(wait_gone(pid));
    }
    seen
}

#[test]
fn a_restore_to_a_target_before_the_drop_brings_the_table_back() {
    let _ = common::engine();
    let template = ClusterTemplate::prepare(&ClusterOptions::default()).expect("template");
    let first = scenario(&template);
    assert_eq!(
        first,
        [
            "Name: t 4 rows, writable; later exists: false; in recovery: false",
            "Lsn: t 4 rows, writable; later exists: false; in recovery: false",
            "Xid: t 4 rows, writable; later exists: false; in recovery: false",
            "End: t gone; later exists: true; in recovery: false",
        ]
    );
    assert_eq!(scenario(&template), first);
}

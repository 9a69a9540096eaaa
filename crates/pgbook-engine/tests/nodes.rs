//! Chapters with nodes (DESIGN.md §10), run through the engine on real clusters: a
//! streaming standby that replicates, catches up before each of its snippets (a cascading
//! one through its upstream), refuses writes and is promoted; a backup restored to a restore point before a `DROP TABLE`; a
//! crash with `restart=immediate`. Each chapter runs several times with identical
//! transcripts, and nothing is left afterwards. Node mistakes are located errors, and a
//! database URL run says that nodes need the server binaries.

mod common;

use std::sync::OnceLock;

use pgbook_book::{NodeActionKind, NodeOrigin, NodeRecord, Subscription};
use pgbook_engine::{Engine, EngineError, EngineOptions};

use common::{chapter, engine, shared_cache_dir};

const STANDBY: &str = "```sql\nCREATE TABLE t (x int);\n```\n\n\
    ```sql,node=replica,standby-of=main\nSELECT count(*) FROM t;\n```\n";

fn input_error(result: Result<pgbook_book::ChapterOutcome, EngineError>) -> String {
    match result {
        Err(EngineError::Input(diagnostic)) => diagnostic.to_string(),
        Err(other) => panic!("not an input error: {other}"),
        Ok(outcome) => panic!("the chapter ran: {outcome:?}"),
    }
}

#[test]
fn a_database_url_run_says_that_nodes_need_the_server_binaries() {
    let cluster = engine().scratch_cluster().expect("a scratch engine");
    let url = format!(
        "host={} port={} user={} dbname=postgres",
        cluster.socket_dir().display(),
        cluster.port(),
        cluster.superuser()
    );
    let on_url = Engine::start(EngineOptions {
        database_url: Some(url),
        ..EngineOptions::default()
    })
    .expect("connect through the URL");
    let message = input_error(on_url.run_chapter(&chapter("standby", STANDBY)));
    assert!(message.starts_with("content/standby.md:5"), "{message}");
    assert!(
        message.contains("node=replica,standby-of=main"),
        "{message}"
    );
    assert!(
        message.contains("need PostgreSQL's server binaries"),
        "{message}"
    );
    assert!(message.contains("--database-url"), "{message}");
}

#[test]
fn node_mistakes_are_located_in_the_chapter() {
    let text = "```sql,session=app\nSELECT 1;\n```\n\n\
                ```sql,node=other,session=app\nSELECT 2;\n```\n";
    let message = input_error(engine().run_chapter(&chapter("moved", text)));
    assert!(message.starts_with("content/moved.md:5"), "{message}");
    assert!(
        message.contains("session 'app' runs on node 'main'"),
        "{message}"
    );
}

/// The chapter's transcripts (every snippet must have run without a failure) and its
/// node records, on `engine`.
fn transcripts_on(engine: &Engine, text: &str, name: &str) -> (Vec<String>, Vec<NodeRecord>) {
    let outcome = engine
        .run_chapter(&chapter(name, text))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let transcripts = outcome
        .snippets
        .iter()
        .map(|s| {
            let s = s.as_ref().expect("executed");
            assert_eq!(s.failure, None, "{name}: {}", s.transcript);
            s.transcript.clone()
        })
        .collect();
    (transcripts, outcome.nodes)
}

/// This process's node, archive and backup directories in the engine's run base.
fn node_dirs() -> Vec<String> {
    let base = engine().scratch_cluster().expect("scratch").socket_dir();
    let pid = std::process::id();
    std::fs::read_dir(base.parent().expect("run base"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            ["node", "archive", "backup"]
                .iter()
                .any(|what| n.starts_with(&format!("pgbook-{what}-{pid}-")))
        })
        .collect()
}

/// One chapter with nodes at a time, so that what is left is this one's.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    TURN.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs the chapter three times; the transcripts must not change, and no node, archive
/// or backup of it may be left.
fn stable_transcripts(text: &str, name: &str) -> Vec<String> {
    stable_run(engine(), text, name).0
}

/// [`stable_transcripts`] on `engine`, with the node records, which must not change either.
fn stable_run(engine: &Engine, text: &str, name: &str) -> (Vec<String>, Vec<NodeRecord>) {
    let _turn = one_at_a_time();
    let first = transcripts_on(engine, text, name);
    for _ in 0..2 {
        assert_eq!(transcripts_on(engine, text, name), first, "{name}");
    }
    assert_eq!(node_dirs(), Vec::<String>::new());
    first
}

const FAILOVER: &str = "```sql\nCREATE TABLE t (x int);\nINSERT INTO t VALUES (1);\n```\n\n\
    ```sql,node=replica,standby-of=main\nSELECT count(*) FROM t;\nINSERT INTO t VALUES (2);\n```\n\n\
    ```sql\nINSERT INTO t VALUES (3);\n\
    SELECT application_name, state FROM pg_stat_replication;\n```\n\n\
    ```sql,node=cascade,standby-of=replica\nSELECT count(*) FROM t;\n```\n\n\
    ```sql,node=replica\nSELECT count(*) FROM t;\nSELECT pg_promote();\n```\n\n\
    ```sql,node=replica\nINSERT INTO t VALUES (4);\nSELECT count(*) FROM t;\n```\n";

#[test]
fn a_standby_replicates_refuses_writes_and_is_promoted() {
    let t = stable_transcripts(FAILOVER, "failover");
    assert!(t[1].contains("     1\n"), "{}", t[1]);
    assert!(
        t[1].contains("ERROR:  cannot execute INSERT in a read-only transaction"),
        "{}",
        t[1]
    );
    assert!(t[2].contains(" replica          | streaming\n"), "{}", t[2]);
    // Caught up before the snippet, through the chain main → replica → cascade: the row
    // inserted on main just before is there.
    assert!(t[3].contains("     2\n"), "{}", t[3]);
    assert!(t[4].contains("     2\n"), "{}", t[4]);
    assert!(
        t[4].contains(" pg_promote \n------------\n t\n"),
        "{}",
        t[4]
    );
    assert!(t[5].starts_with("INSERT 0 1\n"), "{}", t[5]);
    assert!(t[5].contains("     3\n"), "{}", t[5]);
}

const RECOVERY: &str = "```sql\nCREATE TABLE keep (x int);\nINSERT INTO keep VALUES (1);\n```\n\n\
    ```sql,backup=base\nINSERT INTO keep VALUES (2);\n```\n\n\
    ```sql\nSELECT 1 FROM pg_create_restore_point('before_drop');\nDROP TABLE keep;\n```\n\n\
    ```sql,node=restored,restore=base,until=name:before_drop\nSELECT count(*) FROM keep;\n\
    SELECT pg_is_in_recovery();\n```\n\n\
    ```sql,restart=immediate\nCREATE TABLE survivor AS SELECT 42 AS x;\n```\n\n\
    ```sql,restart=immediate\nSELECT to_regclass('keep') IS NULL AS dropped, x FROM survivor;\n```\n";

#[test]
fn a_backup_is_restored_before_the_drop_and_a_crash_loses_nothing() {
    let t = stable_transcripts(RECOVERY, "recovery");
    assert!(t[3].contains("     2\n"), "the table is back: {}", t[3]);
    assert!(
        t[3].contains(" pg_is_in_recovery \n-------------------\n f\n"),
        "{}",
        t[3]
    );
    assert!(t[5].contains(" t       | 42\n"), "{}", t[5]);
}

/// The records of a run say how each node was made, with placeholders for scratch paths.
#[test]
fn the_records_say_how_each_node_was_made() {
    let (_, nodes) = stable_run(engine(), FAILOVER, "failover_records");
    let names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["main", "replica", "cascade"]);
    let replica = &nodes[1];
    assert_eq!(
        replica.origin,
        NodeOrigin::Standby {
            upstream: "main".into()
        }
    );
    assert_eq!(replica.created_before, 1);
    let created = &replica.actions[0];
    assert_eq!(created.kind, NodeActionKind::Created);
    assert_eq!(
        created.commands[0].replace(" \\\n    ", " "),
        "pg_basebackup --pgdata=$REPLICA_DATA --host=$MAIN_HOST --port=5432 \
         --username=postgres --wal-method=stream --checkpoint=fast --create-slot \
         --slot=replica --no-sync"
    );
    assert_eq!(
        created.settings,
        [
            (
                "primary_conninfo".to_string(),
                "host=$MAIN_HOST port=5432 user=postgres application_name=replica".to_string()
            ),
            ("primary_slot_name".to_string(), "replica".to_string())
        ]
    );
    assert!(created
        .placeholders
        .iter()
        .any(|(p, meaning)| p == "$MAIN_HOST" && meaning.contains("main")));
    let text = format!("{nodes:?}");
    assert!(!text.contains("/tmp/"), "a scratch path is left: {text}");

    let (_, nodes) = stable_run(engine(), RECOVERY, "recovery_records");
    let main = &nodes[0];
    let kinds: Vec<&NodeActionKind> = main.actions.iter().map(|a| &a.kind).collect();
    assert_eq!(
        kinds,
        [
            &NodeActionKind::Created,
            &NodeActionKind::BackedUp {
                backup: "base".into()
            },
            &NodeActionKind::Restarted { immediate: true },
            &NodeActionKind::Restarted { immediate: true },
        ]
    );
    assert!(main.actions[0]
        .settings
        .contains(&("archive_command".into(), "cp %p $ARCHIVE/%f".into())));
    assert_eq!(
        main.actions[2].commands,
        [
            "pg_ctl stop --mode=immediate --pgdata=$MAIN_DATA",
            "pg_ctl start --pgdata=$MAIN_DATA"
        ]
    );
    let restored = &nodes[1];
    assert_eq!(
        restored.origin,
        NodeOrigin::Restore {
            backup: "base".into(),
            source: "main".into(),
            target: Some("name:before_drop".into())
        }
    );
    let settings = &restored.actions[0].settings;
    assert!(settings.contains(&("restore_command".into(), "cp $ARCHIVE/%f %p".into())));
    assert!(settings.contains(&("recovery_target_name".into(), "before_drop".into())));
    assert!(restored.actions[0]
        .commands
        .contains(&"cp -a $BACKUP_BASE_DIR $RESTORED_DATA".to_string()));
}

/// The engine for logical replication: `wal_level = logical` from the book's settings.
fn logical_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    engine(); // its exit hook cleans this engine's clusters up too
    ENGINE.get_or_init(|| {
        Engine::start(EngineOptions {
            cache_dir: Some(shared_cache_dir()),
            settings: vec![("wal_level".into(), "logical".into())],
            ..EngineOptions::default()
        })
        .expect("start a scratch cluster with wal_level = logical")
    })
}

const LOGICAL: &str = "```sql\nCREATE TABLE items (id int PRIMARY KEY, name text);\n\
    INSERT INTO items VALUES (1, 'one'), (2, 'two');\nCREATE TABLE nokey (x int);\n\
    CREATE PUBLICATION pub FOR TABLE items, nokey;\n```\n\n\
    ```sql,node=sub\nCREATE TABLE items (id int PRIMARY KEY, name text);\n\
    CREATE TABLE nokey (x int);\n\
    CREATE SUBSCRIPTION s CONNECTION :'main_conninfo' PUBLICATION pub;\n```\n\n\
    ```sql,node=sub\nSELECT * FROM items ORDER BY id;\n```\n\n\
    ```sql\nUPDATE items SET name = 'uno' WHERE id = 1;\nINSERT INTO nokey VALUES (7);\n\
    UPDATE nokey SET x = 8;\n```\n\n\
    ```sql,node=sub\nSELECT * FROM items ORDER BY id;\nSELECT * FROM nokey;\n```\n\n\
    ```sql,node=sub\nDROP SUBSCRIPTION s;\n```\n";

#[test]
fn a_subscription_on_another_node_copies_and_applies_through_main_conninfo() {
    let (t, nodes) = stable_run(logical_engine(), LOGICAL, "logical");
    assert!(
        t[1].contains("NOTICE:  created replication slot \"s\" on publisher\nCREATE SUBSCRIPTION"),
        "{}",
        t[1]
    );
    // The initial copy, waited for before the subscriber's next snippet.
    assert!(t[2].contains("  1 | one\n  2 | two\n(2 rows)"), "{}", t[2]);
    assert!(
        t[3].contains(
            "ERROR:  cannot update table \"nokey\" because it does not have a replica \
             identity and publishes updates"
        ),
        "{}",
        t[3]
    );
    // The later UPDATE and INSERT, applied before the subscriber's snippet ran.
    assert!(t[4].contains("  1 | uno\n  2 | two\n"), "{}", t[4]);
    assert!(t[4].contains(" x \n---\n 7\n(1 row)"), "{}", t[4]);
    // Dropped by the chapter's end, still recorded for the page's topology.
    assert!(t[5].contains("DROP SUBSCRIPTION"), "{}", t[5]);
    assert_eq!(
        nodes[1].subscriptions,
        [Subscription {
            name: "s".into(),
            publisher: Some("main".into())
        }]
    );
    assert_eq!(nodes[1].origin, NodeOrigin::Empty);
}

const PITR_VARIABLE: &str =
    "```sql\nCREATE TABLE keep (x int);\nINSERT INTO keep VALUES (1);\n```\n\n\
    ```sql,backup=base\nINSERT INTO keep VALUES (2);\n```\n\n\
    ```sql\nSELECT pg_current_wal_insert_lsn() AS drop_lsn \\gset\nDROP TABLE keep;\n\
    CREATE TABLE later (y int);\n```\n\n\
    ```sql,node=restored,restore=base,until=lsn::drop_lsn\nSELECT count(*) FROM keep;\n\
    SELECT to_regclass('later') IS NULL AS later_missing;\n```\n";

#[test]
fn a_restore_stops_at_an_lsn_captured_with_gset_before_the_drop() {
    let (t, nodes) = stable_run(engine(), PITR_VARIABLE, "pitr_variable");
    assert!(t[3].contains("     2\n"), "the table is back: {}", t[3]);
    assert!(t[3].contains(" t\n"), "later work is not: {}", t[3]);
    let NodeOrigin::Restore {
        target: Some(target),
        ..
    } = &nodes[1].origin
    else {
        panic!("{nodes:?}")
    };
    assert!(target.starts_with("lsn:0/"), "resolved: {target}");
}

#[test]
fn an_unset_or_malformed_target_variable_fails_the_restore_snippet() {
    let text = "```sql,backup=base\nSELECT 1;\n```\n\n\
        ```sql,node=first,restore=base,until=lsn::never_set\nSELECT 1;\n```\n\n\
        ```sql\n\\set word hello\n```\n\n\
        ```sql,node=second,restore=base,until=xid::word\nSELECT 1;\n```\n";
    let _turn = one_at_a_time();
    let outcome = engine()
        .run_chapter(&chapter("bad_target", text))
        .expect("the chapter runs");
    let failure = |i: usize| {
        outcome.snippets[i]
            .as_ref()
            .and_then(|s| s.failure.clone())
            .unwrap_or_default()
    };
    assert!(
        failure(1).contains("until=lsn::never_set: the variable never_set is not set"),
        "{}",
        failure(1)
    );
    assert!(
        failure(3).contains("the variable word is 'hello', which is not a transaction id"),
        "{}",
        failure(3)
    );
    assert_eq!(node_dirs(), Vec::<String>::new());
}

/// The engine whose snippets run as an ordinary role (`[execute] role`).
fn role_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    engine(); // its exit hook cleans this engine's clusters up too
    ENGINE.get_or_init(|| {
        Engine::start(EngineOptions {
            cache_dir: Some(shared_cache_dir()),
            role: Some("reader".into()),
            ..EngineOptions::default()
        })
        .expect("start a scratch cluster")
    })
}

const ROLE: &str = "```sql,backup=base\nCREATE TABLE t (x int);\nSELECT current_user;\n```\n\n\
    ```sql,node=other\nCREATE TABLE u (y int);\nSELECT current_user;\n```\n\n\
    ```sql,node=replica,standby-of=main\nSELECT current_user, count(*) FROM t;\n```\n\n\
    ```sql,node=restored,restore=base\nINSERT INTO t VALUES (1);\nSELECT current_user;\n```\n";

#[test]
fn the_execute_role_runs_the_snippets_of_every_node() {
    let (t, _) = stable_run(role_engine(), ROLE, "role_nodes");
    assert!(t[0].contains(" reader\n"), "{}", t[0]);
    assert!(t[1].starts_with("CREATE TABLE\n"), "{}", t[1]);
    assert!(t[1].contains(" reader\n"), "{}", t[1]);
    assert!(t[2].contains(" reader       |     0\n"), "{}", t[2]);
    assert!(t[3].starts_with("INSERT 0 1\n"), "{}", t[3]);
    assert!(t[3].contains(" reader\n"), "{}", t[3]);
}

//! Chapters with nodes (DESIGN.md §10), run through the engine on real clusters: a
//! streaming standby that replicates, catches up before each of its snippets (a cascading
//! one through its upstream), refuses writes and is promoted; a backup restored to a restore point before a `DROP TABLE`; a
//! crash with `restart=immediate`. Each chapter runs several times with identical
//! transcripts, and nothing is left afterwards. Node mistakes are located errors, and a
//! database URL run says that nodes need the server binaries.

mod common;

use pgbook_engine::{Engine, EngineError, EngineOptions};

use common::{chapter, engine};

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

fn transcripts(text: &str, name: &str) -> Vec<String> {
    let outcome = engine()
        .run_chapter(&chapter(name, text))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    outcome
        .snippets
        .iter()
        .map(|s| {
            let s = s.as_ref().expect("executed");
            assert_eq!(s.failure, None, "{name}: {}", s.transcript);
            s.transcript.clone()
        })
        .collect()
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

/// Runs the chapter three times; the transcripts must not change, and no node, archive
/// or backup of it may be left.
fn stable_transcripts(text: &str, name: &str) -> Vec<String> {
    // One chapter with nodes at a time, so that what is left is this one's.
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
    let first = transcripts(text, name);
    for _ in 0..2 {
        assert_eq!(transcripts(text, name), first, "{name}");
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

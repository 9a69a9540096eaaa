//! Chapters with nodes (DESIGN.md §10), as far as this version goes: their node
//! attributes are checked against the whole chapter before anything runs, and a chapter
//! that needs nodes fails with a located message instead of running on one server.

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
fn a_chapter_with_nodes_is_refused_before_anything_runs() {
    let message = input_error(engine().run_chapter(&chapter("standby", STANDBY)));
    assert!(message.starts_with("content/standby.md:5"), "{message}");
    assert!(message.contains("cannot run yet"), "{message}");
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

//! The engine against real clusters: statements, sessions, timeouts, a backend that kills
//! itself, unsupported meta-commands located in the Markdown, chapter isolation, seeded random,
//! database-URL mode and environment errors.

mod common;

use pgbook_book::{ChapterOutcome, Event, SnippetOutcome};
use pgbook_engine::{ClusterOptions, Engine, EngineError, EngineOptions, ScratchCluster};
use pgbook_psql::Connection;

use common::{chapter, engine};

fn run(text: &str) -> ChapterOutcome {
    engine()
        .run_chapter(&chapter("test", text))
        .expect("run chapter")
}

fn step(outcome: &ChapterOutcome, index: usize) -> &SnippetOutcome {
    outcome.snippets[index]
        .as_ref()
        .expect("snippet was executed")
}

/// The single value of the last result set of a step.
fn value(step: &SnippetOutcome) -> String {
    step.statements
        .iter()
        .flat_map(|s| &s.events)
        .filter_map(|e| match e {
            Event::Complete {
                rows: Some(rows), ..
            } => rows.rows[0][0].clone(),
            _ => None,
        })
        .next_back()
        .expect("a value")
}

#[test]
fn statements_run_one_by_one_and_execution_continues_after_an_error() {
    let outcome = run("```sql\nSELECT 1/0;\nSELECT 'after' AS word;\n```\n");
    let step = step(&outcome, 0);
    assert_eq!(step.statements.len(), 2);
    assert_eq!(step.error_codes(), vec!["22012"]);
    assert_eq!(value(step), "after");
    assert_eq!(step.transcript, pgbook_psql::transcript(&step.statements));
    assert_eq!(step.failure, None);
    assert!(outcome
        .server_version
        .starts_with(engine().server_version()));
}

#[test]
fn each_statement_is_its_own_transaction() {
    let outcome = run(
        "```sql\nCREATE TABLE t (x int);\nINSERT INTO t VALUES (1/0);\nINSERT INTO t VALUES (2);\n```\n\n\
         ```sql\nSELECT count(*) FROM t;\n```\n",
    );
    assert_eq!(value(step(&outcome, 1)), "1");
}

#[test]
fn an_unsupported_meta_command_is_an_input_error_located_in_the_markdown() {
    let text = "# Title\n\n```sql\nSELECT 1;\n```\n\n```sql\nSELECT 2;\n  \\watch 1\n```\n";
    let err = engine().run_chapter(&chapter("meta", text)).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    let EngineError::Input(diagnostic) = &err else {
        panic!("expected an input error, got {err:?}");
    };
    assert_eq!(diagnostic.file, std::path::Path::new("content/meta.md"));
    assert_eq!((diagnostic.line, diagnostic.col), (9, 3));
    let message = err.to_string();
    assert!(
        message.starts_with("content/meta.md:9:3: psql meta-command \\watch is not supported"),
        "{message}"
    );
}

#[test]
fn g_with_a_file_is_an_input_error() {
    let text = "# T\n\n```sql\nSELECT 1 \\g /tmp/out.txt\n```\n";
    let err = engine().run_chapter(&chapter("g", text)).unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with("content/g.md:4:10: psql meta-command \\g with an argument"),
        "{message}"
    );
}

#[test]
fn ignored_snippets_are_not_run() {
    let outcome = run("```sql,ignore\nCREATE TABLE ignored ();\n```\n\n```sql\nSELECT to_regclass('ignored') IS NULL;\n```\n");
    assert!(outcome.snippets[0].is_none());
    assert_eq!(value(step(&outcome, 1)), "t");
}

#[test]
fn named_sessions_have_their_own_connections() {
    let outcome = run("```sql\nSELECT pg_backend_pid();\n```\n\n\
         ```sql,session=bob\nSELECT pg_backend_pid();\n```\n\n\
         ```sql\nSELECT pg_backend_pid();\n```\n\n\
         ```sql,session=bob\nSELECT current_database() = (SELECT current_database());\n```\n");
    let main = value(step(&outcome, 0));
    assert_ne!(
        main,
        value(step(&outcome, 1)),
        "bob shares main's connection"
    );
    assert_eq!(main, value(step(&outcome, 2)), "main changed connection");
}

#[test]
fn sessions_see_the_same_database_and_each_others_commits() {
    let outcome = run(
        "```sql\nCREATE TABLE shared (x int);\nINSERT INTO shared VALUES (1);\n```\n\n\
         ```sql,session=bob\nSELECT count(*) FROM shared;\n```\n",
    );
    assert_eq!(value(step(&outcome, 1)), "1");
}

#[test]
fn a_statement_over_its_timeout_is_cancelled_and_the_run_goes_on() {
    let outcome = run(
        "```sql,timeout=200ms\nSELECT pg_sleep(60);\nSELECT 'still here';\n```\n\n\
         ```sql\nSHOW statement_timeout;\n```\n",
    );
    let slow = step(&outcome, 0);
    assert_eq!(slow.error_codes(), vec!["57014"]);
    assert_eq!(value(slow), "still here");
    // The default timeout is back for the next snippet, set out of band.
    assert_eq!(value(step(&outcome, 1)), "30s");
    assert!(
        !slow.transcript.contains("statement_timeout"),
        "{}",
        slow.transcript
    );
}

#[test]
fn a_snippet_that_terminates_its_own_backend_fails_and_the_chapter_goes_on() {
    let outcome = run("```sql\nSELECT pg_backend_pid();\n```\n\n\
         ```sql\nSELECT pg_terminate_backend(pg_backend_pid());\nSELECT 'skipped';\n```\n\n\
         ```sql\nSELECT pg_backend_pid();\n```\n");
    let killed = step(&outcome, 1);
    let failure = killed.failure.as_deref().expect("a failure");
    assert!(
        failure.starts_with("the server closed the connection"),
        "{failure}"
    );
    assert_eq!(
        killed.statements.len(),
        1,
        "the rest of the snippet is skipped"
    );
    let after = step(&outcome, 2);
    assert_eq!(after.failure, None);
    assert_ne!(value(after), value(step(&outcome, 0)), "a new connection");
}

#[test]
fn random_repeats_in_every_session_and_chapter() {
    let text = "```sql\nSELECT random();\n```\n\n```sql,session=other\nSELECT random();\n```\n";
    let first = run(text);
    let second = run(text);
    assert_eq!(value(step(&first, 0)), value(step(&second, 0)));
    assert_eq!(value(step(&first, 0)), value(step(&first, 1)));
}

#[test]
fn chapters_run_in_parallel_in_databases_of_their_own() {
    let text = "```sql\nCREATE TABLE same_name (x int);\nINSERT INTO same_name SELECT 1;\n\
                SELECT pg_sleep(0.2);\nSELECT current_database();\n```\n";
    let a = chapter("a", text);
    let b = chapter("b", text);
    let results = engine().run_chapters(&[&a, &b]);
    let names: Vec<String> = results
        .into_iter()
        .map(|r| {
            let outcome = r.expect("chapter ran");
            let step = step(&outcome, 0).clone();
            assert_eq!(
                step.error_codes(),
                Vec::<&str>::new(),
                "{}",
                step.transcript
            );
            value(&step)
        })
        .collect();
    assert_ne!(names[0], names[1]);
}

#[test]
fn cache_key_names_the_version() {
    let key = engine().cache_key();
    assert!(
        key.starts_with(&format!("{}-", engine().server_version())),
        "{key}"
    );
    assert_eq!(key, engine().cache_key());
}

fn count_pgbook_databases(connection: &mut Connection) -> String {
    let events = connection
        .execute("SELECT count(*) FROM pg_database WHERE datname LIKE 'pgbook\\_%'")
        .unwrap();
    events
        .into_iter()
        .find_map(|e| match e {
            Event::Complete {
                rows: Some(rows), ..
            } => rows.rows[0][0].clone(),
            _ => None,
        })
        .unwrap()
}

#[test]
fn a_database_url_runs_chapters_in_databases_it_drops_afterwards() {
    let cluster = ScratchCluster::start(&ClusterOptions {
        cache_dir: Some(
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("engine-template-cache"),
        ),
        ..ClusterOptions::default()
    })
    .unwrap();
    // Both of libpq's forms, with the Unix socket directory as the host.
    let urls = [
        format!(
            "postgresql://{}@/postgres?host={}&port={}",
            cluster.superuser(),
            cluster.socket_dir().display(),
            cluster.port()
        ),
        format!(
            "host={} port={} user={} dbname=postgres connect_timeout=5",
            cluster.socket_dir().display(),
            cluster.port(),
            cluster.superuser(),
        ),
    ];
    for url in urls {
        let engine = Engine::start(EngineOptions {
            database_url: Some(url.clone()),
            ..EngineOptions::default()
        })
        .unwrap_or_else(|e| panic!("{url}: {e}"));
        assert!(engine.scratch_cluster().is_none());
        assert_eq!(engine.server_version(), cluster.version());
        // Two sessions: the lock monitor connects through the URL's server too.
        let text = "```sql\nCREATE TABLE t (x int);\nSELECT current_database();\n```\n\n\
                    ```sql session=a\nBEGIN;\nLOCK t;\n```\n\n\
                    ```sql session=b\nSELECT count(*) FROM t;\n```\n\n\
                    ```sql session=a\nCOMMIT;\n```\n";
        let outcome = engine.run_chapter(&chapter("url", text)).unwrap();
        assert!(value(step(&outcome, 0)).starts_with("pgbook_"), "{url}");
        assert_eq!(value(step(&outcome, 2)), "0", "{url}");
        for snippet in outcome.snippets.iter().flatten() {
            assert_eq!(snippet.failure, None, "{url}: {}", snippet.transcript);
        }
        assert!(
            step(&outcome, 2).transcript.contains("waiting"),
            "{url}: the lock wait was seen: {}",
            step(&outcome, 2).transcript
        );
        let mut admin = Connection::connect(&cluster.connect_options("postgres")).unwrap();
        assert_eq!(count_pgbook_databases(&mut admin), "0", "{url}");
        admin.close();
    }
    cluster.stop().unwrap();
}

#[test]
fn an_unreachable_database_url_is_an_environment_error() {
    let err = Engine::start(EngineOptions {
        database_url: Some(
            "postgresql://postgres@/postgres?host=/nonexistent-pgbook-dir&port=5432".into(),
        ),
        ..EngineOptions::default()
    })
    .err()
    .expect("no server there");
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("cannot connect"), "{err}");
}

#[test]
fn missing_server_binaries_say_how_to_get_them() {
    let err = ScratchCluster::start(&ClusterOptions {
        pg_bin: Some("/nonexistent/pgbook/bin".into()),
        ..ClusterOptions::default()
    })
    .err()
    .expect("no binaries there");
    assert!(matches!(err, EngineError::NoPostgres(_)));
    assert_eq!(err.exit_code(), 2);
    let message = err.to_string();
    assert!(message.contains("apt-get install postgresql"), "{message}");
    assert!(message.contains("--database-url"), "{message}");
}

#[test]
fn the_engine_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Engine>();
    shareable::<ScratchCluster>();
}

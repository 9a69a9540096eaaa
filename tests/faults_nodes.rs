//! Faults in a chapter with nodes (DESIGN.md §6 and §10): a streaming standby and a node
//! restored from a base backup beside the chapter's own cluster. Whatever way the run ends —
//! success, an SQL error on a node, Ctrl-C or SIGTERM while a node's snippet runs, `kill -9`
//! of pgbook followed by a normal run — no PostgreSQL process, directory or socket of any
//! node is left. The chapter itself checks, from each node's server, that the node runs as
//! the `postgres` OS user (when the tests run as root, as in CI) in a private directory
//! holding its socket.

mod support;

use std::path::Path;
use std::process::Child;
use std::time::Duration;

/// `main` with a table, a base backup after the second row, a standby of `main` and a node
/// restored from the backup; each node then reports the modes and owners of its directory,
/// socket and data directory, and the OS user its server runs as (expected outputs blessed
/// from a run as root).
const CHAPTER: &str = r#"# Nodes

```sql
CREATE TABLE t (x int);
INSERT INTO t VALUES (1);
```

```output
CREATE TABLE
INSERT 0 1
```

```sql,backup=base
INSERT INTO t VALUES (2);
```

```output
INSERT 0 1
```

```sql,node=replica,standby-of=main
SELECT count(*) FROM t;
```

```output
 count
-------
     2
(1 row)
```

```sql,node=restored,restore=base
SELECT count(*) FROM t;
```

```output
 count
-------
     2
(1 row)
```

```sql,node=replica
COPY (SELECT) TO PROGRAM $$stat -c '%a %U %n' .. ../.s.PGSQL.5432 . > modes.txt; id -un >> modes.txt$$;
SELECT regexp_split_to_table(rtrim(pg_read_file('modes.txt'), E'\n'), E'\n') AS line;
```

```output
COPY 1
             line
-------------------------------
 700 postgres ..
 777 postgres ../.s.PGSQL.5432
 700 postgres .
 postgres
(4 rows)
```

```sql,node=restored
COPY (SELECT) TO PROGRAM $$stat -c '%a %U %n' .. ../.s.PGSQL.5432 . > modes.txt; id -un >> modes.txt$$;
SELECT regexp_split_to_table(rtrim(pg_read_file('modes.txt'), E'\n'), E'\n') AS line;
```

```output
COPY 1
             line
-------------------------------
 700 postgres ..
 777 postgres ../.s.PGSQL.5432
 700 postgres .
 postgres
(4 rows)
```
"#;

/// The line of the first snippet [`node_book`] appends after [`CHAPTER`].
fn appended_line() -> usize {
    CHAPTER.lines().count() + 2
}

/// A one-chapter book: [`CHAPTER`], then `extra` snippets.
fn node_book(root: &Path, extra: &str) {
    support::book(
        root,
        "[book]\ntitle = \"Nodes\"\n",
        &[("nodes.md", &format!("{CHAPTER}\n{extra}"))],
    );
}

/// Waits until the chapter's last snippet sleeps, with every node's cluster running (polled:
/// no deadline, a hang shows as a hung test).
fn wait_for_the_last_snippet(run: &Path, child: &mut Child) {
    support::wait_until_a_statement_sleeps(run, child);
    // The engine's reference cluster, and the chapter's main, replica and restored.
    assert_eq!(support::socket_dirs(run).len(), 4, "every node runs");
}

const SLEEP_ON_REPLICA: &str = "```sql,node=replica\nSELECT pg_sleep(600);\n```\n";
const SLEEP_ON_RESTORED: &str = "```sql,node=restored\nSELECT pg_sleep(600);\n```\n";

#[test]
fn an_sql_error_on_a_restored_node_is_located_and_leaves_nothing() {
    let run = support::run_dir();
    let book = tempfile::tempdir().unwrap();
    node_book(book.path(), "```sql,node=restored\nSELEC 1;\n```\n");
    let out = support::pgbook_in(run.path(), &["test", book.path().to_str().unwrap()]);
    let report = format!("{}{}", support::stdout(&out), support::stderr(&out));
    assert_eq!(out.status.code(), Some(1), "{report}");
    let location = format!("content/nodes.md:{}:1: ", appended_line() + 1);
    assert!(report.contains(&location), "{location} in {report}");
    assert!(
        report.contains("syntax error at or near \"SELEC\""),
        "{report}"
    );
    support::assert_nothing_left(run.path(), "an SQL error");
}

#[test]
fn ctrl_c_and_sigterm_while_a_node_snippet_runs_leave_nothing() {
    // Both at once, each with its own run directory: they share nothing.
    std::thread::scope(|scope| {
        scope.spawn(|| interrupt_while_sleeping_on("INT", 2, SLEEP_ON_REPLICA));
        scope.spawn(|| interrupt_while_sleeping_on("TERM", 15, SLEEP_ON_RESTORED));
    });
}

fn interrupt_while_sleeping_on(name: &str, number: i32, sleep: &str) {
    let run = support::run_dir();
    let book = tempfile::tempdir().unwrap();
    node_book(book.path(), sleep);
    let chapter = std::fs::read(book.path().join("content/nodes.md")).unwrap();
    let mut child = support::spawn_pgbook_in(run.path(), &["test", book.path().to_str().unwrap()]);
    wait_for_the_last_snippet(run.path(), &mut child);
    support::signal(child.id(), name);
    assert_eq!(
        child.wait().unwrap().code(),
        Some(128 + number),
        "SIG{name}"
    );
    support::assert_nothing_left(run.path(), &format!("SIG{name}"));
    assert_eq!(
        std::fs::read(book.path().join("content/nodes.md")).unwrap(),
        chapter
    );
}

#[test]
fn after_pgbook_is_killed_mid_node_chapter_the_next_run_cleans_up_and_succeeds() {
    let run = support::run_dir();
    let book = tempfile::tempdir().unwrap();
    node_book(book.path(), SLEEP_ON_RESTORED);
    let mut child = support::spawn_pgbook_in(run.path(), &["test", book.path().to_str().unwrap()]);
    wait_for_the_last_snippet(run.path(), &mut child);
    support::signal(child.id(), "KILL");
    child.wait().unwrap();
    // What SIGKILL leaves: every node's directory, owned by a process that is gone; the
    // servers get SIGQUIT through their parent-death signal.
    let left = std::fs::read_dir(run.path()).unwrap().count();
    assert!(left >= 4, "{left} directories left by the killed run");
    // Every node's server stops by itself (polled: a server that never stops hangs the test).
    while !support::processes_naming(run.path()).is_empty() {
        std::thread::sleep(Duration::from_millis(50));
    }

    // The next run — the success case of this file — sweeps all of that up first.
    node_book(book.path(), "");
    let out = support::pgbook_in(run.path(), &["test", book.path().to_str().unwrap()]);
    let report = support::stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{report}{}",
        support::stderr(&out)
    );
    assert!(report.contains("6 passed, 0 failed"), "{report}");
    support::assert_nothing_left(run.path(), "the run after SIGKILL");
}

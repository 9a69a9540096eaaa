//! Pictures through the real binary: the `pictures` fixture's page carries a plan profile,
//! charts and a sessions timeline, and its nodes page a topology and a note per node action,
//! the same on every run; a `chart=` that cannot be drawn fails `pgbook test` and
//! `pgbook build` with the attribute's `file.md:LINE:COL`; results printed under `\x` or by
//! `\gx` are shown as one block per record.

#[path = "support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};

use support::{copy_dir, pgbook, stderr};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/build/pictures");

fn chapter_book(dir: &Path, chapter: &str) -> PathBuf {
    let root = dir.join("book-src");
    support::write(&root.join("book.toml"), "[book]\ntitle = \"Charts\"\n");
    support::write(&root.join("content/SUMMARY.md"), "- [Ch](ch.md)\n");
    support::write(&root.join("content/ch.md"), chapter);
    root
}

#[test]
fn the_page_shows_a_profile_charts_and_a_timeline() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("src");
    copy_dir(Path::new(FIXTURE), &root);
    let out = pgbook(&["build", root.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = std::fs::read_to_string(root.join("book/pictures.html")).unwrap();
    assert_eq!(
        page.matches("<li class=\"profile-node").count(),
        4,
        "one row per plan node"
    );
    assert!(page.contains("Rows Removed by Filter: 19971"));
    assert!(page.contains("× 29 loops"), "the inner side's loops");
    // The verbatim plan is still there, one click away.
    assert!(page.contains("<details class=\"profile-text\">"));
    assert_eq!(page.matches("<svg class=\"chart-svg\"").count(), 2);
    assert_eq!(
        page.matches("<rect class=\"chart-bar series-0\"").count(),
        4
    );
    // The table stays beneath the chart.
    let chart = page.find("chart-hbar").unwrap();
    let table = page[chart..].find("result-table").unwrap();
    assert!(table > 0);
    assert!(page.contains("class=\"timeline-table\""));
    assert!(page.contains("tl-waits\"><span class=\"tl-mark\">waits</span>"));
    assert!(std::fs::read_to_string(root.join("book/css/pictures.css"))
        .unwrap()
        .contains("--s0"));
}

#[test]
fn the_nodes_page_shows_the_topology_and_how_each_node_was_made_the_same_every_run() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("src");
    copy_dir(Path::new(FIXTURE), &root);
    let build = || {
        let out = pgbook(&["build", root.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        std::fs::read_to_string(root.join("book/nodes.html")).unwrap()
    };
    let page = build();
    assert_eq!(page.matches("<svg class=\"topology-svg\"").count(), 1);
    assert!(page.contains("<desc id=\"topology-1-desc\">3 nodes: main, replica, restored."));
    assert!(page.contains("replica is a streaming standby of main."));
    assert!(page.contains(
        "restored was restored from backup base of main and its WAL archive, up to lsn:0/"
    ));
    // The topology comes first, before the first note and the first snippet.
    let topology = page.find("class=\"topology\"").unwrap();
    assert!(topology < page.find("class=\"node-note\"").unwrap());
    assert!(topology < page.find("class=\"snippet ").unwrap());
    assert_eq!(page.matches("<aside class=\"node-note\"").count(), 4);
    assert!(page.contains("pg_basebackup --pgdata=$REPLICA_DATA --host=$MAIN_HOST"));
    assert!(page.contains("primary_slot_name = &#39;replica&#39;"));
    assert!(page.contains("recovery_target_inclusive = &#39;off&#39;"));
    assert!(!page.contains("/tmp/"), "a scratch path is shown");
    // Run again from scratch: the same page.
    std::fs::remove_dir_all(root.join(".pgbook-cache")).unwrap();
    assert_eq!(build(), page);
}

#[test]
fn a_chart_that_cannot_be_drawn_fails_at_its_attribute() {
    let tmp = tempfile::tempdir().unwrap();
    let chapter = "# Charts\n\n\
                   ```sql chart=bar\nCREATE TABLE t (name text, n int);\n```\n\n\
                   ```sql chart=line\nSELECT name, n FROM t;\n```\n\n\
                   ```sql,chart=hbar\nSELECT 'x' AS name, 'y' AS label;\n```\n";
    let root = chapter_book(tmp.path(), chapter);
    for command in ["test", "build"] {
        let out = pgbook(&[command, root.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{command}: {}", stderr(&out));
        let text = format!("{}{}", support::stdout(&out), stderr(&out));
        for expected in [
            "content/ch.md:3:8: chart=bar needs a result set, but no statement of the snippet returns rows",
            "content/ch.md:7:8: chart=line: the last result set has no rows to draw",
            "content/ch.md:11:8: chart=hbar: column 2 'label' is not numeric",
        ] {
            assert!(text.contains(expected), "{command}: {expected}\n{text}");
        }
    }
    // An unknown kind is refused before anything runs, with a suggestion.
    let root = chapter_book(tmp.path(), "# C\n\n```sql chart=pie\nSELECT 1;\n```\n");
    let out = pgbook(&["test", root.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("content/ch.md:3:1: unknown chart kind 'pie'"),
        "{}",
        stderr(&out)
    );
}

/// Under `\x` (and for `\gx`) the page shows each row as its own block, column names beside
/// values, as psql prints records; the transcript keeps psql's exact text.
#[test]
fn expanded_results_show_one_record_per_block() {
    let tmp = tempfile::tempdir().unwrap();
    let chapter = "# Records\n\n\
                   ```sql\nSELECT 1 AS a, 'x' AS b UNION ALL SELECT 2, NULL;\n```\n\n\
                   ```sql\n\\x\nSELECT 3 AS c, 'y' AS d;\n\\x off\nSELECT 4 AS e \\gx\n```\n";
    let root = chapter_book(tmp.path(), chapter);
    let out = pgbook(&["build", root.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = std::fs::read_to_string(root.join("book/ch.html")).unwrap();
    // The first snippet's table is a table; the second's two results are records.
    assert_eq!(page.matches("<thead>").count(), 1, "{page}");
    assert_eq!(page.matches("<caption>Record 1</caption>").count(), 2);
    assert!(
        page.contains("<th scope=\"row\">d</th><td>y</td>"),
        "{page}"
    );
    assert!(
        page.contains("<th scope=\"row\">e</th><td>4</td>"),
        "{page}"
    );
    assert!(page.contains("-[ RECORD 1 ]"), "the transcript is psql's");
}

#[test]
fn rows_taken_by_gset_or_gexec_are_not_drawn() {
    let tmp = tempfile::tempdir().unwrap();
    // psql prints none of these rows: `\gset` stores the value (here standing for a secret
    // such as a connection string), `\gexec` runs the generated statement and prints only
    // that statement's result.
    let chapter = "# Quiet\n\n\
                   ```sql\nSELECT repeat('s', 3) || 'ecret' AS hidden \\gset\n\
                   SELECT 'SELECT ' || 6 * 7 || ' AS answer' \\gexec\n```\n";
    let root = chapter_book(tmp.path(), chapter);
    let out = pgbook(&["build", root.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = std::fs::read_to_string(root.join("book/ch.html")).unwrap();
    assert!(!page.contains("sssecret"), "{page}");
    assert!(!page.contains("SELECT 42 AS answer"), "{page}");
    assert_eq!(page.matches("<thead>").count(), 1, "{page}");
    assert!(page.contains("<td class=\"num\">42</td>"), "{page}");
}

//! The generated "How this book was verified" page, built by the real binary on a scratch
//! cluster: its settings table agrees with `SHOW ALL` of that very server (a chapter of the
//! fixture runs `SHOW ALL`, and `--bless` writes what the server said), settings are
//! attributed to pgbook or to `book.toml`, the extension a chapter creates and the snippet
//! counts per chapter are listed, and a build served entirely from the cache still has it all.

#[path = "support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::path::Path;

use support::{copy_dir, pgbook, stderr};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/build/verified");

/// `name → setting` from psql's aligned `SHOW ALL` table.
fn show_all(chapter: &str) -> HashMap<String, String> {
    let block = chapter
        .split("```output\n")
        .nth(1)
        .expect("the blessed output block");
    let mut settings = HashMap::new();
    for line in block.lines().skip(2) {
        let cells: Vec<&str> = line.split(" | ").collect();
        if cells.len() == 3 {
            settings.insert(cells[0].trim().to_string(), cells[1].trim().to_string());
        }
    }
    assert!(settings.len() > 200, "{block}");
    settings
}

fn unescape(text: &str) -> String {
    text.replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The cells of each row of the page's settings table: name, value, default, set by, why.
fn settings_rows(page: &str) -> Vec<Vec<String>> {
    let table = page
        .split("<table class=\"settings-table\">")
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .expect("a settings table");
    table
        .split("<tr id=\"setting-")
        .skip(1)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|cell| {
                    let text = &cell[cell.find('>').unwrap() + 1..cell.find("</td>").unwrap()];
                    unescape(text)
                })
                .collect()
        })
        .collect()
}

#[test]
fn the_settings_table_is_show_all_of_the_scratch_server() {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("book-src");
    copy_dir(Path::new(FIXTURE), &root);
    let root_arg = root.to_str().unwrap();
    let out = pgbook(&["test", "--bless", root_arg]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let server = show_all(&std::fs::read_to_string(root.join("content/settings.md")).unwrap());

    let out = pgbook(&["build", root_arg]);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = std::fs::read_to_string(root.join("book/verification.html")).unwrap();
    let rows = settings_rows(&page);
    assert!(rows.len() >= 10, "{rows:?}");
    for row in &rows {
        let shown = if row[1] == "''" { "" } else { row[1].as_str() };
        assert_eq!(
            server.get(&row[0]).map(String::as_str),
            Some(shown),
            "{} on the page and in SHOW ALL",
            row[0]
        );
    }
    let set_by =
        |name: &str| -> Option<String> { rows.iter().find(|r| r[0] == name).map(|r| r[3].clone()) };
    // pgbook's settings that differ from PostgreSQL's defaults, each with its reason.
    for name in [
        "autovacuum",
        "fsync",
        "full_page_writes",
        "max_parallel_workers_per_gather",
        "max_parallel_maintenance_workers",
        "synchronous_commit",
        "TimeZone",
        "update_process_title",
    ] {
        assert_eq!(set_by(name).as_deref(), Some("pgbook"), "{name}");
        assert_ne!(server[name], rows.iter().find(|r| r[0] == name).unwrap()[2]);
    }
    assert!(rows.iter().all(|r| r[3] != "pgbook" || !r[4].is_empty()));
    // The book's: work_mem differs from the default; `jit = on` puts the default back, so
    // jit no longer differs and is not listed.
    assert_eq!(set_by("work_mem").as_deref(), Some("book.toml"));
    assert_eq!(server["work_mem"], "64MB");
    assert_eq!(server["jit"], "on");
    assert_eq!(set_by("jit"), None);
    // Per-run locations are not settings a reader needs.
    assert_eq!(set_by("port"), None);

    assert!(page.contains(&format!(
        "PostgreSQL {}</strong>",
        server["server_version"].split_whitespace().next().unwrap()
    )));
    assert!(
        page.contains("<code>pg_trgm</code>, created in <a href=\"counts.html\">Counts</a>"),
        "{page}"
    );
    assert!(
        page.contains("<td><a href=\"counts.html\">Counts</a></td><td>2</td><td>1</td><td>1</td>"),
        "{page}"
    );
    assert!(page.contains("3 snippets verified (1 of them hidden setup steps), 1 ignored."));
    let chapter = std::fs::read_to_string(root.join("book/counts.html")).unwrap();
    assert!(chapter.contains("<a class=\"verified\" href=\"verification.html\""));
    assert!(chapter.contains("href=\"verification.html\">How this book was verified</a>"));

    // Served from the cache, with no server started: the same table.
    let out = pgbook(&["build", root_arg]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("no SQL executed"), "{}", stderr(&out));
    let cached = std::fs::read_to_string(root.join("book/verification.html")).unwrap();
    assert_eq!(settings_rows(&cached), rows);
}

/// With `--database-url` the page lists that server's version and non-default settings, each
/// with where PostgreSQL says it came from, and never claims a scratch cluster.
#[test]
fn with_a_database_url_the_page_lists_that_servers_settings() {
    let server = pgbook_engine::ScratchCluster::start(&pgbook_engine::ClusterOptions {
        pg_bin: None,
        settings: vec![("work_mem".into(), "8MB".into())],
        cache_dir: None,
    })
    .expect("a server to point the database URL at");
    let url = format!(
        "host={} port={} user={} dbname=postgres",
        server.socket_dir().display(),
        server.port(),
        server.superuser()
    );
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("url-book");
    support::write(&root.join("book.toml"), "[book]\ntitle = \"URL\"\n");
    support::write(
        &root.join("content/SUMMARY.md"),
        "# Summary\n\n- [One](one.md)\n",
    );
    support::write(
        &root.join("content/one.md"),
        "# One\n\n```sql\nSELECT 1 AS one;\n```\n\n```output\n one \n-----\n   1\n(1 row)\n\n```\n",
    );
    let out = pgbook(&["build", root.to_str().unwrap(), "--database-url", &url]);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = std::fs::read_to_string(root.join("book/verification.html")).unwrap();
    assert!(
        page.contains("the server of the build's database URL"),
        "{page}"
    );
    assert!(!page.contains("scratch cluster of"));
    let rows = settings_rows(&page);
    let work_mem = rows
        .iter()
        .find(|r| r[0] == "work_mem")
        .expect("work_mem listed");
    assert_eq!(work_mem[1], "8MB");
    // Where PostgreSQL says it came from, not pgbook's attribution.
    assert_eq!(work_mem[3], "configuration file");
    assert!(rows.iter().all(|r| r[3] != "pgbook" && r[3] != "book.toml"));
    // A server started with `-k DIR`: its socket directory is part of its configuration here.
    assert!(
        rows.iter()
            .any(|r| r[0] == "unix_socket_directories" && r[3] == "command line"),
        "{rows:?}"
    );
    server.stop().unwrap();
}

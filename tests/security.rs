//! What a book's content or its database can do to a reader, and what a book's SQL can do to
//! the machine: every database value, column name, notice, error, chapter title, heading and
//! search entry is escaped (checked in the page source and in Chromium, where no injected
//! script may run); `[execute] role` runs snippets as an ordinary role; the run directory
//! with the server's socket is private. (The dev server's refusals are in `tests/serve.rs`.)

// Shared with other test targets; this one uses only part of it.
#[allow(dead_code)]
#[path = "browser/cdp.rs"]
mod cdp;
mod support;

use std::os::unix::fs::PermissionsExt;

use cdp::Browser;

const CHROMIUM: &str = "/usr/bin/chromium";

/// Each payload sets `window.__pwned` to its number if it ever runs as script.
fn payload(n: u32) -> String {
    format!("\"><script>window.__pwned={n}</script><img src=x onerror=window.__pwned={n}>")
}

fn hostile_chapter() -> String {
    let (value, notice, error) = (payload(1), payload(3), payload(4));
    let column = "<img src=x onerror=window.__pwned=2>";
    format!(
        "# Heading `<script>window.__pwned=5</script>`\n\n\
         ```sql\nselect '{value}' as v, 1 as \"{column}\";\n```\n\n\
         ```sql\ndo $$ begin raise notice '{notice}'; end $$;\n```\n\n\
         ```sql,error\nselect '{error}'::int;\n```\n\n\
         ## Searchable `<img src=x onerror=window.__pwned=6>` pwnword\n"
    )
}

#[test]
fn payloads_from_the_database_and_the_book_are_shown_as_text_and_never_run() {
    let run = support::run_dir();
    let book = tempfile::tempdir().unwrap();
    let root = book.path();
    support::write(&root.join("book.toml"), "[book]\ntitle = \"Hostile\"\n");
    support::write(
        &root.join("content/SUMMARY.md"),
        "- [Title `<img src=x onerror=window.__pwned=7>`](x.md)\n",
    );
    support::write(&root.join("content/x.md"), &hostile_chapter());
    let out = support::pgbook_in(run.path(), &["build", root.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", support::stderr(&out));
    support::assert_nothing_left(run.path(), "hostile build");

    let page = std::fs::read_to_string(root.join("book/x.html")).unwrap();
    // The search index: its manifest and fragments, all scripts.
    let mut index = std::fs::read_to_string(root.join("book/searchindex.js")).unwrap();
    for fragment in std::fs::read_dir(root.join("book/search")).unwrap() {
        index += &std::fs::read_to_string(fragment.unwrap().path()).unwrap();
    }
    assert!(!page.contains("<script>window.__pwned"), "raw script tag");
    assert!(!page.contains("<img src=x"), "raw img tag");
    // The search index holds text (JSON in a script file, `</` escaped); whether it stays
    // text when shown is the browser's check below.
    assert!(index.contains("pwnword") && !index.contains("</script>"));
    // Shown as text: the value, the notice and the error each once at least.
    assert!(page.contains("&lt;script&gt;window.__pwned=1&lt;/script&gt;"));
    assert!(page.contains("window.__pwned=3"));
    assert!(page.contains("window.__pwned=4"));

    // In a browser: nothing ran, on the page or in search results for the hostile heading.
    let profile = tempfile::tempdir().unwrap();
    let mut browser = Browser::launch(CHROMIUM, profile.path());
    browser.open_page();
    browser.goto(&format!("file://{}", root.join("book/x.html").display()));
    browser.wait_for("document.readyState === 'complete'");
    browser.eval("document.getElementById('search-toggle').click()");
    browser.eval(
        "(() => { const i = document.getElementById('search-input'); i.value = 'pwnword';
                  i.dispatchEvent(new Event('input')); })()",
    );
    browser.wait_for("document.querySelectorAll('#search-results li').length > 0");
    assert_eq!(
        browser.eval("String(window.__pwned)"),
        "undefined",
        "a payload ran"
    );
    assert_eq!(
        browser.eval("document.querySelectorAll('img[src=x]').length"),
        0
    );
}

/// A book that runs as `reader`: what an ordinary role can and cannot do.
const AS_READER: &str = "# Reader\n\n\
```sql\nselect current_user, current_setting('is_superuser') as superuser;\n```\n\n\
```output\n current_user | superuser\n--------------+-----------\n reader       | off\n(1 row)\n```\n\n\
```sql\ncreate table t (a int);\ninsert into t values (1);\n```\n\n\
```output\nCREATE TABLE\nINSERT 0 1\n```\n\n\
```sql,error=42501\nalter system set work_mem = '1MB';\n```\n\n\
```sql,error=42501\ncopy (select 1) to program 'true';\n```\n\n\
```sql,error=42501\nselect pg_reload_conf();\n```\n";

#[test]
fn execute_role_runs_snippets_as_an_ordinary_role() {
    let run = support::run_dir();
    let book = tempfile::tempdir().unwrap();
    // Two chapters at once: the role is made once per cluster, whoever comes first.
    support::book(
        book.path(),
        "[execute]\nrole = \"reader\"\njobs = 2\n",
        &[("a.md", AS_READER), ("b.md", AS_READER)],
    );
    let out = support::pgbook_in(run.path(), &["test", book.path().to_str().unwrap()]);
    let report = support::stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{report}{}",
        support::stderr(&out)
    );
    assert!(report.contains("10 passed, 0 failed"), "{report}");
    support::assert_nothing_left(run.path(), "role");

    // A superuser is refused, not demoted; a reserved name never reaches the server.
    for (role, code, message) in [
        (
            "postgres",
            2,
            "[execute] role = \"postgres\" names a superuser",
        ),
        (
            "pg_monitor",
            2,
            "book.toml:2:8: 'pg_monitor': role names starting with 'pg_' are reserved",
        ),
        ("", 2, "book.toml:2:8: '': the role name is empty"),
    ] {
        support::book(
            book.path(),
            &format!("[execute]\nrole = \"{role}\"\n"),
            &[("a.md", "# A\n\n```sql\nselect 1;\n```\n")],
        );
        let out = support::pgbook_in(run.path(), &["test", book.path().to_str().unwrap()]);
        let err = support::stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{err}");
        assert!(err.contains(message), "expected {message:?} in {err}");
        support::assert_nothing_left(run.path(), role);
    }

    // Every node of a chapter runs its snippets as the role too: on main, on an empty node and
    // on a standby (which has the role by replication); a snippet that is not the role fails.
    let check = "DO $$ BEGIN IF current_user <> 'reader' THEN RAISE 'ran as %', current_user; \
                 END IF; END $$;";
    let nodes = format!(
        "# N\n\n```sql\n{check}\n```\n\n```sql,node=replica,standby-of=main\n{check}\n```\n\n\
         ```sql,node=spare\n{check}\n```\n"
    );
    support::book(
        book.path(),
        "[execute]\nrole = \"reader\"\n",
        &[("a.md", nodes.as_str())],
    );
    let out = support::pgbook_in(run.path(), &["test", book.path().to_str().unwrap()]);
    let err = support::stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    support::assert_nothing_left(run.path(), "role with nodes");
}

/// The snippet asks the shell, from the data directory, for the modes of the run directory
/// (which holds the socket), the socket and the data directory.
const MODES: &str = "# Modes\n\n\
```sql\ncreate temp table m (x text);\n\
copy m from program $$stat -c '%a %U %n' .. ../.s.PGSQL.5432 .$$;\nselect x from m;\n```\n\n\
```output\nCREATE TABLE\nCOPY 3\n...\n 700 postgres ..\n 777 postgres ../.s.PGSQL.5432\n 700 postgres .\n(3 rows)\n```\n";

#[test]
fn the_run_directory_and_socket_directory_are_private() {
    let run = support::run_dir();
    let book = tempfile::tempdir().unwrap();
    support::book(book.path(), "", &[("a.md", MODES)]);
    let out = support::pgbook_in(run.path(), &["test", book.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", support::stdout(&out));
    support::assert_nothing_left(run.path(), "modes");
    // pgbook does not widen the directory it was given.
    let own = std::fs::metadata(run.path()).unwrap().permissions().mode();
    assert_eq!(own & 0o777, 0o755);
}

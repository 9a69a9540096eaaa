//! SQL that misbehaves: syntax errors, runaway queries, sleeping past the timeout inside a
//! transaction, a backend terminated by its own snippet or by another session's, a spill
//! past `temp_file_limit`, dropping the chapter's database, `ALTER SYSTEM`. Each chapter of
//! one book tries one (a cluster for all of them, not one per case); every failure is
//! located at its Markdown line and column, the run ends with exit 1, the chapters after a
//! failure still run, and nothing is left behind.

mod support;

const SHOW_WORK_MEM: &str =
    "```sql\nshow work_mem;\n```\n\n```output\n work_mem\n----------\n 4MB\n(1 row)\n```\n";

fn chapters() -> Vec<(&'static str, String)> {
    let c = |name, text: &str| (name, text.to_string());
    vec![
        c("syntax.md", "# Syntax\n\n```sql\nselect 1;\nselec 2;\n```\n"),
        c(
            "runaway.md",
            "# Runaway\n\n```sql,timeout=1s\nselect count(*) from generate_series(1, 1e12::bigint);\n```\n",
        ),
        c(
            "sleep.md",
            "# Sleep\n\n```sql,timeout=1s\nbegin;\nselect pg_sleep(600);\ncommit;\n```\n\n\
             ```sql\nselect 1 as after;\n```\n\n```output\n after\n-------\n     1\n(1 row)\n```\n",
        ),
        c(
            "self.md",
            "# Self\n\n```sql\nselect pg_terminate_backend(pg_backend_pid());\nselect 'skipped';\n```\n\n\
             ```sql\nselect 2 as after;\n```\n\n```output\n after\n-------\n     2\n(1 row)\n```\n",
        ),
        c(
            "other.md",
            "# Other\n\n```sql,session=bob\nselect 1 as bob;\n```\n\n```sql,no-output\n\
             select pg_terminate_backend(pid) from pg_stat_activity\n where datname = current_database()\n\
             and pid <> pg_backend_pid() and backend_type = 'client backend';\n```\n\n\
             ```sql,session=bob\nselect 2 as bob;\n```\n\n```sql,session=bob\nselect 3 as bob;\n```\n\n\
             ```output\n bob\n-----\n   3\n(1 row)\n```\n",
        ),
        c(
            "temp.md",
            "# Temp\n\n```sql\nset work_mem = '64kB';\nset temp_file_limit = '1MB';\n\
             select count(*) from (select g from generate_series(1, 1000000) g order by g desc) s;\n```\n",
        ),
        c(
            "drop.md",
            "# Drop\n\n```sql\nDO $$ BEGIN EXECUTE format('DROP DATABASE %I', current_database()); END $$;\n```\n",
        ),
        c(
            "system.md",
            "# System\n\n```sql\nalter system set work_mem = '77kB';\nselect pg_reload_conf();\n```\n",
        ),
        // A limit on temporary files is set unless the book sets one.
        c(
            "limits.md",
            "# Limits\n\n```sql\nshow temp_file_limit;\n```\n\n```output\n temp_file_limit\n-----------------\n 1GB\n(1 row)\n```\n",
        ),
    ]
}

#[test]
fn misbehaving_sql_fails_its_own_chapter_with_a_located_message() {
    let run = support::run_dir();
    let book = tempfile::tempdir().unwrap();
    let chapters = chapters();
    let list: Vec<(&str, &str)> = chapters.iter().map(|(n, t)| (*n, t.as_str())).collect();
    support::book(book.path(), "", &list);
    let out = support::pgbook_in(run.path(), &["test", book.path().to_str().unwrap()]);
    let report = support::stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{report}\n{}",
        support::stderr(&out)
    );
    for message in [
        "content/syntax.md:5:1: ERROR:  syntax error at or near \"selec\"",
        "content/runaway.md:4:1: ERROR:  canceling statement due to statement timeout",
        "content/sleep.md:5:1: ERROR:  canceling statement due to statement timeout",
        "content/self.md:3:1: the server closed the connection while this snippet ran; the rest \
         of the snippet was skipped",
        "content/self.md:4:1: FATAL:  terminating connection due to administrator command",
        "content/other.md:13:1: the server closed the connection while this snippet ran; the \
         rest of the snippet was skipped, and later steps of session `bob` run on a new connection",
        "content/other.md:14:1: FATAL:  terminating connection due to administrator command",
        "content/temp.md:6:1: ERROR:  temporary file size exceeds temp_file_limit (1024kB)",
        "content/drop.md:4:1: ERROR:  DROP DATABASE cannot be executed from a function",
    ] {
        assert!(
            report.contains(message),
            "expected {message:?} in:\n{report}"
        );
    }
    // Each failure is reported once and the snippets after it still ran and passed: the
    // transaction was rolled back, the sessions reconnected.
    assert!(report.contains("7 passed, 7 failed, 0 ignored"), "{report}");
    assert!(!report.contains("skipped'"), "{report}");
    support::assert_nothing_left(run.path(), "sql faults");

    // ALTER SYSTEM changed that run's throwaway cluster only: the next run starts clean.
    let again = tempfile::tempdir().unwrap();
    support::book(again.path(), "", &[("x.md", SHOW_WORK_MEM)]);
    let out = support::pgbook_in(run.path(), &["test", again.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", support::stdout(&out));
    support::assert_nothing_left(run.path(), "after ALTER SYSTEM");
}

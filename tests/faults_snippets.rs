//! Bad snippets: fences that never close, unknown, repeated and contradictory attributes, an
//! `output` block with no snippet, NUL bytes in SQL. Each is refused where it is written
//! (`file:LINE:COL`, exit 2) before any server starts, and nothing is left behind.
//! Node attributes (DESIGN.md §10) that cannot make a node — creation attributes on a later
//! snippet, a node made two ways, an upstream or backup that does not exist yet — are refused
//! the same way.

mod support;

/// Runs `pgbook test` on a one-chapter book per (chapter, message): exit 2, the message on
/// stderr, no report on stdout, nothing left in the run directory.
fn each_refused(cases: &[(&str, &str)]) {
    let run = support::run_dir();
    for (chapter, message) in cases {
        let book = tempfile::tempdir().unwrap();
        support::book(book.path(), "", &[("x.md", chapter)]);
        let out = support::pgbook_in(run.path(), &["test", book.path().to_str().unwrap()]);
        let err = support::stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{chapter:?}\n{err}");
        assert!(err.contains(message), "expected {message:?} in:\n{err}");
        assert!(
            support::stdout(&out).is_empty(),
            "{}",
            support::stdout(&out)
        );
        support::assert_nothing_left(run.path(), message);
    }
}

#[test]
fn malformed_snippets_are_refused_where_they_are_written() {
    each_refused(&[
        (
            "# X\n\n```sql\nselect 1;\n",
            "content/x.md:3:1: this ```sql fence is never closed",
        ),
        (
            "# X\n\ntext\n\n~~~sql\nselect 1;\n```\n",
            "content/x.md:5:1: this ```sql fence is never closed",
        ),
        (
            "# X\n\n```sql,frobnicate\nselect 1;\n```\n",
            "content/x.md:3:1: unknown attribute 'frobnicate'",
        ),
        (
            "# X\n\n```sql,hiden\nselect 1;\n```\n",
            "content/x.md:3:1: unknown attribute 'hiden' (did you mean 'hidden'?)",
        ),
        (
            "# X\n\n```sql,hidden=yes\nselect 1;\n```\n",
            "content/x.md:3:1: attribute 'hidden' takes no value (got 'yes')",
        ),
        (
            "# X\n\n```sql,error=nope\nselect 1;\n```\n",
            "content/x.md:3:1: 'nope' is not a SQLSTATE",
        ),
        (
            "# X\n\n```sql,session=a;b\nselect 1;\n```\n",
            "content/x.md:3:1: session name 'a;b' must be",
        ),
        (
            "# X\n\n```sql,error=42P01,error=42601\nselect 1;\n```\n",
            "content/x.md:3:1: attribute 'error' is given twice",
        ),
        (
            "# X\n\n```sql,hidden,no-output\nselect 1;\n```\n",
            "content/x.md:3:1: 'no-output' with 'hidden'",
        ),
        (
            "# X\n\n```sql,error,ignore\nselect 1;\n```\n",
            "content/x.md:3:1: 'error' with 'ignore'",
        ),
        (
            "# X\n\ntext\n\n```output\n 1\n```\n",
            "content/x.md:5:1: an `output` block must directly follow a ```sql snippet",
        ),
        (
            "# X\n\n```sql\nselect 1;\n```\n\ntext\n\n```output\n 1\n```\n",
            "content/x.md:9:1: an `output` block must directly follow a ```sql snippet",
        ),
        (
            "# X\n\n```sql\nselect 1;\nselect 'a\0b';\n```\n",
            "content/x.md:5:10: a NUL byte in SQL",
        ),
    ]);
}

#[test]
fn fences_in_containers_and_empty_snippets_are_fine() {
    let run = support::run_dir();
    let book = tempfile::tempdir().unwrap();
    let chapter = "# X\n\n> ```sql\n> select 1;\n> ```\n\n- item\n\n  ```sql\n  select 2;\n  ```\n\n```sql\n```\n";
    support::book(book.path(), "", &[("x.md", chapter)]);
    let out = support::pgbook_in(run.path(), &["test", book.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", support::stderr(&out));
    assert!(
        support::stdout(&out).contains("3 passed"),
        "{}",
        support::stdout(&out)
    );
    support::assert_nothing_left(run.path(), "containers");
}

#[test]
fn node_attributes_that_cannot_make_a_node_are_refused_where_they_are_written() {
    each_refused(&[
        (
            "# X\n\n```sql,node=replica,standby-of=main\nselect 1;\n```\n\n\
             ```sql,node=replica,standby-of=main\nselect 2;\n```\n",
            "content/x.md:7:1: node 'replica' already exists (created at line 3): \
             'standby-of' and 'restore' belong on the first snippet that uses a node",
        ),
        (
            "# X\n\n```sql,node=r\nselect 1;\n```\n\n```sql,node=r,standby-of=main\nselect 2;\n```\n",
            "content/x.md:7:1: node 'r' already exists (created at line 3)",
        ),
        (
            "# X\n\n```sql,backup=b\nselect 1;\n```\n\n\
             ```sql,node=r,standby-of=main,restore=b\nselect 2;\n```\n",
            "content/x.md:7:1: a node is made one way: 'standby-of=main' and 'restore=b' \
             contradict each other",
        ),
        (
            "# X\n\n```sql,node=r,standby-of=ghost\nselect 1;\n```\n",
            "content/x.md:3:1: standby-of=ghost: no node 'ghost' runs before this snippet",
        ),
        (
            "# X\n\n```sql,node=r,restore=b\nselect 1;\n```\n\n```sql,backup=b\nselect 2;\n```\n",
            "content/x.md:3:1: restore=b: no backup 'b' is taken before this snippet",
        ),
        (
            "# X\n\n```sql,node=r,until=name:x\nselect 1;\n```\n",
            "content/x.md:3:1: 'until' is a recovery target: it goes with restore=BACKUP",
        ),
        (
            "# X\n\n```sql,standby-of=main\nselect 1;\n```\n",
            "content/x.md:3:1: 'standby-of' creates a node: name it with node=NAME",
        ),
        // Indented in a list item: the column is the fence's.
        (
            "# X\n\n- item\n\n  ```sql,node=r,standby-of=ghost\n  select 1;\n  ```\n",
            "content/x.md:5:3: standby-of=ghost: no node 'ghost' runs before this snippet",
        ),
    ]);
}

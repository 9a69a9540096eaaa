//! Faults of the process and the machine: the postmaster killed mid-chapter, pgbook killed
//! with SIGKILL mid-build (the next run cleans up), Ctrl-C during `test --bless`, a site
//! write that fails half-way, an output path that is a file, two builds of one book at once. Each case asserts the exit
//! code, the located message, and that nothing is left running or on disk.
//! (Ctrl-C during `build`/`test` is `tests/signals.rs`; SIGTERM to `serve` is `tests/serve.rs`.)

mod support;

use std::path::Path;

#[test]
/// Each chapter runs on its own cluster: killing one chapter's postmaster fails that chapter,
/// and the chapters after it run on theirs as usual.
fn the_postmaster_killed_mid_chapter_fails_that_chapter_only() {
    let run = support::run_dir();
    let book = tempfile::tempdir().unwrap();
    support::book(
        book.path(),
        "[execute]\njobs = 1\n",
        &[
            ("a.md", "# A\n\n```sql\nselect 1 as a;\n```\n"),
            (
                "kill.md",
                "# Kill\n\n```sql\ncopy (select 1) to program 'kill -9 $(head -1 postmaster.pid)';\n\
                 -- A backend notices its postmaster's death when it next waits.\n\
                 select pg_sleep(5);\n```\n",
            ),
            ("z.md", "# Z\n\n```sql\nselect 3 as z;\n```\n"),
        ],
    );
    let out = support::pgbook_in(run.path(), &["test", book.path().to_str().unwrap()]);
    let report = support::stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{report}{}",
        support::stderr(&out)
    );
    for message in [
        "content/kill.md:3:1: the server closed the connection while this snippet ran",
        // Then, at the statement that was running: the backend's FATAL ("unexpected
        // postmaster exit") or, if it died first, libpq's own words.
        "content/kill.md:6:1: ",
        "2 passed, 1 failed, 0 ignored",
    ] {
        assert!(
            report.contains(message),
            "expected {message:?} in:\n{report}"
        );
    }
    assert!(!report.contains(": :  "), "an empty severity: {report}");
    support::assert_nothing_left(run.path(), "postmaster killed");
}

fn sleepy(book: &Path) {
    support::book(
        book,
        "",
        &[(
            "s.md",
            "# S\n\n```sql\nselect 1 as one;\n```\n\n```output\nstale\n```\n\n```sql\nselect pg_sleep(600);\n```\n",
        )],
    );
}

#[test]
fn after_pgbook_is_killed_mid_build_the_next_run_cleans_up_and_succeeds() {
    let run = support::run_dir();
    let book = tempfile::tempdir().unwrap();
    sleepy(book.path());
    let mut child = support::spawn_pgbook_in(run.path(), &["build", book.path().to_str().unwrap()]);
    support::wait_until_a_statement_sleeps(run.path(), &mut child);
    support::signal(child.id(), "KILL");
    child.wait().unwrap();
    // What SIGKILL leaves: the run's directory, owned by a process that is gone (the server
    // gets SIGQUIT through its parent-death signal and goes on its own, soon or not).
    assert!(std::fs::read_dir(run.path()).unwrap().next().is_some());

    support::write(
        &book.path().join("content/s.md"),
        "# S\n\n```sql\nselect 1 as one;\n```\n",
    );
    let out = support::pgbook_in(run.path(), &["build", book.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", support::stderr(&out));
    assert!(book.path().join("book/s.html").is_file());
    support::assert_nothing_left(run.path(), "the run after SIGKILL");
}

#[test]
fn ctrl_c_during_bless_leaves_the_chapter_as_it_was() {
    let run = support::run_dir();
    let book = tempfile::tempdir().unwrap();
    sleepy(book.path());
    let chapter = book.path().join("content/s.md");
    let before = std::fs::read(&chapter).unwrap();
    let mut child = support::spawn_pgbook_in(
        run.path(),
        &["test", "--bless", book.path().to_str().unwrap()],
    );
    support::wait_until_a_statement_sleeps(run.path(), &mut child);
    support::signal(child.id(), "INT");
    assert_eq!(child.wait().unwrap().code(), Some(130));
    assert_eq!(std::fs::read(&chapter).unwrap(), before);
    let left: Vec<_> = std::fs::read_dir(book.path().join("content"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 2, "a temporary file was left: {left:?}");
    support::assert_nothing_left(run.path(), "Ctrl-C during --bless");
}

#[test]
fn a_site_write_that_fails_half_way_keeps_the_previous_site() {
    let run = support::run_dir();
    let book = tempfile::tempdir().unwrap();
    let root = book.path();
    support::book(root, "", &[("a.md", "# A\n\nfirst\n")]);
    let out = support::pgbook_in(run.path(), &["build", root.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", support::stderr(&out));
    let page = std::fs::read(root.join("book/a.html")).unwrap();
    // `a.html/x.md` becomes `a.html/x.html`: a directory where the page `a.html` was
    // already written, so the write fails after some files are in place.
    support::write(&root.join("content/a.md"), "# A\n\nsecond\n");
    support::write(&root.join("content/a.html/x.md"), "# X\n");
    support::write(
        &root.join("content/SUMMARY.md"),
        "- [A](a.md)\n- [X](a.html/x.md)\n",
    );
    let out = support::pgbook_in(run.path(), &["build", root.to_str().unwrap()]);
    let err = support::stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("error: writing the site to"), "{err}");
    assert!(err.contains("a.html: Is a directory"), "{err}");
    assert_eq!(
        err.matches("Is a directory").count(),
        1,
        "said twice: {err}"
    );
    assert_eq!(std::fs::read(root.join("book/a.html")).unwrap(), page);
    let mut names: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".pgbook-cache")
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["book", "book.toml", "content"],
        "temporary directory left"
    );
    support::assert_nothing_left(run.path(), "failed write");
}

#[test]
fn an_output_path_that_is_not_a_directory_is_left_alone() {
    let run = support::run_dir();
    let book = tempfile::tempdir().unwrap();
    let root = book.path();
    support::book(root, "", &[("a.md", "# A\n\ntext\n")]);
    // A file of the user's where the site would go: it used to be swapped aside and lost.
    support::write(&root.join("book"), "my notes\n");
    let out = support::pgbook_in(run.path(), &["build", root.to_str().unwrap()]);
    let err = support::stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("book: exists and is not a directory"), "{err}");
    assert_eq!(
        err.matches("not a directory").count(),
        1,
        "said twice: {err}"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("book")).unwrap(),
        "my notes\n"
    );
    let stray: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with(".book"))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
    support::assert_nothing_left(run.path(), "output is a file");
}

#[test]
fn two_builds_of_one_book_at_once_both_leave_a_whole_site() {
    let run = support::run_dir();
    let book = tempfile::tempdir().unwrap();
    let chapters: Vec<(String, String)> = (0..6)
        .map(|i| {
            (
                format!("c{i}.md"),
                format!("# C{i}\n\n```sql\nselect {i} as n, pg_sleep(0.2);\n```\n"),
            )
        })
        .collect();
    let list: Vec<(&str, &str)> = chapters
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    support::book(book.path(), "", &list);
    let path = book.path().to_str().unwrap();
    let mut first = support::spawn_pgbook_in(run.path(), &["build", path]);
    let mut second = support::spawn_pgbook_in(run.path(), &["build", path]);
    assert_eq!(first.wait().unwrap().code(), Some(0));
    assert_eq!(second.wait().unwrap().code(), Some(0));
    for i in 0..6 {
        let page = std::fs::read_to_string(book.path().join(format!("book/c{i}.html"))).unwrap();
        assert!(page.contains("</html>"), "c{i}.html is not whole");
    }
    let names: Vec<String> = std::fs::read_dir(book.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".book"))
        .collect();
    assert!(names.is_empty(), "temporary directories left: {names:?}");
    support::assert_nothing_left(run.path(), "two builds");
}

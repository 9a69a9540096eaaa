//! `pgbook test` end to end: fixture books under `tests/fixtures/test/` run through the real
//! binary against real scratch clusters. Each run starts a cluster, so each test bundles
//! several rules into one book.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

// The CLI package has no quick-xml of its own; pgbook-verify re-exports the one it writes with.
use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::Value;

mod support;
use support::{copy_dir, stderr, stdout};

/// A fresh copy of a fixture book (bless rewrites files, so tests never run in place).
fn book(name: &str) -> tempfile::TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/test")
        .join(name);
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&src, dir.path());
    dir
}

/// Runs `pgbook test DIR ARGS...` with a clean environment for the variables it reads.
fn pgbook_test(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pgbook"));
    cmd.arg("test").arg(dir).args(args);
    cmd.env_remove("GITHUB_ACTIONS")
        .env_remove("DATABASE_URL")
        .env_remove("NO_COLOR");
    cmd.envs(envs.iter().copied());
    cmd.output().unwrap()
}

fn describe(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        stdout(o),
        stderr(o)
    )
}

/// 1-based line of the first line of `text` that contains `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in fixture"))
        + 1
}

/// The line of the snippet fence that precedes the first line containing `sql`.
fn snippet_line(text: &str, sql: &str) -> usize {
    let at = line_of(text, sql);
    let lines: Vec<&str> = text.lines().collect();
    (1..at)
        .rev()
        .find(|&l| lines[l - 1].trim_start().starts_with("```sql"))
        .unwrap()
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap()
}

#[test]
fn a_book_that_follows_every_rule_passes() {
    let dir = book("passing");
    let out = pgbook_test(dir.path(), &["--format", "json"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).expect("stdout is one JSON object");
    let snippets = report["snippets"].as_array().unwrap();
    let failed: Vec<&Value> = snippets
        .iter()
        .filter(|s| s["status"] != "passed")
        .collect();
    // Only the `ignore` snippet is not passed; every wildcard, mask and error rule held.
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(failed[0]["status"], "ignored");
    assert_eq!(failed[0]["actual"], "");
    assert_eq!(report["ignored"], 1);
    assert_eq!(report["failed"], 0);
    assert_eq!(report["passed"], snippets.len() - 1);
    let fixture_snippets: usize = ["wildcards.md", "explain.md", "errors.md"]
        .iter()
        .map(|f| {
            read(dir.path(), &format!("content/{f}"))
                .matches("```sql")
                .count()
        })
        .sum();
    assert_eq!(snippets.len(), fixture_snippets);
    for s in snippets {
        assert_eq!(s["session"], "main");
        assert!(s["diff"].is_null());
        assert!(s["file"].as_str().unwrap().starts_with("content/"));
    }
    // The masked plan shows real figures in the actual transcript.
    let explain = read(dir.path(), "content/explain.md");
    let line = snippet_line(&explain, "explain select * from t where id = 5;");
    let plan = snippets
        .iter()
        .find(|s| s["file"] == "content/explain.md" && s["line"] == line);
    let actual = plan.unwrap()["actual"].as_str().unwrap();
    assert!(
        actual.contains("Index Scan using t_pkey on t  (cost="),
        "{actual}"
    );
    assert!(!actual.contains("cost=1.00..2.00"), "{actual}");
}

/// Failing test cases of a JUnit report: name → failure text.
fn junit_failures(xml: &str) -> (usize, BTreeMap<String, String>) {
    let mut reader = Reader::from_str(xml);
    let (mut cases, mut failures) = (0, BTreeMap::new());
    let mut current = String::new();
    let mut in_failure = false;
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"testcase" => {
                cases += 1;
                let name = e.try_get_attribute("name").unwrap().unwrap();
                current = name
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .unwrap()
                    .into_owned();
            }
            Event::Start(e) if e.name().as_ref() == b"failure" => {
                in_failure = true;
                failures.insert(current.clone(), String::new());
            }
            Event::Text(t) if in_failure => {
                let text = t.xml10_content().unwrap();
                failures.get_mut(&current).unwrap().push_str(&text);
            }
            // Since quick-xml 0.38 entity references are events of their own.
            Event::GeneralRef(r) if in_failure => {
                let text = format!("&{};", r.decode().unwrap());
                let text = quick_xml::escape::unescape(&text).unwrap();
                failures.get_mut(&current).unwrap().push_str(&text);
            }
            Event::End(e) if e.name().as_ref() == b"failure" => in_failure = false,
            Event::Eof => break,
            _ => {}
        }
    }
    (cases, failures)
}

#[test]
fn drift_fails_with_locations_junit_and_annotations() {
    let dir = book("failing");
    let junit = dir.path().join("report.xml");
    let out = pgbook_test(
        dir.path(),
        &["--format", "junit", "--output", junit.to_str().unwrap()],
        &[("GITHUB_ACTIONS", "true")],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let drift = read(dir.path(), "content/drift.md");
    let other = read(dir.path(), "content/other.md");
    let at = |sql: &str| format!("content/drift.md:{}", snippet_line(&drift, sql));
    let (cases, failures) = junit_failures(&std::fs::read_to_string(&junit).unwrap());
    let unexpected = snippet_line(&drift, "  select * from nope;");
    let mut want: Vec<String> = [
        "select 1 as one;",
        "select 'abc' as s;",
        "select g from generate_series(1, 3) g;",
        "create table t (id int primary key);",
        "select * from nope;",
    ]
    .iter()
    .map(|sql| at(sql))
    .collect();
    let error_on_success = snippet_line(&drift, "select 1;");
    want.push(format!("content/drift.md:{error_on_success}"));
    want.push(format!("content/drift.md:{unexpected}"));
    want.push(format!(
        "content/other.md:{}",
        snippet_line(&other, "select 3 as three;")
    ));
    let snippet_failures: Vec<&String> = failures.keys().filter(|k| !k.contains(": ")).collect();
    want.sort();
    let mut got: Vec<String> = snippet_failures.iter().map(|s| s.to_string()).collect();
    got.sort();
    assert_eq!(got, want, "{failures:#?}");
    // Nine snippets plus three link problems.
    assert_eq!(cases, 9 + 3);
    let text_of = |name: &str| failures[name].clone();
    assert!(text_of(&at("select 1 as one;")).contains("-   2\n+   1\n"));
    assert!(text_of(&at("select * from nope;")).contains("expected an error 40P01, got 42P01"));
    assert!(text_of(&format!("content/drift.md:{error_on_success}"))
        .contains("expected an error, got none"));
    // The unexpected error points into the Markdown: the line of the statement, the column
    // of the server's error position.
    let located = format!(
        "content/drift.md:{}:17: ERROR:  relation \"nope\" does not exist",
        unexpected + 2
    );
    assert!(text_of(&format!("content/drift.md:{unexpected}")).contains(&located));
    // Masked figures do not hide a different plan.
    assert!(text_of(&at("create table t (id int primary key);"))
        .contains("+ Index Only Scan using t_pkey"));
    // Link problems, located.
    let links: Vec<&String> = failures.keys().filter(|k| k.contains(": ")).collect();
    let links_line = line_of(&drift, "See [a missing page]");
    assert_eq!(links.len(), 3, "{links:#?}");
    assert!(links[0].starts_with(&format!("content/drift.md:{links_line}:")));
    assert!(links
        .iter()
        .any(|l| l.contains("no heading or id '#nowhere'")));
    assert!(links
        .iter()
        .any(|l| l.contains("'../snippets/missing.sql' does not exist")));
    // stdout: annotations for GitHub, then the human report.
    let text = stdout(&out);
    for name in &want {
        let (file, line) = name.split_once(':').unwrap();
        assert!(
            text.contains(&format!("::error file={file},line={line}::")),
            "{text}"
        );
    }
    assert!(
        text.ends_with("\n1 passed, 8 failed, 0 ignored\n"),
        "{text}"
    );
    assert!(
        !text.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
}

#[test]
fn filters_select_chapters_and_json_carries_diffs() {
    let dir = book("failing");
    let out = pgbook_test(dir.path(), &["--format", "json", "other"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        (report["passed"].clone(), report["failed"].clone()),
        (1.into(), 1.into())
    );
    let snippets = report["snippets"].as_array().unwrap();
    assert!(snippets.iter().all(|s| s["file"] == "content/other.md"));
    let failed = snippets.iter().find(|s| s["status"] == "failed").unwrap();
    assert!(failed["expected"].as_str().unwrap().contains("     4"));
    assert!(failed["actual"].as_str().unwrap().contains("     3"));
    assert!(failed["diff"]
        .as_str()
        .unwrap()
        .contains("-     4\n+     3\n"));
    // drift.md's broken links are outside the filter.
    assert!(!describe(&out).contains("missing.md"));
    // Without the filter they are reported on stderr, the JSON on stdout staying clean.
    let all = pgbook_test(
        dir.path(),
        &["--format", "json"],
        &[("GITHUB_ACTIONS", "true")],
    );
    assert_eq!(all.status.code(), Some(1), "{}", describe(&all));
    let report: Value = serde_json::from_str(&stdout(&all)).unwrap();
    assert_eq!(report["snippets"].as_array().unwrap().len(), 9);
    assert!(
        stderr(&all).contains("broken link to 'missing.md'"),
        "{}",
        describe(&all)
    );
    assert!(
        stderr(&all).contains("::error file=content/drift.md,line="),
        "{}",
        describe(&all)
    );
    // Inside the book, a first word that is not a directory is a filter, not DIR.
    let inside = Command::new(env!("CARGO_BIN_EXE_pgbook"))
        .args(["test", "other"])
        .current_dir(dir.path())
        .env_remove("GITHUB_ACTIONS")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(inside.status.code(), Some(1), "{}", describe(&inside));
    assert!(
        stdout(&inside).ends_with("\n1 passed, 1 failed, 0 ignored\n"),
        "{}",
        describe(&inside)
    );
}

#[test]
fn strict_mode_requires_output_blocks() {
    let dir = book("strict");
    let out = pgbook_test(dir.path(), &["--format", "json"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let text = read(dir.path(), "content/strict.md");
    let failed: Vec<&Value> = report["snippets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["line"], snippet_line(&text, "select 2 as two;"));
    assert_eq!(
        (report["passed"].clone(), report["ignored"].clone()),
        (3.into(), 1.into())
    );
}

/// The text with the content of every `output` block removed.
fn without_output_blocks(text: &str) -> String {
    let mut out = String::new();
    let mut in_output = false;
    for line in text.split_inclusive('\n') {
        let fence = line.trim_start().starts_with("```");
        if in_output && fence {
            in_output = false;
        } else if in_output {
            continue;
        } else if fence && line.trim().ends_with("output") {
            in_output = true;
            out.push_str("```output\n");
            continue;
        }
        out.push_str(line);
    }
    out
}

/// What remains of a chapter once output blocks (with the blank line before them) are gone.
fn outside_output_blocks(text: &str) -> String {
    without_output_blocks(text)
        .replace("\r\n```output\n```\r\n", "")
        .replace("\n```output\n```\n", "")
}

#[test]
fn bless_rewrites_only_output_blocks_and_is_stable() {
    let dir = book("bless");
    let root = dir.path();
    let before = [
        read(root, "content/crlf.md"),
        read(root, "content/several.md"),
    ];
    let out = pgbook_test(root, &["--bless"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let after = [
        read(root, "content/crlf.md"),
        read(root, "content/several.md"),
    ];
    let crlf = &after[0];
    assert_eq!(
        crlf.matches('\n').count(),
        crlf.matches("\r\n").count(),
        "{crlf:?}"
    );
    // Wildcard lines that still match survive; the wrong line is replaced.
    assert!(
        crlf.contains(" one |[..]\r\n-----+[..]\r\n   1 | abc\r\n"),
        "{crlf:?}"
    );
    // A block was added for the plain snippet only (not the hidden or ignored ones).
    assert_eq!(crlf.matches("```output").count(), 2, "{crlf:?}");
    let note = line_of(crlf, "select 'no block yet'");
    assert_eq!(crlf.lines().nth(note + 2), Some("```output"));
    // Nothing but output blocks changed.
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(outside_output_blocks(b), outside_output_blocks(a));
    }
    // The block inside a list item keeps the item's indentation.
    let several = &after[1];
    let start = line_of(several, "  ```output");
    let block: Vec<&str> = several
        .lines()
        .skip(start)
        .take_while(|l| l.trim() != "```")
        .collect();
    assert!(
        block.len() >= 4 && block.iter().all(|l| l.starts_with("  ")),
        "{several}"
    );
    let text = stdout(&out);
    assert!(
        text.contains(&format!("blessed content/crlf.md:{}", note - 1)),
        "{text}"
    );
    // Blessed files pass, and blessing again changes nothing.
    let again = pgbook_test(root, &[], &[]);
    assert_eq!(again.status.code(), Some(0), "{}", describe(&again));
    let twice = pgbook_test(root, &["--bless"], &[]);
    assert_eq!(twice.status.code(), Some(0), "{}", describe(&twice));
    assert_eq!(
        [
            read(root, "content/crlf.md"),
            read(root, "content/several.md")
        ],
        after
    );
    assert!(!stdout(&twice).contains("blessed"));
}

/// A one-chapter book written on the spot, for input errors.
fn tiny_book(book_toml: &str, chapter: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("content")).unwrap();
    std::fs::write(dir.path().join("book.toml"), book_toml).unwrap();
    std::fs::write(dir.path().join("content/SUMMARY.md"), "- [X](x.md)\n").unwrap();
    std::fs::write(dir.path().join("content/x.md"), chapter).unwrap();
    dir
}

#[test]
fn input_and_environment_errors_exit_2() {
    let unreachable = "postgres://nobody@localhost:1/nodb?host=/nonexistent";
    // (book.toml, chapter, extra arguments, message on stderr)
    let cases: &[(&str, &str, &[&str], &str)] = &[
        (
            "",
            "# X\n\n```sql,sesion=bob\nselect 1;\n```\n",
            &[],
            "content/x.md:3:1: unknown attribute 'sesion' (did you mean 'session'?)",
        ),
        (
            "[verify]\nstrict = true\n",
            "# X\n",
            &[],
            "book.toml:2:1: unknown key 'verify.strict'",
        ),
        (
            "[verify]\nmask = [\"(\"]\n",
            "# X\n",
            &[],
            // The regex crate's own explanation is kept as the error's source.
            "error: book.toml: [verify] mask: bad regex '(': regex parse error",
        ),
        (
            "",
            "# X\n\n```sql\nselect 1;\n\\watch 1\n```\n",
            &[],
            "content/x.md:5:1: psql meta-command \\watch is not supported by pgbook; supported:",
        ),
        (
            "",
            "# X\n\n```sql\nselect 1;\n```\n",
            &["--database-url", unreachable],
            "cannot connect",
        ),
    ];
    for (toml, chapter, args, message) in cases {
        let dir = tiny_book(toml, chapter);
        let out = pgbook_test(dir.path(), args, &[]);
        assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
        assert!(
            stderr(&out).contains(message),
            "{message}\n{}",
            describe(&out)
        );
        assert!(stdout(&out).is_empty(), "{}", describe(&out));
    }
}

#[test]
fn out_of_range_timeouts_are_located_input_errors() {
    // Each used to panic (exit 101) converting the number to a Duration.
    let cases: &[(&str, &str, &str)] = &[
        (
            "[book]\ntitle = \"T\"\n\n[execute]\ntimeout = \"99999999999999999999999\"\n",
            "# X\n",
            "book.toml:5:11: '99999999999999999999999' is too long",
        ),
        (
            "[execute]\ntimeout = \"0s\"\n",
            "# X\n",
            "book.toml:2:11: '0s' is zero",
        ),
        (
            "",
            "# X\n\n```sql,timeout=99999999999999999999999s\nselect 1;\n```\n",
            "content/x.md:3:1: attribute 'timeout': '99999999999999999999999s' is too long",
        ),
        (
            "",
            "# X\n\ntext\n\n```sql,hidden,timeout=30d\nselect 1;\n```\n",
            "content/x.md:5:1: attribute 'timeout': '30d' is too long",
        ),
    ];
    for (toml, chapter, message) in cases {
        let dir = tiny_book(toml, chapter);
        let out = pgbook_test(dir.path(), &[], &[]);
        assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
        assert!(
            stderr(&out).contains(message),
            "{message}\n{}",
            describe(&out)
        );
    }
}

/// Runs `pgbook test DIR other` on a pseudo-terminal (util-linux `script`), as a person would,
/// with `--quiet`: the report's colours are under test here, the progress line (which redraws
/// with terminal control sequences) in `tests/progress.rs`.
fn on_terminal(dir: &Path, no_color: Option<&str>) -> Output {
    let command = format!(
        "{} test --quiet {} other",
        env!("CARGO_BIN_EXE_pgbook"),
        dir.display()
    );
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &command, "/dev/null"]);
    cmd.env_remove("GITHUB_ACTIONS")
        .env_remove("DATABASE_URL")
        .env_remove("NO_COLOR");
    if let Some(v) = no_color {
        cmd.env("NO_COLOR", v);
    }
    cmd.output().unwrap()
}

#[test]
fn colour_on_a_terminal_unless_no_color() {
    let dir = book("failing");
    let coloured = on_terminal(dir.path(), None);
    assert_eq!(coloured.status.code(), Some(1), "{}", describe(&coloured));
    let text = stdout(&coloured);
    assert!(text.contains("\x1b[31m-     4\x1b[0m"), "{text:?}");
    assert!(text.contains("\x1b[32m+     3\x1b[0m"), "{text:?}");
    let plain = on_terminal(dir.path(), Some("1"));
    assert_eq!(plain.status.code(), Some(1), "{}", describe(&plain));
    assert!(!stdout(&plain).contains('\x1b'), "{:?}", stdout(&plain));
    assert!(stdout(&plain).contains("-     4"), "{}", describe(&plain));
}

//! `pgbook test --shard K/N` on a generated book (`bench/genbook.py`): the N JSON reports and
//! the N JUnit reports each cover every chapter exactly once, and a bad `K/N` is a usage
//! error.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use support::{pgbook, stderr, stdout};

fn generate(root: &Path, chapters: usize) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/genbook.py");
    let status = Command::new("python3")
        .arg(script)
        .arg(root)
        .args(["--chapters", &chapters.to_string()])
        .status()
        .expect("python3 runs");
    assert!(status.success());
}

/// Snippets per chapter file in a JSON report.
fn json_chapters(json: &str) -> BTreeMap<String, usize> {
    let report: serde_json::Value = serde_json::from_str(json).expect(json);
    let mut files = BTreeMap::new();
    for snippet in report["snippets"].as_array().unwrap() {
        assert_eq!(snippet["status"], "passed", "{snippet}");
        *files
            .entry(snippet["file"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    files
}

/// Testcases per `<testsuite name=...>` in a JUnit report.
fn junit_chapters(xml: &str) -> BTreeMap<String, usize> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut files, mut suite) = (BTreeMap::new(), String::new());
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"testsuite" => {
                let name = e.try_get_attribute("name").unwrap().unwrap();
                suite = String::from_utf8(name.value.to_vec()).unwrap();
                files.entry(suite.clone()).or_insert(0);
            }
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"testcase" => {
                *files.get_mut(&suite).unwrap() += 1;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    files
}

/// Adds `part` to `whole`, failing if a chapter is already there.
fn union_disjoint(whole: &mut BTreeMap<String, usize>, part: BTreeMap<String, usize>, n: usize) {
    for (file, count) in part {
        assert!(
            whole.insert(file.clone(), count).is_none(),
            "{file} is in two of {n} shards"
        );
    }
}

#[test]
fn shard_reports_union_to_the_whole_book_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("book");
    generate(&root, 17);
    let root_arg = root.to_str().unwrap();

    let whole = pgbook(&["test", root_arg, "--format", "json"]);
    assert_eq!(whole.status.code(), Some(0), "{}", stderr(&whole));
    let whole = json_chapters(&stdout(&whole));
    assert_eq!(whole.len(), 17);

    for n in [1, 3] {
        let mut union = BTreeMap::new();
        for k in 1..=n {
            let shard = format!("{k}/{n}");
            let out = pgbook(&["test", root_arg, "--shard", &shard, "--format", "json"]);
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            let part = json_chapters(&stdout(&out));
            assert!(n == 1 || part.len() < whole.len(), "{shard} ran everything");
            union_disjoint(&mut union, part, n);
        }
        assert_eq!(union, whole, "the {n} JSON reports together");
    }

    let mut union = BTreeMap::new();
    for k in 1..=2 {
        let file = dir.path().join(format!("junit-{k}.xml"));
        let shard = format!("{k}/2");
        let out = pgbook(&[
            "test",
            root_arg,
            "--shard",
            &shard,
            "--format",
            "junit",
            "--output",
            file.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let xml = std::fs::read_to_string(&file).unwrap();
        union_disjoint(&mut union, junit_chapters(&xml), 2);
    }
    assert_eq!(union, whole, "the 2 JUnit reports together");
}

#[test]
fn a_bad_shard_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), 2);
    for bad in ["0/2", "3/2", "1/0", "two", "1-2"] {
        let out = pgbook(&["test", dir.path().to_str().unwrap(), "--shard", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stderr(&out));
        assert!(stderr(&out).contains("--shard"), "{bad}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "{bad} ran something");
    }
}

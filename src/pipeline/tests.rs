//! Tests of the pipeline with the fixture book and a real scratch PostgreSQL.

use super::execute::needs_server;
use super::*;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn prose_edit_rerenders_one_page_and_runs_no_sql() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("book");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/build/basic");
    copy_dir(&fixture, &root);
    let book = Book::load(&root).unwrap();
    let runnable = book.chapters.iter().filter(|c| needs_server(c)).count();
    let options = Options {
        dest: Some(tmp.path().join("site")),
        extra_body_html: Some("<script>/*live*/</script>".into()),
        ..Options::default()
    };
    let mut pipeline = Pipeline::new(&root, options.clone());
    let build = Action::Build { keep_going: false };
    let first = pipeline.run(&build).unwrap();
    assert!(first.written && !first.is_failure(), "{first:?}");
    assert_eq!(first.chapters_executed, runnable);
    assert_eq!(first.pages_rendered, book.chapters.len());
    let page = std::fs::read_to_string(tmp.path().join("site/sessions.html")).unwrap();
    assert!(
        page.contains("<script>/*live*/</script>\n</body>")
            || page.contains("<script>/*live*/</script></body>")
    );

    let chapter = root.join("content/sessions.md");
    let text = std::fs::read_to_string(&chapter).unwrap();
    std::fs::write(
        &chapter,
        text.replace("# Sessions", "# Sessions\n\nNew prose."),
    )
    .unwrap();
    let second = pipeline.run(&build).unwrap();
    assert_eq!(second.chapters_executed, 0);
    assert_eq!(second.pages_rendered, 1);
    let page = std::fs::read_to_string(tmp.path().join("site/sessions.html")).unwrap();
    assert!(page.contains("New prose."));

    // A theme edit is picked up by the same pipeline: every page is rendered again.
    let theme = root.join("theme");
    std::fs::create_dir_all(&theme).unwrap();
    for version in ["one", "two"] {
        std::fs::write(theme.join("404.html"), format!("lost {version}")).unwrap();
        let report = pipeline.run(&build).unwrap();
        assert_eq!(report.pages_rendered, book.chapters.len());
        let lost = std::fs::read_to_string(tmp.path().join("site/404.html")).unwrap();
        assert_eq!(lost, format!("lost {version}"));
    }

    // Another process finds the results on disk and starts no server.
    let mut fresh = Pipeline::new(&root, options);
    let third = fresh.run(&build).unwrap();
    assert_eq!(third.chapters_executed, 0);
    assert!(
        fresh.engine.is_none(),
        "no server started when everything is cached"
    );
    // `test` goes through the same pipeline but never trusts the cache, and writes no site.
    std::fs::remove_dir_all(tmp.path().join("site")).unwrap();
    let test = Action::Test {
        bless: false,
        filter: Vec::new(),
        shard: None,
    };
    let tested = fresh.run(&test).unwrap();
    assert_eq!(tested.chapters_executed, runnable);
    assert!(!tested.written && !tmp.path().join("site").exists());
    let snippets: usize = book.chapters.iter().map(|c| c.snippets.len()).sum();
    assert_eq!(tested.verification.snippets.len(), snippets);
    assert!(pipeline.watched_paths().contains(&root.join("content")));
}

#[test]
fn cached_results_are_keyed_by_the_installed_server_version() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/build/basic");
    let book = Book::load(&fixture).unwrap();
    let chapter = book.chapters.iter().find(|c| needs_server(c)).unwrap();
    let key = |version: &str| ResultCache::key(chapter, &book.config, None, version);
    assert_eq!(key("15.18"), key("15.18"));
    assert_ne!(key("15.18"), key("16.4"), "an upgrade must re-run the SQL");
}

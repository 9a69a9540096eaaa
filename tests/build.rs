//! `pgbook build` end to end: fixture books built by the real binary against a real scratch
//! PostgreSQL, with checks on the HTML it writes (structure, escaping of database output,
//! relative links, includes), atomic failure, the results cache, and mdBook compatibility.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod support;
use support::{copy_dir, pgbook, stderr};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/build/basic");
/// The mdBook corpus in `../shared` beside this repository (where CI puts it too).
const RUST_BOOK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/rust-book");

/// A fresh copy of the fixture book in a temporary directory.
fn fixture_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("book-src");
    copy_dir(Path::new(FIXTURE), &root);
    (dir, root)
}

fn build_ok(root: &Path, extra: &[&str]) -> String {
    let mut args = vec!["build", root.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = pgbook(&args);
    assert_eq!(out.status.code(), Some(0), "build failed: {}", stderr(&out));
    stderr(&out)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every file of a directory tree with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.insert(
                    path.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&path).unwrap(),
                );
            }
        }
    }
    files
}

#[test]
fn site_structure_navigation_and_relative_links() {
    let (_tmp, root) = fixture_copy();
    build_ok(&root, &[]);
    let site = root.join("book");
    for page in [
        "index.html",
        "preface.html",
        "results.html",
        "guide/plans.html",
        "sessions.html",
        "appendix.html",
        "print.html",
        "404.html",
        "sitemap.xml",
        "searchindex.js",
        "toc.html",
        "css/pgbook.css",
        "css/highlight.css",
        "js/pgbook.js",
        "js/search.js",
        "favicon.svg",
    ] {
        assert!(site.join(page).is_file(), "{page} is missing");
    }
    // index.html is the first chapter.
    let index = read(&site.join("index.html"));
    assert!(index.contains("This handbook is a <em>fixture</em>"));

    let plans = read(&site.join("guide/plans.html"));
    // Sidebar: one shared script (its name changes with its contents) fills the page's empty
    // list, which says which entry is the page; without scripts, a link to `toc.html`.
    let toc_scripts: Vec<String> = std::fs::read_dir(&site)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("toc-") && name.ends_with(".js"))
        .collect();
    assert_eq!(toc_scripts.len(), 1, "{toc_scripts:?}");
    assert!(plans.contains("<ol class=\"toc\" id=\"toc\" data-current=\"guide/plans.html\"></ol>"));
    assert!(plans.contains(&format!("<script src=\"../{}\"></script>", toc_scripts[0])));
    assert!(plans.contains("<a href=\"../toc.html\">Table of contents</a>"));
    assert!(
        !plans.contains("Not written yet"),
        "no copy of the entries in the page"
    );
    // The entries: parts, numbering, drafts greyed, hrefs from the root.
    let toc_js = read(&site.join(&toc_scripts[0]));
    let toc_page = read(&site.join("toc.html"));
    for entries in [&toc_js, &toc_page] {
        let entries = entries.replace("\\\"", "\"");
        assert!(
            entries.contains("<li class=\"toc-part\">Basics</li>"),
            "{entries}"
        );
        assert!(entries.contains("toc-draft"));
        assert!(entries.contains("Not written yet"));
        assert!(entries.contains("<span class=\"toc-number\">1.1.</span>"));
        assert!(entries.contains("<a href=\"guide/plans.html\">"));
        assert!(
            !entries.contains(" current"),
            "no entry is marked at build time"
        );
    }
    // Relative links everywhere: assets, sidebar, prev/next and rewritten .md links.
    assert!(plans.contains("href=\"../css/pgbook.css\""));
    assert!(plans.contains("src=\"../js/search.js\""));
    assert!(plans.contains("rel=\"prev\" href=\"../results.html\""));
    assert!(plans.contains("rel=\"next\" href=\"../sessions.html\""));
    assert!(plans.contains("<a href=\"../results.html\">results</a>"));
    for page in [
        "index.html",
        "results.html",
        "guide/plans.html",
        "print.html",
    ] {
        let html = read(&site.join(page));
        for bad in ["href=\"/", "src=\"/", "http://", "https://"] {
            assert!(!html.contains(bad), "{page} contains {bad}");
        }
    }
    let preface = read(&site.join("preface.html"));
    assert!(preface.contains("href=\"results.html#result-sets\""));
    // GFM: tables, strikethrough, task lists, footnotes; heading anchors.
    assert!(preface.contains("<del>struck</del>"));
    assert!(preface.contains("type=\"checkbox\""));
    assert!(preface.contains("footnote-definition"));
    assert!(preface.contains("<th style=\"text-align: right\">works</th>"));
    assert!(preface.contains("<h1 id=\"preface\">Preface<a class=\"anchor\" href=\"#preface\""));

    let sitemap = read(&site.join("sitemap.xml"));
    assert!(sitemap.contains("<loc>/handbook/guide/plans.html</loc>"));
    let print = read(&site.join("print.html"));
    for chapter in [
        "Preface",
        "Results",
        "Plans &amp; errors",
        "Sessions",
        "Appendix",
    ] {
        assert!(print.contains(chapter), "print.html lacks {chapter}");
    }
    assert!(
        print.contains("href=\"guide/plans.html\""),
        "print links are root-relative"
    );
    // The search index: a manifest naming its fragments, each a script of its own.
    let search = read(&site.join("searchindex.js"));
    assert!(search.starts_with("pgbookSearchFragment(\"searchindex.js\",{"));
    let fragments: Vec<String> = std::fs::read_dir(site.join("search"))
        .unwrap()
        .map(|e| format!("search/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    assert!(fragments.len() >= 2, "{fragments:?}");
    for fragment in &fragments {
        assert!(
            search.contains(&format!("\"{fragment}\"")),
            "{fragment} is not in the manifest"
        );
    }
    assert!(fragments
        .iter()
        .any(|f| read(&site.join(f)).contains("\"u\":\"results.html#escaping\"")));
}

#[test]
fn snippet_output_is_shown_and_escaped() {
    let (_tmp, root) = fixture_copy();
    build_ok(&root, &[]);
    let results = read(&root.join("book/results.html"));
    // The included fixture SQL is part of the snippet.
    assert!(results.contains("<span class=\"hl-keyword hl-other hl-pgsql\">INTO</span> items"));
    assert!(
        !results.contains("ANCHOR"),
        "anchor marker lines are not included"
    );
    // Database output is escaped, both values and column names.
    assert!(results.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(results.contains("&lt;b&gt;html&lt;/b&gt;"));
    assert!(!results.contains("<script>alert(1)"));
    assert!(!results.contains("<b>html</b>"));
    // Numeric columns right-aligned, NULL distinct from the empty string.
    assert!(results.contains("<th class=\"num\">id</th>"));
    assert!(results.contains("<th>name</th>"));
    assert!(results.contains("<span class=\"null-mark\">NULL</span>"));
    assert!(results.contains("<td class=\"empty\""));
    // The psql transcript is one click away, and the expected block is not rendered twice.
    assert!(results.contains("<summary>psql transcript</summary>"));
    assert_eq!(
        results.matches("INSERT 0 3").count(),
        2,
        "tag chip + transcript"
    );
    // hidden, no-output, ignore, error=.
    assert!(!results.contains("hidden_setup"));
    let quiet = &results[results.find("quiet").unwrap()..];
    let quiet = &quiet[..quiet.find("</figure>").unwrap()];
    assert!(!quiet.contains("snippet-output"));
    assert!(results.contains("not executed"));
    assert!(results.contains("<code class=\"sqlstate\" title=\"SQLSTATE\">42P01</code>"));
    assert!(results.contains("verified on PostgreSQL 1"));

    let plans = read(&root.join("book/guide/plans.html"));
    assert!(plans.contains("<pre class=\"plan\">"));
    assert!(plans.contains("<strong class=\"plan-node\">"));
    assert!(plans.contains("<span class=\"plan-arrow\">-&gt;</span>"));
    assert!(plans.contains("class=\"message notice\""));
    assert!(plans.contains("22012"));
    // Server-side highlighting with the PostgreSQL grammar: dollar quotes do not swallow the rest.
    let after_do = &plans[plans.find("BEGIN").unwrap()..];
    assert!(after_do.contains("<span class=\"hl-keyword hl-other hl-pgsql\">SELECT</span>"));

    let sessions = read(&root.join("book/sessions.html"));
    assert!(sessions.contains("multi-session session-1"));
    assert!(sessions.contains("<span class=\"session-label\" title=\"session\">bob</span>"));
}

#[test]
fn failing_snippet_leaves_previous_site_untouched() {
    let (_tmp, root) = fixture_copy();
    build_ok(&root, &[]);
    let before = snapshot(&root.join("book"));
    let chapter = root.join("content/results.md");
    let text = read(&chapter).replace("  1 | widget |  9.50", "  1 | gadget |  9.50");
    std::fs::write(&chapter, &text).unwrap();
    let out = pgbook(&["build", root.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("content/results.md:"), "{err}");
    assert!(err.contains("gadget"), "the diff is shown: {err}");
    assert_eq!(
        snapshot(&root.join("book")),
        before,
        "site changed by a failed build"
    );

    // A broken book.toml: exit 2, named with its line, site untouched.
    let config = read(&root.join("book.toml"));
    std::fs::write(
        root.join("book.toml"),
        format!("{config}\n[build]\nbuild-dri = \"x\"\n"),
    )
    .unwrap();
    let out = pgbook(&["build", root.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("book.toml:"), "{}", stderr(&out));
    assert_eq!(snapshot(&root.join("book")), before);
    std::fs::write(root.join("book.toml"), config).unwrap();

    // --keep-going writes the site and shows the failure in the page.
    build_ok(&root, &["--keep-going"]);
    let results = read(&root.join("book/results.html"));
    assert!(results.contains("snippet-failure"));
    assert!(results.contains("status-failed"));
    let leftovers: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn results_are_cached_across_builds() {
    let (_tmp, root) = fixture_copy();
    let first = build_ok(&root, &[]);
    assert!(first.contains("3 chapters executed"), "{first}");
    assert!(root.join(".pgbook-cache/results").is_dir());

    // A prose-only edit runs no SQL, yet the page shows the new prose.
    let chapter = root.join("content/sessions.md");
    std::fs::write(
        &chapter,
        read(&chapter).replace("# Sessions", "# Sessions\n\nFreshly edited prose."),
    )
    .unwrap();
    let second = build_ok(&root, &[]);
    assert!(second.contains("no SQL executed"), "{second}");
    assert!(read(&root.join("book/sessions.html")).contains("Freshly edited prose."));

    // Changing one chapter's SQL re-runs that chapter only.
    std::fs::write(
        &chapter,
        read(&chapter).replace("COMMIT;", "COMMIT;\nSELECT 2 AS two;"),
    )
    .unwrap();
    let third = build_ok(&root, &[]);
    assert!(third.contains("1 chapter executed"), "{third}");
    assert!(read(&root.join("book/sessions.html")).contains("<th class=\"num\">two</th>"));

    // Changing an included file re-runs the chapter that includes it.
    let include = root.join("snippets/fixture.sql");
    std::fs::write(
        &include,
        read(&include).replace("(3, NULL, 12)", "(3, NULL, 12), (5, 'five', 5)"),
    )
    .unwrap();
    let out = pgbook(&["build", root.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "expected output no longer matches: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("1 snippet(s) failed"),
        "{}",
        stderr(&out)
    );

    let out = pgbook(&["clean", root.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!root.join("book").exists());
    assert!(!root.join(".pgbook-cache").exists());
}

#[test]
fn theme_files_override_the_built_in_ones() {
    let (_tmp, root) = fixture_copy();
    std::fs::create_dir_all(root.join("theme/css")).unwrap();
    std::fs::write(
        root.join("theme/404.html"),
        "<html><body>Custom lost page for {{ book.title }}</body></html>",
    )
    .unwrap();
    std::fs::write(
        root.join("theme/css/pgbook.css"),
        "body { color: rebeccapurple; }",
    )
    .unwrap();
    let dest = root.join("out/site");
    build_ok(&root, &["--dest", dest.to_str().unwrap()]);
    assert_eq!(
        read(&dest.join("404.html")),
        "<html><body>Custom lost page for Fixture Handbook</body></html>"
    );
    assert_eq!(
        read(&dest.join("css/pgbook.css")),
        "body { color: rebeccapurple; }"
    );
    // Templates not overridden still come from the built-in theme.
    assert!(read(&dest.join("results.html")).contains("class=\"sidebar\""));

    // A broken override is reported with its name, and the site stays as it was.
    let before = snapshot(&dest);
    std::fs::write(root.join("theme/page.html"), "{% if %}").unwrap();
    let out = pgbook(&[
        "build",
        root.to_str().unwrap(),
        "--dest",
        dest.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("page.html"), "{}", stderr(&out));
    assert_eq!(snapshot(&dest), before);
}

#[test]
fn mdbook_book_builds_unchanged_without_a_database() {
    let book = pgbook_book::Book::load(Path::new(RUST_BOOK)).expect("the corpus loads");
    assert_eq!(book.chapters.len(), 111);
    let dest = tempfile::tempdir().unwrap();
    let site = dest.path().join("site");
    let err = build_ok(Path::new(RUST_BOOK), &["--dest", site.to_str().unwrap()]);
    assert!(err.contains("no SQL executed"), "{err}");
    let mut pages = 0;
    for (path, _) in snapshot(&site) {
        if path.extension().is_some_and(|e| e == "html") {
            pages += 1;
        }
    }
    assert_eq!(
        pages,
        book.chapters.len() + 4,
        "chapters + index, print, 404, toc"
    );
    for chapter in &book.chapters {
        let page = site.join(chapter.path.with_extension("html"));
        assert!(page.is_file(), "{} missing", page.display());
    }
    assert!(!Path::new(RUST_BOOK).join(".pgbook-cache").exists());
    assert!(!Path::new(RUST_BOOK).join("book").exists());
}

/// A book whose chapter pulls in, from prose, a Markdown file outside `content/` that holds a
/// snippet of its own between two snippets of the chapter.
fn book_with_prose_include(dir: &Path, included_expected: &str) -> PathBuf {
    let root = dir.join("inc-book");
    support::write(&root.join("book.toml"), "[book]\ntitle = \"Inc\"\n");
    support::write(&root.join("content/SUMMARY.md"), "- [Ch](ch.md)\n");
    support::write(
        &root.join("content/ch.md"),
        "# Ch\n\n```sql\nSELECT 'be' || 'fore' AS first_col;\n```\n\n\
         {{#include ../parts/part.md}}\n\n\
         ```sql\nSELECT 'af' || 'ter' AS third_col;\n```\n",
    );
    support::write(
        &root.join("parts/part.md"),
        &format!(
            "## Included part\n\n```sql\nSELECT 'inclu' || 'ded' AS second_col;\n```\n\n\
             ```output\n second_col \n------------\n {included_expected}\n(1 row)\n\n```\n"
        ),
    );
    root
}

#[test]
fn sql_in_a_prose_include_is_a_snippet_with_its_own_output() {
    let tmp = tempfile::tempdir().unwrap();
    let root = book_with_prose_include(tmp.path(), "included");
    build_ok(&root, &[]);
    let page = read(&root.join("book/index.html"));
    // Each snippet's figure holds its own SQL and its own result, in document order.
    let figures: Vec<&str> = page.split("<figure class=\"snippet").skip(1).collect();
    assert_eq!(figures.len(), 3, "{page}");
    let expected = [
        ("first_col", "before"),
        ("second_col", "included"),
        ("third_col", "after"),
    ];
    for (figure, (column, value)) in figures.iter().zip(expected) {
        let figure = &figure[..figure.find("</figure>").unwrap()];
        assert!(figure.contains(column), "{column} missing from {figure}");
        assert!(
            figure.contains(&format!(">{value}<")),
            "{value} missing from {figure}"
        );
        assert!(figure.contains("verified on PostgreSQL"), "{figure}");
    }
    assert!(page.contains("id=\"included-part\""));

    // The included snippet is verified: a wrong expected output fails the build.
    let root = book_with_prose_include(&tmp.path().join("wrong"), "excluded");
    let out = pgbook(&["build", root.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("excluded"), "{}", stderr(&out));
    // The failure is located where the snippet is written: the included file, at its fence.
    assert!(
        stderr(&out).contains("parts/part.md:3:"),
        "{}",
        stderr(&out)
    );

    // A server error in included SQL points at its line and column in the included file.
    let root = book_with_prose_include(&tmp.path().join("error"), "included");
    let part = root.join("parts/part.md");
    let text = read(&part).replace("SELECT 'inclu'", "SELECT nope, 'inclu'");
    support::write(&part, &text);
    let out = pgbook(&["build", root.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("parts/part.md:4:8: ERROR:  column \"nope\" does not exist"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn broken_links_warn_with_their_place_and_the_site_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("book-src");
    std::fs::create_dir_all(root.join("content")).unwrap();
    std::fs::write(root.join("book.toml"), "[book]\ntitle = \"Links\"\n").unwrap();
    std::fs::write(root.join("content/SUMMARY.md"), "- [X](x.md)\n").unwrap();
    std::fs::write(
        root.join("content/x.md"),
        "# X\n\n```sql\nselect 1 as one;\n```\n\nSee [the other page](missing.md) and\n\
         [a section](#nowhere).\n",
    )
    .unwrap();
    let err = build_ok(&root, &[]);
    // Each warning names its place, typed from the link's position in the Markdown.
    assert!(
        err.contains("warning: content/x.md:7:5: broken link to 'missing.md'"),
        "{err}"
    );
    assert!(
        err.contains("warning: content/x.md:8:1: ") && err.contains("'#nowhere'"),
        "{err}"
    );
    assert!(err.contains("pgbook: wrote the site to"), "{err}");
    let page = read(&root.join("book/x.html"));
    assert!(page.contains("the other page"), "the page is written");
    // `test` runs the same check and fails on it.
    let out = pgbook(&["test", root.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

//! The shared navigation and the split search index on a generated 40-chapter book, in
//! headless Chromium: the sidebar comes from one script file with the page's own entry
//! marked, from `file://` and over HTTP; without scripts a reader still gets from page to
//! page (previous/next, a link to `toc.html` that lists every chapter); search from `file://`
//! finds a word and loads the manifest, the one term fragment that can hold the word and the
//! document fragment of its result — not the whole index. Screenshots of the sidebar and of
//! the no-script page, light and dark, at 360 px.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::cdp::Browser;
use super::serve;
use super::support::{pgbook, stderr, write};

const CHAPTERS: usize = 40;

/// The chapter file of chapter `n`: two parts, odd chapters nested under the one before.
fn chapter_file(n: usize) -> String {
    let part = if n < CHAPTERS / 2 { "part-a" } else { "part-b" };
    format!("{part}/ch{n:02}.md")
}

/// Words of chapter `n` that no other chapter has, enough of them for many term fragments.
fn chapter_words(n: usize) -> String {
    (0..400)
        .map(|i| format!("k{n}w{i}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn build_book(work: &Path) -> PathBuf {
    let root = work.join("nav-src");
    write(
        &root.join("book.toml"),
        "[book]\ntitle = \"Navigation\"\n[output.html]\nsite-url = \"/nav/\"\n\
         [output.html.fold]\nenable = true\nlevel = 0\n",
    );
    let mut summary = String::from("# Summary\n\n[Start](start.md)\n\n# Part A\n\n");
    write(
        &root.join("content/start.md"),
        "# Start\n\nThe first page.\n",
    );
    for n in 0..CHAPTERS {
        if n == CHAPTERS / 2 {
            summary.push_str("\n# Part B\n\n");
        }
        let indent = if n % 2 == 1 { "  " } else { "" };
        summary.push_str(&format!("{indent}- [Chapter {n}]({})\n", chapter_file(n)));
        let marker = if n == 27 {
            " The quokka lives here."
        } else {
            ""
        };
        write(
            &root.join("content").join(chapter_file(n)),
            &format!(
                "# Chapter {n}\n\nProse of chapter {n}.{marker}\n\n## Words\n\n{}\n",
                chapter_words(n)
            ),
        );
    }
    write(&root.join("content/SUMMARY.md"), &summary);
    let out = pgbook(&["build", root.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    root.join("book")
}

/// The sidebar on `page` (a path under `base`): every chapter listed, the page's own entry
/// marked and its section unfolded (the book folds from level 0: other sections start
/// folded), links that lead where they say.
fn sidebar_marks_the_page(browser: &mut Browser, base: &str, page: &str) {
    browser.goto(&format!("{base}{page}"));
    assert_eq!(
        browser.eval("document.querySelectorAll('#toc .toc-item a').length"),
        CHAPTERS + 1,
        "sidebar entries at {base}{page}"
    );
    assert_eq!(
        browser.eval("document.querySelectorAll('#toc .toc-part').length"),
        2
    );
    assert_eq!(
        browser.eval("document.querySelectorAll('#toc .current').length"),
        1
    );
    assert_eq!(
        browser.eval("document.querySelector('#toc .toc-item.current a').href"),
        format!("{base}{page}").as_str()
    );
    assert_eq!(
        browser.eval("document.querySelector('#toc [aria-current=page]').href"),
        format!("{base}{page}").as_str()
    );
    let folded = browser.eval(
        "Array.from(document.querySelectorAll('#toc .toc-item'))
           .filter(li => li.offsetParent === null).map(li => li.textContent.trim())",
    );
    let folded = folded.as_array().unwrap();
    assert!(
        folded.len() >= 15,
        "other sections' entries are folded away: {folded:?}"
    );
    assert_eq!(
        browser.eval("document.querySelector('#toc .current').offsetParent !== null"),
        true,
        "the page's own entry is shown: {folded:?}"
    );
    // The entry is in view in the sidebar, and other entries lead to their pages.
    assert_eq!(
        browser.eval(
            "(() => { const r = document.querySelector('#toc .current').getBoundingClientRect();
                      return r.top >= 0 && r.bottom <= innerHeight; })()"
        ),
        true
    );
    browser.eval("document.querySelector('#toc a[href$=\"start.html\"]').click()");
    browser.wait_for(&format!(
        "location.href === '{base}start.html' && document.readyState === 'complete'"
    ));
    // The page holds no copy of the entries: one shared script fills the list.
    let scripts = browser.eval(
        "Array.from(document.querySelectorAll('script[src*=\"toc-\"]')).map(s => s.getAttribute('src'))",
    );
    assert_eq!(scripts.as_array().unwrap().len(), 1, "{scripts}");
}

/// Search from `file://`: the result, and only the fragments it needs.
fn search_loads_only_needed_fragments(browser: &mut Browser, site: &Path, base: &str) {
    browser.goto(&format!("{base}part-a/ch03.html"));
    browser.eval("document.getElementById('search-toggle').click()");
    browser.eval(
        "(() => { const i = document.getElementById('search-input'); i.value = 'quokka';
                  i.dispatchEvent(new Event('input')); })()",
    );
    browser.wait_for("document.querySelectorAll('#search-results li').length > 0");
    assert_eq!(
        browser.eval("document.querySelectorAll('#search-results li').length"),
        1
    );
    assert_eq!(
        browser.eval("document.querySelector('#search-results a').href"),
        format!("{base}part-b/ch27.html?highlight=quokka#chapter-27").as_str()
    );
    let loaded = browser.eval(
        "Array.from(document.querySelectorAll('script[data-search-fragment]'))
           .map(s => s.getAttribute('data-search-fragment'))",
    );
    let loaded: Vec<&str> = loaded
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let terms = loaded.iter().filter(|n| n.starts_with("search/t-")).count();
    let docs = loaded.iter().filter(|n| n.starts_with("search/d-")).count();
    assert_eq!(loaded[0], "searchindex.js", "{loaded:?}");
    assert_eq!((terms, docs, loaded.len()), (1, 1, 3), "{loaded:?}");
    let manifest = std::fs::read_to_string(site.join("searchindex.js")).unwrap();
    let term_fragments = manifest.matches("\"search/t-").count();
    assert!(
        term_fragments >= 8,
        "the index is split: {term_fragments} term fragments"
    );

    // A prefix finds the words that start with it (`quokk`), and a second word of another
    // chapter loads its own fragment (AND: no section has both).
    browser.eval(
        "(() => { const i = document.getElementById('search-input'); i.value = 'k31w39';
                  i.dispatchEvent(new Event('input')); })()",
    );
    browser.wait_for(&format!(
        "document.querySelector('#search-results a').href === '{base}part-b/ch31.html?highlight=k31w39#words'"
    ));
    assert_eq!(
        browser.eval("document.querySelectorAll('#search-results li').length"),
        1
    );
    browser.eval(
        "(() => { const i = document.getElementById('search-input'); i.value = 'quokk';
                  i.dispatchEvent(new Event('input')); })()",
    );
    browser.wait_for(&format!(
        "document.querySelector('#search-results a').href === '{base}part-b/ch27.html?highlight=quokk#chapter-27'"
    ));
    browser.eval(
        "(() => { const i = document.getElementById('search-input'); i.value = 'quokka k5w7';
                  i.dispatchEvent(new Event('input')); })()",
    );
    browser.wait_for("/^No results/.test(document.querySelector('#search-status').textContent)");
}

/// Without scripts: the sidebar says where the table of contents is, the pager and
/// `toc.html` lead everywhere.
fn without_scripts(browser: &mut Browser, base: &str, shots: &Path) {
    browser.call(
        "Emulation.setScriptExecutionDisabled",
        json!({ "value": true }),
    );
    for width in [1280u32, 360] {
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": 800, "deviceScaleFactor": 1, "mobile": width < 600 }),
        );
        browser.goto(&format!("{base}part-a/ch04.html"));
        assert_eq!(
            browser.eval("document.querySelectorAll('#toc li').length"),
            0,
            "no script filled the sidebar"
        );
        let contents = if width < 600 {
            // The sidebar is closed on a phone: the top bar links to the contents.
            ".topbar a[href='../toc.html']"
        } else {
            ".sidebar .toc-fallback a[href='../toc.html']"
        };
        assert_eq!(
            browser.eval(&format!(
                "(() => {{ const a = document.querySelector(\"{contents}\");
                           return !!a && a.getBoundingClientRect().width > 0; }})()"
            )),
            true,
            "{contents} visible at {width} px"
        );
        assert_eq!(
            browser.eval("getComputedStyle(document.getElementById('sidebar-toggle')).display"),
            "none",
            "the script-only toggle is hidden"
        );
        std::fs::write(
            shots.join(format!("noscript-{width}.png")),
            browser.screenshot(),
        )
        .unwrap();
    }
    assert_eq!(
        browser.eval("document.querySelector('a[rel=next]').getAttribute('href')"),
        "../part-a/ch05.html"
    );
    browser.goto(&format!("{base}toc.html"));
    assert_eq!(
        browser.eval("document.querySelectorAll('.chapter .toc-item a').length"),
        CHAPTERS + 1
    );
    std::fs::write(shots.join("noscript-toc-360.png"), browser.screenshot()).unwrap();
    browser.eval("document.querySelector('.chapter a[href=\"part-b/ch27.html\"]').click()");
    browser.wait_for(&format!(
        "location.href === '{base}part-b/ch27.html' && document.readyState === 'complete'"
    ));
    browser.call(
        "Emulation.setScriptExecutionDisabled",
        json!({ "value": false }),
    );
    browser.call("Emulation.clearDeviceMetricsOverride", json!({}));
}

/// The sidebar open on a phone, in both themes.
fn phone_sidebar_in_both_themes(browser: &mut Browser, base: &str, shots: &Path) {
    browser.call(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": 360, "height": 800, "deviceScaleFactor": 1, "mobile": true }),
    );
    for theme in ["light", "dark"] {
        browser.goto(&format!("{base}part-b/ch27.html"));
        if browser.eval("document.documentElement.dataset.theme") != theme {
            browser.eval("document.getElementById('theme-toggle').click()");
        }
        browser.eval("document.getElementById('sidebar-toggle').click()");
        assert_eq!(
            browser.eval("document.getElementById('sidebar').getBoundingClientRect().width > 200"),
            true
        );
        // The open sidebar shows the page's own entry, far down the list.
        assert_eq!(
            browser.eval(
                "(() => { const r = document.querySelector('#toc .current').getBoundingClientRect();
                          return r.top >= 0 && r.bottom <= innerHeight; })()"
            ),
            true,
            "current entry in view in the open sidebar"
        );
        std::fs::write(
            shots.join(format!("sidebar-{theme}-360.png")),
            browser.screenshot(),
        )
        .unwrap();
    }
    browser.call("Emulation.clearDeviceMetricsOverride", json!({}));
}

pub fn shared_navigation_and_split_search(browser: &mut Browser, work: &Path, shots: &Path) {
    let site = build_book(work);
    // The pages carry no copy of the table of contents.
    let page = std::fs::read_to_string(site.join("part-b/ch27.html")).unwrap();
    assert!(!page.contains("Chapter 12"), "a page lists other chapters");
    let file_base = format!("file://{}/", site.display());
    sidebar_marks_the_page(browser, &file_base, "part-b/ch27.html");
    sidebar_marks_the_page(browser, &file_base, "part-a/ch03.html");
    let http_base = serve(site.clone());
    sidebar_marks_the_page(browser, &http_base, "part-b/ch27.html");
    search_loads_only_needed_fragments(browser, &site, &file_base);
    without_scripts(browser, &file_base, shots);
    phone_sidebar_in_both_themes(browser, &file_base, shots);
}

//! What readers of mdBook 0.5 and Starlight expect, in headless Chromium, in the light and the
//! dark theme: a callout of each kind with its title, the "on this page" list following the
//! scroll (and collapsed on a narrow screen), search that knows SQL (`statements`,
//! `skip locked`, `pg_stat`) with the hits highlighted on the opened page, and results driven
//! by the keyboard alone, and the way from a "verified on" mark to the verification page.
//! Screenshots are saved for a human to look at.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::cdp::Browser;
use super::support::{copy_dir, pgbook, stderr};
use super::{serve, CHROMIUM};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/build/readers");

fn build(work: &Path) -> PathBuf {
    let root = work.join("readers-src");
    copy_dir(Path::new(FIXTURE), &root);
    let out = pgbook(&["build", root.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    root.join("book")
}

/// Sets the theme the way a reader does (the switch), so both themes are exercised.
fn use_theme(browser: &mut Browser, theme: &str) {
    if browser.eval("document.documentElement.dataset.theme") != theme {
        browser.eval("document.getElementById('theme-toggle').click()");
    }
    assert_eq!(
        browser.eval("document.documentElement.dataset.theme"),
        theme
    );
}

fn callouts(browser: &mut Browser, base: &str, theme: &str, shots: &Path) {
    browser.goto(&format!("{base}callouts.html"));
    use_theme(browser, theme);
    let titles = browser.eval(
        "Array.from(document.querySelectorAll('blockquote.callout')).map(b =>
           [b.className, b.querySelector('.callout-title').textContent.trim(),
            !!b.querySelector('.callout-title svg'), getComputedStyle(b).borderLeftColor])",
    );
    let titles = titles.as_array().unwrap();
    let expected = [
        ("callout callout-note", "Note"),
        ("callout callout-tip", "Tip"),
        ("callout callout-important", "Important"),
        ("callout callout-warning", "Warning"),
        ("callout callout-caution", "Caution"),
    ];
    assert_eq!(titles.len(), expected.len(), "{titles:?}");
    for (got, (class, title)) in titles.iter().zip(expected) {
        assert_eq!(got[0], class);
        assert_eq!(got[1], title);
        assert_eq!(got[2], true, "{title} has an icon");
    }
    // Each kind has its own colour.
    let mut colours: Vec<_> = titles.iter().map(|t| t[3].to_string()).collect();
    colours.sort();
    colours.dedup();
    assert_eq!(colours.len(), 5, "{colours:?}");
    assert!(!browser
        .eval("document.querySelector('.chapter').textContent")
        .as_str()
        .unwrap()
        .contains("[!NOTE]"));
    std::fs::write(
        shots.join(format!("callouts-{theme}.png")),
        browser.screenshot(),
    )
    .unwrap();
}

fn page_contents(browser: &mut Browser, base: &str, theme: &str, shots: &Path) {
    browser.goto(&format!("{base}queues.html"));
    use_theme(browser, theme);
    let active = "document.querySelector('.page-toc a.active').getAttribute('href')";
    let entries = browser.eval(
        "Array.from(document.querySelectorAll('.page-toc li')).map(l => l.className + ' ' + l.textContent)",
    );
    assert_eq!(
        entries,
        json!([
            "level-2 Taking a job",
            "level-3 Why not NOWAIT",
            "level-2 Batches",
            "level-2 Retention"
        ])
    );
    assert_eq!(
        browser.eval("document.getElementById('page-toc').open"),
        true
    );
    assert_eq!(browser.eval(active), "#taking-a-job");
    browser.eval("window.scrollTo(0, document.getElementById('batches').offsetTop - 20)");
    browser.wait_for(&format!("{active} === '#batches'"));
    std::fs::write(shots.join(format!("toc-{theme}.png")), browser.screenshot()).unwrap();
    browser.eval("window.scrollTo(0, document.documentElement.scrollHeight)");
    browser.wait_for(&format!("{active} === '#retention'"));
    browser.eval("window.scrollTo(0, 0)");
    browser.wait_for(&format!("{active} === '#taking-a-job'"));

    // A narrow screen: the list sits above the chapter, collapsed.
    browser.call(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": 600, "height": 900, "deviceScaleFactor": 1, "mobile": false }),
    );
    browser.goto(&format!("{base}queues.html"));
    assert_eq!(
        browser.eval("document.getElementById('page-toc').open"),
        false
    );
    assert_eq!(
        browser.eval(
            "document.getElementById('page-toc').getBoundingClientRect().bottom
               <= document.querySelector('.chapter').getBoundingClientRect().top"
        ),
        true
    );
    std::fs::write(
        shots.join(format!("toc-narrow-{theme}.png")),
        browser.screenshot(),
    )
    .unwrap();
    browser.call("Emulation.clearDeviceMetricsOverride", json!({}));
}

/// Types `query` into the search box with keys only and returns the results' URLs.
fn search(browser: &mut Browser, query: &str) -> Vec<String> {
    browser.eval("document.activeElement && document.activeElement.blur(); true");
    press(browser, "/", "Slash");
    browser.wait_for("document.activeElement.id === 'search-input'");
    browser.eval("document.getElementById('search-input').value = ''; true");
    for c in query.chars() {
        let key = c.to_string();
        press(browser, &key, "");
    }
    browser.wait_for(&format!(
        "document.getElementById('search-status').textContent.includes('result')
           && document.getElementById('search-input').value === {}",
        json!(query)
    ));
    // The results are made after a short pause: wait until they are the query's.
    browser.wait_for(&format!(
        "(document.querySelector('#search-results a') || {{}}).href
           ?.includes('highlight=' + encodeURIComponent({}))",
        json!(query.to_lowercase())
    ));
    let urls =
        browser.eval("Array.from(document.querySelectorAll('#search-results a')).map(a => a.href)");
    urls.as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap().to_string())
        .collect()
}

fn press(browser: &mut Browser, key: &str, code: &str) {
    // Let the page render a frame first: a key sent while Chromium is still handling the text
    // just inserted can be dropped.
    browser.eval("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))");
    let vk = match key {
        "ArrowDown" => 40,
        "ArrowUp" => 38,
        "Enter" => 13,
        "/" => 191,
        _ => 0,
    };
    let text = if key.chars().count() == 1 {
        key
    } else if key == "Enter" {
        "\r"
    } else {
        ""
    };
    browser.call(
        "Input.dispatchKeyEvent",
        json!({ "type": "keyDown", "key": key, "code": code, "text": text, "windowsVirtualKeyCode": vk }),
    );
    browser.call(
        "Input.dispatchKeyEvent",
        json!({ "type": "keyUp", "key": key, "code": code, "windowsVirtualKeyCode": vk }),
    );
}

fn search_that_knows_sql(browser: &mut Browser, base: &str, theme: &str, shots: &Path) {
    browser.goto(&format!("{base}callouts.html"));
    use_theme(browser, theme);
    let found = search(browser, "statements");
    assert!(
        found[0].contains("statistics.html?highlight=statements#top-statements"),
        "{found:?}"
    );
    let found = search(browser, "pg_stat");
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found.iter().all(|u| u.contains("statistics.html")),
        "{found:?}"
    );
    let found = search(browser, "skip locked");
    assert!(
        found[0].contains("queues.html?highlight=skip%20locked#taking-a-job"),
        "{found:?}"
    );
    std::fs::write(
        shots.join(format!("search-{theme}.png")),
        browser.screenshot(),
    )
    .unwrap();
    // Keyboard only: Enter opens the selected (first) result.
    press(browser, "Enter", "Enter");
    browser.wait_for(
        "location.pathname.endsWith('queues.html') && document.readyState === 'complete'",
    );
    let marks = browser.eval(
        "Array.from(document.querySelectorAll('.chapter mark.search-hit')).map(m => m.textContent.toLowerCase())",
    );
    let marks: Vec<_> = marks
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect();
    assert!(
        marks.contains(&"skip".to_string()) && marks.contains(&"locked".to_string()),
        "{marks:?}"
    );
    assert!(
        marks.iter().all(|m| m == "skip" || m == "locked"),
        "{marks:?}"
    );
    std::fs::write(
        shots.join(format!("highlight-{theme}.png")),
        browser.screenshot(),
    )
    .unwrap();

    // Arrow keys move the selection; Enter opens the selected one, with the identifier's
    // prefix highlighted.
    let found = search(browser, "pg_stat");
    assert_eq!(found.len(), 2, "{found:?}");
    let selected = "document.querySelector('#search-results li.selected a').href";
    assert_eq!(browser.eval(selected), found[0].as_str());
    press(browser, "ArrowDown", "ArrowDown");
    assert_eq!(browser.eval(selected), found[1].as_str());
    // The last result stays selected at the end of the list; up goes back.
    press(browser, "ArrowDown", "ArrowDown");
    assert_eq!(browser.eval(selected), found[1].as_str());
    press(browser, "ArrowUp", "ArrowUp");
    assert_eq!(browser.eval(selected), found[0].as_str());
    press(browser, "ArrowDown", "ArrowDown");
    press(browser, "Enter", "Enter");
    browser.wait_for(&format!("location.href === {}", json!(found[1])));
    browser.wait_for("document.readyState === 'complete'");
    let marks = browser
        .eval("Array.from(document.querySelectorAll('mark.search-hit')).map(m => m.textContent)");
    assert_eq!(marks, json!(["pg_stat", "pg_stat"]));
}

/// The "verified on" mark leads to the verification page, which the sidebar links too.
fn verification_page(browser: &mut Browser, base: &str, theme: &str, shots: &Path) {
    browser.goto(&format!("{base}queues.html"));
    use_theme(browser, theme);
    browser.eval("document.querySelector('a.verified').click()");
    browser.wait_for(
        "location.pathname.endsWith('/verification.html') && document.readyState === 'complete'",
    );
    assert_eq!(
        browser.eval("document.querySelector('#setting-jit td.value').textContent"),
        "off"
    );
    assert_eq!(
        browser.eval("document.querySelector('.sidebar-footer a').getAttribute('href')"),
        "verification.html"
    );
    std::fs::write(
        shots.join(format!("verification-{theme}.png")),
        browser.screenshot(),
    )
    .unwrap();
}

#[test]
fn callouts_page_contents_and_sql_search_in_both_themes() {
    assert!(Path::new(CHROMIUM).exists(), "Chromium is required");
    let work = tempfile::tempdir().unwrap();
    let site = build(work.path());
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let base = serve(site);
    let mut browser = Browser::launch(CHROMIUM, &work.path().join("profile"));
    browser.open_page();
    for theme in ["light", "dark"] {
        callouts(&mut browser, &base, theme, &shots);
        page_contents(&mut browser, &base, theme, &shots);
        search_that_knows_sql(&mut browser, &base, theme, &shots);
        verification_page(&mut browser, &base, theme, &shots);
    }
    let errors = browser.errors();
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    eprintln!("screenshots in {}", shots.display());
}

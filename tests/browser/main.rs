//! End-to-end test of the built site in headless Chromium: opened from `file://` and over
//! HTTP under a sub-path, search finds a word, the dark theme switch works and is remembered,
//! previous/next links work, pictures (`pictures.rs`) draw in both themes at phone width,
//! and no console errors or failed loads occur. Screenshots of a
//! chapter with SQL output in both themes are saved for a human to look at.

mod cdp;
mod navigation;
mod pictures;
mod readers;
#[path = "../support/mod.rs"]
mod support;

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use cdp::Browser;
use support::{copy_dir, pgbook, stderr};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/build/basic");
const CHROMIUM: &str = "/usr/bin/chromium";
/// The site is served under this prefix to prove that links are relative.
const SUB_PATH: &str = "/docs/handbook/";

fn build_site(work: &Path) -> PathBuf {
    let root = work.join("book-src");
    copy_dir(Path::new(FIXTURE), &root);
    let out = pgbook(&["build", root.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    root.join("book")
}

/// Serves `site` under [`SUB_PATH`] on an ephemeral port; returns the base URL.
fn serve(site: PathBuf) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let request = cdp::read_request(&mut stream);
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
            let path = path.split(['?', '#']).next().unwrap_or("").to_string();
            let file = path
                .strip_prefix(SUB_PATH)
                .filter(|p| !p.split('/').any(|s| s == ".."))
                .map(|p| site.join(if p.is_empty() { "index.html" } else { p }));
            let response = match file.and_then(|f| std::fs::read(&f).ok().map(|b| (f, b))) {
                Some((file, body)) => {
                    let kind = mime_guess::from_path(&file).first_or_octet_stream();
                    let mut r = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    r.extend(body);
                    r
                }
                None => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_vec(),
            };
            let _ = stream.write_all(&response);
        }
    });
    format!("http://127.0.0.1:{port}{SUB_PATH}")
}

/// Search, theme switch, prev/next on the site at `base` (ends with `/`).
fn exercise_site(browser: &mut Browser, base: &str, shots: Option<&Path>) {
    browser.goto(&format!("{base}results.html"));
    assert_eq!(
        browser.eval("document.querySelectorAll('.result-table').length > 0"),
        true
    );

    // Search for a word that only the preface contains.
    browser.eval("document.getElementById('search-toggle').click()");
    browser.eval(
        "(() => { const i = document.getElementById('search-input'); i.value = 'footnotes';
                  i.dispatchEvent(new Event('input')); })()",
    );
    browser.wait_for("document.querySelectorAll('#search-results li').length > 0");
    if let Some(dir) = shots {
        std::fs::write(dir.join("search-light.png"), browser.screenshot()).unwrap();
    }
    let first = browser.eval("document.querySelector('#search-results a').href");
    assert!(
        first
            .as_str()
            .unwrap()
            .starts_with(&format!("{base}preface.html")),
        "{first}"
    );

    // Dark theme: switched, stored, and still there after a reload.
    browser.eval("document.getElementById('search-toggle').click()");
    assert_eq!(
        browser.eval("document.documentElement.dataset.theme"),
        "light"
    );
    if let Some(dir) = shots {
        std::fs::write(dir.join("results-light.png"), browser.screenshot()).unwrap();
    }
    browser.eval("document.getElementById('theme-toggle').click()");
    assert_eq!(
        browser.eval("document.documentElement.dataset.theme"),
        "dark"
    );
    assert_eq!(
        browser.eval("localStorage.getItem('pgbook-theme')"),
        "dark",
        "choice stored at {base}"
    );
    // Chromium does not reliably share localStorage between file:// documents (under load a
    // new file:// page often starts with empty storage), so the choice is checked to carry
    // over to other pages where a web server serves the site — which is how it is hosted.
    if base.starts_with("http") {
        browser.goto(&format!("{base}guide/plans.html"));
        browser.wait_for("localStorage.getItem('pgbook-theme') === 'dark'");
        browser.goto(&format!("{base}sessions.html"));
        assert_eq!(
            browser.eval("document.documentElement.dataset.theme"),
            "dark",
            "theme remembered at {base}"
        );
        browser.goto(&format!("{base}guide/plans.html"));
    }
    let background = browser.eval("getComputedStyle(document.body).backgroundColor");
    assert_ne!(background, "rgb(252, 252, 250)", "dark colours applied");
    if let Some(dir) = shots {
        std::fs::write(dir.join("plans-dark.png"), browser.screenshot()).unwrap();
        browser.goto(&format!("{base}results.html"));
        std::fs::write(dir.join("results-dark.png"), browser.screenshot()).unwrap();
    }
    browser.goto(&format!("{base}guide/plans.html"));
    if !base.starts_with("http") && browser.eval("document.documentElement.dataset.theme") != "dark"
    {
        // A fresh file:// document without the stored choice: set it again on this page.
        browser.eval("document.getElementById('theme-toggle').click()");
    }
    browser.eval("document.getElementById('theme-toggle').click()");
    assert_eq!(
        browser.eval("localStorage.getItem('pgbook-theme')"),
        "light"
    );

    // Previous / next.
    browser.eval("document.querySelector('a[rel=next]').click()");
    browser.wait_for(&format!(
        "location.href === '{base}sessions.html' && document.readyState === 'complete'"
    ));
    browser.eval("document.querySelector('a[rel=prev]').click()");
    browser.wait_for(&format!(
        "location.href === '{base}guide/plans.html' && document.readyState === 'complete'"
    ));
    // The sidebar's current entry is the page we are on.
    assert_eq!(
        browser.eval("document.querySelector('.toc-item.current a').href"),
        format!("{base}guide/plans.html").as_str()
    );
    browser.goto(&format!("{base}print.html"));
    assert_eq!(
        browser.eval("document.querySelectorAll('.print-chapter').length"),
        5
    );
}

#[test]
fn site_works_in_chromium_from_file_and_http() {
    assert!(
        Path::new(CHROMIUM).exists(),
        "Chromium is required: apt-get install chromium"
    );
    let work = tempfile::tempdir().unwrap();
    let site = build_site(work.path());
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots");
    std::fs::create_dir_all(&shots).unwrap();

    let mut browser = Browser::launch(CHROMIUM, &work.path().join("profile"));
    browser.open_page();
    let file_base = format!("file://{}/", site.display());
    exercise_site(&mut browser, &file_base, None);
    let http_base = serve(site.clone());
    exercise_site(&mut browser, &http_base, Some(&shots));
    pictures::pictures_in_both_themes_and_at_phone_width(&mut browser, work.path(), &shots);
    navigation::shared_navigation_and_split_search(&mut browser, work.path(), &shots);
    let errors = browser.errors();
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    // The error detector itself works: an error logged and an image that does not exist.
    browser.eval(
        "console.error('deliberate'); const img = document.createElement('img');
         img.src = 'missing-image.png'; document.body.appendChild(img); true",
    );
    browser.wait_for("document.querySelector('img[src=\"missing-image.png\"]').complete");
    let start = std::time::Instant::now();
    while browser.errors().len() < 2 && start.elapsed() < std::time::Duration::from_secs(30) {
        browser.eval("true");
    }
    assert!(browser.errors().len() >= 2, "{:#?}", browser.errors());
    eprintln!("screenshots in {}", shots.display());
}

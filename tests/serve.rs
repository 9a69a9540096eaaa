//! `pgbook serve` end to end: the real binary serving a small book built against a real
//! scratch PostgreSQL. Raw HTTP requests probe path safety and method/body refusal; an event
//! stream client checks that reloads come after the new files are written; a headless Chromium
//! checks that a page reloads by itself and shows and hides the error overlay; SIGTERM must end
//! serve with exit 0 and no PostgreSQL left behind.
//!
//! Time bounds here only guard against hangs; nothing asserts how fast anything is.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

// The browser tests' DevTools driver; serve uses only part of it.
#[allow(dead_code)]
#[path = "browser/cdp.rs"]
mod cdp;
use cdp::Browser;

mod support;
use support::write;

/// Guards every wait against a hang; never a performance expectation.
const PATIENCE: Duration = Duration::from_secs(90);

const CHROMIUM: &str = "/usr/bin/chromium";

const SECRET: &str = "top secret outside the site";

/// A one-chapter book whose snippet selects `word`.
fn book(dir: &Path, word: &str) -> PathBuf {
    let root = dir.join("book");
    write(&root.join("book.toml"), "[book]\ntitle = \"Serve test\"\n");
    write(
        &root.join("content/SUMMARY.md"),
        "# Summary\n\n- [Chapter](ch.md)\n",
    );
    write(
        &root.join("content/ch.md"),
        &chapter(&format!("SELECT '{word}' AS word;")),
    );
    root
}

/// The chapter text; its SQL is on line 6.
fn chapter(sql: &str) -> String {
    format!("# Chapter\n\nSome prose.\n\n```sql\n{sql}\n```\n")
}

/// A running `pgbook serve` on an ephemeral port; stopped with SIGTERM when dropped.
struct Served {
    child: Child,
    /// `http://127.0.0.1:PORT`
    base: String,
    address: String,
    /// Where serve writes its site (its temporary directory is under our TMPDIR).
    site: PathBuf,
    stderr: mpsc::Receiver<String>,
    /// The lines serve printed before it was ready.
    startup: Vec<String>,
}

impl Served {
    fn start(root: &Path, tmp: &Path) -> Served {
        Served::start_with(root, tmp, &[])
    }

    fn start_with(root: &Path, tmp: &Path, flags: &[&str]) -> Served {
        Served::start_in(root, tmp, flags, None)
    }

    /// With `run_dir`, every scratch cluster, socket and directory of the engine goes there
    /// (`PGBOOK_RUN_DIR`), so that the test can check that nothing is left.
    fn start_in(root: &Path, tmp: &Path, flags: &[&str], run_dir: Option<&Path>) -> Served {
        let tmpdir = tmp.join("tmp");
        std::fs::create_dir_all(&tmpdir).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_pgbook"));
        if let Some(run_dir) = run_dir {
            command.env("PGBOOK_RUN_DIR", run_dir);
        }
        let mut child = command
            .args(["serve", root.to_str().unwrap(), "--port", "0"])
            .args(flags)
            .env("TMPDIR", &tmpdir)
            .env_remove("DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("pgbook serve starts");
        let (sender, stderr) = mpsc::channel();
        let pipe = BufReader::new(child.stderr.take().unwrap());
        std::thread::spawn(move || {
            for line in pipe.lines().map_while(Result::ok) {
                eprintln!("[serve] {line}");
                let _ = sender.send(line);
            }
        });
        let mut served = Served {
            site: tmpdir
                .join(format!("pgbook-serve-{}", child.id()))
                .join("site"),
            child,
            base: String::new(),
            address: String::new(),
            stderr,
            startup: Vec::new(),
        };
        let line = served.wait_for_line("serving http://");
        served.startup.push(line.clone());
        let url = line
            .split("serving ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap();
        served.base = url.trim_end_matches('/').to_string();
        served.address = served.base.trim_start_matches("http://").to_string();
        served
    }

    fn wait_for_line(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stderr.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(line) => self.startup.push(line),
                Err(_) => panic!("serve never printed `{needle}`"),
            }
        }
    }

    /// Sends raw bytes and returns everything the server answers until it closes. A server
    /// that refuses a request before reading all of it may reset the connection after its
    /// answer (the unread bytes make the kernel send a reset instead of a close): what came
    /// before the reset is the answer.
    fn raw(&self, request: &str) -> String {
        let mut stream = TcpStream::connect(&self.address).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        // A refusal may come (and the connection close) before all of the request is sent.
        let _ = stream.write_all(request.as_bytes());
        let mut answer = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            match stream.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => answer.extend_from_slice(&chunk[..n]),
                Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => break,
                Err(error) => panic!("reading the answer: {error}"),
            }
        }
        String::from_utf8_lossy(&answer).into_owned()
    }

    fn get(&self, target: &str) -> (u16, String) {
        let answer = self.raw(&format!(
            "GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        ));
        (status_of(&answer), body_of(&answer).to_string())
    }

    fn stop(&mut self) -> std::process::ExitStatus {
        self.stop_with("TERM")
    }

    fn stop_with(&mut self, name: &str) -> std::process::ExitStatus {
        support::signal(self.child.id(), name);
        self.child.wait().unwrap()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.stop();
        }
    }
}

fn status_of(answer: &str) -> u16 {
    let first = answer.lines().next().unwrap_or_default();
    first
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

fn body_of(answer: &str) -> &str {
    answer.split_once("\r\n\r\n").map_or("", |(_, body)| body)
}

/// The smuggled request after a refused one was not answered: no success, no page.
fn assert_never_served(answer: &str) {
    assert!(
        !answer.contains("HTTP/1.1 200") && !answer.contains("hello"),
        "a smuggled request was served: {answer}"
    );
}

#[test]
fn traversal_attempts_never_leave_the_site() {
    let tmp = tempfile::tempdir().unwrap();
    let root = book(tmp.path(), "hello");
    write(&tmp.path().join("secret.txt"), SECRET);
    write(&tmp.path().join("outside/inner.txt"), SECRET);
    let served = Served::start(&root, tmp.path());
    // Symlinks planted inside the served site that lead out of it.
    std::os::unix::fs::symlink(
        tmp.path().join("secret.txt"),
        served.site.join("escape.txt"),
    )
    .unwrap();
    std::os::unix::fs::symlink(tmp.path().join("outside"), served.site.join("outdir")).unwrap();

    let (status, body) = served.get("/ch.html");
    assert_eq!(status, 200, "a real page is served");
    assert!(body.contains("hello"), "{body}");

    let attempts = [
        "/../secret.txt",
        "/../../../../../../etc/passwd",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/..%2fsecret.txt",
        "/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/ch.html/../../secret.txt",
        "//etc/passwd",
        "//secret.txt",
        "/%2f%2fetc/passwd",
        "/..%5csecret.txt",
        "/escape.txt",
        "/outdir/inner.txt",
        "/./../secret.txt",
        // Double encoding, overlong UTF-8, a NUL, backslashes encoded.
        "/%252e%252e/secret.txt",
        "/%c0%ae%c0%ae/secret.txt",
        "/..%00/secret.txt",
        "/%2e%2e%5c%2e%2e%5csecret.txt",
    ];
    for target in attempts {
        let (status, body) = served.get(target);
        assert!(
            matches!(status, 400 | 403 | 404),
            "{target} answered {status}"
        );
        assert!(
            !body.contains(SECRET) && !body.contains("root:x:0:0"),
            "{target} leaked"
        );
    }
}

#[test]
fn oversized_headers_are_refused_and_the_server_keeps_answering() {
    let tmp = tempfile::tempdir().unwrap();
    let root = book(tmp.path(), "alpha");
    let served = Served::start(&root, tmp.path());
    for header in [
        format!("X-Big: {}\r\n", "a".repeat(64 * 1024)),
        "X-Many: b\r\n".repeat(2_000),
    ] {
        let answer = served.raw(&format!(
            "GET /ch.html HTTP/1.1\r\nHost: x\r\n{header}Connection: close\r\n\r\n"
        ));
        assert_eq!(
            status_of(&answer),
            431,
            "{}",
            &answer[..answer.len().min(200)]
        );
        assert!(!answer.contains("alpha"), "the page was served");
    }
    assert_eq!(served.get("/ch.html").0, 200);
}

#[test]
fn only_get_and_head_are_answered() {
    let tmp = tempfile::tempdir().unwrap();
    let served = Served::start(&book(tmp.path(), "hello"), tmp.path());
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"] {
        let answer = served.raw(&format!(
            "{method} /ch.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        ));
        assert_eq!(status_of(&answer), 405, "{method}: {answer}");
        assert!(
            answer.contains("\r\nAllow: GET, HEAD\r\n"),
            "{method}: {answer}"
        );
    }
    let (get_status, page) = served.get("/ch.html");
    let head = served.raw("HEAD /ch.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert_eq!((get_status, status_of(&head)), (200, 200));
    assert_eq!(body_of(&head), "", "HEAD has no body");
    let length = format!("Content-Length: {}\r\n", page.len());
    assert!(
        head.contains(&length),
        "HEAD announces the GET length: {head}"
    );
}

#[test]
fn requests_with_a_body_or_transfer_encoding_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let served = Served::start(&book(tmp.path(), "hello"), tmp.path());
    let smuggled = "GET /ch.html HTTP/1.1\r\nHost: x\r\n\r\n";
    // Transfer-Encoding is how requests get smuggled: no `Connection: close` from the client
    // here, the server itself must end the connection after refusing (`raw` reads to EOF).
    let chunked = format!(
        "GET /ch.html HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n{smuggled}"
    );
    let answer = served.raw(&chunked);
    assert_eq!(status_of(&answer), 400, "{answer}");
    assert_never_served(&answer);

    // A Content-Length body is refused too (and never answered as a request of its own).
    let with_length = format!(
        "GET /ch.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{smuggled}",
        smuggled.len()
    );
    let post =
        "POST /ch.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello";
    for request in [with_length.as_str(), post] {
        let answer = served.raw(request);
        assert_eq!(status_of(&answer), 400, "{request:?}: {answer}");
        assert_never_served(&answer);
    }
}

#[test]
fn missing_pages_get_the_404_page_and_response_headers_hold_no_request_data() {
    let tmp = tempfile::tempdir().unwrap();
    let served = Served::start(&book(tmp.path(), "hello"), tmp.path());
    let (status, body) = served.get("/no/such/page.html");
    let (_, not_found_page) = served.get("/404.html");
    assert_eq!(status, 404);
    assert!(!not_found_page.is_empty());
    assert_eq!(body, not_found_page);

    let answer = served.raw(
        "GET /nothing%0d%0aX-Injected:%20yes HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    let head = answer.split("\r\n\r\n").next().unwrap();
    assert!(
        !head.contains("X-Injected") && !head.contains("nothing"),
        "{head}"
    );
}

/// Reads an event stream until an event of `name` arrives; returns its data.
fn next_event(reader: &mut impl BufRead, name: &str) -> String {
    let mut current = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        let n = reader
            .read_line(&mut line)
            .expect("event stream stays open");
        assert!(n > 0, "event stream ended while waiting for `{name}`");
        let line = line.trim_end();
        if let Some(event) = line.strip_prefix("event: ") {
            current = event.to_string();
        } else if let Some(data) = line.strip_prefix("data: ") {
            if current == name {
                return data.to_string();
            }
        }
    }
}

fn open_events(served: &Served) -> BufReader<TcpStream> {
    let mut stream = TcpStream::connect(&served.address).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream
        .write_all(b"GET /__pgbook/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
        .unwrap();
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    reader.read_line(&mut head).unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    reader
}

fn status_json(served: &Served) -> Value {
    let (status, body) = served.get("/__pgbook/status");
    assert_eq!(status, 200);
    serde_json::from_str(&body).unwrap()
}

#[test]
fn reload_events_follow_writes_and_status_carries_failures() {
    let tmp = tempfile::tempdir().unwrap();
    let root = book(tmp.path(), "first");
    let served = Served::start(&root, tmp.path());
    let mut events = open_events(&served);
    let hello: u64 = next_event(&mut events, "hello").parse().unwrap();

    write(
        &root.join("content/ch.md"),
        &chapter("SELECT 'second' AS word;"),
    );
    let generation: u64 = next_event(&mut events, "reload").parse().unwrap();
    assert!(generation > hello);
    // The event comes only once the new page is in place.
    assert!(served.get("/ch.html").1.contains("second"));
    assert_eq!(status_json(&served)["ok"], true);

    write(
        &root.join("content/ch.md"),
        &chapter("SELEC 'third' AS word;"),
    );
    next_event(&mut events, "reload");
    let status = status_json(&served);
    assert_eq!(status["ok"], false, "{status}");
    assert_eq!(
        status["problems"][0]["location"], "content/ch.md:6:1",
        "{status}"
    );
    let message = status["problems"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("syntax error at or near \"SELEC\""),
        "{message}"
    );

    let expected_block = "```output\n word\n------\n 4th\n(1 row)\n```\n";
    let text = format!("{}\n{expected_block}", chapter("SELECT 'fourth' AS word;"));
    write(&root.join("content/ch.md"), &text);
    next_event(&mut events, "reload");
    let status = status_json(&served);
    let diff = status["problems"][0]["diff"].as_str().unwrap_or_default();
    assert!(
        diff.contains("- 4th") && diff.contains("+ fourth"),
        "{status}"
    );

    write(
        &root.join("content/ch.md"),
        &chapter("SELECT 'fifth' AS word;"),
    );
    next_event(&mut events, "reload");
    assert_eq!(status_json(&served)["ok"], true);
    assert!(served.get("/ch.html").1.contains("fifth"));

    // Editor scratch files and the cache do not cause builds: the next event is the heartbeat
    // or a reload caused by the chapter edit written afterwards, never one from scratch files.
    write(&root.join("content/.ch.md.swp"), "x");
    write(&root.join("content/ch.md~"), "x");
    write(&root.join("content/4913"), "x");
    write(
        &root.join("content/ch.md"),
        &chapter("SELECT 'sixth' AS word;"),
    );
    let after: u64 = next_event(&mut events, "reload").parse().unwrap();
    assert!(served.get("/ch.html").1.contains("sixth"));
    assert_eq!(status_json(&served)["generation"], after);
}

/// A part of a chapter kept outside `content/` and `snippets/`: prose and a snippet.
fn part(word: &str) -> String {
    format!("Prose says {word}-prose.\n\n```sql\nSELECT '{word}' || '-sql' AS word;\n```\n")
}

#[test]
fn editing_a_file_included_from_outside_the_source_rebuilds_with_its_new_content() {
    let tmp = tempfile::tempdir().unwrap();
    let root = book(tmp.path(), "unused");
    write(&root.join("parts/part.md"), &part("alpha"));
    write(
        &root.join("content/ch.md"),
        "# Chapter\n\n{{#include ../parts/part.md}}\n",
    );
    let served = Served::start(&root, tmp.path());
    let mut events = open_events(&served);
    next_event(&mut events, "hello");
    let page = served.get("/ch.html").1;
    assert!(
        page.contains("alpha-prose") && page.contains(">alpha-sql<"),
        "{page}"
    );

    write(&root.join("parts/part.md"), &part("beta"));
    next_event(&mut events, "reload");
    let page = served.get("/ch.html").1;
    assert!(page.contains("beta-prose"), "the prose is new: {page}");
    assert!(page.contains(">beta-sql<"), "the SQL ran again: {page}");
    assert!(!page.contains("alpha"), "{page}");
    assert_eq!(status_json(&served)["ok"], true);
}

#[test]
fn a_non_loopback_address_gets_a_warning_and_loopback_none() {
    let tmp = tempfile::tempdir().unwrap();
    let root = book(tmp.path(), "hello");
    let local = Served::start(&root, tmp.path());
    assert!(
        local.address.starts_with("127.0.0.1:"),
        "loopback by default: {}",
        local.address
    );
    assert!(
        !local.startup.iter().any(|l| l.contains("warning")),
        "{:?}",
        local.startup
    );
    drop(local);
    let open = Served::start_with(&root, tmp.path(), &["--host", "0.0.0.0"]);
    let warned = open
        .startup
        .iter()
        .any(|l| l.contains("warning") && l.contains("non-loopback"));
    assert!(warned, "{:?}", open.startup);
}

#[test]
fn a_book_that_does_not_build_yet_shows_why_and_reloads_once_fixed() {
    let tmp = tempfile::tempdir().unwrap();
    let root = book(tmp.path(), "hello");
    write(&root.join("book.toml"), "[book]\ntitel = \"typo\"\n");
    let served = Served::start(&root, tmp.path());
    let (status, page) = served.get("/ch.html");
    assert_eq!(status, 404);
    assert!(page.contains("/__pgbook/events"), "{page}");
    let problems = status_json(&served)["problems"].to_string();
    assert!(
        problems.contains("book.toml") && problems.contains("titel"),
        "{problems}"
    );

    let mut events = open_events(&served);
    next_event(&mut events, "hello");
    write(&root.join("book.toml"), "[book]\ntitle = \"fixed\"\n");
    next_event(&mut events, "reload");
    assert_eq!(status_json(&served)["ok"], true);
    assert_eq!(served.get("/ch.html").0, 200);
}

#[test]
fn the_live_reload_script_is_only_in_served_pages() {
    let tmp = tempfile::tempdir().unwrap();
    let root = book(tmp.path(), "hello");
    let served = Served::start(&root, tmp.path());
    assert!(served.get("/ch.html").1.contains("/__pgbook/events"));

    let dest = tmp.path().join("built");
    let out = Command::new(env!("CARGO_BIN_EXE_pgbook"))
        .args([
            "build",
            root.to_str().unwrap(),
            "--dest",
            dest.to_str().unwrap(),
        ])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = std::fs::read_to_string(dest.join("ch.html")).unwrap();
    assert!(page.contains("hello") && !page.contains("__pgbook"));
    assert!(
        !root.join("book").exists(),
        "serve never writes the book's build directory"
    );
}

/// Every process descending from `pid` (through /proc; children of every thread).
fn descendants(pid: u32) -> Vec<u32> {
    let mut parents = vec![pid];
    let mut found = Vec::new();
    while let Some(parent) = parents.pop() {
        let tasks = std::fs::read_dir(format!("/proc/{parent}/task"))
            .into_iter()
            .flatten();
        for task in tasks.flatten() {
            let text = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            for child in text.split_whitespace().filter_map(|c| c.parse().ok()) {
                found.push(child);
                parents.push(child);
            }
        }
    }
    found
}

fn is_postgres(pid: u32) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .is_ok_and(|cmd| String::from_utf8_lossy(&cmd).contains("postgres"))
}

#[test]
fn sigterm_stops_serving_and_the_cluster_and_exits_zero() {
    let tmp = tempfile::tempdir().unwrap();
    let mut served = Served::start(&book(tmp.path(), "hello"), tmp.path());
    let postgres: Vec<u32> = descendants(served.child.id())
        .into_iter()
        .filter(|&pid| is_postgres(pid))
        .collect();
    assert!(
        !postgres.is_empty(),
        "the scratch cluster runs while serving"
    );
    let scratch = served.site.parent().unwrap().to_path_buf();
    assert!(scratch.is_dir());

    let status = served.stop();
    assert_eq!(status.code(), Some(0));
    let left: Vec<u32> = postgres
        .into_iter()
        .filter(|&pid| is_postgres(pid))
        .collect();
    assert!(left.is_empty(), "postgres still running: {left:?}");
    assert!(!scratch.exists(), "the served site is removed");
    assert!(
        TcpStream::connect(&served.address).is_err(),
        "no longer serving"
    );
}

/// The page shows `word`, is a fresh document (our marker is gone) listening for events, and
/// the overlay is in the wanted state.
fn page_state(word: &str, overlay: bool) -> String {
    let overlay_check = if overlay { "!== null" } else { "=== null" };
    format!(
        "document.readyState === 'complete' && window.pgbookTestMarker === undefined && \
         document.documentElement.dataset.pgbookLive === 'connected' && \
         [...document.querySelectorAll('td, pre, code')].some(e => e.textContent.includes('{word}')) \
         && document.getElementById('pgbook-overlay') {overlay_check}"
    )
}

/// Waits for the wanted state, then marks the document so that a reload is noticed.
fn settle(browser: &mut Browser, word: &str, overlay: bool) {
    browser.wait_for_within(&page_state(word, overlay), PATIENCE);
    // Ignored on failure, as a reload may be under way; the next wait notices the marker.
    let _ = browser.try_eval("window.pgbookTestMarker = 1");
}

#[test]
fn the_browser_reloads_by_itself_and_shows_errors_in_an_overlay() {
    let tmp = tempfile::tempdir().unwrap();
    let root = book(tmp.path(), "first");
    let served = Served::start(&root, tmp.path());
    let mut browser = Browser::launch(CHROMIUM, &tmp.path().join("profile"));
    browser.open_page();
    let url = format!("{}/ch.html", served.base);
    browser.call("Page.navigate", json!({"url": url}));
    settle(&mut browser, "first", false);

    write(
        &root.join("content/ch.md"),
        &chapter("SELECT 'second' AS word;"),
    );
    settle(&mut browser, "second", false);

    write(
        &root.join("content/ch.md"),
        &chapter("SELEC 'second' AS word;"),
    );
    settle(&mut browser, "SELEC", true);
    let overlay = browser.eval("document.getElementById('pgbook-overlay').innerText");
    let overlay = overlay.as_str().unwrap_or_default().to_string();
    assert!(overlay.contains("content/ch.md:6:1"), "{overlay}");
    assert!(
        overlay.contains("syntax error at or near \"SELEC\""),
        "{overlay}"
    );

    write(
        &root.join("content/ch.md"),
        &chapter("SELECT 'third' AS word;"),
    );
    settle(&mut browser, "third", false);
}

#[test]
fn open_streams_and_idle_connections_never_keep_a_request_waiting() {
    let tmp = tempfile::tempdir().unwrap();
    let served = Served::start(&book(tmp.path(), "hello"), tmp.path());
    // What a browser session looks like to the server, many times over: pages' event streams,
    // idle keep-alive connections and speculative connections that never send anything, all
    // arriving at once. None of them may hold up a request that comes with or after them.
    let mut streams: Vec<_> = (0..50).map(|_| open_events(&served)).collect();
    for stream in &mut streams {
        next_event(stream, "hello");
    }
    for round in 0..5 {
        let idle: Vec<TcpStream> = (0..40)
            .map(|_| TcpStream::connect(&served.address).unwrap())
            .collect();
        let (status, page) = served.get("/ch.html");
        assert_eq!(status, 200, "round {round}");
        assert!(page.contains("hello"));
        // A request on the last of the idle connections is answered too.
        let mut last = idle.last().unwrap();
        last.set_read_timeout(Some(PATIENCE)).unwrap();
        last.write_all(b"GET /ch.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut answer = String::new();
        last.read_to_string(&mut answer).unwrap();
        assert_eq!(status_of(&answer), 200, "round {round}");
    }
}

#[test]
fn ctrl_c_while_serving_and_while_rebuilding_leaves_nothing_and_the_book_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let root = book(tmp.path(), "before");
    // The book's own site, from an earlier `pgbook build`: serve must never touch it.
    let built = support::pgbook(&["build", root.to_str().unwrap()]);
    assert!(built.status.success(), "{}", support::stderr(&built));
    let site_before = tree(&root.join("book"));
    assert!(!site_before.is_empty());

    for rebuilding in [false, true] {
        let run = support::run_dir();
        let mut served = Served::start_in(&root, tmp.path(), &[], Some(run.path()));
        let scratch = served.site.parent().unwrap().to_path_buf();
        let mode = std::fs::metadata(&scratch).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o700,
            "the served site's directory is private"
        );
        let chapter = if rebuilding {
            // Ctrl-C while a rebuild runs a ten-minute statement: the build is cancelled.
            let text = chapter("SELECT pg_sleep(600);");
            write(&root.join("content/ch.md"), &text);
            served.wait_for_line("changed, rebuilding");
            while !support::a_statement_sleeps_in(run.path()) {
                assert!(served.child.try_wait().unwrap().is_none(), "serve ended");
                std::thread::sleep(Duration::from_millis(50));
            }
            text
        } else {
            std::fs::read_to_string(root.join("content/ch.md")).unwrap()
        };
        let status = served.stop_with("INT");
        assert_eq!(status.code(), Some(0), "rebuilding: {rebuilding}");
        support::assert_nothing_left(run.path(), &format!("rebuilding: {rebuilding}"));
        assert!(!scratch.exists(), "the served site is removed");
        assert!(TcpStream::connect(&served.address).is_err(), "not serving");
        assert_eq!(
            std::fs::read_to_string(root.join("content/ch.md")).unwrap(),
            chapter,
            "the chapter is as the author left it"
        );
        assert_eq!(
            tree(&root.join("book")),
            site_before,
            "the built site is intact"
        );
    }
}

/// Every file under `dir` with its bytes, in path order.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap().flatten() {
            if entry.file_type().unwrap().is_dir() {
                pending.push(entry.path());
            } else {
                files.push((entry.path(), std::fs::read(entry.path()).unwrap()));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn a_client_that_never_finishes_its_request_head_is_let_go() {
    let tmp = tempfile::tempdir().unwrap();
    let served = Served::start(&book(tmp.path(), "hello"), tmp.path());
    // Half a request head, then nothing: the server ends the connection by itself (after its
    // 30 s head timeout; PATIENCE only guards against a hang).
    let mut slow = TcpStream::connect(&served.address).unwrap();
    slow.set_read_timeout(Some(PATIENCE)).unwrap();
    slow.write_all(b"GET /ch.html HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    assert_eq!(
        served.get("/ch.html").0,
        200,
        "others are answered meanwhile"
    );
    let mut rest = Vec::new();
    match slow.read_to_end(&mut rest) {
        Ok(_) => {}
        Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(error) => panic!("the connection was not ended: {error}"),
    }
    assert!(
        !String::from_utf8_lossy(&rest).contains("hello"),
        "nothing was served"
    );
    assert_eq!(served.get("/ch.html").0, 200);
}

//! A minimal Chrome DevTools Protocol client over `--remote-debugging-pipe` (file descriptors
//! 3 and 4, NUL-separated JSON), so the browser tests need no WebSocket library or Node. The
//! one headless-Chromium driver of the integration tests: `tests/browser` and `tests/serve.rs`
//! (which includes this file by path) both use it. It knows nothing about pgbook pages.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

extern "C" {
    fn dup2(old: i32, new: i32) -> i32;
    fn fcntl(fd: i32, cmd: i32, ...) -> i32;
}
const F_DUPFD: i32 = 0;

/// A headless Chromium driven through the DevTools protocol.
pub struct Browser {
    child: Child,
    to_browser: std::io::PipeWriter,
    from_browser: BufReader<std::io::PipeReader>,
    next_id: u64,
    /// Protocol events received so far (console messages, exceptions, log entries).
    pub events: Vec<Value>,
    session: Option<String>,
}

impl Browser {
    /// Starts Chromium with a fresh profile in `profile_dir`.
    pub fn launch(executable: &str, profile_dir: &Path) -> Browser {
        let (browser_reads, to_browser) = std::io::pipe().expect("pipe");
        let (from_browser, browser_writes) = std::io::pipe().expect("pipe");
        let read_fd = OwnedFd::from(browser_reads);
        let write_fd = OwnedFd::from(browser_writes);
        let (r, w) = (read_fd.as_raw_fd(), write_fd.as_raw_fd());
        let mut command = Command::new(executable);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--hide-scrollbars",
                "--window-size=1280,1000",
                "--remote-debugging-pipe",
                "about:blank",
            ])
            .arg(format!("--user-data-dir={}", profile_dir.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: only async-signal-safe calls (fcntl, dup2) between fork and exec. The pipe
        // ends are first duplicated above 10 so that dup2 onto 3 and 4 never clobbers them.
        unsafe {
            command.pre_exec(move || {
                let r_high = fcntl(r, F_DUPFD, 10);
                let w_high = fcntl(w, F_DUPFD, 10);
                if r_high < 0 || w_high < 0 || dup2(r_high, 3) < 0 || dup2(w_high, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().expect("chromium starts");
        drop(read_fd);
        drop(write_fd);
        Browser {
            child,
            to_browser,
            from_browser: BufReader::new(from_browser),
            next_id: 1,
            events: Vec::new(),
            session: None,
        }
    }

    /// Sends a command (to the attached page, if any) and waits for its result.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.try_call(method, params)
            .unwrap_or_else(|error| panic!("{method} failed: {error}"))
    }

    /// Like [`Browser::call`], but a protocol error is returned instead of panicking.
    pub fn try_call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let id = self.next_id;
        self.next_id += 1;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = &self.session {
            message["sessionId"] = json!(session);
        }
        let mut bytes = message.to_string().into_bytes();
        bytes.push(0);
        self.to_browser
            .write_all(&bytes)
            .expect("write to chromium");
        loop {
            let reply = self.read_message();
            if reply.get("id").and_then(Value::as_u64) == Some(id) {
                if let Some(error) = reply.get("error") {
                    return Err(error.to_string());
                }
                return Ok(reply["result"].clone());
            }
            if reply.get("method").is_some() {
                self.events.push(reply);
            }
        }
    }

    fn read_message(&mut self) -> Value {
        let mut buf = Vec::new();
        let n = self
            .from_browser
            .read_until(0, &mut buf)
            .expect("read from chromium");
        assert!(n > 0, "chromium closed the DevTools pipe");
        buf.pop();
        serde_json::from_slice(&buf).expect("DevTools sends JSON")
    }

    /// Opens a page target and attaches to it; later calls go to that page.
    pub fn open_page(&mut self) {
        let target = self.call("Target.createTarget", json!({ "url": "about:blank" }));
        let attached = self.call(
            "Target.attachToTarget",
            json!({ "targetId": target["targetId"], "flatten": true }),
        );
        self.session = attached["sessionId"].as_str().map(str::to_string);
        for domain in ["Page.enable", "Runtime.enable", "Log.enable"] {
            self.call(domain, json!({}));
        }
    }

    /// Evaluates a JavaScript expression in the page and returns its value.
    pub fn eval(&mut self, expression: &str) -> Value {
        self.try_eval(expression)
            .unwrap_or_else(|error| panic!("{expression}: {error}"))
    }

    /// Like [`Browser::eval`], but an exception or protocol error (say, while the page is
    /// between documents) is returned instead of panicking.
    pub fn try_eval(&mut self, expression: &str) -> Result<Value, String> {
        let result = self.try_call(
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
        )?;
        if let Some(details) = result.get("exceptionDetails") {
            return Err(format!("threw {details}"));
        }
        Ok(result["result"]["value"].clone())
    }

    /// Polls `expression` until it is true. The generous bound only guards against a hang.
    pub fn wait_for(&mut self, expression: &str) {
        self.wait_for_within(expression, Duration::from_secs(60));
    }

    /// [`Browser::wait_for`] with a caller's bound, which again only guards against a hang.
    pub fn wait_for_within(&mut self, expression: &str, bound: Duration) {
        if !self.becomes_true_within(expression, bound) {
            panic!("never became true: {expression}");
        }
    }

    /// Whether `expression` became true within `bound`.
    pub fn becomes_true_within(&mut self, expression: &str, bound: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < bound {
            // While a navigation is under way the page's context may vanish: just retry.
            if self.try_eval(expression) == Ok(json!(true)) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// Navigates and waits until the new document has loaded.
    pub fn goto(&mut self, url: &str) {
        self.call("Page.navigate", json!({ "url": url }));
        let check = format!(
            "location.href === {} && document.readyState === 'complete'",
            json!(url)
        );
        self.wait_for(&check);
    }

    /// A PNG screenshot of the page.
    pub fn screenshot(&mut self) -> Vec<u8> {
        let shot = self.call("Page.captureScreenshot", json!({ "format": "png" }));
        decode_base64(shot["data"].as_str().expect("screenshot data"))
    }

    /// Console errors, uncaught exceptions and failed loads reported so far.
    pub fn errors(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e["method"].as_str() {
                Some("Runtime.exceptionThrown") => {
                    Some(e["params"]["exceptionDetails"].to_string())
                }
                Some("Runtime.consoleAPICalled") if e["params"]["type"] == "error" => {
                    Some(e["params"]["args"].to_string())
                }
                Some("Log.entryAdded") if e["params"]["entry"]["level"] == "error" => {
                    Some(e["params"]["entry"].to_string())
                }
                _ => None,
            })
            .collect()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.session = None;
        let id = self.next_id;
        let message = format!("{{\"id\":{id},\"method\":\"Browser.close\",\"params\":{{}}}}\0");
        let _ = self.to_browser.write_all(message.as_bytes());
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => 0,
        }
    };
    let bytes: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let pad = chunk.iter().filter(|&&b| b == b'=').count();
        let n = chunk.iter().fold(0u32, |acc, &b| (acc << 6) | value(b));
        let n = n << (6 * (4 - chunk.len()));
        let all = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&all[..3 - pad.min(2)]);
    }
    out
}

/// Reads a whole stream (used by the static server).
pub fn read_request(stream: &mut impl Read) -> String {
    let mut buf = [0u8; 4096];
    let mut request = Vec::new();
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&request).into_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64() {
        assert_eq!(super::decode_base64("aGVsbG8="), b"hello");
        assert_eq!(super::decode_base64("aGk="), b"hi");
        assert_eq!(super::decode_base64("aGV5"), b"hey");
    }
}

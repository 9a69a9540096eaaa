//! Server-Sent Events to open pages: the live-reload channel.
//!
//! tiny_http buffers a streamed response body and never flushes it, so a client's connection is
//! taken over with `into_writer()`: this module writes the response head itself, flushes every
//! event, sends heartbeats so dead connections are noticed, and drops a client as soon as a
//! write to it fails. It knows nothing of builds or files; it only sends what it is given.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

type ClientWriter = Box<dyn Write + Send>;

/// How often idle connections get a comment line, so dead clients are found and dropped.
pub const HEARTBEAT: Duration = Duration::from_secs(10);

/// The set of connected event-stream clients.
#[derive(Default)]
pub struct Broadcaster {
    clients: Mutex<Vec<ClientWriter>>,
}

impl Broadcaster {
    pub fn new() -> Arc<Broadcaster> {
        Arc::new(Broadcaster::default())
    }

    /// Starts an event stream on a raw connection: the response head, the reconnect delay and
    /// a `hello` event carrying the current build generation. A client that cannot take even
    /// that is not kept.
    pub fn add(&self, mut writer: ClientWriter, generation: u64) {
        let head = "HTTP/1.1 200 OK\r\n\
                    Content-Type: text/event-stream; charset=utf-8\r\n\
                    Cache-Control: no-store\r\n\
                    X-Content-Type-Options: nosniff\r\n\
                    \r\n\
                    retry: 500\n\n";
        let started = writer
            .write_all(head.as_bytes())
            .and_then(|()| {
                writer.write_all(event_text("hello", &generation.to_string()).as_bytes())
            })
            .and_then(|()| writer.flush());
        if started.is_ok() {
            self.lock().push(writer);
        }
    }

    /// Sends one event to every client, dropping those whose connection is gone.
    pub fn send(&self, event: &str, data: &str) {
        self.write_all(&event_text(event, data));
    }

    /// Number of live clients (after the last write).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Closes every stream (their connections end when the writers are dropped).
    pub fn close_all(&self) {
        self.lock().clear();
    }

    /// Sends a comment line every [`HEARTBEAT`] for as long as the broadcaster lives elsewhere.
    pub fn start_heartbeat(self: &Arc<Self>) {
        let weak = Arc::downgrade(self);
        thread::spawn(move || loop {
            thread::sleep(HEARTBEAT);
            match weak.upgrade() {
                Some(broadcaster) => broadcaster.write_all(": heartbeat\n\n"),
                None => return,
            }
        });
    }

    fn write_all(&self, text: &str) {
        self.lock().retain_mut(|writer| {
            writer
                .write_all(text.as_bytes())
                .and_then(|()| writer.flush())
                .is_ok()
        });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<ClientWriter>> {
        self.clients.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One event in the text/event-stream format; `data` may span lines.
fn event_text(event: &str, data: &str) -> String {
    let mut text = format!("event: {event}\n");
    for line in data.split('\n') {
        text.push_str("data: ");
        text.push_str(line);
        text.push('\n');
    }
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    /// A writer that shares its bytes with the test, or fails every write once `broken`.
    #[derive(Clone, Default)]
    struct Probe {
        bytes: Arc<Mutex<Vec<u8>>>,
        broken: Arc<Mutex<bool>>,
    }

    impl Write for Probe {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if *self.broken.lock().unwrap() {
                return Err(io::ErrorKind::BrokenPipe.into());
            }
            self.bytes.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn events_reach_live_clients_and_dead_ones_are_dropped() {
        let broadcaster = Broadcaster::new();
        let (alive, dead) = (Probe::default(), Probe::default());
        broadcaster.add(Box::new(alive.clone()), 7);
        broadcaster.add(Box::new(dead.clone()), 7);
        assert_eq!(broadcaster.len(), 2);
        *dead.broken.lock().unwrap() = true;
        broadcaster.send("reload", "8");
        assert_eq!(broadcaster.len(), 1);
        let text = String::from_utf8(alive.bytes.lock().unwrap().clone()).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream"));
        assert!(text.ends_with("event: hello\ndata: 7\n\nevent: reload\ndata: 8\n\n"));
    }

    #[test]
    fn multi_line_data_gets_one_data_field_per_line() {
        assert_eq!(event_text("x", "a\nb"), "event: x\ndata: a\ndata: b\n\n");
    }
}

//! Server-Sent Events to open pages: the live-reload channel.
//!
//! Each open page holds an [`EventStream`], the body of its `/__pgbook/events` response, fed
//! through a small bounded queue. An event is queued for every client at once and never
//! waited on: a client whose queue is full (it stopped reading) or whose response is gone (the
//! HTTP server dropped the body when the connection ended) is dropped at the next send.
//! Heartbeats make the server write to idle connections, so dead ones are noticed. This
//! module knows nothing of builds or files, and of HTTP only that a stream is a body.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::thread;
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame};
use tokio::sync::mpsc;

/// How often idle connections get a comment line, so dead clients are found and dropped.
pub const HEARTBEAT: Duration = Duration::from_secs(10);

/// Events a client may have waiting before it counts as stalled. A reader takes each event
/// within milliseconds; only a client that stopped reading fills this.
const QUEUE: usize = 16;

/// The set of connected event-stream clients.
#[derive(Default)]
pub struct Broadcaster {
    clients: Mutex<Vec<mpsc::Sender<Bytes>>>,
}

impl Broadcaster {
    pub fn new() -> Arc<Broadcaster> {
        Arc::new(Broadcaster::default())
    }

    /// A new client's stream: the reconnect delay and a `hello` event carrying the current
    /// build generation come first.
    pub fn subscribe(&self, generation: u64) -> EventStream {
        let (sender, receiver) = mpsc::channel(QUEUE);
        let greeting = format!(
            "retry: 500\n\n{}",
            event_text("hello", &generation.to_string())
        );
        // A queue made just now has room for its first event.
        let _ = sender.try_send(Bytes::from(greeting));
        self.lock().push(sender);
        EventStream { receiver }
    }

    /// Sends one event to every client, dropping those that are gone or stalled.
    pub fn send(&self, event: &str, data: &str) {
        self.send_text(event_text(event, data));
    }

    /// Number of live clients (after the last send).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Ends every stream (each response ends once its queue is read).
    pub fn close_all(&self) {
        self.lock().clear();
    }

    /// Sends a comment line every [`HEARTBEAT`] for as long as the broadcaster lives elsewhere.
    pub fn start_heartbeat(self: &Arc<Self>) {
        let weak = Arc::downgrade(self);
        thread::spawn(move || loop {
            thread::sleep(HEARTBEAT);
            match weak.upgrade() {
                Some(broadcaster) => broadcaster.send_text(": heartbeat\n\n".to_string()),
                None => return,
            }
        });
    }

    fn send_text(&self, text: String) {
        let chunk = Bytes::from(text);
        self.lock()
            .retain(|client| client.try_send(chunk.clone()).is_ok());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<mpsc::Sender<Bytes>>> {
        self.clients.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One client's event stream, as a response body: each queued event becomes a data frame
/// (written and flushed by the server as it comes); the body ends when the broadcaster lets
/// the client go.
pub struct EventStream {
    receiver: mpsc::Receiver<Bytes>,
}

impl Body for EventStream {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.receiver
            .poll_recv(cx)
            .map(|chunk| chunk.map(|bytes| Ok(Frame::data(bytes))))
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

    /// Everything queued for `stream` so far, as text; `None` once the stream has ended.
    fn drain(stream: &mut EventStream) -> Option<String> {
        let mut text = String::new();
        loop {
            match stream.receiver.try_recv() {
                Ok(chunk) => text.push_str(std::str::from_utf8(&chunk).unwrap()),
                Err(mpsc::error::TryRecvError::Empty) => return Some(text),
                Err(mpsc::error::TryRecvError::Disconnected) => {
                    return (!text.is_empty()).then_some(text)
                }
            }
        }
    }

    #[test]
    fn events_reach_live_clients_and_gone_ones_are_dropped() {
        let broadcaster = Broadcaster::new();
        let mut alive = broadcaster.subscribe(7);
        let gone = broadcaster.subscribe(7);
        assert_eq!(broadcaster.len(), 2);
        drop(gone);
        broadcaster.send("reload", "8");
        assert_eq!(broadcaster.len(), 1);
        let text = drain(&mut alive).unwrap();
        assert_eq!(
            text,
            "retry: 500\n\nevent: hello\ndata: 7\n\nevent: reload\ndata: 8\n\n"
        );
    }

    #[test]
    fn a_client_that_stops_reading_is_dropped_not_waited_for() {
        let broadcaster = Broadcaster::new();
        let _stalled = broadcaster.subscribe(1);
        let mut reading = broadcaster.subscribe(1);
        for n in 0..QUEUE * 2 {
            broadcaster.send("reload", &n.to_string());
            drain(&mut reading);
        }
        assert_eq!(broadcaster.len(), 1, "the stalled client is dropped");
    }

    #[test]
    fn closing_ends_every_stream() {
        let broadcaster = Broadcaster::new();
        let mut stream = broadcaster.subscribe(3);
        broadcaster.close_all();
        assert!(drain(&mut stream).unwrap().contains("hello"));
        assert_eq!(drain(&mut stream), None, "the stream has ended");
    }

    #[test]
    fn multi_line_data_gets_one_data_field_per_line() {
        assert_eq!(event_text("x", "a\nb"), "event: x\ndata: a\ndata: b\n\n");
    }
}

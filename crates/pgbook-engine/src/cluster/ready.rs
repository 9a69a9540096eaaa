//! Waiting until a freshly started server accepts connections, by connecting to it.
//!
//! A raw startup packet is enough to tell "starting up" (SQLSTATE 57P03) from "ready"
//! (an authentication request), without a full client; this module sends nothing else.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

/// What one connection attempt found.
#[derive(Debug, PartialEq, Eq)]
enum Probe {
    Ready,
    NotYet,
    Refused(String),
}

/// Polls `socket` until the server answers a startup packet for `user`/`database` or
/// `alive()` says the server died. Errors carry a message for the user.
pub(crate) fn wait_until_ready(
    socket: &Path,
    user: &str,
    database: &str,
    patience: Duration,
    mut alive: impl FnMut() -> bool,
) -> Result<(), String> {
    let deadline = Instant::now() + patience;
    let mut pause = Duration::from_micros(500);
    loop {
        match probe(socket, user, database) {
            Probe::Ready => return Ok(()),
            Probe::Refused(message) => return Err(message),
            Probe::NotYet => {}
        }
        if !alive() {
            return Err("the server exited during startup".into());
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "the server did not accept connections within {patience:?}"
            ));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(10));
    }
}

fn probe(socket: &Path, user: &str, database: &str) -> Probe {
    let Ok(mut stream) = UnixStream::connect(socket) else {
        return Probe::NotYet;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    if stream.write_all(&startup_packet(user, database)).is_err() {
        return Probe::NotYet;
    }
    let mut header = [0u8; 5];
    if stream.read_exact(&mut header).is_err() {
        return Probe::NotYet;
    }
    match header[0] {
        b'R' => {
            // Terminate politely: 'X' with length 4.
            let _ = stream.write_all(&[b'X', 0, 0, 0, 4]);
            Probe::Ready
        }
        b'E' => {
            let len = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
            let mut body = vec![0u8; len.saturating_sub(4).min(64 * 1024)];
            if stream.read_exact(&mut body).is_err() {
                return Probe::NotYet;
            }
            let (code, message) = error_fields(&body);
            // 57P03: the database system is starting up.
            if code == "57P03" {
                Probe::NotYet
            } else {
                Probe::Refused(format!(
                    "the server refused a connection: {message} ({code})"
                ))
            }
        }
        other => Probe::Refused(format!(
            "unexpected reply {:?} to a startup packet",
            other as char
        )),
    }
}

fn startup_packet(user: &str, database: &str) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&196_608u32.to_be_bytes()); // protocol 3.0
    for (key, value) in [("user", user), ("database", database)] {
        body.extend_from_slice(key.as_bytes());
        body.push(0);
        body.extend_from_slice(value.as_bytes());
        body.push(0);
    }
    body.push(0);
    let mut packet = ((body.len() + 4) as u32).to_be_bytes().to_vec();
    packet.extend_from_slice(&body);
    packet
}

/// SQLSTATE (`C`) and message (`M`) fields of an ErrorResponse body.
fn error_fields(body: &[u8]) -> (String, String) {
    let mut code = String::new();
    let mut message = String::new();
    for field in body.split(|b| *b == 0) {
        if let Some((&kind, value)) = field.split_first() {
            let value = String::from_utf8_lossy(value).into_owned();
            match kind {
                b'C' => code = value,
                b'M' => message = value,
                _ => {}
            }
        }
    }
    (code, message)
}

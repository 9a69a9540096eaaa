//! The byte stream to the server: a Unix-domain or TCP socket, plain and blocking (with an
//! optional connect timeout, and a read timeout for polling). No TLS, no async runtime.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use super::error::ClientError;
use super::options::Target;

pub(crate) enum Stream {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Stream {
    /// Opens the socket; a TCP connect gives up after `timeout`. (A Unix-domain connect
    /// does not wait for the server: it succeeds or fails at once.)
    pub(crate) fn open(target: &Target, timeout: Option<Duration>) -> Result<Stream, ClientError> {
        let opened = match target {
            Target::Unix { dir, port } => {
                UnixStream::connect(dir.join(format!(".s.PGSQL.{port}"))).map(Stream::Unix)
            }
            Target::Tcp { host, port } => connect_tcp(host, *port, timeout).map(|s| {
                // Statements are single small writes; do not let Nagle delay them.
                let _ = s.set_nodelay(true);
                Stream::Tcp(s)
            }),
        };
        opened.map_err(|source| ClientError::Connect {
            target: target.to_string(),
            source,
        })
    }

    pub(crate) fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        match self {
            Stream::Unix(s) => s.set_read_timeout(timeout),
            Stream::Tcp(s) => s.set_read_timeout(timeout),
        }
    }
}

/// Tries each address `host` resolves to, as libpq does, each within `timeout`.
fn connect_tcp(host: &str, port: u16, timeout: Option<Duration>) -> io::Result<TcpStream> {
    let Some(timeout) = timeout else {
        return TcpStream::connect((host, port));
    };
    let mut last = io::Error::new(io::ErrorKind::NotFound, "the host name resolves to nothing");
    for address in (host, port).to_socket_addrs()? {
        match TcpStream::connect_timeout(&address, timeout) {
            Ok(stream) => return Ok(stream),
            Err(e) => last = e,
        }
    }
    Err(last)
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Unix(s) => s.read(buf),
            Stream::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Unix(s) => s.write(buf),
            Stream::Tcp(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Unix(s) => s.flush(),
            Stream::Tcp(s) => s.flush(),
        }
    }
}

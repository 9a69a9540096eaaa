//! The byte stream to the server: a Unix-domain or TCP socket, plain and blocking (with an
//! optional read timeout for polling). No TLS, no async runtime.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use super::error::ClientError;
use super::options::Target;

pub(crate) enum Stream {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Stream {
    pub(crate) fn open(target: &Target) -> Result<Stream, ClientError> {
        let opened = match target {
            Target::Unix { dir, port } => {
                UnixStream::connect(dir.join(format!(".s.PGSQL.{port}"))).map(Stream::Unix)
            }
            Target::Tcp { host, port } => TcpStream::connect((host.as_str(), *port)).map(|s| {
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

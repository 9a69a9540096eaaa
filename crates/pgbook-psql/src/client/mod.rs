//! A small synchronous PostgreSQL client speaking the simple query protocol, just enough to
//! run snippets the way psql does and report every message the server sends.
//!
//! Architecture invariant: this is the only code in pgbook-psql that opens sockets. It knows
//! nothing of statement splitting or output formatting.

mod collect;
mod error;
mod options;
mod startup;
mod stream;

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use pgbook_book::Event;
use postgres_protocol::message::backend::{Message, ParameterStatusBody};
use postgres_protocol::message::frontend;

use collect::Collector;
pub use error::ClientError;
pub use options::{ConnectOptions, Target};
use stream::Stream;

const READ_CHUNK: usize = 64 * 1024;

/// One session with the server.
pub struct Connection {
    stream: Stream,
    target: Target,
    /// Also bounds each read during startup and the cancel request's connect.
    connect_timeout: Option<Duration>,
    read_buf: BytesMut,
    chunk: Box<[u8]>,
    read_timeout: Option<Duration>,
    backend_pid: i32,
    secret_key: i32,
    server_version: String,
    client_encoding: String,
    status: u8,
    closed: bool,
    /// The statement sent and not yet finished, with what it produced so far.
    in_flight: Option<Collector>,
    /// Data for a `COPY ... FROM STDIN` of the statement in flight.
    copy_in: Option<String>,
}

impl Connection {
    /// Connects and authenticates (trust, cleartext, MD5 or SCRAM-SHA-256), within
    /// `options.connect_timeout` for the connect and for each answer during startup.
    pub fn connect(options: &ConnectOptions) -> Result<Connection, ClientError> {
        let mut connection = Connection {
            stream: Stream::open(&options.target, options.connect_timeout)?,
            target: options.target.clone(),
            connect_timeout: options.connect_timeout,
            read_buf: BytesMut::with_capacity(READ_CHUNK),
            chunk: vec![0; READ_CHUNK].into_boxed_slice(),
            read_timeout: None,
            backend_pid: 0,
            secret_key: 0,
            server_version: String::new(),
            client_encoding: String::new(),
            status: b'I',
            closed: false,
            in_flight: None,
            copy_in: None,
        };
        connection.start_session(options)?;
        Ok(connection)
    }

    pub fn backend_pid(&self) -> i32 {
        self.backend_pid
    }

    /// The `server_version` the server reported, e.g. `15.18 (Debian 15.18-0+deb12u1)`.
    pub fn server_version(&self) -> &str {
        &self.server_version
    }

    /// The `client_encoding` the server last reported, e.g. `UTF8`.
    pub fn client_encoding(&self) -> &str {
        &self.client_encoding
    }

    /// Runs one statement with the simple query protocol and returns every message up to
    /// ReadyForQuery in arrival order. If the server ends the connection, its FATAL (or a
    /// severity-less error when it just closed) is the last event and `is_closed()` is true.
    pub fn execute(&mut self, sql: &str) -> Result<Vec<Event>, ClientError> {
        self.send(sql)?;
        match self.collect(None)? {
            Some(events) => Ok(events),
            None => Err(ClientError::Protocol("statement did not finish".into())),
        }
    }

    /// Sends a statement without waiting for its result, with the data a `COPY ... FROM
    /// STDIN` in it reads (each line ending in `\n`); collect it with [`Connection::poll`].
    pub fn send_with_copy_data(
        &mut self,
        sql: &str,
        copy_in: Option<&str>,
    ) -> Result<(), ClientError> {
        self.copy_in = copy_in.map(str::to_string);
        self.send(sql)
    }

    /// Sends a statement without waiting for its result; collect it with [`Connection::poll`].
    pub fn send(&mut self, sql: &str) -> Result<(), ClientError> {
        if self.closed {
            return Err(ClientError::Closed);
        }
        if self.in_flight.is_some() {
            return Err(ClientError::Busy);
        }
        let mut buf = BytesMut::with_capacity(sql.len() + 6);
        frontend::query(sql, &mut buf)?;
        self.in_flight = Some(Collector::default());
        match self.stream.write_all(&buf) {
            Ok(()) => Ok(()),
            // The server is gone; reading will tell what it said last.
            Err(e) if is_disconnect(&e) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Waits at most `wait` for the statement sent last: `Some(events)` once it finished,
    /// `None` while it is still running.
    pub fn poll(&mut self, wait: Duration) -> Result<Option<Vec<Event>>, ClientError> {
        if self.in_flight.is_none() {
            return Err(ClientError::Protocol(
                "poll without a statement in flight".into(),
            ));
        }
        self.collect(Some(Instant::now() + wait))
    }

    /// Asks the server to cancel the running statement (CancelRequest on a new socket).
    pub fn cancel(&self) -> Result<(), ClientError> {
        let mut stream = Stream::open(&self.target, self.connect_timeout)?;
        stream.set_read_timeout(self.connect_timeout)?;
        let mut buf = BytesMut::new();
        frontend::cancel_request(self.backend_pid, self.secret_key, &mut buf);
        stream.write_all(&buf)?;
        // The server closes the socket once it has read the request.
        let mut sink = [0u8; 16];
        while stream.read(&mut sink)? > 0 {}
        Ok(())
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// `I` (idle), `T` (in a transaction) or `E` (in a failed transaction), as of the last
    /// ReadyForQuery.
    pub fn transaction_status(&self) -> u8 {
        self.status
    }

    /// Says goodbye to the server (Terminate) and closes the socket.
    pub fn close(mut self) {
        if !self.closed {
            let mut buf = BytesMut::new();
            frontend::terminate(&mut buf);
            let _ = self.stream.write_all(&buf);
        }
    }

    /// Reads until the statement in flight finished (`Some`) or `deadline` passed (`None`).
    /// Even with a deadline already passed, the socket is read once without blocking.
    fn collect(&mut self, deadline: Option<Instant>) -> Result<Option<Vec<Event>>, ClientError> {
        let mut read_once = false;
        loop {
            while let Some(message) = Message::parse(&mut self.read_buf)? {
                if self.handle(message)? {
                    return Ok(self.in_flight.take().map(|c| c.events));
                }
            }
            let timeout = match deadline {
                None => None,
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() && read_once {
                        return Ok(None);
                    }
                    // A zero read timeout would mean "block forever".
                    Some(left.max(Duration::from_micros(1)))
                }
            };
            read_once = true;
            match self.fill(timeout) {
                Ok(true) => {}
                Ok(false) => {
                    self.closed = true;
                    let mut collector = self.in_flight.take().unwrap_or_default();
                    collector.connection_closed();
                    return Ok(Some(collector.events));
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Ok(None)
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Handles one message of a running statement; true on ReadyForQuery.
    fn handle(&mut self, message: Message) -> Result<bool, ClientError> {
        let Some(collector) = self.in_flight.as_mut() else {
            return match message {
                // Between statements the server may still report setting changes or notices.
                Message::ParameterStatus(body) => self.parameter_status(&body).map(|_| false),
                Message::NoticeResponse(_) | Message::NotificationResponse(_) => Ok(false),
                _ => Err(ClientError::Protocol(
                    "message while no statement runs".into(),
                )),
            };
        };
        match message {
            Message::RowDescription(body) => collector.row_description(&body)?,
            Message::DataRow(body) => collector.data_row(&body)?,
            Message::CommandComplete(body) => collector.command_complete(body.tag()?),
            Message::EmptyQueryResponse => collector.empty_query(),
            Message::ErrorResponse(body) => collector.error(body.fields())?,
            Message::NoticeResponse(body) => collector.notice(body.fields())?,
            Message::ParameterStatus(body) => self.parameter_status(&body)?,
            Message::CopyInResponse(_) => {
                // psql sends the lines that follow the statement in its input; pgbook sends
                // those given with the statement (none: the copy fails, as with no input).
                let mut buf = BytesMut::new();
                match self.copy_in.take() {
                    Some(data) => {
                        frontend::CopyData::new(data.as_bytes())?.write(&mut buf);
                        frontend::copy_done(&mut buf);
                    }
                    None => frontend::copy_fail("COPY FROM STDIN without data", &mut buf)?,
                }
                self.stream.write_all(&buf)?;
            }
            // An empty `CopyOut` first, so that a copy of no rows still hides its tag.
            Message::CopyOutResponse(_) => collector.copy_data(&[]),
            Message::CopyData(body) => collector.copy_data(body.data()),
            Message::CopyDone => {}
            Message::NotificationResponse(body) => collector.notification(&body)?,
            Message::ReadyForQuery(body) => {
                self.status = body.status();
                return Ok(true);
            }
            _ => {
                return Err(ClientError::Protocol(
                    "unexpected message from server".into(),
                ))
            }
        }
        Ok(false)
    }

    fn parameter_status(&mut self, body: &ParameterStatusBody) -> Result<(), ClientError> {
        match body.name()? {
            "server_version" => self.server_version = body.value()?.to_string(),
            "client_encoding" => self.client_encoding = body.value()?.to_string(),
            _ => {}
        }
        Ok(())
    }

    /// Reads more bytes; false when the server closed the connection.
    fn fill(&mut self, timeout: Option<Duration>) -> io::Result<bool> {
        if self.read_timeout != timeout {
            self.stream.set_read_timeout(timeout)?;
            self.read_timeout = timeout;
        }
        loop {
            return match self.stream.read(&mut self.chunk) {
                Ok(0) => Ok(false),
                Ok(n) => {
                    self.read_buf.extend_from_slice(&self.chunk[..n]);
                    Ok(true)
                }
                // A signal (Ctrl-C being handled elsewhere) interrupted the read: read again.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if is_disconnect(&e) => Ok(false),
                Err(e) => Err(e),
            };
        }
    }

    /// Reads one whole message (used during startup, before any statement).
    fn read_message(&mut self) -> Result<Message, ClientError> {
        loop {
            if let Some(message) = Message::parse(&mut self.read_buf)? {
                return Ok(message);
            }
            if !self.fill(self.connect_timeout)? {
                self.closed = true;
                return Err(ClientError::Protocol(
                    "the server closed the connection during startup".into(),
                ));
            }
        }
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<(), ClientError> {
        self.stream.write_all(bytes).map_err(ClientError::from)
    }
}

fn is_disconnect(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
    )
}

//! The dev server's connections: HTTP/1.1 (hyper) on one thread running a current-thread
//! tokio runtime, every connection a task on it, each request answered by `http::handle`.
//!
//! A connection costs a task, not a thread: open pages' event streams, a browser's idle
//! keep-alive and speculative connections never keep another connection waiting (tiny_http,
//! used before, gave each connection a pool thread for its whole life and could queue a new
//! one behind busy threads; see ARCHITECTURE.md). The limits a public-facing parser needs are
//! set here: at most [`MAX_HEAD_BYTES`] and [`MAX_HEADERS`] of request head (more is refused
//! with 431 by hyper), [`HEAD_TIMEOUT`] to send a head. It knows nothing of files or builds.

use std::convert::Infallible;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use anyhow::Context;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use super::http::{self, Site};

/// Request line and headers together; a browser sends a few KiB (hyper's minimum is 8 KiB).
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// Header fields per request.
const MAX_HEADERS: usize = 100;
/// How long a client may take to send a request head, idle keep-alive included.
const HEAD_TIMEOUT: Duration = Duration::from_secs(30);
/// Pause after a failed accept (out of descriptors, say) before the next one, so the failure
/// does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Binds `host:port` (port 0: any free port), without serving yet: connections wait in the
/// kernel's queue until [`HttpServer::start`].
pub fn bind(host: &str, port: u16) -> anyhow::Result<StdListener> {
    StdListener::bind((host, port)).with_context(|| format!("cannot listen on {host}:{port}"))
}

/// The serving thread; [`HttpServer::stop`] (or dropping it) closes every connection.
pub struct HttpServer {
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl HttpServer {
    /// Starts answering connections on `listener` from a thread of its own.
    pub fn start(listener: StdListener, site: Arc<Site>) -> anyhow::Result<HttpServer> {
        listener
            .set_nonblocking(true)
            .context("preparing the listening socket")?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .context("starting the HTTP runtime")?;
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = thread::Builder::new()
            .name("pgbook-http".into())
            .spawn(move || {
                runtime.block_on(async move {
                    match TcpListener::from_std(listener) {
                        Ok(listener) => drop(tokio::spawn(accept_loop(listener, site))),
                        Err(error) => eprintln!("pgbook serve: cannot serve: {error}"),
                    }
                    // Sent by `stop`, or dropped with the server: either way, time to go.
                    let _ = stopped.await;
                });
                // Dropping the runtime drops every connection's task, closing its socket.
            })
            .context("starting the HTTP thread")?;
        Ok(HttpServer {
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Stops accepting, closes every connection and waits for the thread to end.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.shut_down();
    }
}

async fn accept_loop(listener: TcpListener, site: Arc<Site>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => drop(tokio::spawn(serve_connection(stream, site.clone()))),
            Err(error) => {
                eprintln!("pgbook serve: accepting a connection: {error}");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
            }
        }
    }
}

async fn serve_connection(stream: TcpStream, site: Arc<Site>) {
    let service = service_fn(move |request| {
        let response = http::handle(&site, &request);
        async move { Ok::<_, Infallible>(response) }
    });
    // A connection that fails (reset, timed out, malformed) is the client's business.
    let _ = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEAD_TIMEOUT)
        .max_buf_size(MAX_HEAD_BYTES)
        .max_headers(MAX_HEADERS)
        // Header names as browsers and tools show them (`Content-Type`).
        .title_case_headers(true)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// Where `listener` listens.
pub fn local_address(listener: &StdListener) -> anyhow::Result<SocketAddr> {
    listener
        .local_addr()
        .context("reading the listening address")
}

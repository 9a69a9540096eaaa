//! Answers HTTP requests: files of the built site, the build status and the event stream.
//!
//! tiny_http has open advisories (request smuggling through Transfer-Encoding, CR/LF injection
//! into headers), so this handler refuses any request that carries a body or a
//! Transfer-Encoding and closes its connection, answers only GET and HEAD, and never copies
//! anything from a request into a response header: every header value here is a constant.
//! Which file may be served is decided by `site_path` alone.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tiny_http::{Header, Method, Request, Response, StatusCode};

use super::events::Broadcaster;
use super::site_path::{self, Resolved};
use super::status::BuildStatus;

/// The URL prefix of serve's own endpoints; no page of a book can live there.
pub const INTERNAL_PREFIX: &str = "/__pgbook/";

/// What every request handler shares.
pub struct Site {
    /// The directory the pipeline writes the site into.
    pub root: PathBuf,
    pub status: Arc<BuildStatus>,
    pub events: Arc<Broadcaster>,
}

/// Answers one request. Errors writing to the client are the client's business and ignored.
pub fn handle(site: &Site, request: Request) {
    if carries_body(&request) {
        let why = "Bad Request: pgbook serve accepts no request body\n";
        refuse_and_close(request, "400 Bad Request", why);
        return;
    }
    if headers_too_large(&request) {
        let why = "Request Header Fields Too Large: pgbook serve reads at most 16 KiB of \
                   headers\n";
        refuse_and_close(request, "431 Request Header Fields Too Large", why);
        return;
    }
    if !matches!(request.method(), Method::Get | Method::Head) {
        let response = text(
            405,
            "Method Not Allowed: pgbook serve answers GET and HEAD only\n",
        )
        .with_header(header("Allow", "GET, HEAD"));
        let _ = request.respond(response);
        return;
    }
    let target = request.url().to_owned();
    let path = target.split(['?', '#']).next().unwrap_or_default();
    if let Some(endpoint) = path.strip_prefix(INTERNAL_PREFIX) {
        internal(site, request, endpoint);
        return;
    }
    let _ = match site_path::resolve(&site.root, &target) {
        Resolved::File(file) => respond_file(request, &file, 200),
        Resolved::NotFound => not_found(site, request),
        Resolved::Refused => request.respond(text(403, "Forbidden\n")),
    };
}

/// A body (Content-Length > 0) or any Transfer-Encoding: a static site never needs one, and
/// both are how requests get smuggled past a parser.
fn carries_body(request: &Request) -> bool {
    let has_transfer_encoding = request
        .headers()
        .iter()
        .any(|h| h.field.equiv("Transfer-Encoding"));
    let declared_length = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Content-Length"))
        .map(|h| h.value.as_str().trim() != "0");
    has_transfer_encoding || declared_length.unwrap_or(false) || request.body_length() > Some(0)
}

/// What a browser sends is a few KiB of headers; tiny_http sets no bound of its own, so a
/// client that sends more (or very many) is refused rather than answered.
fn headers_too_large(request: &Request) -> bool {
    const MAX_BYTES: usize = 16 * 1024;
    const MAX_COUNT: usize = 100;
    let headers = request.headers();
    let bytes: usize = headers
        .iter()
        .map(|h| h.field.as_str().as_str().len() + h.value.as_str().len() + 4)
        .sum();
    headers.len() > MAX_COUNT || bytes > MAX_BYTES
}

/// Answers `status` and ends the connection: nothing after this request's head can be
/// trusted to be where the parser thinks it is.
fn refuse_and_close(request: Request, status: &str, body: &str) {
    let mut writer = request.into_writer();
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = writer.write_all(head.as_bytes());
    let _ = writer.write_all(body.as_bytes());
    let _ = writer.flush();
    // Dropping the writer shuts the socket's sending side down.
}

fn internal(site: &Site, request: Request, endpoint: &str) {
    let _ = match endpoint {
        "events" if *request.method() == Method::Get => {
            let generation = site.status.generation();
            site.events.add(request.into_writer(), generation);
            Ok(())
        }
        "events" => request
            .respond(Response::empty(200).with_header(header("Content-Type", "text/event-stream"))),
        "status" => {
            let json = site.status.to_json().to_string();
            request.respond(
                Response::from_string(json)
                    .with_header(header("Content-Type", "application/json"))
                    .with_header(header("Cache-Control", "no-store")),
            )
        }
        _ => request.respond(text(404, "Not Found\n")),
    };
}

fn not_found(site: &Site, request: Request) -> std::io::Result<()> {
    match site_path::resolve(&site.root, "/404.html") {
        Resolved::File(page) => respond_file(request, &page, 404),
        // No site yet (the first build failed): a bare page that still carries the live-reload
        // script, so the overlay explains why and the page reloads once the book builds.
        _ => request.respond(
            Response::from_string(placeholder_page())
                .with_status_code(StatusCode(404))
                .with_header(header("Content-Type", "text/html; charset=utf-8"))
                .with_header(header("Cache-Control", "no-store")),
        ),
    }
}

fn placeholder_page() -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>pgbook serve</title></head>\n\
         <body><p>Not found: the book has not been built yet.</p>\n{}</body></html>\n",
        super::live_reload_html()
    )
}

fn respond_file(request: Request, file: &Path, status: u16) -> std::io::Result<()> {
    match File::open(file) {
        Ok(handle) => request.respond(
            Response::from_file(handle)
                .with_status_code(StatusCode(status))
                .with_header(
                    Header::from_bytes("Content-Type", content_type(file))
                        .expect("a media type is a valid header value"),
                )
                .with_header(header("Cache-Control", "no-store"))
                .with_header(header("X-Content-Type-Options", "nosniff")),
        ),
        // Replaced by a rebuild between resolving and opening: the next reload finds it.
        Err(_) => request.respond(text(404, "Not Found\n")),
    }
}

fn text(status: u16, body: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    Response::from_string(body)
        .with_status_code(StatusCode(status))
        .with_header(header("Content-Type", "text/plain; charset=utf-8"))
}

/// A header from constant parts; callers never pass request data.
fn header(field: &'static str, value: &'static str) -> Header {
    Header::from_bytes(field.as_bytes(), value.as_bytes()).expect("constant header is valid")
}

/// The media type of a site file, from its extension (`mime_guess`'s table, so never request
/// data). Text is declared UTF-8: everything pgbook writes is.
pub fn content_type(file: &Path) -> String {
    let essence = mime_guess::from_path(file)
        .first_raw()
        .unwrap_or("application/octet-stream");
    if essence.starts_with("text/") {
        format!("{essence}; charset=utf-8")
    } else {
        essence.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_of_site_files() {
        let cases = [
            ("index.html", "text/html; charset=utf-8"),
            ("css/book.CSS", "text/css; charset=utf-8"),
            ("js/book.js", "text/javascript; charset=utf-8"),
            ("searchindex.json", "application/json"),
            ("sitemap.xml", "text/xml; charset=utf-8"),
            ("favicon.svg", "image/svg+xml"),
            ("fonts/a.woff2", "font/woff2"),
            ("LICENSE", "application/octet-stream"),
            ("data.unknownext", "application/octet-stream"),
        ];
        for (file, want) in cases {
            assert_eq!(content_type(Path::new(file)), want, "{file}");
        }
    }
}

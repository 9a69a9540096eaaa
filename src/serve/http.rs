//! Answers HTTP requests: files of the built site, the build status and the event stream.
//!
//! A pure function from a request to a response; connections, limits and timeouts are
//! `listen`'s. It refuses any request that carries a body or a Transfer-Encoding (a static
//! site never needs one, and both are how requests get smuggled) and closes its connection,
//! answers only GET and HEAD, and never copies anything from a request into a response
//! header: every header value here is a constant or comes from a file's extension. Which file
//! may be served is decided by `site_path` alone.

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::body::Body;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use super::events::Broadcaster;
use super::site_path::{self, Resolved};
use super::status::BuildStatus;

/// The URL prefix of serve's own endpoints; no page of a book can live there.
pub const INTERNAL_PREFIX: &str = "/__pgbook/";

/// Every response's body: a whole file or text, or an event stream.
pub type ResponseBody = BoxBody<Bytes, Infallible>;

/// What every request handler shares.
pub struct Site {
    /// The directory the pipeline writes the site into.
    pub root: PathBuf,
    pub status: Arc<BuildStatus>,
    pub events: Arc<Broadcaster>,
}

/// Answers one request; its body, if any, is never read.
pub fn handle<B: Body>(site: &Site, request: &Request<B>) -> Response<ResponseBody> {
    if carries_body(request) {
        let mut response = text(
            StatusCode::BAD_REQUEST,
            "Bad Request: pgbook serve accepts no request body\n",
        );
        // Nothing after this request's head can be trusted to be where the parser thinks it
        // is: the connection ends with this answer.
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return response;
    }
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        let mut response = text(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method Not Allowed: pgbook serve answers GET and HEAD only\n",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let target = request
        .uri()
        .path_and_query()
        .map_or("/", |target| target.as_str());
    let path = target.split(['?', '#']).next().unwrap_or_default();
    if let Some(endpoint) = path.strip_prefix(INTERNAL_PREFIX) {
        return internal(site, request.method(), endpoint);
    }
    match site_path::resolve(&site.root, target) {
        Resolved::File(file) => file_response(&file, StatusCode::OK),
        Resolved::NotFound => not_found(site),
        Resolved::Refused => text(StatusCode::FORBIDDEN, "Forbidden\n"),
    }
}

/// A body (a Content-Length other than 0) or any Transfer-Encoding.
fn carries_body<B: Body>(request: &Request<B>) -> bool {
    let headers = request.headers();
    let declared_length = headers
        .get(header::CONTENT_LENGTH)
        .is_some_and(|length| length.as_bytes().trim_ascii() != b"0");
    headers.contains_key(header::TRANSFER_ENCODING)
        || declared_length
        || !request.body().is_end_stream()
}

fn internal(site: &Site, method: &Method, endpoint: &str) -> Response<ResponseBody> {
    match endpoint {
        "events" => {
            let body = if *method == Method::GET {
                site.events.subscribe(site.status.generation()).boxed()
            } else {
                empty()
            };
            Response::builder()
                .header(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/event-stream; charset=utf-8"),
                )
                .header(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))
                .header(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                )
                .body(body)
                .expect("constant headers are valid")
        }
        "status" => Response::builder()
            .header(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )
            .header(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))
            .body(full(site.status.to_json().to_string()))
            .expect("constant headers are valid"),
        _ => text(StatusCode::NOT_FOUND, "Not Found\n"),
    }
}

fn not_found(site: &Site) -> Response<ResponseBody> {
    match site_path::resolve(&site.root, "/404.html") {
        Resolved::File(page) => file_response(&page, StatusCode::NOT_FOUND),
        // No site yet (the first build failed): a bare page that still carries the live-reload
        // script, so the overlay explains why and the page reloads once the book builds.
        _ => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            )
            .header(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))
            .body(full(placeholder_page()))
            .expect("constant headers are valid"),
    }
}

fn placeholder_page() -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>pgbook serve</title></head>\n\
         <body><p>Not found: the book has not been built yet.</p>\n{}</body></html>\n",
        super::live_reload_html()
    )
}

/// A whole site file. Site files are pages, styles, scripts and a search index: read at once
/// (from the page cache, as they were just written), never streamed.
fn file_response(file: &Path, status: StatusCode) -> Response<ResponseBody> {
    let Ok(bytes) = std::fs::read(file) else {
        // Replaced by a rebuild between resolving and reading: the next reload finds it.
        return text(StatusCode::NOT_FOUND, "Not Found\n");
    };
    let media_type = HeaderValue::from_str(&content_type(file))
        .expect("a media type from mime_guess is a valid header value");
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, media_type)
        .header(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))
        .header(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        )
        .body(full(bytes))
        .expect("constant headers are valid")
}

fn text(status: StatusCode, body: &'static str) -> Response<ResponseBody> {
    Response::builder()
        .status(status)
        .header(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )
        .body(full(body))
        .expect("constant headers are valid")
}

fn full(bytes: impl Into<Bytes>) -> ResponseBody {
    Full::new(bytes.into()).boxed()
}

fn empty() -> ResponseBody {
    full(Bytes::new())
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

    /// A site with one page, and the answer to `method target` with `headers` and `body`.
    fn answer(
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Response<ResponseBody> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("page.html"), "<p>page</p>").unwrap();
        let site = Site {
            root: dir.path().to_path_buf(),
            status: Arc::new(BuildStatus::new()),
            events: Broadcaster::new(),
        };
        let mut request = Request::builder().method(method).uri(target);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        handle(&site, &request.body(body.to_string()).unwrap())
    }

    fn header_of<'a>(response: &'a Response<ResponseBody>, name: &str) -> Option<&'a str> {
        response.headers().get(name).and_then(|v| v.to_str().ok())
    }

    #[test]
    fn pages_are_served_with_constant_headers() {
        let response = answer("GET", "/page.html?x=%0d%0aSet-Cookie:%20a", &[], "");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            header_of(&response, "content-type"),
            Some("text/html; charset=utf-8")
        );
        let names: Vec<&str> = response.headers().keys().map(|k| k.as_str()).collect();
        assert_eq!(
            names,
            ["content-type", "cache-control", "x-content-type-options"]
        );
    }

    #[test]
    fn bodies_and_transfer_encodings_are_refused_and_end_the_connection() {
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
        let cases: [Case; 4] = [
            ("GET", &[("transfer-encoding", "chunked")], ""),
            ("GET", &[("content-length", "5")], "hello"),
            ("POST", &[], "hello"),
            ("GET", &[("content-length", " 7 ")], ""),
        ];
        for (method, headers, body) in cases {
            let response = answer(method, "/page.html", headers, body);
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{headers:?}");
            assert_eq!(header_of(&response, "connection"), Some("close"));
        }
        let empty = answer("GET", "/page.html", &[("content-length", "0")], "");
        assert_eq!(empty.status(), StatusCode::OK);
    }

    #[test]
    fn only_get_and_head_are_answered() {
        for method in ["PUT", "DELETE", "OPTIONS", "TRACE", "PATCH"] {
            let response = answer(method, "/page.html", &[], "");
            assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
            assert_eq!(header_of(&response, "allow"), Some("GET, HEAD"));
        }
        assert_eq!(
            answer("HEAD", "/page.html", &[], "").status(),
            StatusCode::OK
        );
    }

    #[test]
    fn internal_endpoints() {
        let events = answer("GET", "/__pgbook/events", &[], "");
        assert_eq!(
            header_of(&events, "content-type"),
            Some("text/event-stream; charset=utf-8")
        );
        assert_eq!(events.body().size_hint().exact(), None, "a stream");
        let head = answer("HEAD", "/__pgbook/events", &[], "");
        assert_eq!(
            head.body().size_hint().exact(),
            Some(0),
            "no stream for HEAD"
        );
        let status = answer("GET", "/__pgbook/status", &[], "");
        assert_eq!(header_of(&status, "content-type"), Some("application/json"));
        let unknown = answer("GET", "/__pgbook/nothing", &[], "");
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
        let outside = answer("GET", "/../page.html", &[], "");
        assert_eq!(outside.status(), StatusCode::FORBIDDEN);
    }

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

//! The live-reload authoring server behind `pgbook serve`: build once, serve the site over
//! HTTP, watch the sources, rebuild incrementally through the pipeline (whose engine stays
//! warm), and tell open pages to reload once the new files are in place.
//!
//! The site is written to a private temporary directory, never to the book's build directory,
//! so the live-reload script can never end up in a site that gets deployed. This module
//! orchestrates; it does not render, execute SQL or decide which files may be served
//! (`site_path` does).

mod events;
mod http;
mod listen;
mod session;
mod site_path;
mod status;
mod watch;

use std::path::PathBuf;

pub use session::serve;

/// What `pgbook serve` was asked to do.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub host: String,
    pub port: u16,
    pub open: bool,
    pub database_url: Option<String>,
    pub verbosity: crate::progress::Verbosity,
}

/// The HTML the pipeline appends to every page while serving: the live-reload script, inline
/// so it needs no file in the site.
pub fn live_reload_html() -> String {
    format!("<script>\n{}</script>\n", include_str!("live.js"))
}

//! The live-reload authoring server behind `pgbook serve`: build once, serve the site over
//! HTTP, watch the sources, rebuild incrementally through the pipeline (whose engine stays
//! warm), and tell open pages to reload once the new files are in place.
//!
//! The site is written to a private temporary directory, never to the book's build directory,
//! so the live-reload script can never end up in a site that gets deployed. This module
//! orchestrates; it does not render, execute SQL or decide which files may be served
//! (`site_path` does).
//!
//! Until the root Cargo.toml lists tiny_http, notify, notify-debouncer-full and signal-hook
//! among the binary's dependencies, the server is compiled only with `--cfg pgbook_serve`
//! (so the shared tree keeps building); with them listed, the `cfg` lines go away.
#![allow(unexpected_cfgs)]

#[cfg(pgbook_serve)]
mod events;
#[cfg(pgbook_serve)]
mod http;
#[cfg(pgbook_serve)]
mod session;
#[cfg(pgbook_serve)]
mod site_path;
#[cfg(pgbook_serve)]
mod status;
#[cfg(pgbook_serve)]
mod watch;

use std::path::PathBuf;

#[cfg(pgbook_serve)]
pub use session::serve;

/// What `pgbook serve` was asked to do.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub host: String,
    pub port: u16,
    pub open: bool,
    pub database_url: Option<String>,
}

#[cfg(not(pgbook_serve))]
pub fn serve(_options: ServeOptions) -> anyhow::Result<crate::cmd::Status> {
    anyhow::bail!("this pgbook was built without the `serve` dependencies")
}

/// The HTML the pipeline appends to every page while serving: the live-reload script, inline
/// so it needs no file in the site.
pub fn live_reload_html() -> String {
    format!("<script>\n{}</script>\n", include_str!("live.js"))
}

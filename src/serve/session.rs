//! One `pgbook serve` session: bind, first build, serve, then rebuild on every change until
//! Ctrl-C or SIGTERM (see `crate::signals`: a running build is cancelled), after which it
//! stops serving, drops the pipeline (which stops the scratch cluster) and removes its
//! temporary site.
//!
//! Builds run on this thread only, one at a time; the HTTP thread (`listen`) only reads the
//! written site and the shared status. It never touches the book's own build directory.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use anyhow::Context;
use pgbook_engine::ScratchDir;

use super::events::Broadcaster;
use super::http::Site;
use super::listen::{self, HttpServer};
use super::status::BuildStatus;
use super::watch::{SourceFilter, SourceWatcher};
use super::ServeOptions;
use crate::cmd::build::print_problems;
use crate::cmd::Status;
use crate::pipeline::{Action, Options, Pipeline};
use crate::progress::Progress;

enum Message {
    Changed(Vec<PathBuf>),
    Stop,
}

/// Runs the server until a signal stops it; `Ok(Success)` on a clean stop.
pub fn serve(options: ServeOptions) -> anyhow::Result<Status> {
    let root = options
        .root
        .canonicalize()
        .with_context(|| format!("cannot open the book directory {}", options.root.display()))?;
    let scratch = scratch_dir()?;
    // Bound now, so a taken port fails before the first build; connections made during that
    // build wait in the kernel's queue and are answered with the built site.
    let listener = listen::bind(&options.host, options.port)?;
    let address = listen::local_address(&listener)?;

    let (sender, receiver) = mpsc::channel();
    let stop = sender.clone();
    crate::signals::install_for_serve(move || {
        let _ = stop.send(Message::Stop);
    })?;
    // Only the first build, which may run every chapter, shows progress.
    let first_build = Progress::new(options.verbosity);
    let mut pipeline = Pipeline::new(
        &root,
        Options {
            dest: Some(site_dir(&scratch)),
            database_url: options.database_url.clone(),
            extra_body_html: Some(super::live_reload_html()),
            progress: first_build.sink(),
            template_cache: Some(crate::cache_dir::template_cache_dir()),
        },
    );
    let filter = SourceFilter::new(&root, ignored_dirs(&root, &scratch));
    let mut watcher = SourceWatcher::start(filter, sender, Message::Changed)?;
    watcher.sync(&pipeline.watched_paths());

    let site = Arc::new(Site {
        root: site_dir(&scratch),
        status: Arc::new(BuildStatus::new()),
        events: Broadcaster::new(),
    });
    site.events.start_heartbeat();
    rebuild(&mut pipeline, &site, &[], Some(first_build));
    watcher.sync(&pipeline.watched_paths());

    let server = HttpServer::start(listener, site.clone())?;
    announce(address, options.open);

    watch_loop(&receiver, &mut pipeline, &mut watcher, &site);

    eprintln!("pgbook serve: stopping");
    site.events.close_all();
    server.stop();
    drop(watcher);
    drop(pipeline);
    drop(scratch);
    Ok(Status::Success)
}

/// Rebuilds on every batch of changes until asked to stop.
fn watch_loop(
    receiver: &Receiver<Message>,
    pipeline: &mut Pipeline,
    watcher: &mut SourceWatcher,
    site: &Site,
) {
    while let Ok(Message::Changed(mut changed)) = receiver.recv() {
        // Changes that queued up during the last build are all served by one rebuild.
        loop {
            match receiver.try_recv() {
                Ok(Message::Changed(more)) => changed.extend(more),
                Ok(Message::Stop) => return,
                Err(_) => break,
            }
        }
        rebuild(pipeline, site, &changed, None);
        watcher.sync(&pipeline.watched_paths());
    }
}

/// One build; the reload event goes out only after `build` returned, i.e. after the new site
/// has been written in place. `progress` (the first build's) is cleared before the build's
/// summary prints.
fn rebuild(pipeline: &mut Pipeline, site: &Site, changed: &[PathBuf], progress: Option<Progress>) {
    if let Some(first) = changed.first() {
        eprintln!("pgbook serve: {} changed, rebuilding", first.display());
    }
    site.status.set_building();
    site.events.send("building", "");
    let started = Instant::now();
    // Failing snippets must not stop the site from showing them.
    let outcome = pipeline.run(&Action::Build { keep_going: true });
    if let Some(progress) = progress {
        progress.finish();
    }
    let generation = site.status.finish(&outcome);
    site.events.send("reload", &generation.to_string());
    let millis = started.elapsed().as_millis();
    match &outcome {
        Ok(report) => {
            print_problems(report);
            eprintln!(
                "pgbook serve: built in {millis} ms ({} pages, {} chapters executed, {} problems)",
                report.pages_rendered,
                report.chapters_executed,
                report.snippet_failures().count() + report.link_warnings.len()
            );
        }
        Err(error) => eprintln!("pgbook serve: build failed after {millis} ms: {error:#}"),
    }
}

fn announce(address: SocketAddr, open: bool) {
    let url = format!("http://{address}/");
    if !address.ip().is_loopback() {
        eprintln!(
            "warning: pgbook serve is listening on a non-loopback address ({}): anyone who can \
             reach it can read the book. It is a local authoring server, not a public web \
             server; host the output of `pgbook build` instead.",
            address.ip()
        );
    }
    eprintln!("pgbook serve: serving {url} (Ctrl-C to stop)");
    if open {
        open_browser(&url);
    }
}

fn open_browser(url: &str) {
    let spawned = Command::new("xdg-open")
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    match spawned {
        // Reap it so no zombie is left behind.
        Ok(mut child) => drop(thread::spawn(move || child.wait())),
        Err(_) => eprintln!("pgbook serve: cannot run xdg-open; open {url} in a browser"),
    }
}

/// Directories whose changes never trigger a build: where sites and caches are written.
fn ignored_dirs(root: &Path, scratch: &ScratchDir) -> Vec<PathBuf> {
    let mut dirs = vec![
        scratch.path().to_path_buf(),
        root.join(crate::pipeline::CACHE_DIR),
    ];
    if let Ok(loaded) = pgbook_book::config::load_config(root) {
        dirs.push(root.join(&loaded.config.build.build_dir));
    }
    dirs
}

/// The private directory the served site is written into, `$TMPDIR/pgbook-serve-PID`. The
/// engine owns its fate: removed on drop, by the engine's cleanup on a signal, and — after a
/// serve that was killed — by the next run's sweep of abandoned directories.
fn scratch_dir() -> anyhow::Result<ScratchDir> {
    let temp = std::env::temp_dir();
    pgbook_engine::reap_abandoned(&temp);
    let path = temp.join(format!("pgbook-serve-{}", std::process::id()));
    Ok(ScratchDir::create_named(path)?)
}

fn site_dir(scratch: &ScratchDir) -> PathBuf {
    scratch.path().join("site")
}

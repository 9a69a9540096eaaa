//! One `pgbook serve` session: bind, first build, serve, then rebuild on every change until
//! Ctrl-C or SIGTERM, after which it stops serving, drops the pipeline (which stops the
//! scratch cluster) and removes its temporary site.
//!
//! Builds run on this thread only, one at a time; HTTP workers only read the written site and
//! the shared status. It never touches the book's own build directory.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context};

use super::events::Broadcaster;
use super::http::{self, Site};
use super::status::BuildStatus;
use super::watch::{SourceFilter, SourceWatcher};
use super::ServeOptions;
use crate::cmd::build::print_problems;
use crate::cmd::Status;
use crate::pipeline::{Action, Options, Pipeline};

/// Threads answering HTTP requests (event streams do not hold one once started).
const HTTP_WORKERS: usize = 4;

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
    let scratch = ScratchDir::create()?;
    let server = bind(&options.host, options.port)?;
    let address = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| anyhow!("the server has no IP address"))?;

    let (sender, receiver) = mpsc::channel();
    install_signal_handlers(sender.clone(), scratch.path.clone())?;
    let mut pipeline = Pipeline::new(
        &root,
        Options {
            dest: Some(scratch.site()),
            database_url: options.database_url.clone(),
            extra_body_html: Some(super::live_reload_html()),
        },
    );
    let filter = SourceFilter::new(&root, ignored_dirs(&root, &scratch));
    let mut watcher = SourceWatcher::start(filter, sender, Message::Changed)?;
    watcher.sync(&pipeline.watched_paths());

    let site = Arc::new(Site {
        root: scratch.site(),
        status: Arc::new(BuildStatus::new()),
        events: Broadcaster::new(),
    });
    site.events.start_heartbeat();
    rebuild(&mut pipeline, &site, &[]);
    watcher.sync(&pipeline.watched_paths());

    let server = Arc::new(server);
    let stopping = Arc::new(AtomicBool::new(false));
    start_workers(&server, &site, &stopping);
    announce(address, options.open);

    watch_loop(&receiver, &mut pipeline, &mut watcher, &site);

    eprintln!("pgbook serve: stopping");
    stopping.store(true, Ordering::SeqCst);
    for _ in 0..HTTP_WORKERS {
        server.unblock();
    }
    site.events.close_all();
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
        rebuild(pipeline, site, &changed);
        watcher.sync(&pipeline.watched_paths());
    }
}

/// One build; the reload event goes out only after `build` returned, i.e. after the new site
/// has been written in place.
fn rebuild(pipeline: &mut Pipeline, site: &Site, changed: &[PathBuf]) {
    if let Some(first) = changed.first() {
        eprintln!("pgbook serve: {} changed, rebuilding", first.display());
    }
    site.status.set_building();
    site.events.send("building", "");
    let started = Instant::now();
    // Failing snippets must not stop the site from showing them.
    let outcome = pipeline.run(&Action::Build { keep_going: true });
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

fn bind(host: &str, port: u16) -> anyhow::Result<tiny_http::Server> {
    tiny_http::Server::http((host, port))
        .map_err(anyhow::Error::from_boxed)
        .with_context(|| format!("cannot listen on {host}:{port}"))
}

fn start_workers(server: &Arc<tiny_http::Server>, site: &Arc<Site>, stopping: &Arc<AtomicBool>) {
    for _ in 0..HTTP_WORKERS {
        let (server, site, stopping) = (server.clone(), site.clone(), stopping.clone());
        thread::spawn(move || loop {
            match server.recv() {
                Ok(request) => http::handle(&site, request),
                Err(_) if stopping.load(Ordering::SeqCst) => return,
                Err(error) => eprintln!("pgbook serve: {error}"),
            }
        });
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

/// Ctrl-C, SIGTERM and SIGHUP end the watch loop instead of killing the process, so the pipeline is
/// dropped and its cluster stopped, and serve exits 0. A build cannot be interrupted, so if the
/// loop has not ended within [`STOP_GRACE`] (or a second signal comes), the engine's cleanup
/// stops every cluster from here and the process exits 0 at once.
fn install_signal_handlers(sender: Sender<Message>, scratch: PathBuf) -> anyhow::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])
        .context("cannot install signal handlers")?;
    thread::spawn(move || {
        let mut signals = signals.forever();
        if signals.next().is_none() {
            return;
        }
        let _ = sender.send(Message::Stop);
        // If the process is still here after the grace period, a build is holding it up.
        let scratch_for_grace = scratch.clone();
        thread::spawn(move || {
            thread::sleep(STOP_GRACE);
            stop_now(&scratch_for_grace);
        });
        if signals.next().is_some() {
            stop_now(&scratch);
        }
    });
    Ok(())
}

/// How long a stop may wait for a running build before clusters are stopped underneath it.
const STOP_GRACE: Duration = Duration::from_millis(700);

// The signal path: the clusters are cleaned up above and a build may still hold the pipeline,
// so returning to main is not possible.
#[allow(clippy::disallowed_methods)]
fn stop_now(scratch: &Path) -> ! {
    eprintln!("pgbook serve: stopping now");
    pgbook_engine::cleanup_everything();
    let _ = std::fs::remove_dir_all(scratch);
    std::process::exit(0)
}

/// Directories whose changes never trigger a build: where sites and caches are written.
fn ignored_dirs(root: &Path, scratch: &ScratchDir) -> Vec<PathBuf> {
    let mut dirs = vec![scratch.path.clone(), root.join(crate::pipeline::CACHE_DIR)];
    if let Ok(loaded) = pgbook_book::config::load_config(root) {
        dirs.push(root.join(&loaded.config.build.build_dir));
    }
    dirs
}

/// The private directory the served site is written into; removed on drop. A directory left
/// by a serve that was killed is removed by the next one.
struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    const PREFIX: &'static str = "pgbook-serve-";

    fn create() -> anyhow::Result<ScratchDir> {
        let temp = std::env::temp_dir();
        Self::remove_abandoned(&temp);
        let path = temp.join(format!("{}{}", Self::PREFIX, std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        Ok(ScratchDir { path })
    }

    fn site(&self) -> PathBuf {
        self.path.join("site")
    }

    /// Removes scratch directories whose serve process no longer exists.
    fn remove_abandoned(temp: &Path) {
        let Ok(entries) = std::fs::read_dir(temp) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(pid) = name.strip_prefix(Self::PREFIX) else {
                continue;
            };
            let alive = Path::new("/proc").join(pid).exists();
            if pid.parse::<u32>().is_ok() && !alive {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

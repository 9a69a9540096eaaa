//! Helpers shared by the engine's integration tests: private run and cache directories,
//! the example binaries, process checks, small books built from Markdown text or from raw
//! SQL, and one engine per test binary. They make no assertions about what the engine returns.

#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use pgbook_book::{Attributes, Chapter, Snippet};
use pgbook_engine::{Engine, EngineOptions};

/// A run directory of its own (so leftovers can be counted) and a template cache.
pub struct Sandbox {
    run: tempfile::TempDir,
    private: tempfile::TempDir,
    cache: PathBuf,
}

impl Sandbox {
    /// Shares the template cache with other tests (initdb once per test binary run).
    pub fn new() -> Sandbox {
        let cache = shared_cache_dir();
        Sandbox::with_cache(Some(cache))
    }

    /// A cache of its own, inside a directory only the invoking user can read.
    pub fn with_private_cache() -> Sandbox {
        Sandbox::with_cache(None)
    }

    fn with_cache(cache: Option<PathBuf>) -> Sandbox {
        // The run directory must be traversable by the server user when we are root.
        let run = tempfile::Builder::new()
            .prefix("engine-test-")
            .tempdir_in("/tmp")
            .unwrap();
        std::fs::set_permissions(run.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let private = tempfile::Builder::new()
            .prefix("private-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .unwrap();
        std::fs::set_permissions(private.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        let cache = cache.unwrap_or_else(|| private.path().join("cache"));
        Sandbox {
            run,
            private,
            cache,
        }
    }

    pub fn run_dir(&self) -> &Path {
        self.run.path()
    }

    pub fn cache_dir(&self) -> &Path {
        &self.cache
    }

    /// A new directory readable by the invoking user only.
    pub fn private_dir(&self, name: &str) -> PathBuf {
        let dir = self.private.path().join(name);
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        dir
    }

    /// `program` with this sandbox's run and cache directories.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        command
            .env("PGBOOK_RUN_DIR", self.run_dir())
            .env("PGBOOK_CACHE_DIR", &self.cache)
            .env_remove("DATABASE_URL");
        command
    }

    /// Names of everything in the run directory.
    pub fn leftovers(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.run_dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Points this process's clusters at the sandbox's run directory (for in-process engine
    /// tests; the cache directory is passed in the options).
    pub fn apply_to_this_process(&self) {
        std::env::set_var("PGBOOK_RUN_DIR", self.run_dir());
    }
}

/// One scratch-cluster engine for the whole test binary (with the shared template cache).
/// A static is never dropped, so the test binary, which owns its process's end as the
/// `pgbook` binary does, runs the engine's cleanup at exit.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        extern "C" fn clean_up_at_exit() {
            pgbook_engine::cleanup();
        }
        // SAFETY: registers a plain function without captured state.
        unsafe { libc::atexit(clean_up_at_exit) };
        Engine::start(EngineOptions {
            cache_dir: Some(shared_cache_dir()),
            ..EngineOptions::default()
        })
        .expect("start the scratch cluster")
    })
}

pub fn shared_cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("engine-template-cache")
}

/// Path of an example binary of this crate, built first: `cargo test --test NAME` does not
/// build examples, and a stale one would test old code.
pub fn example(name: &str) -> PathBuf {
    static BUILT: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap();
    let mut built = BUILT.lock().unwrap_or_else(|p| p.into_inner());
    if !built.iter().any(|n| n == name) {
        let mut cargo = Command::new(env!("CARGO"));
        cargo.args(["build", "--quiet", "-p", "pgbook-engine", "--example", name]);
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            cargo.arg("--release");
        }
        let target_dir = profile_dir.parent().unwrap();
        let status = cargo.env("CARGO_TARGET_DIR", target_dir).status().unwrap();
        assert!(status.success(), "building example {name} failed");
        built.push(name.to_string());
    }
    let path = profile_dir.join("examples").join(name);
    assert!(path.is_file(), "example {} not built", path.display());
    path
}

/// Whether `pid` runs (zombies count as gone).
pub fn process_running(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat
                .rsplit_once(')')
                .and_then(|(_, r)| r.trim_start().chars().next());
            state != Some('Z')
        }
        Err(_) => false,
    }
}

/// Waits (generously; this is not a timing assertion) for `pid` to go.
pub fn wait_gone(pid: i32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if !process_running(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// A chapter parsed from Markdown `text`, as `content/NAME.md`.
pub fn chapter(name: &str, text: &str) -> Chapter {
    let path = PathBuf::from(format!("{name}.md"));
    let chapter = Chapter::parse(Path::new("."), Path::new("content"), &path, text.into())
        .unwrap_or_else(|e| panic!("bad test chapter: {e:?}"));
    Chapter {
        title: name.into(),
        ..chapter
    }
}

/// A chapter of one snippet per `(session, sql)` step (`None` is the main session), as
/// `content/NAME.md`. The SQL is taken verbatim, with no Markdown in between, so a file's
/// BOM, CRLF line ends or backticks reach the engine exactly as they are.
pub fn sql_chapter(name: &str, steps: &[(Option<&str>, &str)]) -> Chapter {
    let source_path = PathBuf::from(format!("content/{name}.md"));
    let snippets = steps
        .iter()
        .enumerate()
        .map(|(index, (session, sql))| {
            let attrs = Attributes {
                session: session.map(str::to_string),
                ..Attributes::default()
            };
            Snippet::from_sql(index, index + 1, &source_path, attrs, sql.to_string())
        })
        .collect();
    Chapter::from_snippets(
        name,
        PathBuf::from(format!("{name}.md")),
        source_path,
        snippets,
    )
}

//! The results cache of `build` and `serve`: a chapter's outcome is reused while its SQL
//! (snippets, attributes, included files) and the server it would run on are unchanged.
//!
//! Entries live in memory across builds of one process and on disk under
//! `<book>/.pgbook-cache/results/` as JSON, one file per chapter key. The key is known before
//! any server starts (from the chapter's SQL fingerprint and the book's database settings);
//! each entry also records the engine's own cache key (server version included), which is
//! checked whenever a server is running anyway. The server's report (version, settings) for
//! the verification page is kept beside them. This module runs no SQL.

use std::collections::HashMap;
use std::hash::Hasher;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pgbook_book::{Chapter, ChapterOutcome, Config};
use pgbook_engine::ServerReport;
use serde::{Deserialize, Serialize};

/// Directory of the cache, relative to the book root.
pub const CACHE_DIR: &str = ".pgbook-cache";

/// A cached outcome and the engine key it was produced under.
#[derive(Clone)]
pub struct Entry {
    pub engine_key: String,
    pub outcome: Arc<ChapterOutcome>,
    /// Read from disk in this process (so not yet checked against a running engine).
    pub from_disk: bool,
}

pub struct ResultCache {
    dir: PathBuf,
    memory: HashMap<String, Entry>,
    /// The server report of the latest `outcomes`, and the key it is stored under.
    server: Option<(String, ServerReport)>,
}

/// Bumped when what a chapter's results hold changes, so results cached before (which lack
/// it) are executed again. 2: the nodes' records (DESIGN.md §10); 3: statements whose rows
/// `\gset` or `\gexec` took.
const RESULTS_FORMAT: u32 = 3;

impl ResultCache {
    pub fn new(book_root: &Path) -> ResultCache {
        ResultCache {
            dir: book_root.join(CACHE_DIR).join("results"),
            memory: HashMap::new(),
            server: None,
        }
    }

    /// The key of the server report: everything of [`ResultCache::key`] but the chapter.
    pub fn server_key(
        config: &Config,
        database_url: Option<&str>,
        installed_version: &str,
    ) -> String {
        let settings = format!(
            "{:?}|{:?}|{:?}|{installed_version}",
            config.database.settings_as_strings(),
            config.database.pg_bin,
            database_url,
        );
        format!("server-{:016x}", fnv64(settings.as_bytes()))
    }

    /// The server report stored under `key`, from memory or else from disk.
    pub fn server(&mut self, key: &str) -> Option<ServerReport> {
        if let Some((k, report)) = &self.server {
            if k == key {
                return Some(report.clone());
            }
        }
        let text = std::fs::read_to_string(self.dir.join(format!("{key}.json"))).ok()?;
        let report: ServerReport = serde_json::from_str(&text).ok()?;
        self.server = Some((key.to_string(), report.clone()));
        Some(report)
    }

    /// The report of the server the latest results came from, if any was needed.
    pub fn current_server(&self) -> Option<&ServerReport> {
        self.server.as_ref().map(|(_, report)| report)
    }

    /// No chapter needs a server any more.
    pub fn forget_server(&mut self) {
        self.server = None;
    }

    /// Stores the server report beside the results, so a build that runs nothing still has it.
    pub fn put_server(&mut self, key: &str, report: ServerReport) {
        if let Ok(text) = serde_json::to_string(&report) {
            write_atomically(&self.dir, key, |file| file.write_all(text.as_bytes()));
        }
        self.server = Some((key.to_string(), report));
    }

    /// The key of `chapter`'s results: its SQL fingerprint plus everything in the book's
    /// configuration that decides which server runs it and how, and the version of the
    /// installed server binaries (empty in database-URL mode, where the engine key checks it).
    pub fn key(
        chapter: &Chapter,
        config: &Config,
        database_url: Option<&str>,
        installed_version: &str,
    ) -> String {
        let settings = format!(
            "{:?}|{:?}|{:?}|{:?}|{:?}|{installed_version}",
            config.database.settings_as_strings(),
            config.database.pg_bin,
            database_url,
            config.execute.timeout,
            config.execute.role,
        );
        let fingerprint = chapter.sql_fingerprint();
        let digest = fnv64(format!("{fingerprint}\0{settings}\0{RESULTS_FORMAT}").as_bytes());
        format!("{digest:016x}{}", &fingerprint[..16])
    }

    /// The entry for `key`, from memory or else from disk.
    pub fn get(&mut self, key: &str) -> Option<Entry> {
        if let Some(entry) = self.memory.get(key) {
            return Some(entry.clone());
        }
        let bytes = std::fs::read(self.dir.join(format!("{key}.json"))).ok()?;
        let Stored {
            engine_key,
            outcome,
        } = serde_json::from_slice(&bytes).ok()?;
        drop(bytes);
        let entry = Entry {
            engine_key,
            outcome: Arc::new(outcome),
            from_disk: true,
        };
        self.memory.insert(key.to_string(), entry.clone());
        Some(entry)
    }

    /// Stores an outcome in memory and on disk. A disk error only costs a re-run later.
    pub fn put(&mut self, key: &str, engine_key: &str, outcome: Arc<ChapterOutcome>) {
        let stored = StoredRef {
            engine_key,
            outcome: &outcome,
        };
        write_atomically(&self.dir, key, |file| serde_json::to_writer(file, &stored));
        self.memory.insert(
            key.to_string(),
            Entry {
                engine_key: engine_key.to_string(),
                outcome,
                from_disk: false,
            },
        );
    }

    /// Forgets every entry not in `keep` (chapters deleted or whose SQL changed), and every
    /// server report but the current one.
    pub fn retain(&mut self, keep: &[String]) {
        self.memory.retain(|k, _| keep.contains(k));
        let server = self.server.as_ref().map(|(k, _)| k.clone());
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(key) = name.strip_suffix(".json") else {
                continue;
            };
            if !keep.iter().any(|k| k == key) && server.as_deref() != Some(key) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// A chapter's entry as stored on disk: the outcome once (a large result's rows beyond the
/// first few are only in its transcript) and the engine that produced it.
#[derive(Deserialize)]
struct Stored {
    engine_key: String,
    outcome: ChapterOutcome,
}

/// [`Stored`] for writing, serialised straight to the file without an intermediate copy.
#[derive(Serialize)]
struct StoredRef<'a> {
    engine_key: &'a str,
    outcome: &'a ChapterOutcome,
}

/// Writes `dir/key.json` through a temp file and a rename, `write` streaming the content
/// into a buffered file. A disk error only costs a re-run later.
fn write_atomically<E>(
    dir: &Path,
    key: &str,
    write: impl FnOnce(&mut BufWriter<std::fs::File>) -> Result<(), E>,
) {
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let path = dir.join(format!("{key}.json"));
    let temp = dir.join(format!(".{key}.tmp-{}", std::process::id()));
    let Ok(file) = std::fs::File::create(&temp) else {
        return;
    };
    let mut file = BufWriter::new(file);
    let written = write(&mut file).is_ok() && file.flush().is_ok();
    if written && std::fs::rename(&temp, &path).is_ok() {
        return;
    }
    let _ = std::fs::remove_file(&temp);
}

/// FNV-1a: a small stable hash for cache keys (not for security).
pub fn fnv64(bytes: &[u8]) -> u64 {
    let mut hasher = fnv::FnvHasher::default();
    hasher.write(bytes);
    hasher.finish()
}

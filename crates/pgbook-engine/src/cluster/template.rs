//! The template cache: one initdb per (PostgreSQL version, settings), copied for every run.
//!
//! Templates live under `clusters/<key>/` in the cache directory the caller passes (the
//! binary resolves `PGBOOK_CACHE_DIR`, else `$XDG_CACHE_HOME/pgbook`, else `~/.cache/pgbook`;
//! this module reads no environment). A template is built in a scratch directory and renamed
//! into place, so concurrent first runs never see a half-written one; the loser of a race
//! throws its copy away. Each use stamps `clusters/<key>.used` (the binaries' directory, and
//! the time in its mtime), and templates whose binaries are gone or that went unused for
//! [`MAX_UNUSED`] are pruned (`prune.rs`). This module runs `initdb`; it never starts a
//! server.

mod prune;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sha2::{Digest, Sha256};

use super::binaries::PgBinaries;
use super::cleanup::{self, ScratchDir};
use super::osuser::{self, ServerUser};
use super::settings::{postgresql_conf_block, DETERMINISTIC_SETTINGS};
use crate::EngineError;

/// The superuser every scratch cluster is initialised with, whoever runs pgbook, so that
/// transcripts mentioning roles are the same everywhere.
pub(crate) const SUPERUSER: &str = "postgres";

/// initdb arguments other than the data directory; part of the cache key.
pub(crate) const INITDB_ARGS: &[&str] = &[
    "--username=postgres",
    "--auth=trust",
    "--encoding=UTF8",
    "--locale=C.UTF-8",
    "--lc-messages=C",
    "--no-sync",
    // 1 MB WAL segments make the template (and each run's copy) 11 MB smaller.
    "--wal-segsize=1",
];

/// Bumped when the way templates are prepared changes, so old cache entries are not reused.
const TEMPLATE_FORMAT: &str = "2";

/// A ready template data directory.
pub(crate) struct Template {
    pub data_dir: PathBuf,
    /// Whether this call ran initdb (false when the cache already had it).
    pub created: bool,
}

/// The cache directory: the caller's, else `pgbook-cache` in the system temp directory
/// (the binary always passes one; library users who pass none still get a cache).
pub(crate) fn cache_root(configured: Option<&Path>) -> PathBuf {
    match configured {
        Some(dir) => dir.to_path_buf(),
        None => std::env::temp_dir().join("pgbook-cache"),
    }
}

/// The cache key of a template: version plus a digest of everything that shaped it.
pub(crate) fn template_key(bins: &PgBinaries, settings: &[(String, String)]) -> String {
    let mut digest = Sha256::new();
    digest.update(TEMPLATE_FORMAT.as_bytes());
    digest.update(bins.version_line.as_bytes());
    digest.update(bins.bin_dir.to_string_lossy().as_bytes());
    for arg in INITDB_ARGS {
        digest.update(arg.as_bytes());
    }
    for (name, value) in DETERMINISTIC_SETTINGS
        .iter()
        .map(|(n, v)| (*n, *v))
        .chain(settings.iter().map(|(n, v)| (n.as_str(), v.as_str())))
    {
        digest.update(format!("\0{name}\0{value}").as_bytes());
    }
    let hash = hex::encode(digest.finalize());
    format!("{}-{}", bins.version, &hash[..16])
}

/// Returns the cached template for these binaries and settings, running initdb if needed.
pub(crate) fn ensure_template(
    bins: &PgBinaries,
    settings: &[(String, String)],
    user: Option<ServerUser>,
    run_base: &Path,
    cache_dir: Option<&Path>,
) -> Result<Template, EngineError> {
    let clusters = cache_root(cache_dir).join("clusters");
    let key = template_key(bins, settings);
    let final_dir = clusters.join(&key);
    if is_complete(&final_dir) {
        prune::mark_used(&clusters, &key, &bins.bin_dir);
        prune::prune(&clusters, &key, prune::MAX_UNUSED);
        return Ok(Template {
            data_dir: final_dir,
            created: false,
        });
    }
    fs::create_dir_all(&clusters).map_err(EngineError::io(format!(
        "cannot create {}",
        clusters.display()
    )))?;
    cleanup::reap_abandoned(&clusters);

    // initdb must run as the server user, in a place that user can write: as root that
    // is a private directory under the run base, never the (root-only) cache.
    let work = ScratchDir::create(run_base, "initdb", user)?;
    let data = work.path().join("data");
    run_initdb(bins, &data, user, work.path())?;
    append_settings(&data, settings)?;
    prune_wal(&data)?;

    // Stage next to the final place (same file system), then rename atomically.
    let staging = ScratchDir::create(&clusters, "staging", None)?;
    let staged = staging.path().join("data");
    osuser::copy_tree(&data, &staged, None).map_err(EngineError::io(
        "cannot copy the new template into the cache",
    ))?;
    if final_dir.exists() && !is_complete(&final_dir) {
        // A damaged cache entry (a rename only ever installs whole ones): replace it.
        let _ = fs::remove_dir_all(&final_dir);
    }
    match fs::rename(&staged, &final_dir) {
        Ok(()) => {}
        // Another run finished the same template first; theirs is as good as ours.
        Err(_) if is_complete(&final_dir) => {}
        Err(e) => {
            return Err(EngineError::Io {
                what: format!("cannot move the template into {}", final_dir.display()),
                cause: e,
            })
        }
    }
    prune::mark_used(&clusters, &key, &bins.bin_dir);
    prune::prune(&clusters, &key, prune::MAX_UNUSED);
    Ok(Template {
        data_dir: final_dir,
        created: true,
    })
}

/// Whether `dir` holds a whole template (templates only appear by rename, but a user may
/// have deleted files from the cache by hand).
pub(crate) fn is_complete(dir: &Path) -> bool {
    dir.join("PG_VERSION").is_file()
        && dir.join("global").join("pg_control").is_file()
        && dir.join("postgresql.conf").is_file()
}

fn run_initdb(
    bins: &PgBinaries,
    data: &Path,
    user: Option<ServerUser>,
    cwd: &Path,
) -> Result<(), EngineError> {
    let mut command = Command::new(bins.initdb());
    command
        .arg("--pgdata")
        .arg(data)
        .args(INITDB_ARGS)
        .current_dir(cwd)
        .env("LC_ALL", "C.UTF-8")
        .stdin(Stdio::null());
    if let Some(user) = user {
        super::server::run_as(&mut command, user, false);
    }
    let output = command.output().map_err(EngineError::io(format!(
        "cannot run {}",
        bins.initdb().display()
    )))?;
    if !output.status.success() {
        return Err(EngineError::Initdb {
            status: output.status,
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
        });
    }
    Ok(())
}

fn append_settings(data: &Path, settings: &[(String, String)]) -> Result<(), EngineError> {
    use std::io::Write;
    let conf = data.join("postgresql.conf");
    let mut file = fs::OpenOptions::new()
        .append(true)
        .open(&conf)
        .map_err(EngineError::io(format!("cannot open {}", conf.display())))?;
    file.write_all(postgresql_conf_block(settings).as_bytes())
        .map_err(EngineError::io(format!("cannot write {}", conf.display())))
}

/// Removes the WAL segments initdb preallocated beyond the one holding the last checkpoint
/// (the lowest-numbered one left after initdb's final checkpoint): the server creates them
/// again when it needs them, and every run's copy is 4 MB smaller.
fn prune_wal(data: &Path) -> Result<(), EngineError> {
    let wal = data.join("pg_wal");
    let mut segments: Vec<String> = fs::read_dir(&wal)
        .map_err(EngineError::io(format!("cannot read {}", wal.display())))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.len() == 24 && name.chars().all(|c| c.is_ascii_hexdigit()))
        .collect();
    segments.sort();
    for extra in segments.iter().skip(1) {
        fs::remove_file(wal.join(extra))
            .map_err(EngineError::io(format!("cannot prune {extra}")))?;
    }
    Ok(())
}

//! Finding the PostgreSQL server binaries (`postgres`, `initdb`) and their version.
//!
//! Search order: the configured `pg-bin` directory, `PATH`, `pg_config --bindir`, then the
//! highest-versioned `/usr/lib/postgresql/*/bin`. This module only looks; it starts nothing
//! but `postgres --version`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::EngineError;

/// A directory holding `postgres` and `initdb`, and the version they report.
#[derive(Debug, Clone)]
pub(crate) struct PgBinaries {
    pub bin_dir: PathBuf,
    /// Short version, e.g. `15.18`.
    pub version: String,
    /// What `postgres --version` printed, e.g. `postgres (PostgreSQL) 15.18 (Debian ...)`.
    pub version_line: String,
}

impl PgBinaries {
    pub fn initdb(&self) -> PathBuf {
        self.bin_dir.join("initdb")
    }
}

/// Finds the server binaries, preferring `configured`; their version is cached under
/// `cache_dir` (see [`super::template::cache_root`]).
pub(crate) fn find(
    configured: Option<&Path>,
    cache_dir: Option<&Path>,
) -> Result<PgBinaries, EngineError> {
    if let Some(dir) = configured {
        if !has_server_binaries(dir) {
            return Err(EngineError::NoPostgres(format!(
                "no PostgreSQL server binaries (postgres, initdb) in the configured pg-bin \
                 directory {}\n{}",
                dir.display(),
                HOW_TO_GET_POSTGRES
            )));
        }
        return describe(dir, cache_dir);
    }
    let dir = from_path()
        .or_else(from_pg_config)
        .or_else(from_debian_layout)
        .ok_or_else(|| {
            EngineError::NoPostgres(format!(
                "no PostgreSQL server binaries (postgres, initdb) found on PATH, via pg_config \
                 or in /usr/lib/postgresql/*/bin\n{HOW_TO_GET_POSTGRES}"
            ))
        })?;
    describe(&dir, cache_dir)
}

const HOW_TO_GET_POSTGRES: &str = "Install PostgreSQL (for example `apt-get install postgresql`), \
set `[database] pg-bin` in book.toml to the directory of its binaries, or use an existing \
server with `--database-url`, the DATABASE_URL environment variable or `[database] url`.";

fn has_server_binaries(dir: &Path) -> bool {
    dir.join("postgres").is_file() && dir.join("initdb").is_file()
}

// PATH is the outside convention for finding programs, as a shell would.
#[allow(clippy::disallowed_methods)]
fn from_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find_map(|dir| {
        let postgres = dir.join("postgres");
        if !postgres.is_file() || !dir.join("initdb").is_file() {
            return None;
        }
        // /usr/local/bin/postgres is often a symlink into the real bin directory, where
        // the server also finds its share/ and lib/ files.
        let real = std::fs::canonicalize(&postgres).ok()?;
        let real_dir = real.parent()?.to_path_buf();
        Some(if has_server_binaries(&real_dir) {
            real_dir
        } else {
            dir
        })
    })
}

fn from_pg_config() -> Option<PathBuf> {
    let out = Command::new("pg_config").arg("--bindir").output().ok()?;
    if !out.status.success() {
        return None;
    }
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    has_server_binaries(&dir).then_some(dir)
}

fn from_debian_layout() -> Option<PathBuf> {
    let mut candidates: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let version: Vec<u32> = name
                .split('.')
                .map(|p| p.parse().ok())
                .collect::<Option<_>>()?;
            let dir = entry.path().join("bin");
            has_server_binaries(&dir).then_some((version, dir))
        })
        .collect();
    candidates.sort();
    candidates.pop().map(|(_, dir)| dir)
}

/// Reads the version, from a small cache keyed by the binary's identity when possible:
/// running `postgres --version` costs a noticeable part of a scratch cluster's start.
fn describe(dir: &Path, cache_dir: Option<&Path>) -> Result<PgBinaries, EngineError> {
    let postgres = dir.join("postgres");
    let cache_file = version_cache_file(&postgres, cache_dir);
    if let Some(line) = cache_file
        .as_ref()
        .and_then(|f| std::fs::read_to_string(f).ok())
    {
        if let Some(version) = parse_version(line.trim()) {
            return Ok(PgBinaries {
                bin_dir: dir.to_path_buf(),
                version,
                version_line: line.trim().to_string(),
            });
        }
    }
    let binaries = ask_version(dir, &postgres)?;
    if let Some(file) = cache_file {
        // Best effort: without the cache we just ask again next time.
        let _ = std::fs::create_dir_all(file.parent().unwrap_or(Path::new(".")));
        let staging = file.with_extension(format!("tmp{}", std::process::id()));
        if std::fs::write(&staging, &binaries.version_line).is_ok() {
            let _ = std::fs::rename(&staging, &file);
        }
    }
    Ok(binaries)
}

/// `versions/<digest of path, size, mtime, inode>` in the cache directory.
fn version_cache_file(postgres: &Path, cache_dir: Option<&Path>) -> Option<PathBuf> {
    use sha2::{Digest, Sha256};
    use std::os::unix::fs::MetadataExt;
    let real = std::fs::canonicalize(postgres).ok()?;
    let meta = std::fs::metadata(&real).ok()?;
    let identity = format!(
        "{}\0{}\0{}\0{}\0{}",
        real.display(),
        meta.len(),
        meta.mtime(),
        meta.mtime_nsec(),
        meta.ino()
    );
    let digest = hex::encode(Sha256::digest(identity.as_bytes()));
    Some(
        super::template::cache_root(cache_dir)
            .join("versions")
            .join(&digest[..24]),
    )
}

fn ask_version(dir: &Path, postgres: &Path) -> Result<PgBinaries, EngineError> {
    let out = Command::new(postgres)
        .arg("--version")
        .output()
        .map_err(EngineError::io(format!(
            "cannot run {}",
            postgres.display()
        )))?;
    let version_line = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let version = parse_version(&version_line).ok_or_else(|| EngineError::UnknownVersion {
        binary: postgres.to_path_buf(),
        printed: version_line.clone(),
    })?;
    Ok(PgBinaries {
        bin_dir: dir.to_path_buf(),
        version,
        version_line,
    })
}

/// `postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)` → `15.18`.
fn parse_version(line: &str) -> Option<String> {
    let rest = line.split("(PostgreSQL)").nth(1)?;
    let word = rest.split_whitespace().next()?;
    word.starts_with(|c: char| c.is_ascii_digit())
        .then(|| word.to_string())
}

#[cfg(test)]
mod tests {
    use super::parse_version;

    #[test]
    fn versions_are_read_from_postgres_version_output() {
        let cases = [
            (
                "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)",
                Some("15.18"),
            ),
            ("postgres (PostgreSQL) 17beta1", Some("17beta1")),
            ("postgres (PostgreSQL) 16.2", Some("16.2")),
            ("something else", None),
        ];
        for (line, expected) in cases {
            assert_eq!(parse_version(line).as_deref(), expected, "{line}");
        }
    }
}

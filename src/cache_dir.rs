//! Where pgbook keeps what outlives a book: the initdb templates (one per PostgreSQL
//! version and settings) and the server version cache. The binary resolves it from the
//! environment here and hands it to the engine as data; nothing else reads these variables.

use std::path::PathBuf;

/// `$PGBOOK_CACHE_DIR`, else `$XDG_CACHE_HOME/pgbook` (the XDG base directory convention),
/// else `~/.cache/pgbook`; empty values count as unset.
pub fn template_cache_dir() -> PathBuf {
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var("PGBOOK_CACHE_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = var("XDG_CACHE_HOME") {
        return PathBuf::from(dir).join("pgbook");
    }
    match var("HOME") {
        Some(home) => PathBuf::from(home).join(".cache").join("pgbook"),
        None => std::env::temp_dir().join("pgbook-cache"),
    }
}

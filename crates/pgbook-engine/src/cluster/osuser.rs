//! The OS user the server runs as, and file operations that hand files over to that user.
//!
//! PostgreSQL refuses to run as root, so when pgbook is root the cluster's files belong to,
//! and its processes run as, the `postgres` OS user. Otherwise everything runs as ourselves.
//! This module knows nothing of PostgreSQL beyond that.

use std::fs;
use std::io;
use std::os::unix::fs::{chown, DirBuilderExt, PermissionsExt};
use std::path::Path;

use crate::EngineError;

/// The account to switch to before running `initdb` or `postgres`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ServerUser {
    pub uid: u32,
    pub gid: u32,
}

/// `Some(postgres)` when we are root, `None` when we can run the server ourselves.
pub(crate) fn server_user() -> Result<Option<ServerUser>, EngineError> {
    if !nix::unistd::geteuid().is_root() {
        return Ok(None);
    }
    match nix::unistd::User::from_name("postgres") {
        Ok(Some(user)) => Ok(Some(ServerUser {
            uid: user.uid.as_raw(),
            gid: user.gid.as_raw(),
        })),
        Ok(None) => Err(EngineError::NoServerUser),
        Err(errno) => Err(EngineError::Io {
            what: "cannot look up the `postgres` OS user".into(),
            cause: errno.into(),
        }),
    }
}

/// Creates `dir` (not its parents) readable only by its owner, then gives it to `owner`.
pub(crate) fn create_private_dir(dir: &Path, owner: Option<ServerUser>) -> io::Result<()> {
    fs::DirBuilder::new().mode(0o700).create(dir)?;
    give_to(dir, owner)
}

/// Changes the owner of one path to `owner` (nothing when `None`).
pub(crate) fn give_to(path: &Path, owner: Option<ServerUser>) -> io::Result<()> {
    match owner {
        Some(user) => chown(path, Some(user.uid), Some(user.gid)),
        None => Ok(()),
    }
}

/// Copies the directory tree `from` to the new directory `to`, keeping permission bits and
/// giving every copied entry to `owner`. Used for cluster templates, so it handles regular
/// files, directories and symlinks only. Files are copied by a few threads at once: the
/// copy is most of a scratch cluster's start-up time.
pub(crate) fn copy_tree(from: &Path, to: &Path, owner: Option<ServerUser>) -> io::Result<()> {
    let mut files = Vec::new();
    copy_structure(from, to, owner, &mut files)?;
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 4);
    let chunk = files.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || -> io::Result<()> {
                    for (source, target) in part {
                        // A cancelled run removes this directory: stop filling it.
                        if super::cleanup::is_cancelled() {
                            return Err(io::Error::other("the run was cancelled"));
                        }
                        fs::copy(source, target)?;
                        give_to(target, owner)?;
                    }
                    Ok(())
                })
            })
            .collect();
        workers.into_iter().try_for_each(|w| {
            w.join()
                .unwrap_or_else(|_| Err(io::Error::other("copy thread panicked")))
        })
    })
}

/// Creates the directories and symlinks of the tree; collects the files to copy.
fn copy_structure(
    from: &Path,
    to: &Path,
    owner: Option<ServerUser>,
    files: &mut Vec<(std::path::PathBuf, std::path::PathBuf)>,
) -> io::Result<()> {
    let mode = fs::metadata(from)?.permissions().mode();
    fs::DirBuilder::new().mode(mode & 0o7777).create(to)?;
    give_to(to, owner)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let source = entry.path();
        let target = to.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_structure(&source, &target, owner, files)?;
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(&source)?, &target)?;
            if let Some(user) = owner {
                std::os::unix::fs::lchown(&target, Some(user.uid), Some(user.gid))?;
            }
        } else {
            files.push((source, target));
        }
    }
    Ok(())
}

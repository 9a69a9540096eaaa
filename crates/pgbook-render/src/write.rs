//! Writing the site atomically: every file goes into a fresh temporary directory beside the
//! destination, which is then swapped in by rename. A failure at any point leaves the previous
//! site byte for byte as it was. This is the only code that touches the output directory.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use crate::site::{FileContent, SiteFiles};
use crate::RenderError;

/// Writes `site` to `dest`, replacing what was there only once everything is written.
pub fn write_site(site: &SiteFiles, dest: &Path) -> Result<(), RenderError> {
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "book".into());
    // Never swap a site in for something that is not a site directory (a file of the
    // user's that happens to have the output's name would be moved aside and lost).
    if dest.symlink_metadata().is_ok_and(|m| !m.is_dir()) {
        let refused = std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "exists and is not a directory; pgbook replaces only a directory it wrote",
        );
        return Err(RenderError::io(dest, refused));
    }
    std::fs::create_dir_all(&parent).map_err(|e| RenderError::io(&parent, e))?;
    remove_stale_temporaries(&parent, &name);
    let unique = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let temp = parent.join(format!(".{name}.tmp-{}-{unique}", std::process::id()));
    let result = fill(site, &temp).and_then(|()| swap_in(&temp, dest));
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&temp);
    }
    result
}

fn fill(site: &SiteFiles, temp: &Path) -> Result<(), RenderError> {
    std::fs::create_dir(temp).map_err(|e| RenderError::io(temp, e))?;
    let mut dirs = BTreeSet::new();
    for (path, _) in &site.files {
        let rel = safe_relative(path)?;
        if let Some(dir) = rel.parent() {
            if !dir.as_os_str().is_empty() {
                dirs.insert(dir.to_path_buf());
            }
        }
    }
    for dir in &dirs {
        let full = temp.join(dir);
        std::fs::create_dir_all(&full).map_err(|e| RenderError::io(&full, e))?;
    }
    site.files.par_iter().try_for_each(|(path, content)| {
        let target = temp.join(path);
        match content {
            FileContent::Bytes(bytes) => std::fs::write(&target, bytes),
            FileContent::Transcript(outcome, i) => {
                let snippet = outcome.snippets.get(*i).and_then(Option::as_ref);
                std::fs::write(&target, snippet.map_or("", |o| o.transcript.as_str()))
            }
            FileContent::Copy(from) => std::fs::copy(from, &target).map(|_| ()),
        }
        .map_err(|e| match content {
            FileContent::Copy(from) => RenderError::io(from, e),
            FileContent::Bytes(_) | FileContent::Transcript(..) => RenderError::io(&target, e),
        })
    })
}

/// A site path must stay inside the site.
fn safe_relative(path: &str) -> Result<&Path, RenderError> {
    let rel = Path::new(path);
    if rel.components().all(|c| matches!(c, Component::Normal(_))) {
        Ok(rel)
    } else {
        Err(RenderError::OutsideSite {
            path: path.to_string(),
        })
    }
}

/// Puts `temp` at `dest`: an atomic exchange where the kernel supports it, else two renames.
fn swap_in(temp: &Path, dest: &Path) -> Result<(), RenderError> {
    if !dest.exists() {
        return std::fs::rename(temp, dest).map_err(|e| RenderError::io(dest, e));
    }
    if exchange(temp, dest).is_ok() {
        // `temp` now holds the previous site.
        let _ = std::fs::remove_dir_all(temp);
        return Ok(());
    }
    let old = temp.with_extension("old");
    std::fs::rename(dest, &old).map_err(|e| RenderError::io(dest, e))?;
    if let Err(e) = std::fs::rename(temp, dest) {
        let _ = std::fs::rename(&old, dest);
        return Err(RenderError::io(dest, e));
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use nix::fcntl::{renameat2, RenameFlags};
    renameat2(None, a, None, b, RenameFlags::RENAME_EXCHANGE).map_err(std::io::Error::from)
}

/// Removes temporaries left by builds that were killed (their process no longer exists).
fn remove_stale_temporaries(parent: &Path, name: &str) {
    let prefix = format!(".{name}.tmp-");
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file_name.strip_prefix(&prefix) else {
            continue;
        };
        let pid = rest.split(['-', '.']).next().unwrap_or("");
        if !pid.is_empty() && !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(files: &[(&str, &str)]) -> SiteFiles {
        SiteFiles {
            files: files
                .iter()
                .map(|(p, c)| (p.to_string(), FileContent::Bytes(c.as_bytes().to_vec())))
                .collect(),
        }
    }

    #[test]
    fn swaps_in_and_keeps_old_site_on_failure() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("book");
        write_site(&site(&[("index.html", "one"), ("a/b.html", "b")]), &dest).unwrap();
        assert_eq!(std::fs::read_to_string(dest.join("a/b.html")).unwrap(), "b");
        write_site(&site(&[("index.html", "two")]), &dest).unwrap();
        assert_eq!(
            std::fs::read_to_string(dest.join("index.html")).unwrap(),
            "two"
        );
        assert!(!dest.join("a").exists());
        let bad = SiteFiles {
            files: vec![
                ("index.html".into(), FileContent::Bytes(b"three".to_vec())),
                (
                    "x.png".into(),
                    FileContent::Copy(dir.path().join("missing.png")),
                ),
            ],
        };
        let err = write_site(&bad, &dest).unwrap_err();
        assert!(err.to_string().contains("missing.png"), "{err}");
        assert_eq!(
            std::fs::read_to_string(dest.join("index.html")).unwrap(),
            "two"
        );
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary directory left behind");
        assert!(write_site(&site(&[("../escape.html", "x")]), &dest).is_err());
    }
}

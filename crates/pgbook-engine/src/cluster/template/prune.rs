//! Keeps the template cache from growing forever: every template carries a use stamp
//! (`clusters/<key>.used`: the binaries' directory as text, the last use as its mtime), and
//! templates whose binaries are gone (an upgraded or removed PostgreSQL) or that went unused
//! for [`MAX_UNUSED`] (a book's old settings) are removed.
//!
//! It only ever removes whole template directories and their stamps, never the one in use,
//! and never anything that is not a complete template; failures are ignored (the cache is
//! an optimisation, and another run may be pruning at the same time). A template another
//! run is using has a fresh stamp (each use stamps before copying), so only a run that
//! starts using a 30-day-old template in the instant it is pruned can lose it.

use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

use super::is_complete;

/// How long a template may go unused before it is removed.
pub(crate) const MAX_UNUSED: Duration = Duration::from_secs(30 * 24 * 60 * 60);

const STAMP: &str = "used";

/// Records that the template `key` was just used with the binaries in `bin_dir`.
pub(crate) fn mark_used(clusters: &Path, key: &str, bin_dir: &Path) {
    let stamp = clusters.join(format!("{key}.{STAMP}"));
    // Written aside and renamed over the old stamp (which also moves its mtime to now), so a
    // concurrent prune never reads a half-written one.
    let staging = clusters.join(format!("{key}.{STAMP}-{}", std::process::id()));
    if fs::write(&staging, bin_dir.to_string_lossy().as_bytes()).is_ok()
        && fs::rename(&staging, &stamp).is_err()
    {
        let _ = fs::remove_file(&staging);
    }
}

/// Removes every template but `current` whose binaries are gone or whose last use is older
/// than `max_unused`. A template without a stamp (made before stamps existed) counts from
/// its directory's mtime.
pub(crate) fn prune(clusters: &Path, current: &str, max_unused: Duration) {
    let Ok(entries) = fs::read_dir(clusters) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let dir = entry.path();
        if name == current || name.ends_with(STAMP) || !is_complete(&dir) {
            continue;
        }
        let stamp = clusters.join(format!("{name}.{STAMP}"));
        // Only a stamp naming an absolute directory says where the binaries were.
        let bin_dir = fs::read_to_string(&stamp).ok();
        let binaries_gone = bin_dir
            .as_deref()
            .map(Path::new)
            .is_some_and(|bin| bin.is_absolute() && !bin.join("postgres").is_file());
        let last_use = fs::metadata(&stamp)
            .or_else(|_| fs::metadata(&dir))
            .and_then(|m| m.modified())
            .unwrap_or(now);
        let unused = now.duration_since(last_use).unwrap_or_default() > max_unused;
        if binaries_gone || unused {
            remove(clusters, &name);
        }
    }
}

/// Moves the template out of its name first, so no run can start copying a half-removed
/// directory, then deletes it.
fn remove(clusters: &Path, name: &str) {
    let doomed = clusters.join(format!("{name}.pruning-{}", std::process::id()));
    if fs::rename(clusters.join(name), &doomed).is_ok() {
        let _ = fs::remove_dir_all(&doomed);
        let _ = fs::remove_file(clusters.join(format!("{name}.{STAMP}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A directory that passes for a complete template.
    fn fake_template(clusters: &Path, key: &str) {
        let dir = clusters.join(key);
        fs::create_dir_all(dir.join("global")).unwrap();
        for file in ["PG_VERSION", "global/pg_control", "postgresql.conf"] {
            fs::write(dir.join(file), "").unwrap();
        }
    }

    fn age(path: &Path, by: Duration) {
        let file = fs::File::options().write(true).open(path).unwrap();
        file.set_modified(SystemTime::now() - by).unwrap();
    }

    #[test]
    fn prunes_templates_whose_binaries_are_gone_or_long_unused() {
        let tmp = tempfile::tempdir().unwrap();
        let clusters = tmp.path();
        let bins = tmp.path().join("bin");
        fs::create_dir(&bins).unwrap();
        fs::write(bins.join("postgres"), "").unwrap();
        let day = Duration::from_secs(24 * 60 * 60);
        for key in ["current", "recent", "old", "uninstalled", "current-old"] {
            fake_template(clusters, key);
        }
        mark_used(clusters, "current", &bins);
        mark_used(clusters, "recent", &bins);
        mark_used(clusters, "old", &bins);
        age(&clusters.join("old.used"), 40 * day);
        mark_used(clusters, "uninstalled", &tmp.path().join("gone"));
        // The template in use is kept however old its stamp.
        mark_used(clusters, "current-old", &bins);
        age(&clusters.join("current-old.used"), 40 * day);
        // A stamp being rewritten (empty for an instant) says nothing about the binaries.
        fake_template(clusters, "rewriting");
        fs::write(clusters.join("rewriting.used"), "").unwrap();
        // Not a template: left alone.
        fs::create_dir(clusters.join("pgbook-staging-1")).unwrap();

        prune(clusters, "current-old", 30 * day);
        let mut left: Vec<String> = fs::read_dir(clusters)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "bin",
                "current",
                "current-old",
                "current-old.used",
                "current.used",
                "pgbook-staging-1",
                "recent",
                "recent.used",
                "rewriting",
                "rewriting.used"
            ]
        );
    }
}

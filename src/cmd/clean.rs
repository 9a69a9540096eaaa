//! `pgbook clean [DIR] [--all]`: remove the built site and the results cache of a book, and
//! with `--all` pgbook's template cache too (its `clusters/` and `versions/`, and the directory
//! itself when nothing else is in it; initdb runs again on the next build).

use std::path::Path;

use anyhow::Context;
use pgbook_book::config::load_config;

use super::Status;
use crate::pipeline::CACHE_DIR;
use crate::CleanArgs;

pub fn run(args: CleanArgs) -> anyhow::Result<Status> {
    let mut doomed = Vec::new();
    // `--all` outside a book still clears the template cache.
    if !args.all || args.dir.join("book.toml").is_file() {
        let config = load_config(&args.dir)?.config;
        doomed.push(args.dir.join(&config.build.build_dir));
        doomed.push(args.dir.join(CACHE_DIR));
    }
    let cache = args.all.then(crate::cache_dir::template_cache_dir);
    if let Some(cache) = &cache {
        // Only what pgbook puts there: PGBOOK_CACHE_DIR may name a directory that also holds
        // other things (or, by mistake, something like $HOME).
        doomed.push(cache.join("clusters"));
        doomed.push(cache.join("versions"));
    }
    for dir in doomed {
        remove(&dir)?;
    }
    if let Some(cache) = cache {
        // Gone only if nothing else was in it.
        if std::fs::remove_dir(&cache).is_ok() {
            eprintln!("removed {}", cache.display());
        }
    }
    Ok(Status::Success)
}

fn remove(dir: &Path) -> anyhow::Result<()> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => eprintln!("removed {}", dir.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot remove {}", dir.display())),
    }
    Ok(())
}

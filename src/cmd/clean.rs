//! `pgbook clean [DIR] [--all]`: remove the built site and the results cache of a book, and
//! with `--all` pgbook's template cache too (initdb runs again on the next build).

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
    if args.all {
        doomed.push(crate::cache_dir::template_cache_dir());
    }
    for dir in doomed {
        remove(&dir)?;
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

//! `pgbook clean`: remove the built site and the results cache of a book.

use anyhow::Context;
use pgbook_book::config::load_config;

use super::Status;
use crate::pipeline::CACHE_DIR;
use crate::DirArgs;

pub fn run(args: DirArgs) -> anyhow::Result<Status> {
    let config = load_config(&args.dir)?.config;
    for dir in [
        args.dir.join(&config.build.build_dir),
        args.dir.join(CACHE_DIR),
    ] {
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => eprintln!("removed {}", dir.display()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot remove {}", dir.display())),
        }
    }
    Ok(Status::Success)
}

//! The template cache directory the binary resolves and hands to the engine:
//! `PGBOOK_CACHE_DIR`, else `$XDG_CACHE_HOME/pgbook`; `pgbook clean --all` removes it.

use std::path::Path;
use std::process::{Command, Output};

fn pgbook(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pgbook"));
    command
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("PGBOOK_CACHE_DIR")
        .env_remove("XDG_CACHE_HOME");
    for (name, value) in env {
        command.env(name, value);
    }
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn templates(cache: &Path) -> usize {
    std::fs::read_dir(cache.join("clusters"))
        .map(|d| {
            d.filter(|e| e.as_ref().unwrap().path().join("PG_VERSION").is_file())
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn templates_go_where_the_environment_says_and_clean_all_removes_them() {
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("book");
    let book_arg = book.to_str().unwrap();
    pgbook(&["init", book_arg], &[]);

    let xdg = tmp.path().join("xdg");
    pgbook(&["test", book_arg], &[("XDG_CACHE_HOME", &xdg)]);
    assert_eq!(templates(&xdg.join("pgbook")), 1);

    let cache = tmp.path().join("cache");
    let env = [
        ("PGBOOK_CACHE_DIR", cache.as_path()),
        ("XDG_CACHE_HOME", &xdg),
    ];
    pgbook(&["build", book_arg], &env);
    assert_eq!(templates(&cache), 1, "PGBOOK_CACHE_DIR wins over XDG");
    assert!(book.join(".pgbook-cache").is_dir());

    // Plain clean keeps the templates, --all removes them with the book's caches.
    pgbook(&["clean", book_arg], &env);
    assert!(!book.join("book").exists() && !book.join(".pgbook-cache").exists());
    assert_eq!(templates(&cache), 1);
    // Only pgbook's own entries go; a directory with other things in it stays with them.
    std::fs::write(xdg.join("pgbook/notes.txt"), "mine").unwrap();
    let out = pgbook(&["clean", "--all", book_arg], &env);
    assert!(!cache.exists(), "{}", String::from_utf8_lossy(&out.stderr));
    let xdg_only = [("XDG_CACHE_HOME", xdg.as_path())];
    pgbook(&["clean", "--all", book_arg], &xdg_only);
    assert_eq!(templates(&xdg.join("pgbook")), 0);
    assert!(xdg.join("pgbook/notes.txt").is_file());
    assert!(book.join("book.toml").is_file(), "the book itself stays");
}

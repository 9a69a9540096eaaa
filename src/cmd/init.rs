//! `pgbook init [DIR] [--ci github|gitlab]`: a new book that builds and tests green, its
//! `.gitignore`, and with `--ci` a workflow (`init/github.yml`, `init/gitlab.yml`) that
//! installs PostgreSQL from the distribution, caches pgbook's template directory, tests with
//! a JUnit report, publishes it and keeps the built site.
//!
//! Writes only files that do not exist yet and refuses to touch a directory that already holds
//! a book, so it can never overwrite an author's work.

use std::fs;
use std::path::Path;

use anyhow::{bail, Context};

use super::Status;
use crate::{CiService, InitArgs};

const GITHUB_WORKFLOW: &str = include_str!("init/github.yml");
const GITLAB_PIPELINE: &str = include_str!("init/gitlab.yml");

const BOOK_TOML: &str = r#"[book]
title = "My PostgreSQL Handbook"
authors = []
language = "en"
src = "content"

[build]
build-dir = "book"

[execute]
timeout = "30s"
"#;

const SUMMARY: &str =
    "# Summary\n\n[Introduction](introduction.md)\n\n- [First steps](first-steps.md)\n";

const INTRODUCTION: &str = r#"# Introduction

Every SQL snippet in this book runs against a scratch PostgreSQL when the book is built, and
its real output is shown under it. `pgbook test` fails when that output drifts from the
expected output written below a snippet.
"#;

const FIRST_STEPS: &str = r#"# First steps

A hidden snippet sets up data that readers need not see:

```sql,hidden
CREATE TABLE fruit (name text PRIMARY KEY, price numeric(6,2));
INSERT INTO fruit VALUES ('apple', 0.50), ('pear', 0.75);
```

A visible snippet and the output it must produce:

```sql
SELECT name, price FROM fruit ORDER BY price DESC;
```

```output
 name  | price
-------+-------
 pear  |  0.75
 apple |  0.50
(2 rows)

```

A snippet can require an error, by SQLSTATE:

```sql,error=23505
INSERT INTO fruit VALUES ('apple', 1.00);
```

```output
ERROR:  duplicate key value violates unique constraint "fruit_pkey"
DETAIL:  Key (name)=(apple) already exists.
```
"#;

pub fn run(args: InitArgs) -> anyhow::Result<Status> {
    let root = &args.dir;
    if root.join("book.toml").exists() {
        bail!(
            "{} already holds a book (book.toml exists); nothing was written",
            root.display()
        );
    }
    let mut files: Vec<(&str, &str)> = vec![
        ("book.toml", BOOK_TOML),
        ("content/SUMMARY.md", SUMMARY),
        ("content/introduction.md", INTRODUCTION),
        ("content/first-steps.md", FIRST_STEPS),
    ];
    match args.ci {
        None | Some(CiService::Github) => files.push((
            ".gitignore",
            "/book\n/.pgbook-cache\n/site\n/pgbook-junit.xml\n",
        )),
        // GitLab caches only paths inside the project: the templates live there.
        Some(CiService::Gitlab) => files.push((
            ".gitignore",
            "/book\n/.pgbook-cache\n/.pgbook-templates\n/public\n/pgbook-junit.xml\n",
        )),
    }
    match args.ci {
        Some(CiService::Github) => files.push((".github/workflows/pgbook.yml", GITHUB_WORKFLOW)),
        Some(CiService::Gitlab) => files.push((".gitlab-ci.yml", GITLAB_PIPELINE)),
        None => {}
    }
    for (path, _) in &files {
        if root.join(path).exists() {
            bail!(
                "{} already exists; nothing was written",
                root.join(path).display()
            );
        }
    }
    for (path, text) in &files {
        write_new(&root.join(path), text)?;
    }
    println!("Created a new book in {}", root.display());
    if let Some((workflow, _)) = files.get(5) {
        println!("  {workflow} tests it and builds the site in CI");
    }
    println!(
        "  pgbook test {0}    # run and verify its SQL",
        root.display()
    );
    println!(
        "  pgbook serve {0}   # live preview at http://127.0.0.1:3000",
        root.display()
    );
    Ok(Status::Success)
}

fn write_new(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

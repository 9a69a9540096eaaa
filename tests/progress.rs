//! Progress of `pgbook test` and `pgbook build` is drawn on a terminal (the binary run under util-linux
//! `script`, which gives it a pty) and never into a pipe, under `CI=true` or with `--quiet`;
//! `--verbose` prints each chapter's time wherever stderr goes.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use support::{stderr, stdout};

fn book(root: &Path) {
    book_sleeping(root, 4, 300);
}

/// `chapters` chapters, each sleeping `ms` in one snippet.
fn book_sleeping(root: &Path, chapters: u32, ms: u32) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/genbook.py");
    let status = Command::new("python3")
        .arg(script)
        .arg(root)
        .args(["--chapters", &chapters.to_string()])
        .args(["--sleep-ms", &ms.to_string()])
        .status()
        .expect("python3 runs");
    assert!(status.success());
}

/// `pgbook test ROOT EXTRA` under `script`, whose stdout carries everything the pty saw.
fn under_pty(root: &Path, extra: &str, ci: Option<&str>) -> Output {
    under_pty_run("test", root, extra, ci)
}

fn under_pty_run(subcommand: &str, root: &Path, extra: &str, ci: Option<&str>) -> Output {
    let command = format!(
        "{} {subcommand} {} {extra}",
        env!("CARGO_BIN_EXE_pgbook"),
        root.display()
    );
    let mut script = Command::new("script");
    script
        .args(["-qec", &command, "/dev/null"])
        .env_remove("DATABASE_URL")
        .env_remove("CI");
    if let Some(ci) = ci {
        script.env("CI", ci);
    }
    script.output().expect("script (util-linux) runs")
}

fn in_pipe(root: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgbook"))
        .arg("test")
        .arg(root)
        .args(extra)
        .env_remove("DATABASE_URL")
        .env_remove("CI")
        .output()
        .unwrap()
}

#[test]
fn progress_on_a_terminal_only() {
    let dir = tempfile::tempdir().unwrap();
    book(dir.path());

    let tty = under_pty(dir.path(), "", None);
    assert_eq!(tty.status.code(), Some(0), "{}", stdout(&tty));
    let seen = stdout(&tty);
    assert!(
        seen.contains("/4 chapters"),
        "no progress on a pty: {seen:?}"
    );
    assert!(seen.contains("snippets"), "{seen:?}");
    assert!(seen.contains("passed, 0 failed"), "{seen:?}");

    for (what, out) in [
        ("CI=true", under_pty(dir.path(), "", Some("true"))),
        ("--quiet", under_pty(dir.path(), "--quiet", None)),
    ] {
        assert_eq!(out.status.code(), Some(0), "{what}");
        let seen = stdout(&out);
        assert!(
            !seen.contains("chapters"),
            "{what} showed progress: {seen:?}"
        );
        assert!(seen.contains("passed, 0 failed"), "{what}: {seen:?}");
    }

    // `build` executes (nothing is cached yet) with the same display.
    let build = under_pty_run("build", dir.path(), "", None);
    assert_eq!(build.status.code(), Some(0), "{}", stdout(&build));
    assert!(
        stdout(&build).contains("/4 chapters"),
        "{:?}",
        stdout(&build)
    );

    let piped = in_pipe(dir.path(), &[]);
    assert_eq!(piped.status.code(), Some(0));
    let (out, err) = (stdout(&piped), stderr(&piped));
    assert!(
        !out.contains("chapters") && !err.contains("chapters"),
        "{err}"
    );
    assert!(!out.contains('\x1b') && !err.contains('\x1b'), "{err:?}");
}

#[test]
fn verbose_prints_each_chapters_time() {
    let dir = tempfile::tempdir().unwrap();
    book(dir.path());
    let out = in_pipe(dir.path(), &["--verbose"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    for i in 1..=4 {
        let chapter = format!("content/part01/chapter-{i:03}.md");
        let line = err
            .lines()
            .find(|l| l.ends_with(&chapter))
            .unwrap_or_else(|| panic!("no time for {chapter}: {err}"));
        let seconds = line.split_whitespace().next().unwrap();
        let took: f64 = seconds.trim_end_matches('s').parse().expect(line);
        assert!(
            took >= 0.3,
            "{chapter} sleeps 0.3 s but took {took}: {line}"
        );
    }
    assert!(!err.contains('\x1b'));
}

#[test]
fn serve_shows_progress_for_its_first_build_only() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    book(dir.path());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let command = format!(
        "{} serve {} --port {port}",
        env!("CARGO_BIN_EXE_pgbook"),
        dir.path().display()
    );
    let mut child = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("DATABASE_URL")
        .env_remove("CI")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Everything the pty saw up to the "serving" line (the progress line redraws with `\r`).
    let mut seen = Vec::new();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    while !String::from_utf8_lossy(&seen).contains("serving http") {
        let mut chunk = Vec::new();
        if reader.read_until(b'\n', &mut chunk).unwrap() == 0 {
            break;
        }
        seen.extend(chunk);
    }
    // SIGTERM to script ends the session; serve stops on the hang-up.
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let _ = child.wait();
    let seen = String::from_utf8_lossy(&seen);
    assert!(seen.contains("/4 chapters"), "no progress: {seen:?}");
    // The summary starts on a cleared line, not after the progress bar.
    let built = seen
        .find("pgbook serve: built in")
        .expect("the build summary");
    assert!(seen[..built].ends_with("\x1b[2K"), "{seen:?}");
}

#[test]
fn a_long_run_ends_with_its_slowest_chapters_unless_quiet() {
    let dir = tempfile::tempdir().unwrap();
    // Whatever runs in parallel, the run takes longer than a chapter: over 5 s.
    book_sleeping(dir.path(), 2, 5500);
    let out = in_pipe(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    let listed = err
        .split_once("slowest chapters:\n")
        .unwrap_or_else(|| panic!("no slowest chapters: {err}"))
        .1;
    let chapters: Vec<&str> = listed.lines().collect();
    assert_eq!(chapters.len(), 2, "{err}");
    assert!(chapters
        .iter()
        .all(|l| l.contains("content/part01/chapter-")));
    // The human report on stdout still ends with its summary line.
    let report = stdout(&out);
    assert!(
        report.trim_end().ends_with(" passed, 0 failed, 0 ignored"),
        "{report}"
    );

    let quiet = in_pipe(dir.path(), &["--quiet"]);
    assert!(!stderr(&quiet).contains("slowest"), "{}", stderr(&quiet));
}

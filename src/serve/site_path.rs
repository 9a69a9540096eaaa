//! Maps a request target (`/a/b.html?x#y`) to a file inside the built site, or refuses it.
//!
//! This is the one place that decides whether a file may be served. It must never return a
//! path outside the site directory: the target is percent-decoded once, any `..` or `.`
//! segment, empty segment (`//`), NUL or backslash is refused, and the final file is
//! canonicalised (following symlinks) and must still lie under the canonical site root.
//! It knows nothing of HTTP methods, headers or responses.

use std::path::{Path, PathBuf};

/// What a request target resolves to.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A regular file under the site root (canonical path).
    File(PathBuf),
    /// A well-formed target with no file behind it.
    NotFound,
    /// A target that tries to leave the site or is malformed; never look at the disk for it.
    Refused,
}

/// Resolves `target` (the raw request target) against the site directory `site_root`.
pub fn resolve(site_root: &Path, target: &str) -> Resolved {
    let Some(segments) = safe_segments(target) else {
        return Resolved::Refused;
    };
    let Ok(root) = site_root.canonicalize() else {
        return Resolved::NotFound;
    };
    let mut candidate = root.clone();
    for segment in &segments {
        candidate.push(segment);
    }
    if target_path(target).ends_with('/') {
        candidate.push("index.html");
    }
    match candidate.canonicalize() {
        // A symlink may point anywhere: only its canonical destination counts.
        Ok(real) if !real.starts_with(&root) => Resolved::Refused,
        Ok(real) if real.is_file() => Resolved::File(real),
        _ => Resolved::NotFound,
    }
}

/// The path part of a request target: everything before `?` or `#`.
fn target_path(target: &str) -> &str {
    let end = target.find(['?', '#']).unwrap_or(target.len());
    &target[..end]
}

/// Splits the target's path into decoded segments, or `None` when it is unsafe or malformed.
/// A trailing `/` yields no empty segment (the caller appends `index.html`).
fn safe_segments(target: &str) -> Option<Vec<String>> {
    let path = target_path(target);
    let rest = path.strip_prefix('/')?;
    if rest.is_empty() {
        return Some(Vec::new());
    }
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let mut segments = Vec::new();
    // Split before decoding so that an encoded `%2f` stays inside its segment, where the
    // checks below refuse it.
    for raw in rest.split('/') {
        let segment = percent_decode(raw)?;
        let unsafe_segment = segment.is_empty()
            || segment == "."
            || segment == ".."
            || segment.contains(['/', '\\', '\0']);
        if unsafe_segment {
            return None;
        }
        segments.push(segment);
    }
    Some(segments)
}

/// Decodes `%XX` escapes; `None` on a malformed escape or bytes that are not UTF-8.
fn percent_decode(raw: &str) -> Option<String> {
    // `percent-encoding` passes a malformed escape (`%zz`, a trailing `%`) through as text;
    // a path with one is refused instead, as no link pgbook writes contains one.
    let malformed = raw.match_indices('%').any(|(i, _)| {
        !raw.as_bytes()
            .get(i + 1..i + 3)
            .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    });
    if malformed {
        return None;
    }
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("site/a")).unwrap();
        std::fs::write(dir.path().join("site/index.html"), "home").unwrap();
        std::fs::write(dir.path().join("site/a/b c.html"), "page").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "secret").unwrap();
        dir
    }

    #[test]
    fn decodes_and_finds_files() {
        let dir = site();
        let root = dir.path().join("site");
        let real = root.canonicalize().unwrap();
        let cases = [
            ("/", Resolved::File(real.join("index.html"))),
            (
                "/index.html?x=1#top",
                Resolved::File(real.join("index.html")),
            ),
            ("/a/b%20c.html", Resolved::File(real.join("a/b c.html"))),
            ("/a/", Resolved::NotFound),
            ("/a", Resolved::NotFound),
            ("/missing.html", Resolved::NotFound),
        ];
        for (target, expected) in cases {
            assert_eq!(resolve(&root, target), expected, "{target}");
        }
    }

    #[test]
    fn refuses_every_way_out() {
        let dir = site();
        let root = dir.path().join("site");
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("link.txt")).unwrap();
        let targets = [
            "/../secret.txt",
            "/a/../../secret.txt",
            "/%2e%2e/secret.txt",
            "/%2E%2E/secret.txt",
            "/..%2fsecret.txt",
            "/a/..%2f..%2fsecret.txt",
            "//etc/passwd",
            "/a//b%20c.html",
            "/./index.html",
            "/a%5c..%5c..%5csecret.txt",
            "/index.html%00.txt",
            "/%zz",
            "/%c0%ae%c0%ae/secret.txt",
            "relative.html",
            "/link.txt",
        ];
        for target in targets {
            assert_eq!(resolve(&root, target), Resolved::Refused, "{target}");
        }
    }
}

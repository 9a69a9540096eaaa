//! The data of the "How this book was verified" page, from what a build already has: the
//! engine's server report (cached with the results), the snippets' verdicts and attributes,
//! and the extensions the chapters' SQL creates.
//!
//! It runs no SQL and renders nothing: `pgbook-render` lays the data out.

use std::time::SystemTime;

use pgbook_book::Book;
use pgbook_engine::ServerReport;
use pgbook_render::nav::{page_path, plain_title, url_path};
use pgbook_render::verification::{ChapterCounts, Counts, ExtensionRow, SettingRow, Verification};
use pgbook_render::SnippetStatus;

/// The page's data for `book`, whose snippet verdicts are `statuses` (index-aligned).
pub fn verification(
    book: &Book,
    statuses: &[Vec<SnippetStatus>],
    server: Option<&ServerReport>,
) -> Verification {
    let mut v = Verification {
        server_version: server.map(|s| s.version.clone()),
        short_version: server.map(|s| s.short_version.clone()),
        scratch: server.is_none_or(|s| s.scratch),
        settings: server.map_or_else(Vec::new, |s| {
            s.settings
                .iter()
                .map(|s| SettingRow {
                    name: s.name.clone(),
                    value: s.value.clone(),
                    default: s.default.clone(),
                    set_by: s.set_by.clone(),
                    why: s.why.clone(),
                })
                .collect()
        }),
        // The date part of RFC 3339.
        build_date: humantime::format_rfc3339_seconds(SystemTime::now()).to_string()[..10]
            .to_string(),
        ..Verification::default()
    };
    for (i, chapter) in book.chapters.iter().enumerate() {
        let path = url_path(&page_path(&chapter.path));
        let title = plain_title(&chapter.title);
        let mut counts = Counts::default();
        for (j, snippet) in chapter.snippets.iter().enumerate() {
            match statuses.get(i).and_then(|s| s.get(j)) {
                Some(SnippetStatus::Passed) => {
                    counts.verified += 1;
                    counts.hidden += usize::from(snippet.attrs.hidden);
                }
                Some(SnippetStatus::Ignored) => counts.ignored += 1,
                Some(SnippetStatus::Failed(_)) | Some(SnippetStatus::NotRun) | None => {
                    counts.failed += 1
                }
            }
            if snippet.attrs.ignore {
                continue;
            }
            for name in created_extensions(&snippet.sql) {
                let at = match v.extensions.iter().position(|e| e.name == name) {
                    Some(at) => at,
                    None => {
                        v.extensions.push(ExtensionRow {
                            name,
                            chapters: Vec::new(),
                        });
                        v.extensions.len() - 1
                    }
                };
                let chapters = &mut v.extensions[at].chapters;
                if !chapters.iter().any(|(_, p)| *p == path) {
                    chapters.push((title.clone(), path.clone()));
                }
            }
        }
        v.totals.add(counts);
        v.chapters.push(ChapterCounts {
            title,
            path,
            counts,
        });
    }
    v.extensions.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

/// Names of the extensions `CREATE EXTENSION [IF NOT EXISTS] name` statements in `sql`
/// create, cut into statements as psql would (so text in strings and comments inside a
/// statement is never taken for one). Words are compared case-insensitively; a quoted name
/// keeps its case.
fn created_extensions(sql: &str) -> Vec<String> {
    let mut names = Vec::new();
    for statement in pgbook_psql::split_statements(sql).unwrap_or_default() {
        let code: String = statement
            .text
            .lines()
            .filter(|line| !line.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        let words: Vec<&str> = code
            .split(|c: char| c.is_whitespace() || c == ';')
            .filter(|w| !w.is_empty())
            .collect();
        let is = |i: usize, word: &str| words.get(i).is_some_and(|w| w.eq_ignore_ascii_case(word));
        if !(is(0, "create") && is(1, "extension")) {
            continue;
        }
        let at = if is(2, "if") && is(3, "not") && is(4, "exists") {
            5
        } else {
            2
        };
        let Some(word) = words.get(at) else { continue };
        let name = match word.strip_prefix('"').and_then(|w| w.strip_suffix('"')) {
            Some(quoted) => quoted.to_string(),
            None => word.to_lowercase(),
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::created_extensions;

    #[test]
    fn extensions_are_read_from_create_extension_statements() {
        assert_eq!(
            created_extensions(
                "-- set up\nCREATE EXTENSION pg_trgm;\ncreate extension if not exists \"uuid-ossp\";\n\
                 CREATE TABLE extension (x int); CREATE EXTENSION Hstore SCHEMA public;\n\
                 SELECT 'CREATE EXTENSION nope;';"
            ),
            vec!["pg_trgm", "uuid-ossp", "hstore"]
        );
        assert!(created_extensions("SELECT 'create extension' AS x").is_empty());
    }
}

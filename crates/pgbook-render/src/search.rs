//! The client-side search index: one elasticlunr document per heading section, written as
//! `searchindex.js` (a script, so it loads from `file://` too) holding the elasticlunr-rs
//! index and a compact list of documents (title, URL, short teaser).
//!
//! Kept lean for speed and size: no stemming (the browser matches word prefixes instead), a
//! short stop-word list, document texts not stored in the index.

use elasticlunr::pipeline::{FnWrapper, Pipeline};
use elasticlunr::{IndexBuilder, Language};
use pgbook_book::config::SearchConfig;
use serde::Serialize;

use crate::markdown::SearchSection;

/// English words too common to be worth indexing. None of them is an SQL keyword: `FOR
/// UPDATE`, `WITH RECURSIVE`, `ON CONFLICT`, `IS NULL`, `IN`, `AS`, `OR` must stay findable in a
/// book about SQL, so the usual English list (which has `for`, `with`, `on`, ...) is not used.
const STOP_WORDS: &[&str] = &[
    "an", "are", "be", "but", "it", "its", "so", "that", "the", "their", "there", "these", "this",
    "was", "we", "will", "you", "your",
];

const TEASER_CHARS: usize = 180;

/// Tokenizer and pipeline of pgbook's index: words of letters, digits and `_`, lower-cased.
struct Handbook;

impl Language for Handbook {
    fn name(&self) -> String {
        "Handbook".into()
    }

    fn code(&self) -> String {
        "en".into()
    }

    fn tokenize(&self, text: &str) -> Vec<String> {
        tokenize(text)
    }

    fn make_pipeline(&self) -> Pipeline {
        Pipeline {
            queue: vec![Box::new(FnWrapper("stopWordFilter".into(), drop_stop_word))],
        }
    }
}

fn drop_stop_word(token: String) -> Option<String> {
    (!STOP_WORDS.contains(&token.as_str())).then_some(token)
}

/// Splits text into lower-case words of letters, digits and `_` (the browser tokenizes
/// queries the same way). An SQL identifier is indexed whole and by its `_`-separated parts,
/// so `pg_stat_statements` is found by `statements` as well as by `pg_stat` (a prefix of the
/// whole word, which is how the browser matches).
pub fn tokenize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in text.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
        let word = word.trim_matches('_');
        if word.len() <= 1 || word.len() > 40 {
            continue;
        }
        let lower = word.to_lowercase();
        if lower.contains('_') {
            // The first part is a prefix of the whole word: prefix matching finds it already.
            out.extend(
                lower
                    .split('_')
                    .skip(1)
                    .filter(|part| part.len() > 1)
                    .map(str::to_string),
            );
        }
        out.push(lower);
    }
    out
}

/// A page's sections, with the page's root-relative path and title.
pub struct PageSections<'a> {
    pub page_path: &'a str,
    pub chapter_title: &'a str,
    pub sections: &'a [SearchSection],
}

#[derive(Serialize)]
struct Doc<'a> {
    /// Section title.
    t: &'a str,
    /// Chapter title (breadcrumb).
    c: &'a str,
    /// Root-relative URL.
    u: String,
    /// Teaser.
    b: String,
}

#[derive(Serialize)]
struct SearchData<'a> {
    docs: Vec<Doc<'a>>,
    index: &'a elasticlunr::Index,
    opts: SearchOptions,
}

/// What the browser needs of `[output.html.search]`.
#[derive(Serialize)]
struct SearchOptions {
    limit: u32,
    and: bool,
    title: u32,
    body: u32,
}

/// The contents of `searchindex.js`, with `config`'s options for the browser.
pub fn search_index_js(pages: &[PageSections], config: &SearchConfig) -> String {
    let mut index = IndexBuilder::with_language(Box::new(Handbook))
        .save_docs(false)
        .add_fields(["title", "body"])
        .build();
    let mut docs = Vec::new();
    for page in pages {
        for section in page.sections {
            let id = docs.len().to_string();
            index.add_doc(&id, [section.title.as_str(), section.text.as_str()]);
            let url = match &section.anchor {
                Some(anchor) => format!("{}#{anchor}", page.page_path),
                None => page.page_path.to_string(),
            };
            docs.push(Doc {
                t: &section.title,
                c: page.chapter_title,
                u: url,
                b: teaser(&section.text),
            });
        }
    }
    let data = SearchData {
        docs,
        index: &index,
        opts: SearchOptions {
            limit: config.limit_results,
            and: config.use_boolean_and,
            title: config.boost_title,
            body: config.boost_paragraph,
        },
    };
    let json = serde_json::to_string(&data).expect("search data serialises");
    // `</script>`-safe and valid JavaScript: JSON is a JS expression.
    format!(
        "window.pgbookSearchIndex = {};\n",
        json.replace("</", "<\\/")
    )
}

fn teaser(text: &str) -> String {
    let collapsed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match collapsed.char_indices().nth(TEASER_CHARS) {
        Some((i, _)) => format!("{}…", &collapsed[..i]),
        None => collapsed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_has_one_doc_per_section() {
        let sections = vec![
            SearchSection {
                title: "Intro".into(),
                anchor: None,
                text: "Vacuum reclaims storage.".into(),
            },
            SearchSection {
                title: "Locks".into(),
                anchor: Some("locks".into()),
                text: "Row-level locks </script> block writers.".into(),
            },
        ];
        let js = search_index_js(
            &[PageSections {
                page_path: "ch/a.html",
                chapter_title: "A",
                sections: &sections,
            }],
            &SearchConfig::default(),
        );
        let json = js
            .strip_prefix("window.pgbookSearchIndex = ")
            .unwrap()
            .trim_end()
            .trim_end_matches(';');
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(value["docs"].as_array().unwrap().len(), 2);
        assert_eq!(value["docs"][1]["u"], "ch/a.html#locks");
        assert_eq!(value["opts"]["limit"], 30);
        assert_eq!(value["opts"]["and"], true);
        assert!(!js.contains("</script>"));
        // "vacuum" is indexed unstemmed.
        assert!(
            value["index"]["index"]["body"]["root"]["v"]["a"]["c"]["u"]["u"]["m"]["docs"]
                .get("0")
                .is_some()
        );
        assert_eq!(
            tokenize("pg_stat_statements, E'x' _private__"),
            vec!["stat", "statements", "pg_stat_statements", "private"]
        );
    }
}

#[cfg(test)]
mod sql_tests {
    use super::*;

    fn indexed_words(text: &str) -> Vec<String> {
        tokenize(text)
            .into_iter()
            .filter_map(drop_stop_word)
            .collect()
    }

    #[test]
    fn sql_keywords_are_never_stop_words() {
        let words = indexed_words(
            "SELECT ... FOR UPDATE SKIP LOCKED; WITH RECURSIVE t AS (...) ON CONFLICT DO \
             NOTHING WHERE x IS NOT NULL AND y IN (1) OR z BY the",
        );
        for keyword in [
            "for",
            "update",
            "skip",
            "locked",
            "with",
            "recursive",
            "as",
            "on",
            "conflict",
            "do",
            "is",
            "not",
            "null",
            "and",
            "in",
            "or",
            "by",
        ] {
            assert!(words.iter().any(|w| w == keyword), "{keyword} in {words:?}");
        }
        assert!(!words.iter().any(|w| w == "the"));
    }
}

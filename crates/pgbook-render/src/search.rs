//! The client-side search index, split so that a search downloads only what it needs (the
//! approach of Pagefind): a small manifest, `searchindex.js`, then fragments under `search/`
//! loaded per query word — term fragments, each a range of the sorted words with their
//! postings, and document fragments, each a run of consecutive documents (section title,
//! chapter title, URL, teaser) fetched only for the results shown.
//!
//! Every file is a script that hands its data to `pgbookSearchFragment(name, data)` (defined
//! by the theme's `js/search.js`), so the index loads with `<script>` tags from `file://` as
//! well as over HTTP. Fragment names carry a digest of their contents, so a browser cache never
//! mixes fragments of two builds.
//!
//! One document per heading section. Kept lean: no stemming (the browser matches word
//! prefixes), a short stop-word list, postings as delta-coded document numbers with raw
//! counts (the browser scores with elasticlunr's tf = √count and idf). This module knows
//! nothing of templates or of the output directory.

use std::collections::HashMap;
use std::fmt::Write as _;

use fnv::FnvHashMap;
use pgbook_book::config::SearchConfig;
use rayon::prelude::*;
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

/// Bytes of postings after which a term fragment is closed. A word's matches are in one or
/// two fragments, so a first search loads the manifest, about this much per query word, and
/// the document fragments of the results shown.
pub const TERM_FRAGMENT_BYTES: usize = 24 * 1024;

/// Documents per document fragment: the results of a search are spread over the book, so
/// small runs keep what is loaded for one screen of results small.
pub const DOCS_PER_FRAGMENT: usize = 16;

/// The manifest's path in the site; the fragments are under `search/`.
pub const MANIFEST: &str = "searchindex.js";

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

fn is_stop_word(token: &str) -> bool {
    STOP_WORDS.contains(&token)
}

/// A page's sections, with the page's root-relative path and title.
pub struct PageSections<'a> {
    pub page_path: &'a str,
    pub chapter_title: &'a str,
    pub sections: &'a [SearchSection],
}

/// One search result as the browser shows it.
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

/// Where a word occurs: `(document number, occurrences)` in increasing document order, for
/// the title and for the body of sections.
#[derive(Default)]
struct Postings {
    title: Vec<(u32, u32)>,
    body: Vec<(u32, u32)>,
}

/// What the browser needs of `[output.html.search]`.
#[derive(Serialize)]
struct SearchOptions {
    limit: u32,
    and: bool,
    title: u32,
    body: u32,
}

/// The manifest: options, the number of documents (for idf), and where every fragment is.
#[derive(Serialize)]
struct Manifest {
    opts: SearchOptions,
    /// Number of documents.
    docs: usize,
    /// Documents per document fragment: document `n` is in `doc_files[n / chunk]`.
    chunk: usize,
    doc_files: Vec<String>,
    /// Term fragments in word order: `[first word, file, bytes]`; a fragment holds the words
    /// from its first word up to the next fragment's.
    terms: Vec<(String, String, usize)>,
}

/// A section's words with their number of occurrences, in its title and in its body.
type SectionWords = [Vec<(String, u32)>; 2];

/// The files of the search index: `(path in the site, contents)`, the manifest first.
pub fn search_files(pages: &[PageSections], config: &SearchConfig) -> Vec<(String, String)> {
    // Pages are tokenized in parallel; the postings are then gathered in document order.
    let tokenized: Vec<Vec<(Doc, SectionWords)>> = pages
        .par_iter()
        .map(|page| {
            page.sections
                .iter()
                .map(|section| {
                    let url = match &section.anchor {
                        Some(anchor) => format!("{}#{anchor}", page.page_path),
                        None => page.page_path.to_string(),
                    };
                    let doc = Doc {
                        t: &section.title,
                        c: page.chapter_title,
                        u: url,
                        b: teaser(&section.text),
                    };
                    (
                        doc,
                        [word_counts(&section.title), word_counts(&section.text)],
                    )
                })
                .collect()
        })
        .collect();
    let mut docs = Vec::new();
    let mut words: FnvHashMap<String, Postings> = HashMap::default();
    for (doc, fields) in tokenized.into_iter().flatten() {
        let number = u32::try_from(docs.len()).expect("fewer than 4 billion sections");
        let [title, body] = fields;
        for (word, count) in title {
            words.entry(word).or_default().title.push((number, count));
        }
        for (word, count) in body {
            words.entry(word).or_default().body.push((number, count));
        }
        docs.push(doc);
    }

    let mut files = Vec::new();
    let doc_files: Vec<String> = docs
        .chunks(DOCS_PER_FRAGMENT)
        .map(|chunk| {
            let json = serde_json::to_string(chunk).expect("documents serialise");
            push_fragment(&mut files, "d", &json)
        })
        .collect();
    let terms = term_fragments(words)
        .into_iter()
        .map(|(first, json)| {
            let bytes = json.len();
            (first, push_fragment(&mut files, "t", &json), bytes)
        })
        .collect();
    let manifest = Manifest {
        opts: SearchOptions {
            limit: config.limit_results,
            and: config.use_boolean_and,
            title: config.boost_title,
            body: config.boost_paragraph,
        },
        docs: docs.len(),
        chunk: DOCS_PER_FRAGMENT,
        doc_files,
        terms,
    };
    let json = serde_json::to_string(&manifest).expect("manifest serialises");
    files.insert(0, (MANIFEST.to_string(), script(MANIFEST, &json)));
    files
}

/// The indexed words of `text` (stop words left out) with their number of occurrences.
fn word_counts(text: &str) -> Vec<(String, u32)> {
    let mut counts: FnvHashMap<String, u32> = HashMap::default();
    for token in tokenize(text) {
        if !is_stop_word(&token) {
            *counts.entry(token).or_default() += 1;
        }
    }
    counts.into_iter().collect()
}

/// The words cut into fragments of about [`TERM_FRAGMENT_BYTES`], in the order the browser
/// compares strings (UTF-16 code units), each as (first word, JSON object of its words).
/// A word's entry is `[title postings, body postings]`, each a flat list of document-number
/// deltas and counts.
fn term_fragments(words: FnvHashMap<String, Postings>) -> Vec<(String, String)> {
    let mut words: Vec<(String, Postings)> = words.into_iter().collect();
    words.par_sort_by_cached_key(|(word, _)| word.encode_utf16().collect::<Vec<u16>>());
    let mut fragments = Vec::new();
    let mut current: Option<(String, String)> = None;
    for (word, postings) in words {
        let mut entry = serde_json::to_string(&word).expect("a word serialises");
        entry.push_str(":[");
        push_postings(&mut entry, &postings.title);
        entry.push(',');
        push_postings(&mut entry, &postings.body);
        entry.push(']');
        match &mut current {
            Some((_, json)) if json.len() + entry.len() <= TERM_FRAGMENT_BYTES => {
                json.push(',');
                json.push_str(&entry);
            }
            _ => {
                if let Some((first, json)) = current.take() {
                    fragments.push((first, json + "}"));
                }
                current = Some((word, format!("{{{entry}")));
            }
        }
    }
    if let Some((first, json)) = current {
        fragments.push((first, json + "}"));
    }
    fragments
}

/// `[delta, count, delta, count, ...]`: the first delta is the document number itself.
fn push_postings(out: &mut String, postings: &[(u32, u32)]) {
    out.push('[');
    let mut previous = 0;
    for (i, (doc, count)) in postings.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{},{count}", doc - previous);
        previous = *doc;
    }
    out.push(']');
}

/// Adds `search/<kind>-<digest>.js` holding `json`; returns its path.
fn push_fragment(files: &mut Vec<(String, String)>, kind: &str, json: &str) -> String {
    let path = format!("search/{kind}-{:016x}.js", crate::content_digest(json));
    files.push((path.clone(), script(&path, json)));
    path
}

/// A script handing `json` to the page's search under `name`. JSON is a JavaScript
/// expression; `</` is escaped so that the text is safe even inlined in a page.
fn script(name: &str, json: &str) -> String {
    format!(
        "pgbookSearchFragment({},{});\n",
        serde_json::to_string(name).expect("a name serialises"),
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
mod tests;

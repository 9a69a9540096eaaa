//! The split index: what the browser's `js/search.js` relies on.

use std::collections::BTreeMap;

use serde_json::Value;

use super::*;

fn section(title: &str, anchor: Option<&str>, text: &str) -> SearchSection {
    SearchSection {
        title: title.into(),
        anchor: anchor.map(str::to_string),
        text: text.into(),
    }
}

/// The data a fragment script hands to `pgbookSearchFragment`, checking the name it gives.
fn data(path: &str, script: &str) -> Value {
    let prefix = format!(
        "pgbookSearchFragment({},",
        serde_json::to_string(path).unwrap()
    );
    let json = script
        .strip_prefix(&prefix)
        .and_then(|s| s.strip_suffix(");\n"))
        .unwrap_or_else(|| panic!("{path} is not a fragment script: {script:.80}"));
    serde_json::from_str(json).unwrap()
}

fn files_by_path(files: &[(String, String)]) -> BTreeMap<&str, Value> {
    files
        .iter()
        .map(|(path, script)| (path.as_str(), data(path, script)))
        .collect()
}

/// The term fragments that search.js's `termFiles` loads for a query word: the one whose
/// range holds the word, then those that start with it. (A mirror of the script's rule, in
/// the browser's string order.)
fn fragments_for(manifest: &Value, word: &str) -> Vec<String> {
    let terms = manifest["terms"].as_array().unwrap();
    let utf16 = |s: &str| s.encode_utf16().collect::<Vec<_>>();
    let w = utf16(word);
    let mut first = 0;
    for (i, t) in terms.iter().enumerate() {
        if utf16(t[0].as_str().unwrap()) <= w {
            first = i;
        }
    }
    let mut out = vec![terms[first][1].as_str().unwrap().to_string()];
    for t in &terms[first + 1..] {
        if !t[0].as_str().unwrap().starts_with(word) {
            break;
        }
        out.push(t[1].as_str().unwrap().to_string());
    }
    out
}

#[test]
fn manifest_documents_and_postings() {
    let sections = vec![
        section("Intro", None, "Vacuum reclaims storage. Vacuum often."),
        section(
            "Locks",
            Some("locks"),
            "Row-level locks </script> block writers.",
        ),
    ];
    let files = search_files(
        &[PageSections {
            page_path: "ch/a.html",
            chapter_title: "A",
            sections: &sections,
        }],
        &SearchConfig::default(),
    );
    assert_eq!(files[0].0, MANIFEST);
    assert!(files
        .iter()
        .all(|(_, script)| !script.contains("</script>")));
    let by_path = files_by_path(&files);
    let manifest = &by_path[MANIFEST];
    assert_eq!(manifest["docs"], 2);
    assert_eq!(manifest["opts"]["limit"], 30);
    assert_eq!(manifest["opts"]["and"], true);
    let docs = &by_path[manifest["doc_files"][0].as_str().unwrap()];
    assert_eq!(docs[1]["u"], "ch/a.html#locks");
    assert_eq!(docs[1]["t"], "Locks");
    assert_eq!(docs[1]["c"], "A");

    // "vacuum": twice in the body of document 0, unstemmed; "locks" in both fields of 1.
    let terms = &by_path[fragments_for(manifest, "vacuum")[0].as_str()];
    assert_eq!(terms["vacuum"], serde_json::json!([[], [0, 2]]));
    assert_eq!(terms["locks"], serde_json::json!([[1, 1], [1, 1]]));
    // Stop words are not indexed.
    assert!(terms.get("the").is_none());
}

/// A book big enough for many fragments: every word lands in exactly one, in the range its
/// fragment covers, and a prefix's words are all in the fragments the browser loads for it.
#[test]
fn split_index_covers_every_word_once() {
    // 4,000 distinct words over 400 sections, non-ASCII ones included (`𝒳` is above the
    // BMP: UTF-8 and UTF-16 order it differently from `ｚ`).
    let word = |n: usize| match n % 5 {
        0 => format!("w{n:05}x"),
        1 => format!("alpha{n}"),
        2 => format!("été{n}"),
        3 => format!("𝒳{n}"),
        _ => format!("ｚ{n}"),
    };
    let sections: Vec<SearchSection> = (0..400)
        .map(|s| {
            let text: Vec<String> = (0..10).map(|k| word(s * 10 + k)).collect();
            section("Heading", Some(&format!("s{s}")), &text.join(" common "))
        })
        .collect();
    let pages = [PageSections {
        page_path: "big.html",
        chapter_title: "Big",
        sections: &sections,
    }];
    let files = search_files(&pages, &SearchConfig::default());
    let by_path = files_by_path(&files);
    let manifest = &by_path[MANIFEST];
    let terms = manifest["terms"].as_array().unwrap();
    assert!(terms.len() > 3, "{} term fragments", terms.len());

    let utf16 = |s: &str| s.encode_utf16().collect::<Vec<_>>();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, t) in terms.iter().enumerate() {
        let (first, path, bytes) = (t[0].as_str().unwrap(), t[1].as_str().unwrap(), &t[2]);
        let fragment = by_path[path].as_object().unwrap();
        let next = terms.get(i + 1).map(|n| utf16(n[0].as_str().unwrap()));
        assert!(fragment.contains_key(first), "{path} starts with {first}");
        let json = serde_json::to_string(&by_path[path]).unwrap();
        assert_eq!(bytes.as_u64().unwrap() as usize, json.len());
        assert!(
            json.len() <= TERM_FRAGMENT_BYTES || fragment.len() == 1,
            "{path}: {} bytes",
            json.len()
        );
        for word in fragment.keys() {
            assert!(utf16(word) >= utf16(first));
            if let Some(next) = &next {
                assert!(&utf16(word) < next, "{word} belongs to the next fragment");
            }
            *seen.entry(word.clone()).or_default() += 1;
        }
    }
    assert_eq!(seen.len(), 4002, "every word, `common` and `heading`");
    assert!(seen.values().all(|&n| n == 1));

    for prefix in [
        "w0", "w01", "alpha1", "été", "𝒳", "ｚ3", "common", "co", "zz",
    ] {
        let loaded: Vec<String> = fragments_for(manifest, prefix)
            .iter()
            .flat_map(|path| by_path[path.as_str()].as_object().unwrap().keys().cloned())
            .filter(|w| w.starts_with(prefix))
            .collect();
        let all: Vec<&String> = seen.keys().filter(|w| w.starts_with(prefix)).collect();
        assert_eq!(loaded.len(), all.len(), "{prefix}");
    }

    // `common` is in every section's body, twice or more: its postings decode to 0..400.
    let common = &by_path[fragments_for(manifest, "common")[0].as_str()]["common"][1];
    let mut doc = 0;
    let decoded: Vec<(u64, u64)> = common
        .as_array()
        .unwrap()
        .chunks(2)
        .map(|pair| {
            doc += pair[0].as_u64().unwrap();
            (doc, pair[1].as_u64().unwrap())
        })
        .collect();
    assert_eq!(decoded.len(), 400);
    assert!(decoded
        .iter()
        .enumerate()
        .all(|(i, (d, n))| *d == i as u64 && *n == 9));

    // Documents: runs of DOCS_PER_FRAGMENT in order.
    let doc_files = manifest["doc_files"].as_array().unwrap();
    assert_eq!(doc_files.len(), 400usize.div_ceil(DOCS_PER_FRAGMENT));
    let doc_317 =
        &by_path[doc_files[317 / DOCS_PER_FRAGMENT].as_str().unwrap()][317 % DOCS_PER_FRAGMENT];
    assert_eq!(doc_317["u"], "big.html#s317");
}

#[test]
fn identifiers_are_indexed_whole_and_by_parts() {
    assert_eq!(
        tokenize("pg_stat_statements, E'x' _private__"),
        vec!["stat", "statements", "pg_stat_statements", "private"]
    );
}

#[test]
fn sql_keywords_are_never_stop_words() {
    let words: Vec<String> = tokenize(
        "SELECT ... FOR UPDATE SKIP LOCKED; WITH RECURSIVE t AS (...) ON CONFLICT DO \
         NOTHING WHERE x IS NOT NULL AND y IN (1) OR z BY the",
    )
    .into_iter()
    .filter(|w| !is_stop_word(w))
    .collect();
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

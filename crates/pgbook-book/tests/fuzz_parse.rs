//! Property tests (proptest, bounded) of snippet extraction and attribute parsing on
//! generated Markdown: never a panic, every problem a located diagnostic inside the file,
//! every snippet's SQL found where its line map says, and attributes that parse are the
//! ones written.

use std::path::Path;

use pgbook_book::snippet::parse_attributes;
use pgbook_book::Chapter;
use proptest::prelude::*;

/// Lines that change the Markdown parser's state: fences of both kinds and lengths, info
/// strings with good and bad attributes, output blocks, containers, includes, NULs, CRs.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("```sql".to_string()),
        Just("```sql,hidden".to_string()),
        Just("```sql,error=42P01,session=bob".to_string()),
        Just("```sql,timeout=1s,no-output".to_string()),
        Just("```sql,sesion=x".to_string()),
        Just("~~~sql".to_string()),
        Just("````".to_string()),
        Just("```".to_string()),
        Just("~~~".to_string()),
        Just("```output".to_string()),
        Just("> ```sql".to_string()),
        Just("- ```sql".to_string()),
        Just("  ```".to_string()),
        Just("{{#include missing.sql}}".to_string()),
        Just("select 1;".to_string()),
        Just("select 'a\0b';".to_string()),
        Just("# Heading".to_string()),
        Just(String::new()),
        "[ -~]{0,20}",
    ]
}

fn document() -> impl Strategy<Value = String> {
    (prop::collection::vec(line(), 0..16), any::<bool>()).prop_map(|(lines, crlf)| {
        let eol = if crlf { "\r\n" } else { "\n" };
        lines.iter().map(|l| format!("{l}{eol}")).collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn chapters_parse_or_explain_where(text in document()) {
        let lines = text.lines().count().max(1);
        let dir = Path::new("/nonexistent-book");
        match Chapter::parse(dir, Path::new("content"), Path::new("x.md"), text.clone()) {
            Ok(chapter) => {
                for snippet in &chapter.snippets {
                    prop_assert!(snippet.line >= 1 && snippet.line <= lines);
                    prop_assert!(!snippet.sql.contains('\0'));
                    // Each SQL line is in the chapter at the line its map gives.
                    for (sql_line, pos) in snippet.sql.lines().zip(&snippet.line_map) {
                        let source = text.lines().nth(pos.line - 1).unwrap_or("");
                        prop_assert!(source.contains(sql_line.trim_end_matches('\r')),
                            "{:?} not on line {} of {:?}", sql_line, pos.line, text);
                    }
                }
            }
            Err(diagnostics) => {
                prop_assert!(!diagnostics.is_empty());
                for d in diagnostics {
                    prop_assert!(d.line >= 1 && d.line <= lines + 1, "{} in {:?}", d, text);
                    prop_assert!(d.to_string().starts_with("content/x.md:"), "{}", d);
                }
            }
        }
    }

    #[test]
    fn attributes_parse_or_are_refused_with_a_reason(info in "sql[, =a-z0-9PF-]{0,30}") {
        match parse_attributes(&info, Path::new("x.md"), 7) {
            Ok(attrs) => {
                prop_assert!(!(attrs.hidden && attrs.no_output));
                prop_assert!(!(attrs.ignore && attrs.error.is_some()));
                if attrs.hidden { prop_assert!(info.contains("hidden")); }
                if let Some(session) = &attrs.session {
                    let written = format!("session={}", session);
                    prop_assert!(info.contains(&written));
                }
            }
            Err(d) => prop_assert!(d.to_string().starts_with("x.md:7: "), "{}", d),
        }
    }
}

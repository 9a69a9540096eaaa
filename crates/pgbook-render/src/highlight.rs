//! Server-side highlighting of SQL with syntect and the PostgreSQL grammar this crate ships
//! (`syntaxes/postgresql.sublime-syntax`). Output uses CSS classes (`hl-keyword`, ...), so the
//! theme's stylesheet colours it for light and dark alike.
//!
//! The syntax set is built once per process. This module knows nothing of snippets or pages.

use std::sync::OnceLock;

use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::{SyntaxDefinition, SyntaxSet, SyntaxSetBuilder};
use syntect::util::LinesWithEndings;

use crate::escape::escape;

const GRAMMAR: &str = include_str!("../syntaxes/postgresql.sublime-syntax");

/// Class prefix of highlighted spans: `<span class="hl-keyword hl-other hl-pgsql">`.
const STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

fn syntax_set() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(|| {
        let mut builder = SyntaxSetBuilder::new();
        // The grammar is part of this crate, loaded as it is in the file; a broken one is a bug
        // caught by the tests below.
        let syntax = SyntaxDefinition::load_from_str(GRAMMAR, true, None)
            .expect("the shipped PostgreSQL grammar parses");
        builder.add(syntax);
        builder.build()
    })
}

/// Whether a code block's language is highlighted with the PostgreSQL grammar.
pub fn is_sql_language(lang: &str) -> bool {
    matches!(
        lang.to_ascii_lowercase().as_str(),
        "sql" | "pgsql" | "psql" | "plpgsql" | "postgresql" | "postgres"
    )
}

/// Highlights SQL into HTML spans (without the surrounding `<pre><code>`).
/// Falls back to plain escaped text if the highlighter fails on some input.
pub fn highlight_sql(code: &str) -> String {
    let set = syntax_set();
    let syntax = &set.syntaxes()[0];
    let mut generator = ClassedHTMLGenerator::new_with_class_style(syntax, set, STYLE);
    for line in LinesWithEndings::from(code) {
        if generator
            .parse_html_for_line_which_includes_newline(line)
            .is_err()
        {
            return escape(code);
        }
    }
    generator.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The class list of the span that contains `needle` in highlighted `code`.
    fn class_of(code: &str, needle: &str) -> String {
        let html = highlight_sql(code);
        let escaped = escape(needle);
        let at = html
            .find(&format!(">{escaped}<"))
            .unwrap_or_else(|| panic!("{needle:?} is not a span of its own in {html}"));
        let open = html[..at].rfind("<span class=\"").expect("inside a span");
        html[open + 13..at - 1].to_string()
    }

    #[test]
    fn dollar_quoted_body_does_not_swallow_the_rest() {
        let code =
            "CREATE FUNCTION f() RETURNS text AS $$ SELECT 'it''s' $$ LANGUAGE sql;\nSELECT 1;\n";
        assert!(class_of(code, "LANGUAGE").contains("hl-keyword"));
        assert!(class_of(code, "1").contains("hl-numeric"));
        assert!(class_of(code, "''").contains("hl-escape"));
    }

    #[test]
    fn tagged_dollar_strings_and_e_strings() {
        let code = "SELECT $x$ a $$ b $x$, E'\\'q', length('x');";
        let html = highlight_sql(code);
        assert!(html.contains("hl-dollar"), "{html}");
        assert!(class_of(code, "length").contains("hl-function"));
        assert!(class_of(code, "\\'").contains("hl-escape"), "{html}");
    }

    #[test]
    fn casts_and_json_operators() {
        let code = "SELECT doc->>'name', doc #> '{a}', '1'::int4, x::double precision FROM t;";
        assert!(class_of(code, "->>").contains("hl-json"));
        assert!(class_of(code, "#>").contains("hl-json"));
        assert!(class_of(code, "int4").contains("hl-storage"));
        assert!(class_of(code, "double precision").contains("hl-storage"));
        assert!(class_of(code, "FROM").contains("hl-keyword"));
    }

    #[test]
    fn keywords_match_in_any_case_without_case_folding() {
        // `(?i)` on the large keyword lists makes start-up several times slower; the grammar
        // spells them as ASCII case classes instead (see its header).
        let rules = GRAMMAR.lines().filter(|l| !l.trim_start().starts_with('#'));
        for rule in rules.filter(|l| l.contains("(?i)")) {
            assert!(rule.len() < 120, "case-folded keyword list: {rule}");
        }
        assert!(class_of("select 1 FROM t", "select").contains("hl-keyword"));
        assert!(class_of("select 1 FROM t", "FROM").contains("hl-keyword"));
        assert!(class_of("SELECT True, NULL", "True").contains("hl-constant"));
    }

    #[test]
    fn html_in_sql_is_escaped() {
        let html = highlight_sql("SELECT '<script>' AS \"a&b\";");
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;"));
    }
}

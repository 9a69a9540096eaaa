//! The tables of mdBook's `[output.html]` that pgbook implements — `print`, `search` and
//! `fold` — with mdBook's defaults (except `search.use-boolean-and`: every word must match
//! unless the book says otherwise). Data only; which keys are accepted is `config.rs`'s
//! business.

use serde::Deserialize;

/// `[output.html.fold]`: mdBook's collapsible sidebar.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct FoldConfig {
    pub enable: bool,
    /// Entries deeper than this start folded (0: only top-level entries show), except the
    /// ones leading to the page being read.
    pub level: u32,
}

/// `[output.html.print]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct PrintConfig {
    /// Whether `print.html` (and the button that opens it) exists.
    pub enable: bool,
}

impl Default for PrintConfig {
    fn default() -> Self {
        PrintConfig { enable: true }
    }
}

/// `[output.html.search]`: mdBook's keys that mean something to pgbook's search.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct SearchConfig {
    /// Whether the site has search (the index is not written otherwise).
    pub enable: bool,
    /// The most results shown.
    pub limit_results: u32,
    /// Every word of the query must match (else any word does).
    pub use_boolean_and: bool,
    /// Weight of a match in a section's title.
    pub boost_title: u32,
    /// Weight of a match in a section's text.
    pub boost_paragraph: u32,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            enable: true,
            limit_results: 30,
            use_boolean_and: true,
            boost_title: 3,
            boost_paragraph: 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::{parse_config, Diagnostics, LoadedConfig};

    fn parse(text: &str) -> Result<LoadedConfig, Diagnostics> {
        parse_config(text, Path::new("book.toml"))
    }

    #[test]
    fn mdbook_keys_pgbook_implements_are_read_and_the_rest_warned() {
        let loaded = parse(
            "[output.html]\nno-section-label = true\ngit-repository-icon = \"fa-gitlab\"\n\
             [output.html.print]\nenable = false\npage-break = true\n\
             [output.html.search]\nenable = false\nlimit-results = 5\nuse-boolean-and = false\n\
             boost-title = 4\nboost-paragraph = 2\nexpand = true\n\
             [output.html.redirect]\n\"/old.html\" = \"new.html\"\n\
             [output.html.fold]\nenable = true\nlevel = 1\n[output.html.playground]\nrunnable = false\n",
        )
        .unwrap();
        let html = &loaded.config.output.html;
        assert!(html.no_section_label);
        assert_eq!(html.git_repository_icon.as_deref(), Some("fa-gitlab"));
        assert!(!html.print.enable);
        assert!(!html.search.enable);
        assert_eq!(html.search.limit_results, 5);
        assert!(!html.search.use_boolean_and);
        assert_eq!(
            (html.search.boost_title, html.search.boost_paragraph),
            (4, 2)
        );
        assert_eq!(html.redirect["/old.html"], "new.html");
        assert!(html.fold.enable);
        assert_eq!(html.fold.level, 1);
        let warned: Vec<String> = loaded.warnings.iter().map(|w| w.to_string()).collect();
        assert_eq!(warned.len(), 3, "{warned:?}");
        for key in [
            "output.html.print.page-break",
            "output.html.search.expand",
            "output.html.playground",
        ] {
            assert!(
                warned.iter().any(|w| w.contains(&format!("'{key}'"))),
                "{warned:?}"
            );
        }
        let defaults = parse("").unwrap().config.output.html;
        assert!(defaults.print.enable && defaults.search.enable && defaults.search.use_boolean_and);
    }
}

//! `book.toml`: typed configuration with a default for every key.
//!
//! Unknown keys are errors naming the key and its line, except mdBook's own keys, which are
//! accepted (so an mdBook book builds unchanged) with a warning where pgbook ignores them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::diagnostic::{closest, line_col, Diagnostic, Diagnostics};

mod mdbook_html;
pub use mdbook_html::{FoldConfig, PrintConfig, SearchConfig};

/// The whole `book.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct Config {
    pub book: BookConfig,
    pub build: BuildConfig,
    pub database: DatabaseConfig,
    pub execute: ExecuteConfig,
    pub verify: VerifyConfig,
    pub output: OutputConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct BookConfig {
    pub title: Option<String>,
    pub authors: Vec<String>,
    pub description: Option<String>,
    pub language: String,
    pub src: PathBuf,
}

impl Default for BookConfig {
    fn default() -> Self {
        BookConfig {
            title: None,
            authors: Vec::new(),
            description: None,
            language: "en".into(),
            src: PathBuf::from("content"),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct BuildConfig {
    pub build_dir: PathBuf,
}

impl Default for BuildConfig {
    fn default() -> Self {
        BuildConfig {
            build_dir: PathBuf::from("book"),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct DatabaseConfig {
    /// Use this server instead of a scratch cluster.
    pub url: Option<String>,
    /// Directory of the PostgreSQL server binaries.
    pub pg_bin: Option<PathBuf>,
    /// Server settings of the scratch cluster (`name = value`).
    pub settings: BTreeMap<String, toml::Value>,
}

impl DatabaseConfig {
    /// Settings rendered as `postgresql.conf` values, sorted by name.
    pub fn settings_as_strings(&self) -> Vec<(String, String)> {
        self.settings
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    toml::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), v)
            })
            .collect()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct ExecuteConfig {
    /// Per-statement timeout, written like `"30s"`; parsed (and checked) when the file is read.
    #[serde(deserialize_with = "crate::duration::deserialize")]
    pub timeout: Duration,
    /// Chapters run in parallel; 0 = number of cores.
    pub jobs: usize,
    /// Run snippets as this ordinary role (created in each chapter's cluster, owner of the
    /// chapter's database) instead of the superuser.
    #[serde(deserialize_with = "deserialize_role")]
    pub role: Option<String>,
}

impl Default for ExecuteConfig {
    fn default() -> Self {
        ExecuteConfig {
            timeout: Duration::from_secs(30),
            jobs: 0,
            role: None,
        }
    }
}

/// `[execute] role`: any name PostgreSQL accepts for a role it lets a book create — not
/// empty, at most 63 bytes (longer names are silently truncated by the server), no NUL, and
/// not in the reserved `pg_` namespace.
fn deserialize_role<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let name = String::deserialize(d)?;
    let problem = if name.is_empty() {
        Some("the role name is empty")
    } else if name.len() > 63 {
        Some("a role name is at most 63 bytes")
    } else if name.contains('\0') {
        Some("a role name cannot contain a NUL byte")
    } else if name.to_ascii_lowercase().starts_with("pg_") {
        Some("role names starting with 'pg_' are reserved by PostgreSQL")
    } else {
        None
    };
    match problem {
        Some(p) => Err(serde::de::Error::custom(format!("'{name}': {p}"))),
        None => Ok(Some(name)),
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct VerifyConfig {
    /// Extra regexes masked on both sides before comparison.
    pub mask: Vec<String>,
    /// A snippet without an `output` block fails.
    pub require_expected: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct OutputConfig {
    pub html: HtmlConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct HtmlConfig {
    /// Used only for sitemap and canonical links; pages link relatively.
    pub site_url: String,
    /// Directory of overrides of the built-in theme.
    pub theme: PathBuf,
    /// `light` or `dark`: the theme shown before the reader chooses.
    pub default_theme: Option<String>,
    pub preferred_dark_theme: Option<String>,
    pub additional_css: Vec<PathBuf>,
    pub additional_js: Vec<PathBuf>,
    pub git_repository_url: Option<String>,
    pub edit_url_template: Option<String>,
    /// mdBook's: the sidebar shows no chapter numbers.
    pub no_section_label: bool,
    /// mdBook's Font Awesome name of the repository link's icon (`fa-github`, `fa-gitlab`,
    /// ...); pgbook draws GitHub's and GitLab's marks, and a generic one for anything else.
    pub git_repository_icon: Option<String>,
    pub print: PrintConfig,
    pub search: SearchConfig,
    pub fold: FoldConfig,
    /// mdBook's: the chapter file (in the source directory) shown as the 404 page, if it
    /// exists; `404.md` unless set.
    pub input_404: Option<String>,
    /// mdBook's: the domain written to a `CNAME` file at the site's root (GitHub Pages).
    pub cname: Option<String>,
    /// mdBook's redirects: an old path in the site → where it moved (a URL or site path).
    pub redirect: BTreeMap<String, String>,
}

impl Default for HtmlConfig {
    fn default() -> Self {
        HtmlConfig {
            site_url: "/".into(),
            theme: PathBuf::from("theme"),
            default_theme: None,
            preferred_dark_theme: None,
            additional_css: Vec::new(),
            additional_js: Vec::new(),
            git_repository_url: None,
            edit_url_template: None,
            no_section_label: false,
            git_repository_icon: None,
            print: PrintConfig::default(),
            search: SearchConfig::default(),
            fold: FoldConfig::default(),
            input_404: None,
            cname: None,
            redirect: BTreeMap::new(),
        }
    }
}

/// A loaded configuration and the warnings about keys pgbook ignores.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub config: Config,
    pub warnings: Vec<Diagnostic>,
}

/// How a key of `book.toml` is treated.
#[derive(Clone, Copy, PartialEq)]
enum KeyKind {
    Known,
    /// A table whose keys are free-form (`[database.settings]`).
    FreeTable,
    /// mdBook's key: accepted, ignored with a warning.
    MdbookIgnored,
}

fn key_kind(path: &[&str]) -> Option<KeyKind> {
    use KeyKind::*;
    let kind = match path {
        ["book"] | ["build"] | ["database"] | ["execute"] | ["verify"] | ["output"] => Known,
        ["output", "html"] => Known,
        ["book", "title" | "authors" | "description" | "language" | "src"] => Known,
        ["book", "multilingual" | "text-direction"] => MdbookIgnored,
        ["build", "build-dir"] => Known,
        ["build", "create-missing" | "use-default-preprocessors" | "extra-watch-dirs"] => {
            MdbookIgnored
        }
        ["database", "url" | "pg-bin"] => Known,
        ["database", "settings"] => FreeTable,
        ["execute", "timeout" | "jobs" | "role"] => Known,
        ["verify", "mask" | "require-expected"] => Known,
        ["output", "html", "site-url"
        | "theme"
        | "default-theme"
        | "preferred-dark-theme"
        | "additional-css"
        | "additional-js"
        | "git-repository-url"
        | "edit-url-template"
        | "no-section-label"
        | "git-repository-icon"
        | "print"
        | "search"
        | "fold"
        | "input-404"
        | "cname"] => Known,
        ["output", "html", "fold", "enable" | "level"] => Known,
        ["output", "html", "redirect"] => FreeTable,
        ["output", "html", "print", "enable"] => Known,
        ["output", "html", "search", "enable" | "limit-results" | "use-boolean-and" | "boost-title" | "boost-paragraph"] => {
            Known
        }
        ["output", "html", _] | ["output", "html", "print" | "search" | "fold", _] => MdbookIgnored,
        ["output", _] => MdbookIgnored,
        ["rust"] | ["preprocessor"] => MdbookIgnored,
        ["rust" | "preprocessor", ..] => MdbookIgnored,
        _ => return None,
    };
    Some(kind)
}

/// Reads `book.toml` from `root`; a missing file gives the defaults.
pub fn load_config(root: &Path) -> Result<LoadedConfig, Diagnostics> {
    let path = root.join("book.toml");
    match std::fs::read_to_string(&path) {
        Ok(text) => parse_config(&text, Path::new("book.toml")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(LoadedConfig {
            config: Config::default(),
            warnings: Vec::new(),
        }),
        Err(e) => Err(Diagnostic::new("book.toml", 0, 0, format!("cannot read: {e}")).into()),
    }
}

/// Parses the text of a `book.toml`; `file` is the name used in diagnostics.
pub fn parse_config(text: &str, file: &Path) -> Result<LoadedConfig, Diagnostics> {
    let doc = text.parse::<toml_edit::ImDocument<String>>().map_err(|e| {
        let (line, col) = e.span().map_or((0, 0), |s| line_col(text, s.start));
        let msg = e.message().to_string();
        Diagnostics::from(Diagnostic::new(file, line, col, msg))
    })?;
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    check_table(
        doc.as_table(),
        &mut Vec::new(),
        text,
        file,
        &mut errors,
        &mut warnings,
    );
    if !errors.is_empty() {
        return Err(Diagnostics(errors));
    }
    let config: Config = toml::from_str(text).map_err(|e| {
        let (line, col) = e.span().map_or((0, 0), |s| line_col(text, s.start));
        Diagnostics::from(Diagnostic::new(file, line, col, e.message().to_string()))
    })?;
    Ok(LoadedConfig { config, warnings })
}

/// Every name a known key has, at any depth; [`key_kind`] says where each is valid.
const KEY_NAMES: &[&str] = &[
    "book",
    "build",
    "database",
    "execute",
    "verify",
    "output",
    "html",
    "title",
    "authors",
    "description",
    "language",
    "src",
    "build-dir",
    "url",
    "pg-bin",
    "settings",
    "timeout",
    "jobs",
    "role",
    "mask",
    "require-expected",
    "site-url",
    "theme",
    "default-theme",
    "preferred-dark-theme",
    "additional-css",
    "additional-js",
    "git-repository-url",
    "edit-url-template",
    "no-section-label",
    "git-repository-icon",
    "print",
    "search",
    "redirect",
    "enable",
    "limit-results",
    "use-boolean-and",
    "boost-title",
    "boost-paragraph",
    "fold",
    "level",
    "input-404",
    "cname",
];

/// ` (did you mean 'x'?)` for an unknown key near a pgbook key of the same table.
fn suggestion(path: &[&str]) -> String {
    let Some((name, parent)) = path.split_last() else {
        return String::new();
    };
    let siblings: Vec<&str> = KEY_NAMES
        .iter()
        .copied()
        .filter(|n| {
            let mut candidate = parent.to_vec();
            candidate.push(n);
            matches!(
                key_kind(&candidate),
                Some(KeyKind::Known | KeyKind::FreeTable)
            )
        })
        .collect();
    closest(name, &siblings)
        .map(|s| format!(" (did you mean '{s}'?)"))
        .unwrap_or_default()
}

fn check_table<'a>(
    table: &'a toml_edit::Table,
    path: &mut Vec<&'a str>,
    text: &str,
    file: &Path,
    errors: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) {
    for (name, item) in table.iter() {
        path.push(name);
        let (line, col) = table
            .get_key_value(name)
            .and_then(|(k, _)| k.span())
            .map_or((0, 0), |s| line_col(text, s.start));
        match key_kind(path) {
            None => errors.push(Diagnostic::new(
                file,
                line,
                col,
                format!("unknown key '{}'{}", path.join("."), suggestion(path)),
            )),
            Some(KeyKind::MdbookIgnored) => {
                // Warn once per top-level mdBook table or key, not for each nested key.
                if !path
                    .iter()
                    .take(path.len() - 1)
                    .enumerate()
                    .any(|(i, _)| key_kind(&path[..=i]) == Some(KeyKind::MdbookIgnored))
                {
                    warnings.push(Diagnostic::new(
                        file,
                        line,
                        col,
                        format!(
                            "'{}' is an mdBook setting that pgbook ignores{}",
                            path.join("."),
                            suggestion(path)
                        ),
                    ));
                }
            }
            Some(KeyKind::FreeTable) => {}
            Some(KeyKind::Known) => {
                if let Some(sub) = item.as_table() {
                    check_table(sub, path, text, file, errors, warnings);
                }
            }
        }
        path.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<LoadedConfig, Diagnostics> {
        parse_config(text, Path::new("book.toml"))
    }

    #[test]
    fn defaults_for_every_key() {
        let c = parse("").unwrap().config;
        assert_eq!(c.book.src, PathBuf::from("content"));
        assert_eq!(c.build.build_dir, PathBuf::from("book"));
        assert_eq!(c.execute.timeout, Duration::from_secs(30));
        assert_eq!(c.output.html.site_url, "/");
    }

    #[test]
    fn unknown_key_names_key_and_line() {
        let err = parse("[book]\ntitle = \"x\"\n\n[execute]\ntimout = \"5s\"\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "book.toml:5:1: unknown key 'execute.timout' (did you mean 'timeout'?)"
        );
        let cases = [
            ("[book]\ntitel = \"x\"\n", " (did you mean 'title'?)"),
            ("[databse]\n", " (did you mean 'database'?)"),
            ("[verify]\nstrict = true\n", ""),
            // A key of another table is not offered.
            ("[book]\njobs = 2\n", ""),
        ];
        for (text, hint) in cases {
            let err = parse(text).unwrap_err().to_string();
            assert!(err.ends_with(&format!("'{hint}")), "{text}: {err}");
        }
        // Under [output.html] an unknown key is taken for mdBook's, but a typo is still named.
        let loaded = parse("[output.html]\nsite_url = \"/\"\n").unwrap();
        assert_eq!(
            loaded.warnings[0].to_string(),
            "book.toml:2:1: 'output.html.site_url' is an mdBook setting that pgbook ignores \
             (did you mean 'site-url'?)"
        );
    }

    #[test]
    fn mdbook_keys_warn() {
        let loaded = parse("[book]\nsrc = \"src\"\nmultilingual = false\n[output.html]\nmathjax-support = true\n[preprocessor.links]\n").unwrap();
        assert_eq!(loaded.config.book.src, PathBuf::from("src"));
        assert_eq!(loaded.warnings.len(), 3, "{:?}", loaded.warnings);
    }

    #[test]
    fn settings_are_free_form() {
        let c = parse("[database.settings]\nshared_preload_libraries = \"pg_stat_statements\"\nwork_mem = 4096\n").unwrap().config;
        assert_eq!(
            c.database.settings_as_strings(),
            vec![
                (
                    "shared_preload_libraries".into(),
                    "pg_stat_statements".into()
                ),
                ("work_mem".into(), "4096".into())
            ]
        );
    }

    #[test]
    fn malformed_toml_has_line() {
        let err = parse("[book]\ntitle = \n").unwrap_err();
        assert!(err.to_string().starts_with("book.toml:2:"), "{err}");
    }

    #[test]
    fn wrong_type_has_line() {
        let err = parse("[execute]\njobs = \"many\"\n").unwrap_err();
        assert!(err.to_string().starts_with("book.toml:2:"), "{err}");
    }

    #[test]
    fn timeout_is_parsed_once_and_located() {
        let c = parse("[execute]\ntimeout = \"1h 30min\"\n").unwrap().config;
        assert_eq!(c.execute.timeout, Duration::from_secs(5400));
        let cases = [
            ("timeout = \"soon\"", "'soon' is not a duration"),
            ("timeout = \"0s\"", "'0s' is zero"),
            ("timeout = \"99999999999999999999999\"", "is too long"),
            ("timeout = \"25d\"", "is too long"),
            ("timeout = 30", "invalid type: integer"),
        ];
        for (line, message) in cases {
            let err = parse(&format!("[book]\n\n[execute]\n{line}\n"))
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("book.toml:4:11: "), "{line}: {err}");
            assert!(err.contains(message), "{line}: {err}");
        }
    }
}

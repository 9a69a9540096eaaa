//! Assembling the site: a [`Renderer`] holds the template environment (theme loader) and
//! renders chapter bodies, then pages, `index.html`, `print.html`, `404.html`, `sitemap.xml`,
//! the table of contents (`toc-<digest>.js`, shared by every page's sidebar, and `toc.html`
//! for readers without scripts), the search index and the theme's assets into an in-memory
//! [`SiteFiles`].
//!
//! Pages are rendered in parallel; each page's context holds only its own chapter: the
//! navigation is not in the pages, so a page's size does not grow with the book. This module
//! writes nothing to disk (see `write`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use minijinja::value::Serde;
use minijinja::{context, Environment, Value};
use pgbook_book::{Book, ChapterOutcome};
use rayon::prelude::*;
use serde::Serialize;

use crate::markdown::{render_chapter, RenderedChapter, ROOT_MARK};
use crate::nav::{nav_items, page_path, path_to_root, plain_title, url_path};
use crate::snippet::{snippet_view, step_contexts, SnippetStatus};
use crate::theme::Theme;
use crate::verification::{Verification, VERIFICATION_PAGE};
use crate::RenderError;
use files::{add_book_files, canonical_url, redirects, search_index, sitemap};
use generated::not_found_path;
use page_toc::{page_toc, TocEntry};

mod files;
mod generated;
mod page_toc;

/// A file of the site: bytes to write, or a book file to copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileContent {
    Bytes(Vec<u8>),
    /// The whole transcript of snippet `.1` of a chapter's outcome, written from the outcome
    /// itself (a large result's transcript is tens of megabytes: no copy is made).
    Transcript(Arc<ChapterOutcome>, usize),
    Copy(PathBuf),
}

/// The whole site in memory, by path relative to the site root.
#[derive(Debug, Default)]
pub struct SiteFiles {
    pub files: Vec<(String, FileContent)>,
}

impl SiteFiles {
    fn add(&mut self, path: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        self.files
            .push((path.into(), FileContent::Bytes(bytes.into())));
    }

    /// The bytes of a generated file (not of copied ones), for tests and tools.
    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.iter().find_map(|(p, c)| match c {
            FileContent::Bytes(b) if p == path => Some(b.as_slice()),
            FileContent::Transcript(outcome, i) if p == path => outcome
                .snippets
                .get(*i)
                .and_then(Option::as_ref)
                .map(|o| o.transcript.as_bytes()),
            _ => None,
        })
    }
}

/// One chapter body to render: which chapter, what its SQL produced, and the verdicts.
pub struct ChapterJob<'a> {
    pub index: usize,
    pub outcome: Option<&'a Arc<ChapterOutcome>>,
    pub statuses: &'a [SnippetStatus],
}

/// Renders books with one theme.
pub struct Renderer {
    env: Environment<'static>,
    theme: Theme,
}

/// The page listing the whole table of contents, for readers without scripts: `toc.html`
/// (mdBook's name), or `toc-N.html` when a chapter's page already has that path.
fn toc_page_path(page_paths: &[String]) -> String {
    let taken = |path: &str| page_paths.iter().any(|p| p == path);
    let mut path = "toc.html".to_string();
    let mut n = 1;
    while taken(&path) {
        path = format!("toc-{n}.html");
        n += 1;
    }
    path
}

/// What the pages of a build share.
struct Shared {
    book: Value,
    extra_body: Option<String>,
    /// Whether the site has a verification page (the sidebar links to it).
    verification: bool,
}

impl Renderer {
    /// A renderer whose templates come from `theme_dir` (the book's overrides) first, then
    /// from the built-in theme.
    pub fn new(theme_dir: &Path) -> Renderer {
        let theme = Theme::new(theme_dir);
        let mut env = Environment::new();
        let loader_theme = theme.clone();
        env.set_loader(move |name| {
            loader_theme.template_source(name).map_err(|e| {
                minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!("cannot read theme file {name}"),
                )
                .with_source(e)
            })
        });
        env.set_formatter(format_value);
        Renderer { env, theme }
    }

    /// A digest of the theme overrides: when it changes, every page must be re-rendered.
    pub fn theme_fingerprint(&self) -> u64 {
        self.theme.fingerprint()
    }

    /// Renders chapter `index` of `book`: Markdown and snippet views. `statuses` is
    /// index-aligned with the chapter's snippets (missing entries count as not run).
    pub fn render_chapter(
        &self,
        book: &Book,
        index: usize,
        outcome: Option<&Arc<ChapterOutcome>>,
        statuses: &[SnippetStatus],
    ) -> Result<RenderedChapter, RenderError> {
        let shared_outcome = outcome;
        let outcome = outcome.map(|o| &**o);
        let chapter = &book.chapters[index];
        let steps = step_contexts(&chapter.snippets, outcome);
        let template = self
            .env
            .get_template("partials/snippet.html")
            .map_err(RenderError::template)?;
        let not_run = SnippetStatus::NotRun;
        // The sessions' timeline goes right above the first shown step.
        let mut timeline = match crate::timeline::timeline(&chapter.snippets, &steps, outcome) {
            Some(view) => self
                .env
                .get_template("partials/timeline.html")
                .and_then(|t| t.render(context! { timeline => Serde(&view) }))
                .map_err(RenderError::template)?,
            None => String::new(),
        };
        // The nodes' topology goes at the top, above whatever comes first.
        let nodes = outcome.map_or(&[][..], |o| o.nodes.as_slice());
        let mut topology = match crate::topology::topology(nodes, &format!("topology-{index}")) {
            Some(view) => self
                .env
                .get_template("partials/topology.html")
                .and_then(|t| t.render(context! { topology => Serde(&view) }))
                .map_err(RenderError::template)?,
            None => String::new(),
        };
        let notes = crate::node_notes::node_notes(nodes);
        let note_template = self
            .env
            .get_template("partials/node-note.html")
            .map_err(RenderError::template)?;
        let notes_at = |i: usize, after: bool| -> Result<String, RenderError> {
            let mut html = String::new();
            for note in notes.iter().filter(|n| n.snippet == i && n.after == after) {
                html += &note_template
                    .render(context! { note => Serde(note) })
                    .map_err(RenderError::template)?;
            }
            Ok(html)
        };
        let page = page_path(&chapter.path);
        let mut attachments = Vec::new();
        let mut rendered = render_chapter(chapter, &mut |i| {
            let Some(snippet) = chapter.snippets.get(i) else {
                return Ok(String::new());
            };
            let (before, after) = (notes_at(i, false)?, notes_at(i, true)?);
            if snippet.attrs.hidden {
                if before.is_empty() && after.is_empty() {
                    return Ok(String::new());
                }
                return Ok(std::mem::take(&mut topology) + &before + &after);
            }
            let snippet_outcome = outcome
                .and_then(|o| o.snippets.get(i))
                .and_then(Option::as_ref);
            let mut view = snippet_view(
                snippet,
                snippet_outcome,
                statuses.get(i).unwrap_or(&not_run),
                outcome.map(|o| o.server_version.as_str()),
                &steps[i],
            );
            // A transcript too long for the page is written beside it in full.
            if let (Some(more), Some(o)) = (view.transcript_more.as_mut(), shared_outcome) {
                let file = transcript_file_path(&page, &steps[i].anchor);
                more.href = format!("{ROOT_MARK}{file}");
                attachments.push((file, FileContent::Transcript(Arc::clone(o), i)));
            }
            let html = template
                .render(context! { snippet => Serde(&view), root => ROOT_MARK })
                .map_err(RenderError::template)?;
            Ok(std::mem::take(&mut topology)
                + &std::mem::take(&mut timeline)
                + &before
                + &html
                + &after)
        })?;
        rendered.attachments = attachments;
        Ok(rendered)
    }

    /// Renders several chapters' bodies in parallel; results are in the order of `jobs`.
    pub fn render_chapters(
        &self,
        book: &Book,
        jobs: &[ChapterJob],
    ) -> Vec<Result<RenderedChapter, RenderError>> {
        jobs.par_iter()
            .map(|job| self.render_chapter(book, job.index, job.outcome, job.statuses))
            .collect()
    }

    /// Renders every page and file of the site from chapter bodies (index-aligned with
    /// `book.chapters`), and the "How this book was verified" page from `verification` (a
    /// book without SQL snippets has none).
    /// `extra_body_html` is inserted before `</body>` of every page.
    pub fn render_site(
        &self,
        book: &Book,
        bodies: &[Arc<RenderedChapter>],
        extra_body_html: Option<&str>,
        verification: Option<&Verification>,
    ) -> Result<SiteFiles, RenderError> {
        let toc_entries = self.render_template(
            "partials/toc-entries.html",
            context! {
                nav => Serde(nav_items(book)),
                no_section_label => book.config.output.html.no_section_label,
            },
        )?;
        let toc_js = self.render_template(
            "toc.js",
            context! {
                entries_json => serde_json::to_string(&toc_entries).expect("a string serialises"),
            },
        )?;
        let toc_script = format!("toc-{:016x}.js", crate::content_digest(&toc_js));
        let paths: Vec<String> = book.chapters.iter().map(|c| page_path(&c.path)).collect();
        let toc_page = toc_page_path(&paths);
        let shared = Shared {
            book: book_context(book, &toc_script, &toc_page),
            extra_body: extra_body_html.map(str::to_string),
            verification: verification.is_some(),
        };
        // The search index is built while the pages render: both take a while.
        let (pages, search_files) = rayon::join(
            || {
                (0..book.chapters.len())
                    .into_par_iter()
                    .map(|i| {
                        let html = self.render_page(book, &shared, &paths, bodies, i, &paths[i])?;
                        Ok((paths[i].clone(), html))
                    })
                    .collect::<Vec<Result<(String, String), RenderError>>>()
            },
            || search_index(book, bodies, &paths),
        );
        let mut site = SiteFiles::default();
        for page in pages {
            let (path, html) = page?;
            site.add(path, html);
        }
        for body in bodies {
            site.files.extend(body.attachments.iter().cloned());
        }
        if !book.chapters.is_empty() && paths[0] != "index.html" {
            let html = self.render_page(book, &shared, &paths, bodies, 0, "index.html")?;
            site.add("index.html", html);
        }
        if book.config.output.html.print.enable {
            site.add(
                "print.html",
                self.render_print(book, &shared, &paths, bodies)?,
            );
        }
        site.add(toc_script, toc_js);
        let toc_html = self.render_toc_page(book, &shared, &toc_page, &toc_entries)?;
        site.add(toc_page, toc_html);
        site.add(not_found_path(book), self.render_404(&shared, book)?);
        if let Some(verification) = verification {
            site.add(
                VERIFICATION_PAGE,
                self.render_verification(book, &shared, verification)?,
            );
        }
        site.add("sitemap.xml", sitemap(book, &paths));
        if book.config.output.html.search.enable {
            for (path, script) in search_files {
                site.add(path, script);
            }
        }
        redirects(book, &mut site);
        if let Some(domain) = &book.config.output.html.cname {
            site.add("CNAME", format!("{domain}\n"));
        }
        for (name, bytes) in self.theme.assets()? {
            site.add(name, bytes);
        }
        add_book_files(book, &mut site)?;
        Ok(site)
    }

    fn render_page(
        &self,
        book: &Book,
        shared: &Shared,
        paths: &[String],
        bodies: &[Arc<RenderedChapter>],
        index: usize,
        output_path: &str,
    ) -> Result<String, RenderError> {
        let chapter = &book.chapters[index];
        let root = path_to_root(output_path);
        let link = |i: usize| PageLink {
            href: format!("{root}{}", url_path(&paths[i])),
            title: plain_title(&book.chapters[i].title),
        };
        let page = PageContext {
            title: plain_title(&chapter.title),
            path: url_path(&paths[index]),
            path_to_root: root.clone(),
            source_path: chapter.source_path.display().to_string(),
            prev: index.checked_sub(1).map(link),
            next: (index + 1 < paths.len()).then(|| link(index + 1)),
            edit_url: book
                .config
                .output
                .html
                .edit_url_template
                .as_ref()
                .map(|t| t.replace("{path}", &chapter.path.display().to_string())),
            canonical: canonical_url(&book.config.output.html.site_url, &paths[index]),
            toc: page_toc(chapter),
        };
        let body = bodies[index].html_for(&root);
        self.render_in_layout(shared, &page, body, shared.verification)
    }

    /// A page in the chapter layout (`page.html`) around `body`, with the theme's extra body.
    /// `verification`: whether the page links to the verification page.
    fn render_in_layout(
        &self,
        shared: &Shared,
        page: &PageContext,
        body: String,
        verification: bool,
    ) -> Result<String, RenderError> {
        let ctx = context! {
            book => shared.book.clone(),
            page => Serde(page),
            body => Value::from_safe_string(body),
            verification => verification,
        };
        let html = self.render_template("page.html", ctx)?;
        Ok(with_extra_body(html, shared.extra_body.as_deref()))
    }

    fn render_print(
        &self,
        book: &Book,
        shared: &Shared,
        paths: &[String],
        bodies: &[Arc<RenderedChapter>],
    ) -> Result<String, RenderError> {
        let chapters: Vec<Value> = bodies
            .iter()
            .zip(paths)
            .map(|(body, path)| {
                context! { path => path, body => Value::from_safe_string(body.html_for("")) }
            })
            .collect();
        let ctx = context! {
            book => shared.book.clone(),
            page => context! { title => book.title(), path => "print.html", path_to_root => "" },
            chapters => chapters,
        };
        let html = self.render_template("print.html", ctx)?;
        Ok(with_extra_body(html, shared.extra_body.as_deref()))
    }

    fn render_template(&self, name: &str, ctx: Value) -> Result<String, RenderError> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(RenderError::template)
    }
}

/// The site path of the full transcript of the snippet with page anchor `anchor`, beside
/// `page` (`guide/mvcc.html` → `guide/mvcc.snippet-12.txt`).
fn transcript_file_path(page: &str, anchor: &str) -> String {
    let stem = page.strip_suffix(".html").unwrap_or(page);
    format!("{stem}.snippet-{anchor}.txt")
}

/// minijinja's formatter, except that strings are escaped without turning `/` into `&#x2f;`
/// (which is safe but bloats every URL of every page).
fn format_value(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    match value.as_str() {
        Some(text) if *state.auto_escape() == minijinja::AutoEscape::Html && !value.is_safe() => {
            out.write_str(&crate::escape::escape(text)).map_err(|e| {
                minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string())
            })
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

#[derive(Serialize)]
struct PageLink {
    href: String,
    title: String,
}

#[derive(Serialize)]
struct PageContext {
    title: String,
    /// Root-relative path of the chapter's page (marks the current sidebar entry).
    path: String,
    path_to_root: String,
    source_path: String,
    prev: Option<PageLink>,
    next: Option<PageLink>,
    edit_url: Option<String>,
    /// Absolute URL of the page, when `site-url` is absolute.
    canonical: Option<String>,
    /// The "on this page" list: the chapter's h2 and h3 headings.
    toc: Vec<TocEntry>,
}

impl PageContext {
    /// A page pgbook generates at the site's root (no chapter file, no neighbours).
    fn generated(book: &Book, title: &str, path: &str) -> PageContext {
        PageContext {
            title: title.into(),
            path: path.into(),
            path_to_root: String::new(),
            source_path: String::new(),
            prev: None,
            next: None,
            edit_url: None,
            canonical: canonical_url(&book.config.output.html.site_url, path),
            toc: Vec::new(),
        }
    }
}

fn book_context(book: &Book, toc_script: &str, toc_page: &str) -> Value {
    let html = &book.config.output.html;
    let file_names = |paths: &[PathBuf]| -> Vec<String> {
        paths
            .iter()
            .map(|p| p.display().to_string().replace('\\', "/"))
            .collect()
    };
    context! {
        title => book.title(),
        language => book.config.book.language.clone(),
        description => book.config.book.description.clone(),
        authors => book.config.book.authors.clone(),
        default_theme => html.default_theme.clone().unwrap_or_else(|| "light".into()),
        preferred_dark_theme => html.preferred_dark_theme.clone().unwrap_or_else(|| "dark".into()),
        git_repository_url => html.git_repository_url.clone(),
        git_repository_icon => html.git_repository_icon.clone(),
        no_section_label => html.no_section_label,
        print => html.print.enable,
        search => html.search.enable,
        fold_level => html.fold.enable.then_some(html.fold.level),
        additional_css => file_names(&html.additional_css),
        additional_js => file_names(&html.additional_js),
        toc_script => toc_script,
        toc_page => url_path(toc_page),
    }
}

fn with_extra_body(mut html: String, extra: Option<&str>) -> String {
    if let Some(extra) = extra {
        match html.rfind("</body>") {
            Some(at) => html.insert_str(at, extra),
            None => html.push_str(extra),
        }
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toc_page_never_takes_a_chapter_path() {
        let paths = |list: &[&str]| list.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        assert_eq!(
            toc_page_path(&paths(&["intro.html", "a/toc.html"])),
            "toc.html"
        );
        assert_eq!(
            toc_page_path(&paths(&["toc.html", "toc-1.html"])),
            "toc-2.html"
        );
    }
}

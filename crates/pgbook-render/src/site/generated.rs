//! The generated pages that are not chapters: the 404 page (mdBook's `input-404` chapter
//! when the book has one), "How this book was verified" and the table of contents page. Rendered in the layout of a
//! chapter page; nothing here runs SQL or reads files.

use minijinja::value::Serde;
use minijinja::{context, Value};
use pgbook_book::Book;

use super::{PageContext, Renderer, Shared};
use crate::markdown::render_chapter;
use crate::verification::{Verification, VERIFICATION_PAGE};
use crate::RenderError;

impl Renderer {
    pub(super) fn render_404(&self, shared: &Shared, book: &Book) -> Result<String, RenderError> {
        // A 404 page is served at any depth, so it links from the configured site URL.
        let mut root = book.config.output.html.site_url.clone();
        if !root.ends_with('/') {
            root.push('/');
        }
        // mdBook's `input-404` chapter, when the book has one (its SQL is not run: a 404
        // page is no place for verified output).
        let body = match &book.not_found {
            Some(chapter) => {
                Some(render_chapter(chapter, &mut |_| Ok(String::new()))?.html_for(&root))
            }
            None => None,
        };
        let title = book
            .not_found
            .as_ref()
            .map_or("Page not found".to_string(), |c| c.title.clone());
        let ctx = context! {
            book => shared.book.clone(),
            page => context! { title => title, path => not_found_path(book), path_to_root => root },
            body => body.map(Value::from_safe_string),
            verification => shared.verification,
        };
        self.render_template("404.html", ctx)
    }

    /// `verification.html`: the generated page, in the layout of a chapter page.
    pub(super) fn render_verification(
        &self,
        book: &Book,
        shared: &Shared,
        verification: &Verification,
    ) -> Result<String, RenderError> {
        let body = self.render_template(
            "partials/verification.html",
            context! { v => Serde(verification), root => "" },
        )?;
        let page = PageContext::generated(book, "How this book was verified", VERIFICATION_PAGE);
        let body = format!("<div class=\"verification\">{body}</div>");
        self.render_in_layout(shared, &page, body, true)
    }

    /// `toc.html`: every entry of the table of contents as plain links, in the layout of a
    /// chapter page — the way through the book when scripts do not run (the pages' sidebars
    /// are filled by a script; their "Table of contents" fallback links here).
    pub(super) fn render_toc_page(
        &self,
        book: &Book,
        shared: &Shared,
        path: &str,
        entries: &str,
    ) -> Result<String, RenderError> {
        let body = self.render_template(
            "partials/toc-page.html",
            context! { entries => Value::from_safe_string(entries.to_string()) },
        )?;
        let page = PageContext::generated(book, "Table of contents", path);
        self.render_in_layout(shared, &page, body, shared.verification)
    }
}

/// Where the 404 page goes: mdBook names it after `input-404` (`lost.md` → `lost.html`).
pub(super) fn not_found_path(book: &Book) -> String {
    match &book.config.output.html.input_404 {
        Some(input) => {
            let input = input.replace('\\', "/");
            match input.strip_suffix(".md") {
                Some(stem) => format!("{stem}.html"),
                None => format!("{input}.html"),
            }
        }
        None => "404.html".into(),
    }
}

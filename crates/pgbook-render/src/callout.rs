//! GitHub-style callouts: a `> [!NOTE]` block quote (pulldown-cmark's GFM block quote, kept
//! in the chapter model as `Tag::BlockQuote(Some(kind))`) becomes a titled box with an icon.
//!
//! This module only turns the start and end of such a quote into HTML; it parses nothing and
//! leaves plain block quotes to pulldown-cmark's own HTML.

use pulldown_cmark::{BlockQuoteKind, Event, Tag, TagEnd};

/// The HTML that replaces `event` when it opens or closes a callout, else `None`.
pub fn callout_html(event: &Event) -> Option<String> {
    match event {
        Event::Start(Tag::BlockQuote(Some(kind))) => Some(open(*kind)),
        Event::End(TagEnd::BlockQuote(Some(_))) => Some("</blockquote>\n".to_string()),
        _ => None,
    }
}

/// The title a callout shows (and the class suffix, lower-cased).
pub fn title(kind: BlockQuoteKind) -> &'static str {
    match kind {
        BlockQuoteKind::Note => "Note",
        BlockQuoteKind::Tip => "Tip",
        BlockQuoteKind::Important => "Important",
        BlockQuoteKind::Warning => "Warning",
        BlockQuoteKind::Caution => "Caution",
    }
}

fn open(kind: BlockQuoteKind) -> String {
    let title = title(kind);
    format!(
        "<blockquote class=\"callout callout-{class}\">\n<p class=\"callout-title\">\
         <svg class=\"callout-icon\" viewBox=\"0 0 24 24\" width=\"18\" height=\"18\" \
         aria-hidden=\"true\" fill=\"none\" stroke=\"currentColor\" stroke-width=\"2\" \
         stroke-linecap=\"round\" stroke-linejoin=\"round\">{icon}</svg>{title}</p>\n",
        class = title.to_ascii_lowercase(),
        icon = icon(kind),
    )
}

/// Each kind's icon, drawn with strokes so it takes the callout's colour.
fn icon(kind: BlockQuoteKind) -> &'static str {
    match kind {
        // An "i" in a circle.
        BlockQuoteKind::Note => r#"<circle cx="12" cy="12" r="9"/><path d="M12 11v5M12 8h.01"/>"#,
        // A light bulb.
        BlockQuoteKind::Tip => {
            r#"<path d="M9 18h6M10 21h4M12 3a6 6 0 0 0-3.5 10.9c.6.5 1 1.2 1 2.1h5c0-.9.4-1.6 1-2.1A6 6 0 0 0 12 3z"/>"#
        }
        // A speech bubble with an exclamation mark.
        BlockQuoteKind::Important => {
            r#"<path d="M4 5h16v11H9l-5 4z"/><path d="M12 8v4M12 14.5h.01"/>"#
        }
        // A triangle with an exclamation mark.
        BlockQuoteKind::Warning => {
            r#"<path d="M12 3.5 2.5 20h19z"/><path d="M12 10v4.5M12 17.5h.01"/>"#
        }
        // An octagon with an exclamation mark.
        BlockQuoteKind::Caution => {
            r#"<path d="M8.2 3h7.6L21 8.2v7.6L15.8 21H8.2L3 15.8V8.2z"/><path d="M12 8v5M12 16h.01"/>"#
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_opens_a_titled_callout_and_plain_quotes_are_left_alone() {
        for (kind, class, title) in [
            (BlockQuoteKind::Note, "callout-note", "Note"),
            (BlockQuoteKind::Tip, "callout-tip", "Tip"),
            (BlockQuoteKind::Important, "callout-important", "Important"),
            (BlockQuoteKind::Warning, "callout-warning", "Warning"),
            (BlockQuoteKind::Caution, "callout-caution", "Caution"),
        ] {
            let html = callout_html(&Event::Start(Tag::BlockQuote(Some(kind)))).unwrap();
            assert!(
                html.contains(&format!("class=\"callout {class}\"")),
                "{html}"
            );
            assert!(html.contains(&format!("</svg>{title}</p>")), "{html}");
            let end = callout_html(&Event::End(TagEnd::BlockQuote(Some(kind)))).unwrap();
            assert_eq!(end, "</blockquote>\n");
        }
        assert_eq!(callout_html(&Event::Start(Tag::BlockQuote(None))), None);
        assert_eq!(callout_html(&Event::End(TagEnd::BlockQuote(None))), None);
    }
}

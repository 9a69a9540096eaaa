//! HTML escaping for the fragments this crate builds by hand (templates escape on their own):
//! pulldown-cmark's escaper, the same one that escapes the Markdown it renders.

/// Escapes `&`, `<`, `>`, `"` and `'` into `out`.
pub(crate) fn push_escaped(out: &mut String, text: &str) {
    // Writing into a String cannot fail.
    let _ = pulldown_cmark_escape::escape_html(out, text);
}

/// Escapes `text` for HTML text or attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    push_escaped(&mut out, text);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_and_both_quotes() {
        assert_eq!(
            escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
        let mut out = String::from("é ");
        push_escaped(&mut out, "1 < 2");
        assert_eq!(out, "é 1 &lt; 2");
    }
}

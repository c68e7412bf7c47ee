//! Text put inside XML or HTML markup (report.html, the `--junit` files): the characters
//! markup gives a meaning to, written as references.

/// `&`, `<` and `>` as references, and `"` too when `quotes` (text inside a double-quoted
/// attribute value).
pub fn escape(text: &str, quotes: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if quotes => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_become_references() {
        assert_eq!(
            escape("a<b> & \"c\" 'd'", true),
            "a&lt;b&gt; &amp; &quot;c&quot; 'd'"
        );
        assert_eq!(escape("\"c\"", false), "\"c\"");
    }
}

//! HTML/XML escaping for text that came from data.
//!
//! Escaping all five significant characters makes the result safe both in element content
//! and inside quoted attribute values, and valid in SVG (XML) as well as HTML. Control
//! characters other than tab and newline are not valid XML at all, so they are shown as
//! visible `\u{..}` escapes instead of being dropped: an analyst should see that a value
//! carried them.

use std::fmt::Write;

pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape_html;

    #[test]
    fn markup_and_quotes_are_neutralised() {
        assert_eq!(
            escape_html(r#"<img src=x onerror="alert(1)">'&"#),
            "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&#39;&amp;"
        );
    }

    #[test]
    fn control_characters_stay_visible() {
        assert_eq!(escape_html("a\u{0}b\u{1b}[31m"), "a\\u{0}b\\u{1b}[31m");
        assert_eq!(escape_html("tab\there"), "tab\there");
    }
}

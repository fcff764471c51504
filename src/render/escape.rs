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
            c if c.is_control() || is_bidi_control(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// Characters that reorder the text around them (U+202E RIGHT-TO-LEFT OVERRIDE makes
/// `exe.txt` read `txt.exe`): shown as escapes, as an analyst must see them.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// Text for a terminal or a `text/plain` output: line breaks and tabs stay, every other
/// control character (ESC, so no escape sequence — an OSC 52 clipboard write, a cursor
/// move — reaches a terminal) and every bidirectional override is written as `\u{..}`.
pub fn visible_text(text: &str) -> std::borrow::Cow<'_, str> {
    let hidden = |c: char| (c.is_control() && !matches!(c, '\n' | '\t')) || is_bidi_control(c);
    if !text.chars().any(hidden) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if hidden(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::{escape_html, visible_text};

    #[test]
    fn escape_sequences_and_bidi_overrides_are_shown_not_obeyed() {
        let osc52 = "copy\u{1b}]52;c;SGVsbG8=\u{7}done";
        assert_eq!(visible_text(osc52), "copy\\u{1b}]52;c;SGVsbG8=\\u{7}done");
        assert_eq!(
            visible_text("invoice\u{202e}fdp.exe\r\nnext\tcol"),
            "invoice\\u{202e}fdp.exe\\u{d}\nnext\tcol"
        );
        assert_eq!(escape_html("invoice\u{202e}fdp.exe"), "invoice\\u{202e}fdp.exe");
        assert!(matches!(visible_text("plain"), std::borrow::Cow::Borrowed(_)));
    }

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

//! Diagnostics: what was wrong, where in the cell, and what to do about it.
//!
//! Every user-facing error of a magic is a [`Diagnostic`] with a stable code, so the
//! notebook shows the same shape of message for a typo in an option as for a corrupt file,
//! with a caret under the part of the cell that caused it.

use std::ops::Range;

pub use huntbook::error::panic_message;

/// Byte offsets into the cell's code.
pub type Span = Range<usize>;

#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub message: String,
    pub span: Option<Span>,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            span: None,
            hint: None,
        }
    }

    /// An error only a bug can cause (a panic, a signature and its magic disagreeing).
    pub fn internal(message: impl Into<String>) -> Self {
        Diagnostic::new("internal-error", message)
            .hint("this is a bug in Huntbook; the session and its frames are intact")
    }

    pub fn at(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// An engine error, pointed at the argument that led to it.
    pub fn engine(error: huntbook::Error, span: Option<Span>) -> Self {
        Diagnostic {
            code: error.code(),
            message: error.to_string(),
            span,
            hint: None,
        }
    }

    /// Renders the diagnostic against the cell it came from, as the lines of a traceback.
    pub fn render(&self, code: &str) -> Vec<String> {
        // Messages and hints quote data (file and column names): its control characters
        // are shown, so that only the traceback's own colour codes reach the terminal.
        let visible = huntbook::render::visible_text;
        let mut lines = vec![format!(
            "\x1b[1;31merror[{}]\x1b[0m: {}",
            self.code,
            visible(&self.message)
        )];
        if let Some(span) = &self.span
            && span.start <= code.len()
        {
            let line_start = code[..span.start].rfind('\n').map_or(0, |i| i + 1);
            let line_end = code[span.start..].find('\n').map_or(code.len(), |i| span.start + i);
            let line_no = code[..span.start].matches('\n').count() + 1;
            let gutter = line_no.to_string().len();
            let text = &code[line_start..line_end];
            let col = code[line_start..span.start].chars().count();
            let end = span.end.min(line_end).max(span.start);
            let width = code[span.start..end].chars().count().max(1);
            lines.push(format!("{:gutter$} |", ""));
            lines.push(format!("{line_no} | {text}"));
            lines.push(format!(
                "{:gutter$} | {}\x1b[1;31m{}\x1b[0m",
                "",
                " ".repeat(col),
                "^".repeat(width)
            ));
        }
        if let Some(hint) = &self.hint {
            lines.push(format!("hint: {}", visible(hint)));
        }
        lines
    }
}

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (edit_distance(&word, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `d` with a hint for a column that is not there: the likely one (written after
/// `prefix`, e.g. `frame.`), or else every column.
pub fn column_hint(d: Diagnostic, column: &str, names: &[String], prefix: &str) -> Diagnostic {
    match did_you_mean(column, names.iter().map(String::as_str)) {
        Some(s) => d.hint(format!("did you mean {prefix}{s}?")),
        None => d.hint(format!("columns: {}", names.join(", "))),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_points_at_the_span() {
        let code = "x = 1\n%load /nope.csv";
        let d = Diagnostic::new("no-such-file", "no file")
            .at(12..21)
            .hint("check the path");
        let lines = d.render(code);
        assert_eq!(lines[2], "2 | %load /nope.csv");
        assert_eq!(lines[3], "  |       \x1b[1;31m^^^^^^^^^\x1b[0m");
        assert_eq!(lines[4], "hint: check the path");
    }

    #[test]
    fn suggestions_for_typos() {
        assert_eq!(did_you_mean("iptpye", ["iptype", "echo", "load"]), Some("iptype"));
        assert_eq!(did_you_mean("zzzzzz", ["iptype", "echo"]), None);
    }
}

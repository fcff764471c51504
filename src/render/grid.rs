//! Small tables that are not frames — a magic's parameters, providers and their state,
//! the magics themselves — in HTML and aligned plain text from one description.
//!
//! Every cell is escaped here; a cell may instead be marked as code (monospace) or as a
//! link whose address is escaped too, so no caller writes `<table>` by hand.

use std::fmt::Write;

use super::escape::escape_html;

/// How one cell is shown in HTML (its text form is always the plain text).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// Monospace: names, values to type.
    Code(String),
    /// A link: the text and where it goes.
    Link(String, String),
    /// Text indented by `level` steps (a tree's depth), kept on one line.
    Indented(String, usize),
    /// Text with a class the display's style colours (a severity).
    Tagged(String, &'static str),
}

impl Cell {
    fn text(&self) -> &str {
        match self {
            Cell::Text(t) | Cell::Code(t) | Cell::Link(t, _) | Cell::Indented(t, _) | Cell::Tagged(t, _) => t,
        }
    }

    /// The cell's `<td>`, content escaped.
    fn td(&self) -> String {
        const TD: &str = "text-align:left;vertical-align:top";
        match self {
            Cell::Indented(t, level) => format!(
                "<td style=\"{TD};padding-left:{}px;white-space:nowrap\">{}</td>",
                level * 12,
                escape_html(t)
            ),
            Cell::Tagged(t, class) => format!("<td class=\"{class}\" style=\"{TD}\">{}</td>", escape_html(t)),
            other => format!("<td style=\"{TD}\">{}</td>", other.html()),
        }
    }

    /// The cell in the text form (an indented cell is indented two spaces a step).
    fn plain(&self) -> String {
        match self {
            Cell::Indented(t, level) => format!("{}{t}", "  ".repeat(*level)),
            other => other.text().to_string(),
        }
    }

    fn html(&self) -> String {
        match self {
            Cell::Text(t) | Cell::Indented(t, _) | Cell::Tagged(t, _) => escape_html(t),
            Cell::Code(t) => format!(
                "<code style=\"white-space:pre-wrap;word-break:break-all\">{}</code>",
                escape_html(t)
            ),
            // Only web addresses become links: a `javascript:` or `data:` address from
            // data would run or load something when clicked.
            Cell::Link(t, href) if !is_web(href) => escape_html(t),
            Cell::Link(t, href) => format!(
                "<a href=\"{}\" target=\"_blank\" rel=\"noopener noreferrer\">{}</a>",
                escape_html(href),
                escape_html(t)
            ),
        }
    }
}

fn is_web(href: &str) -> bool {
    let lower = href.trim_start().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

impl From<&str> for Cell {
    fn from(t: &str) -> Self {
        Cell::Text(t.to_string())
    }
}

impl From<String> for Cell {
    fn from(t: String) -> Self {
        Cell::Text(t)
    }
}

/// A table with a header row.
#[derive(Debug, Clone, Default)]
pub struct Grid {
    headers: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

impl Grid {
    pub fn new<S: Into<String>>(headers: impl IntoIterator<Item = S>) -> Self {
        Grid {
            headers: headers.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells are empty, extra cells are an error of the caller's
    /// (debug builds check).
    pub fn row<C: Into<Cell>>(&mut self, cells: impl IntoIterator<Item = C>) -> &mut Self {
        let mut row: Vec<Cell> = cells.into_iter().map(Into::into).collect();
        debug_assert!(row.len() <= self.headers.len(), "a row wider than its header");
        row.resize(self.headers.len(), Cell::Text(String::new()));
        self.rows.push(row);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// `<table class="hb-grid">` with every cell escaped.
    pub fn html(&self) -> String {
        let mut out = String::from("<table class=\"hb-grid\"><thead><tr>");
        for h in &self.headers {
            let _ = write!(out, "<th style=\"text-align:left\">{}</th>", escape_html(h));
        }
        out.push_str("</tr></thead><tbody>");
        for row in &self.rows {
            out.push_str("<tr>");
            for cell in row {
                out.push_str(&cell.td());
            }
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table>");
        out
    }

    /// Columns padded to their widest cell (the last column is not padded), a line a row.
    pub fn text(&self) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.plain().chars().count());
            }
        }
        let mut out = String::new();
        let line = |out: &mut String, cells: &mut dyn Iterator<Item = &str>| {
            let cells: Vec<&str> = cells.collect();
            for (i, (cell, width)) in cells.iter().zip(&widths).enumerate() {
                if i + 1 == cells.len() {
                    out.push_str(cell);
                } else {
                    let _ = write!(out, "{cell}{}  ", " ".repeat(width - cell.chars().count()));
                }
            }
            let trimmed = out.trim_end_matches(' ').len();
            out.truncate(trimmed);
            out.push('\n');
        };
        line(&mut out, &mut self.headers.iter().map(String::as_str));
        for row in &self.rows {
            let cells: Vec<String> = row.iter().map(Cell::plain).collect();
            line(&mut out, &mut cells.iter().map(String::as_str));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_escaped_and_text_is_aligned() {
        let mut g = Grid::new(["name", "value"]);
        g.row([Cell::Code("<b>".into()), Cell::from("a & b")]);
        g.row([Cell::Link("x\"y".into(), "https://e.example/?a=1&b=\"2\"".into())]);
        let html = g.html();
        assert!(html.contains(">&lt;b&gt;</code>"), "{html}");
        assert!(html.contains("a &amp; b"), "{html}");
        assert!(
            html.contains("href=\"https://e.example/?a=1&amp;b=&quot;2&quot;\""),
            "{html}"
        );
        assert!(!html.contains("<b>"), "{html}");
        assert_eq!(g.text(), "name  value\n<b>   a & b\nx\"y\n");
        let mut g = Grid::new(["link"]);
        g.row([Cell::Link("click".into(), " JavaScript:alert(1)".into())]);
        assert!(!g.html().contains("href"), "{}", g.html());
        let mut g = Grid::new(["process", "severity"]);
        g.row([
            Cell::Indented("child<".into(), 2),
            Cell::Tagged("high".into(), "s-high"),
        ]);
        g.row([Cell::Indented("root".into(), 0), Cell::from("")]);
        let html = g.html();
        assert!(
            html.contains("padding-left:24px;white-space:nowrap\">child&lt;</td>"),
            "{html}"
        );
        assert!(html.contains("class=\"s-high\""), "{html}");
        assert_eq!(g.text(), "process     severity\n    child<  high\nroot\n");
    }
}

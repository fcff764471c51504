//! What a magic shows when it is not a frame table: a [`Figure`], turned into a MIME
//! bundle by one function ([`Figure::bundle`]), so every display has the same parts in the
//! same order and the same wording:
//!
//! 1. a heading — one line saying what is shown;
//! 2. warnings — "⚠ …" in HTML, "warning: …" in text;
//! 3. the body — HTML from an engine renderer (which escapes what it takes from data)
//!    and its text twin; a chart or map as a picture (an `<img>` of the SVG, which survives
//!    sanitising, with its tooltips in a folded table) and as `image/svg+xml`;
//! 4. a footer — attribution and the like;
//! 5. provenance, as the bundle's `huntbook` metadata.
//!
//! Magics never write `<div>` or `<table>` themselves: bodies come from the engine's
//! renderers (`huntbook::render`), small tables from [`huntbook::render::grid::Grid`].

use huntbook::render::{escape_html, visible_text, warning_html, warning_text};
use serde_json::Value as Json;

use crate::bundle::MimeBundle;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figure {
    heading: Option<String>,
    warnings: Vec<String>,
    html: Option<String>,
    text: String,
    svg: Option<String>,
    footer: Option<String>,
    provenance: Option<Json>,
    /// Further forms of the body (a table's `application/vnd.dataresource+json`).
    forms: Vec<(&'static str, Json)>,
}

impl Figure {
    /// Plain text only (a class name, a window, a short answer).
    pub fn text(text: impl Into<String>) -> Self {
        Figure {
            text: text.into(),
            ..Figure::default()
        }
    }

    /// Text shown as it is, in a monospace block in HTML too (a query, a listing).
    pub fn preformatted(text: impl Into<String>) -> Self {
        let text = text.into();
        Figure {
            html: Some(format!("<pre>{}</pre>", escape_html(&text))),
            text,
            ..Figure::default()
        }
    }

    /// A rich body and its text twin. `html` must come from a renderer that escapes data.
    pub fn rich(html: impl Into<String>, text: impl Into<String>) -> Self {
        Figure {
            html: Some(html.into()),
            text: text.into(),
            ..Figure::default()
        }
    }

    /// The line above everything else (plain text; escaped here).
    pub fn heading(mut self, heading: impl Into<String>) -> Self {
        self.heading = Some(heading.into());
        self
    }

    /// A chart or map: drawn in HTML above the body, and offered on its own as
    /// `image/svg+xml`.
    pub fn image(mut self, svg: impl Into<String>) -> Self {
        self.svg = Some(svg.into());
        self
    }

    /// A line under the body (plain text; escaped here).
    pub fn footer(mut self, footer: impl Into<String>) -> Self {
        self.footer = Some(footer.into());
        self
    }

    /// Another MIME form of the body.
    pub fn form(mut self, mime: &'static str, value: Json) -> Self {
        self.forms.push((mime, value));
        self
    }

    /// Where the figure's data came from: the bundle's `huntbook` metadata, with the
    /// warnings added.
    pub fn provenance(mut self, provenance: Json) -> Self {
        self.provenance = Some(provenance);
        self
    }

    /// Adds warnings; the interpreter adds the magic's own here too, so a magic need not.
    pub fn warn(mut self, warnings: impl IntoIterator<Item = String>) -> Self {
        for w in warnings {
            if !self.warnings.contains(&w) {
                self.warnings.push(w);
            }
        }
        self
    }

    /// The one way from a display to a MIME bundle.
    pub fn bundle(&self) -> MimeBundle {
        let mut plain = String::new();
        let mut push_line = |line: &str| {
            if !line.is_empty() {
                plain.push_str(line);
                if !line.ends_with('\n') {
                    plain.push('\n');
                }
            }
        };
        if let Some(h) = &self.heading {
            push_line(h);
        }
        for w in &self.warnings {
            push_line(&warning_text(w));
        }
        push_line(&self.text);
        if let Some(f) = &self.footer {
            push_line(f);
        }
        // No data's escape sequence reaches a terminal through text/plain.
        let mut bundle = MimeBundle::text(visible_text(plain.trim_end()).into_owned());
        let body = self.svg.is_some() || self.html.is_some();
        if self.heading.is_some() || !self.warnings.is_empty() || body {
            // `mathjax_ignore`: JupyterLab typesets `$…$` in HTML outputs, and data is
            // full of dollar signs (machine accounts, admin shares).
            let mut html = String::from("<div class=\"hb-figure mathjax_ignore\">");
            if let Some(h) = &self.heading {
                html.push_str(&format!(
                    "<div class=\"hb-heading\" style=\"margin-bottom:4px\">{}</div>",
                    escape_html(h)
                ));
            }
            for w in &self.warnings {
                html.push_str(&warning_html(w));
            }
            // A picture, not inline SVG: inline SVG is stripped from untrusted notebooks.
            if let Some(svg) = &self.svg {
                html.push_str(&huntbook::render::picture::picture(
                    svg,
                    self.heading.as_deref().unwrap_or("chart"),
                ));
            }
            match &self.html {
                Some(body) => html.push_str(body),
                None if self.svg.is_none() => html.push_str(&format!("<pre>{}</pre>", escape_html(&self.text))),
                None => {}
            }
            if let Some(f) = &self.footer {
                html.push_str(&format!(
                    "<p class=\"hb-footer\" style=\"font-size:11px;opacity:.7\">{}</p>",
                    escape_html(f)
                ));
            }
            html.push_str("</div>");
            bundle = bundle.with("text/html", html);
        }
        if let Some(svg) = &self.svg {
            bundle = bundle.with("image/svg+xml", svg.clone());
        }
        for (mime, value) in &self.forms {
            bundle = bundle.with(mime, value.clone());
        }
        if let Some(p) = &self.provenance {
            let mut p = p.clone();
            if let Some(map) = p.as_object_mut() {
                map.insert("warnings".into(), self.warnings.clone().into());
            }
            bundle = bundle.with_metadata("huntbook", p);
        }
        bundle
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_come_in_order_and_data_is_escaped() {
        let b = Figure::rich("<table/>", "body")
            .image("<svg/>")
            .heading("3 <points>")
            .warn(["odd & end".to_string(), "odd & end".to_string()])
            .footer("© <x>")
            .bundle();
        assert_eq!(b.plain(), "3 <points>\nwarning: odd & end\nbody\n© <x>");
        let html = b.data["text/html"].as_str().unwrap();
        let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("{s} not in {html}"));
        let picture = "<img src=\"data:image/svg+xml;base64,PHN2Zy8+\"";
        assert!(at("3 &lt;points&gt;") < at("odd &amp; end") && at("odd &amp; end") < at(picture));
        assert!(at(picture) < at("<table/>") && at("<table/>") < at("© &lt;x&gt;"));
        assert!(!html.contains("<svg"), "no inline SVG: {html}");
        assert_eq!(b.data["image/svg+xml"], "<svg/>");
        assert_eq!(
            html.matches("odd &amp; end").count(),
            1,
            "a warning given twice is shown once"
        );
    }

    #[test]
    fn plain_text_stays_plain() {
        let b = Figure::text("Public").bundle();
        assert_eq!(b.plain(), "Public");
        assert!(!b.data.contains_key("text/html"));
    }
}

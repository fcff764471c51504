//! What a magic shows when it is not a frame table: a [`Figure`], turned into a MIME
//! bundle by one function ([`Figure::bundle`]), so every display has the same parts in the
//! same order and the same wording (a figure with a chart is three outputs: what comes
//! before the picture, the picture, what comes after — see [`Figure::bundles`]):
//!
//! 1. a heading — one line saying what is shown;
//! 2. warnings — "⚠ …" in HTML, "warning: …" in text;
//! 3. the body — HTML from an engine renderer (which escapes what it takes from data)
//!    and its text twin; a chart or map as an output of its own, `image/svg+xml` and
//!    `image/png` (which every front end and sanitiser shows), with its tooltips in a
//!    folded table after it;
//! 4. a footer — attribution and the like;
//! 5. provenance, as the bundle's `huntbook` metadata.
//!
//! Magics never write `<div>` or `<table>` themselves: bodies come from the engine's
//! renderers (`huntbook::render`), small tables from [`huntbook::render::grid::Grid`].

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
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

    /// The one way from a display to MIME bundles, in the order they are shown. A figure
    /// without a chart is one bundle. A chart is an output of its own, since a picture
    /// inside HTML does not survive sanitisers: the heading and warnings come before it,
    /// the tooltips table, body and footer after it (with the provenance).
    pub fn bundles(&self) -> Vec<MimeBundle> {
        let Some(svg) = &self.svg else {
            return vec![self.bundle()];
        };
        let picture = huntbook::render::picture::picture(svg);
        let mut warnings = self.warnings.clone();
        if let Err(e) = &picture.png {
            warnings.push(format!(
                "the chart could not be drawn as PNG ({e}): front ends that show no SVG (an untrusted notebook) show no picture"
            ));
        }
        let before = Figure {
            heading: self.heading.clone(),
            warnings,
            text: String::new(),
            ..Figure::default()
        };
        let alt = self.heading.as_deref().unwrap_or("chart");
        let mut image =
            MimeBundle::text(format!("[picture: {}]", visible_text(alt))).with("image/svg+xml", picture.svg.clone());
        if let Ok(png) = &picture.png {
            let size = serde_json::json!({"width": picture.width, "height": picture.height});
            image = image
                .with("image/png", STANDARD.encode(png))
                .with_metadata("image/png", size.clone())
                .with_metadata("image/svg+xml", size);
        }
        let tips = huntbook::render::picture::tooltips(svg);
        let after = Figure {
            html: match (&self.html, tips.is_empty()) {
                (Some(body), _) => Some(format!("{tips}{body}")),
                (None, false) => Some(tips),
                (None, true) => None,
            },
            text: self.text.clone(),
            footer: self.footer.clone(),
            forms: self.forms.clone(),
            ..Figure::default()
        };
        let mut out = Vec::with_capacity(3);
        if before.heading.is_some() || !before.warnings.is_empty() {
            out.push(before.bundle());
        }
        // The last output carries the provenance, with every warning.
        let last = if after.html.is_some() || !after.text.is_empty() || after.footer.is_some() {
            out.push(image);
            after.bundle()
        } else {
            image
        };
        out.push(match self.provenance_with(&before.warnings) {
            Some(p) => last.with_metadata("huntbook", p),
            None => last,
        });
        out
    }

    /// One bundle, for displays that have no chart (help pages, completions); a chart
    /// is left to [`Figure::bundles`].
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
        let body = self.html.is_some();
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
            match &self.html {
                Some(body) => html.push_str(body),
                None if !self.text.is_empty() => html.push_str(&format!("<pre>{}</pre>", escape_html(&self.text))),
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
        for (mime, value) in &self.forms {
            bundle = bundle.with(mime, value.clone());
        }
        if let Some(p) = self.provenance_with(&self.warnings) {
            bundle = bundle.with_metadata("huntbook", p);
        }
        bundle
    }

    /// The provenance as the bundle's `huntbook` metadata, with `warnings` added.
    fn provenance_with(&self, warnings: &[String]) -> Option<Json> {
        let mut p = self.provenance.clone()?;
        if let Some(map) = p.as_object_mut() {
            map.insert("warnings".into(), warnings.to_vec().into());
        }
        Some(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_come_in_order_and_data_is_escaped() {
        let b = Figure::rich("<table/>", "body")
            .heading("3 <points>")
            .warn(["odd & end".to_string(), "odd & end".to_string()])
            .footer("© <x>")
            .bundle();
        assert_eq!(b.plain(), "3 <points>\nwarning: odd & end\nbody\n© <x>");
        let html = b.data["text/html"].as_str().unwrap();
        let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("{s} not in {html}"));
        assert!(at("3 &lt;points&gt;") < at("odd &amp; end") && at("odd &amp; end") < at("<table/>"));
        assert!(at("<table/>") < at("© &lt;x&gt;"));
        assert_eq!(
            html.matches("odd &amp; end").count(),
            1,
            "a warning given twice is shown once"
        );
    }

    const SVG: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"300\" height=\"100\"><circle cx=\"5\" cy=\"5\" r=\"3\"><title>WS01 &amp; 2 events</title></circle></svg>";

    #[test]
    fn a_chart_is_an_output_of_its_own_between_heading_and_body() {
        let bundles = Figure::rich("<table/>", "body")
            .image(SVG)
            .heading("3 <points>")
            .warn(["odd".to_string()])
            .footer("end")
            .provenance(serde_json::json!({"magic": "timeline"}))
            .bundles();
        assert_eq!(bundles.len(), 3, "{bundles:#?}");
        let html = |i: usize| bundles[i].data["text/html"].as_str().unwrap().to_string();
        assert!(
            html(0).contains("3 &lt;points&gt;") && html(0).contains("odd"),
            "{}",
            html(0)
        );
        assert!(!html(0).contains("<table/>"));
        let picture = &bundles[1];
        assert!(!picture.data.contains_key("text/html"), "no picture inside HTML");
        assert_eq!(picture.plain(), "[picture: 3 <points>]");
        let svg = picture.data["image/svg+xml"].as_str().unwrap();
        assert!(svg.contains("fill=\"#ffffff\""), "a background of its own: {svg}");
        let png = STANDARD.decode(picture.data["image/png"].as_str().unwrap()).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        assert_eq!(
            picture.metadata["image/png"],
            serde_json::json!({"width": 300, "height": 100})
        );
        let after = html(2);
        let at = |s: &str| after.find(s).unwrap_or_else(|| panic!("{s} not in {after}"));
        assert!(at("WS01 &amp; 2 events") < at("<table/>") && at("<table/>") < at("end"));
        assert!(!after.contains("<img") && !after.contains("<svg"), "{after}");
        assert_eq!(bundles[2].metadata["huntbook"]["magic"], "timeline");
        assert_eq!(bundles[2].metadata["huntbook"]["warnings"][0], "odd");
    }

    #[test]
    fn a_bare_chart_carries_the_provenance() {
        let bare = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"30\" height=\"10\"></svg>";
        let bundles = Figure::default()
            .image(bare)
            .provenance(serde_json::json!({"magic": "geoip"}))
            .bundles();
        assert_eq!(bundles.len(), 1);
        assert_eq!(bundles[0].metadata["huntbook"]["magic"], "geoip");
        assert!(bundles[0].data.contains_key("image/png"));
    }

    #[test]
    fn plain_text_stays_plain() {
        let b = Figure::text("Public").bundle();
        assert_eq!(b.plain(), "Public");
        assert!(!b.data.contains_key("text/html"));
    }
}

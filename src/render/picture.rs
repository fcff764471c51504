//! Charts as pictures that read the same in every front end.
//!
//! Inline `<svg>` in HTML does not survive sanitising: JupyterLab drops it from an
//! untrusted notebook (one received from a colleague) and leaves its text nodes, which the
//! math renderer then typesets; GitHub-style sanitisers drop `data:` pictures from HTML
//! too. So a chart is an output of its own, offered as `image/svg+xml` (crisp, shown where
//! the notebook is trusted) and as `image/png` (shown everywhere, since a PNG cannot run
//! anything), both on a white background of their own so they read on a dark theme. What
//! the marks' tooltips said (SVG `<title>`s, which no picture can show on hover) follows in
//! a folded table, in HTML.

use std::fmt::Write;
use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

use super::escape_html;

/// Tooltips listed under a picture at most; the frame behind the chart holds them all.
pub const MAX_LISTED: usize = 1000;

/// The largest PNG drawn, in pixels; a larger chart is drawn smaller (its SVG is whole).
pub const MAX_PIXELS: f32 = 16_000_000.0;

/// Chart text in PNGs: one embedded face, so a picture is the same on every machine and no
/// system font folder is searched (see fonts/LICENSE-DejaVu).
static FONT: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");

/// A chart in the forms front ends show.
#[derive(Debug, Clone, PartialEq)]
pub struct Picture {
    /// The SVG with a background of its own.
    pub svg: String,
    /// The same drawing as PNG, or why it could not be drawn.
    pub png: Result<Vec<u8>, String>,
    /// The size to show it at, in CSS pixels (the SVG's own size).
    pub width: u32,
    pub height: u32,
}

/// `svg` on a white background, and drawn as PNG.
pub fn picture(svg: &str) -> Picture {
    let svg = on_background(svg);
    let (png, width, height) = match rasterise(&svg) {
        Ok((png, w, h)) => (Ok(png), w, h),
        Err(e) => {
            let (w, h) = size(&svg);
            (Err(e), w as u32, h as u32)
        }
    };
    Picture {
        svg,
        png,
        width,
        height,
    }
}

/// The marks' tooltips as a folded HTML table; empty when the chart has none.
pub fn tooltips(svg: &str) -> String {
    let tips = titles(svg);
    let mut out = String::new();
    if tips.is_empty() {
        return out;
    }
    let _ = write!(
        out,
        "<details style=\"margin:2px 0 6px 0\"><summary style=\"cursor:pointer;font-size:12px\">what the chart's marks say ({})</summary>\
<table style=\"border-collapse:collapse;font-size:12px\"><tbody>",
        tips.len()
    );
    for tip in tips.iter().take(MAX_LISTED) {
        let _ = write!(
            out,
            "<tr><td style=\"text-align:left;white-space:pre-wrap;vertical-align:top;padding:1px 6px;border-bottom:1px solid rgba(128,128,128,.25)\">{}</td></tr>",
            escape_html(tip)
        );
    }
    out.push_str("</tbody></table>");
    if tips.len() > MAX_LISTED {
        let _ = write!(
            out,
            "<div style=\"font-size:11px;font-style:italic\">the first {MAX_LISTED} of {} are listed; the frame holds every row</div>",
            tips.len()
        );
    }
    out.push_str("</details>");
    out
}

/// A white rectangle under everything else: a transparent chart is black on black in a
/// dark theme.
fn on_background(svg: &str) -> String {
    match svg
        .find("<svg")
        .and_then(|at| svg[at..].find('>').map(|end| at + end + 1))
    {
        Some(at) if !svg[..at].ends_with("/>") => format!(
            "{}<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>{}",
            &svg[..at],
            &svg[at..]
        ),
        _ => svg.to_string(),
    }
}

fn fonts() -> Arc<usvg::fontdb::Database> {
    static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_font_data(FONT.to_vec());
        // Every generic family is the one face there is.
        db.set_sans_serif_family("DejaVu Sans");
        db.set_monospace_family("DejaVu Sans");
        db.set_serif_family("DejaVu Sans");
        Arc::new(db)
    })
    .clone()
}

/// The PNG of `svg` and its size in CSS pixels.
fn rasterise(svg: &str) -> Result<(Vec<u8>, u32, u32), String> {
    let options = usvg::Options {
        fontdb: fonts(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| format!("the SVG does not parse: {e}"))?;
    let size = tree.size();
    let (w, h) = (size.width().max(1.0), size.height().max(1.0));
    let scale = (MAX_PIXELS / (w * h)).sqrt().min(1.0);
    let mut pixmap = tiny_skia::Pixmap::new((w * scale).ceil() as u32, (h * scale).ceil() as u32)
        .ok_or_else(|| format!("no room for a {w}×{h} picture"))?;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    let png = pixmap.encode_png().map_err(|e| format!("PNG encoding failed: {e}"))?;
    Ok((png, w.ceil() as u32, h.ceil() as u32))
}

/// The width and height of the root `<svg>` element (0 where missing or not a number).
pub(super) fn size(svg: &str) -> (f64, f64) {
    let number = |name| attribute(svg, name).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    (number("width"), number("height"))
}

/// The value of an attribute of the root `<svg>` element.
fn attribute<'a>(svg: &'a str, name: &str) -> Option<&'a str> {
    let start = svg.find("<svg")?;
    let tag = &svg[start..start + svg[start..].find('>')?];
    let needle = format!(" {name}=\"");
    let at = tag.find(&needle)? + needle.len();
    let len = tag[at..].find('"')?;
    Some(&tag[at..at + len])
}

/// The text of every `<title>` in `svg`, unescaped, in document order.
fn titles(svg: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(at) = rest.find("<title>") {
        rest = &rest[at + "<title>".len()..];
        let Some(end) = rest.find("</title>") else { break };
        out.push(unescape(&rest[..end]));
        rest = &rest[end..];
    }
    out
}

/// The inverse of [`escape_html`] for the entities it writes.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_becomes_a_png_on_white_with_its_tooltips_listed_and_escaped() {
        let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"200\" font-family=\"sans-serif\">\
<circle cx=\"10\" cy=\"10\" r=\"5\" fill=\"#000\"><title>a &lt;b&gt; &amp; c</title></circle>\
<rect><title>2 events\nhost &#39;x&#39;</title></rect><text x=\"100\" y=\"100\">label</text></svg>";
        let p = picture(svg);
        assert!(
            p.svg
                .contains("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/><circle"),
            "{}",
            p.svg
        );
        assert_eq!((p.width, p.height), (640, 200));
        let png = p.png.expect("drawn");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        // IHDR: the picture is drawn at the chart's own size.
        assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 640);
        assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), 200);
        let html = tooltips(svg);
        assert!(!html.contains("<svg") && !html.contains("<title>"), "{html}");
        assert!(html.contains("what the chart's marks say (2)"), "{html}");
        // Unescaped from the SVG, escaped again for HTML: nothing doubled, nothing raw.
        assert!(html.contains(">a &lt;b&gt; &amp; c</td>"), "{html}");
        assert!(html.contains(">2 events\nhost &#39;x&#39;</td>"), "{html}");
        assert_eq!(tooltips("<svg width=\"1\" height=\"1\"></svg>"), "");
    }

    #[test]
    fn text_is_drawn_with_the_embedded_font() {
        let blank = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"40\"></svg>";
        let text = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"40\" font-family=\"sans-serif\"><text x=\"5\" y=\"30\" font-size=\"20\">WS01$ admin</text></svg>";
        let (blank, text) = (picture(blank).png.unwrap(), picture(text).png.unwrap());
        assert!(
            text.len() > blank.len() + 200,
            "text adds ink: {} vs {}",
            text.len(),
            blank.len()
        );
    }

    #[test]
    fn huge_charts_are_drawn_smaller_and_bad_svg_says_why() {
        let p = picture("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"20000\" height=\"20000\"></svg>");
        let png = p.png.unwrap();
        let w = u32::from_be_bytes(png[16..20].try_into().unwrap());
        assert!(w <= 4000, "{w}");
        assert_eq!((p.width, p.height), (20000, 20000));
        let bad = picture("<svg width=\"10\" height=\"5\"><g></svg>");
        assert!(bad.png.unwrap_err().contains("does not parse"));
        assert_eq!((bad.width, bad.height), (10, 5));
    }

    #[test]
    fn long_lists_say_how_many_were_left_out() {
        let marks: String = (0..MAX_LISTED + 5)
            .map(|i| format!("<circle><title>p{i}</title></circle>"))
            .collect();
        let html = tooltips(&format!("<svg width=\"1\" height=\"1\">{marks}</svg>"));
        assert_eq!(html.matches("<tr>").count(), MAX_LISTED);
        assert!(
            html.contains(&format!("the first {MAX_LISTED} of {} are listed", MAX_LISTED + 5)),
            "{html}"
        );
    }
}

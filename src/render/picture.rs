//! Charts as pictures that read the same in every front end.
//!
//! Inline `<svg>` in HTML does not survive sanitising: JupyterLab drops it from an
//! untrusted notebook (one received from a colleague) and leaves its text nodes, which the
//! math renderer then typesets. An `<img>` whose source is a `data:` URI survives JupyterLab's
//! sanitiser and nbconvert's export, so a chart goes into HTML as a picture, on a
//! background of its own so it reads on a dark theme too. What its marks' tooltips said
//! (SVG `<title>`s, which no picture can show on hover) follows in a folded table.

use std::fmt::Write;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::escape_html;

/// Tooltips listed under a picture at most; the frame behind the chart holds them all.
pub const MAX_LISTED: usize = 1000;

/// `svg` as an `<img>` with its marks' tooltips in a `<details>` table below.
pub fn picture(svg: &str, alt: &str) -> String {
    let (width, height) = (attribute(svg, "width"), attribute(svg, "height"));
    let mut out = format!(
        "<img src=\"data:image/svg+xml;base64,{}\"{}{} alt=\"{}\" style=\"max-width:100%;height:auto;background:#fff;border-radius:2px\"/>",
        STANDARD.encode(svg),
        width
            .map(|w| format!(" width=\"{}\"", escape_html(w)))
            .unwrap_or_default(),
        height
            .map(|h| format!(" height=\"{}\"", escape_html(h)))
            .unwrap_or_default(),
        escape_html(alt),
    );
    let tips = titles(svg);
    if !tips.is_empty() {
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
    }
    out
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
    fn a_chart_becomes_a_sized_picture_with_its_tooltips_listed_and_escaped() {
        let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"200\"><circle><title>a &lt;b&gt; &amp; c</title></circle>\
<rect><title>2 events\nhost &#39;x&#39;</title></rect></svg>";
        let html = picture(svg, "timeline of \"x\"");
        assert!(html.starts_with("<img src=\"data:image/svg+xml;base64,"), "{html}");
        assert!(
            html.contains(" width=\"640\" height=\"200\" alt=\"timeline of &quot;x&quot;\""),
            "{html}"
        );
        let encoded = html.split("base64,").nth(1).unwrap().split('"').next().unwrap();
        assert_eq!(STANDARD.decode(encoded).unwrap(), svg.as_bytes());
        assert!(!html.contains("<svg") && !html.contains("<title>"), "{html}");
        assert!(html.contains("what the chart's marks say (2)"), "{html}");
        // Unescaped from the SVG, escaped again for HTML: nothing doubled, nothing raw.
        assert!(html.contains(">a &lt;b&gt; &amp; c</td>"), "{html}");
        assert!(html.contains(">2 events\nhost &#39;x&#39;</td>"), "{html}");
    }

    #[test]
    fn long_lists_say_how_many_were_left_out() {
        let marks: String = (0..MAX_LISTED + 5)
            .map(|i| format!("<circle><title>p{i}</title></circle>"))
            .collect();
        let html = picture(&format!("<svg width=\"1\" height=\"1\">{marks}</svg>"), "chart");
        assert_eq!(html.matches("<tr>").count(), MAX_LISTED);
        assert!(
            html.contains(&format!("the first {MAX_LISTED} of {} are listed", MAX_LISTED + 5)),
            "{html}"
        );
    }
}

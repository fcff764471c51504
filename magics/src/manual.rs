//! Help pages, made from signatures: `%help`, `%magic?`, shift-tab inspection and the
//! pager all show [`help_bundle`] of a magic's signature, so they never disagree.

use std::fmt::Write;

use huntbook::render::escape_html;
use huntbook::render::grid::{Cell, Grid};

use crate::bundle::MimeBundle;
use crate::figure::Figure;
use crate::registry::Registry;
use crate::signature::{Example, Forms, Kind, Signature};

/// The full help of one magic, as text and HTML.
pub fn help_bundle(sig: &Signature) -> MimeBundle {
    page(sig).bundle()
}

pub fn page(sig: &Signature) -> Figure {
    Figure::rich(help_html(sig), help_text(sig))
}

fn option_label(long: &str, short: Option<char>, value: Option<(&str, Kind)>) -> String {
    let mut label = format!("--{long}");
    if let Some(s) = short {
        label = format!("-{s}, {label}");
    }
    match value {
        Some((_, Kind::Choice(choices))) => format!("{label} {}", choices.join("|")),
        Some((placeholder, _)) => format!("{label} {placeholder}"),
        None => label,
    }
}

pub fn help_text(sig: &Signature) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "%{} — {}\n", sig.name, sig.summary);
    let _ = writeln!(out, "Usage:");
    for form in sig.usage() {
        for line in form.lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    let _ = writeln!(out, "\n{}\n", sig.description);
    if !sig.params.is_empty() {
        let _ = writeln!(out, "Arguments:");
        for p in sig.params {
            let optional = if p.required { "" } else { " (optional)" };
            let _ = writeln!(out, "  {:<24} {}{optional}", p.name.to_uppercase(), p.help);
        }
        out.push('\n');
    }
    if !sig.options.is_empty() {
        let _ = writeln!(out, "Options:");
        for o in sig.options {
            let default = o.default.map(|d| format!(" (default {d})")).unwrap_or_default();
            let _ = writeln!(
                out,
                "  {:<24} {}{default}",
                option_label(o.long, o.short, o.value),
                o.help
            );
        }
        out.push('\n');
    }
    if let Some(body) = sig.body {
        let _ = writeln!(out, "Body: {body}\n");
    }
    let _ = writeln!(out, "Gives: {}", sig.returns);
    if !sig.examples.is_empty() {
        let _ = writeln!(out, "\nExamples:");
        for Example { code, about, .. } in sig.examples {
            let _ = writeln!(out, "  # {about}");
            for line in code.lines() {
                let _ = writeln!(out, "  {line}");
            }
        }
    }
    out.trim_end().to_string()
}

fn help_html(sig: &Signature) -> String {
    let e = escape_html;
    let mut out = format!("<h3><code>%{}</code> — {}</h3>", e(sig.name), e(sig.summary));
    for form in sig.usage() {
        let _ = write!(out, "<pre>{}</pre>", e(&form));
    }
    let _ = write!(out, "<p>{}</p>", e(sig.description));
    if !sig.params.is_empty() || !sig.options.is_empty() {
        let mut grid = Grid::new(["argument", "meaning"]);
        for p in sig.params {
            let optional = if p.required { "" } else { " (optional)" };
            grid.row([
                Cell::Code(p.name.to_uppercase()),
                Cell::Text(format!("{}{optional}", p.help)),
            ]);
        }
        for o in sig.options {
            let default = o.default.map(|d| format!(" (default {d})")).unwrap_or_default();
            grid.row([
                Cell::Code(option_label(o.long, o.short, o.value)),
                Cell::Text(format!("{}{default}", o.help)),
            ]);
        }
        out.push_str(&grid.html());
    }
    if let Some(body) = sig.body {
        let _ = write!(out, "<p><b>Body:</b> {}</p>", e(body));
    }
    let _ = write!(out, "<p><b>Gives:</b> {}</p>", e(sig.returns));
    if !sig.examples.is_empty() {
        out.push_str("<p><b>Examples</b></p>");
        for ex in sig.examples {
            let _ = write!(out, "<p>{}</p><pre>{}</pre>", e(ex.about), e(ex.code));
        }
    }
    out
}

/// Every magic in one table: name, what it does, how it is written.
pub fn overview(registry: &Registry) -> Figure {
    let mut text = String::from("%help NAME or %NAME? for details\n\n");
    let mut grid = Grid::new(["magic", "does", "usage"]);
    for sig in registry.signatures() {
        let sigil = if sig.forms == Forms::Cell { "%%" } else { "%" };
        let usage = sig.usage().join("  |  ").replace('\n', " ⏎ ");
        let _ = writeln!(text, "  {sigil}{:<10} {}", sig.name, sig.summary);
        grid.row([
            Cell::Code(format!("{sigil}{}", sig.name)),
            Cell::from(sig.summary),
            Cell::Code(usage),
        ]);
    }
    let html = format!(
        "<p><code>%help NAME</code> or <code>%NAME?</code> shows one in full; <code>name = %magic …</code> keeps a \
frame result under a name; <code>_</code> is always the last result.</p>{}",
        grid.html()
    );
    Figure::rich(html, text.trim_end()).heading("Huntbook magics")
}

//! `%help [MAGIC]`, and the help pages every other form of help reuses: `%magic?`,
//! shift-tab inspection and the pager all show [`help_bundle`] of the magic's signature.

use std::fmt::Write;

use huntbook::render::escape_html;

use crate::bundle::MimeBundle;
use crate::diag::{Diagnostic, did_you_mean};
use crate::parse::Args;
use crate::registry::{Context, Magic, Outcome, Registry, Value};
use crate::signature::{Example, Forms, Kind, Param, Signature};

pub struct Help;

static SIGNATURE: Signature = Signature {
    name: "help",
    summary: "Show what every magic does, or the full help of one",
    description: "Without an argument, an overview of all magics. With a magic's name, its usage, options and examples \
(the same page as %name? and shift-tab).",
    forms: Forms::Line,
    params: &[Param {
        name: "magic",
        help: "a magic's name, with or without %",
        kind: Kind::MagicName,
        required: false,
        rest: false,
    }],
    options: &[],
    body: None,
    returns: "a help display",
    examples: &[Example {
        code: "%help load",
        about: "how %load is used",
        expect: None,
    }],
};

impl Magic for Help {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let Some(arg) = args.param("magic") else {
            return Ok(Outcome::new(Value::Display(overview_bundle(ctx.registry))));
        };
        let name = arg.text.trim_start_matches('%');
        match ctx.registry.get(name) {
            Some(magic) => Ok(Outcome::new(Value::Display(help_bundle(magic.signature())))),
            None => {
                let d = Diagnostic::new("unknown-magic", format!("there is no magic %{name}")).at(arg.span.clone());
                Err(match did_you_mean(name, ctx.registry.signatures().map(|s| s.name)) {
                    Some(s) => d.hint(format!("did you mean {s}?")),
                    None => d.hint("%help alone lists every magic"),
                })
            }
        }
    }
}

const STYLE: &str = "<style>.hb-help{font-size:13px}.hb-help pre{margin:2px 0;padding:4px 6px;\
background:var(--jp-layout-color2,#f5f5f5)}.hb-help td,.hb-help th{text-align:left;vertical-align:top;padding:2px 8px}\
.hb-help code{white-space:pre}</style>";

/// The full help of one magic, as text and HTML.
pub fn help_bundle(sig: &Signature) -> MimeBundle {
    MimeBundle::text(help_text(sig)).with("text/html", help_html(sig))
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
    let mut out = format!(
        "<div class=\"hb-help\">{STYLE}<h3><code>%{}</code> — {}</h3>",
        e(sig.name),
        e(sig.summary)
    );
    for form in sig.usage() {
        let _ = write!(out, "<pre>{}</pre>", e(&form));
    }
    let _ = write!(out, "<p>{}</p>", e(sig.description));
    if !sig.params.is_empty() || !sig.options.is_empty() {
        out.push_str("<table>");
        for p in sig.params {
            let optional = if p.required { "" } else { " (optional)" };
            let _ = write!(
                out,
                "<tr><th><code>{}</code></th><td>{}{optional}</td></tr>",
                e(&p.name.to_uppercase()),
                e(p.help)
            );
        }
        for o in sig.options {
            let default = o.default.map(|d| format!(" (default {})", e(d))).unwrap_or_default();
            let _ = write!(
                out,
                "<tr><th><code>{}</code></th><td>{}{default}</td></tr>",
                e(&option_label(o.long, o.short, o.value)),
                e(o.help)
            );
        }
        out.push_str("</table>");
    }
    if let Some(body) = sig.body {
        let _ = write!(out, "<p><b>Body:</b> {}</p>", e(body));
    }
    let _ = write!(out, "<p><b>Gives:</b> {}</p>", e(sig.returns));
    if !sig.examples.is_empty() {
        out.push_str("<p><b>Examples</b></p>");
        for ex in sig.examples {
            let _ = write!(out, "<div>{}</div><pre>{}</pre>", e(ex.about), e(ex.code));
        }
    }
    out.push_str("</div>");
    out
}

/// Every magic in one table: name, what it does, how it is written.
pub fn overview_bundle(registry: &Registry) -> MimeBundle {
    let e = escape_html;
    let mut text = String::from("Huntbook magics — %help NAME or %NAME? for details\n\n");
    let mut html = format!(
        "<div class=\"hb-help\">{STYLE}<h3>Huntbook magics</h3><p><code>%help NAME</code> or <code>%NAME?</code> shows one in full; \
<code>name = %magic …</code> keeps a frame result under a name; <code>_</code> is always the last result.</p>\
<table><tr><th>magic</th><th>does</th><th>usage</th></tr>"
    );
    for sig in registry.signatures() {
        let sigil = if sig.forms == Forms::Cell { "%%" } else { "%" };
        let usage = sig.usage().join("  |  ").replace('\n', " ⏎ ");
        let _ = writeln!(text, "  {sigil}{:<10} {}", sig.name, sig.summary);
        let _ = write!(
            html,
            "<tr><td><code>{sigil}{}</code></td><td>{}</td><td><code>{}</code></td></tr>",
            e(sig.name),
            e(sig.summary),
            e(&usage)
        );
    }
    html.push_str("</table></div>");
    MimeBundle::text(text.trim_end()).with("text/html", html)
}

//! `%sessions FRAME --user COL --event COL [--params COL [--values]]`: events cut into
//! sessions per user and scored with msticpy's Markov models (commands; with their
//! parameters; with their values), the rarest sessions first with their rarest window of
//! commands marked.

use huntbook::Frame;
use huntbook::render::escape::{escape_html, visible_text};
use huntbook::render::table::thousands;
use huntbook::sessions::{self, Kind as ModelKind, Params, Rarest, Session};
use huntbook::time::{Precision, utc};

use crate::args::Args;
use crate::columns::{TIME_OPTION, named_column, named_columns, time_column};
use crate::diag::Diagnostic;
use crate::figure::Figure;
use crate::parse::Spanned;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Kind, Opt, Param, Signature};

pub struct SessionsMagic;

static SIGNATURE: Signature = Signature {
    name: "sessions",
    summary: "Cut events into user sessions and find the rare ones (msticpy's Markov session model)",
    description: "Sorts the events by --user (one or more columns) and time and cuts them into sessions: a new \
one when the user changes, after a gap longer than --gap, or past --max-length (msticpy's sessionize_data). A \
Markov model of the --event commands is trained on all the sessions (start, end and unknown tokens, Laplace \
smoothing: msticpy's commands-only Model) and each session is scored by its least likely window of --window \
commands. With --params (a column of each event's parameters: a JSON list of {Name, Value}, as Exchange and Office \
audit events have, a JSON object or a list of names) the model also weighs which parameters each command had \
(msticpy's commands-with-parameters model), and with --values their values too, for the parameters with few \
distinct values (msticpy's modellable parameters). The sessions come rarest first, the rare window marked; the frame \
has the user columns, first and last time, duration, number of events, the commands, the window's likelihood and the \
window (and its parameters).",
    forms: Forms::Line,
    params: &[Param::new("frame", Kind::Frame, "the events").required()],
    options: &[
        Opt::value(
            "user",
            "COL[,COL]",
            Kind::Text,
            "the columns that tell users (or hosts, addresses) apart",
        ),
        Opt::value(
            "event",
            "COL",
            Kind::Text,
            "the column of commands (operations, event names)",
        ),
        Opt::value(
            "params",
            "COL",
            Kind::Text,
            "the column of each event's parameters: model which ones each command had",
        ),
        Opt::flag("values", "with --params: model the parameters' values too"),
        TIME_OPTION,
        Opt::value("gap", "SPAN", Kind::Text, "a longer pause starts a new session").default("20m"),
        Opt::value("max-length", "SPAN", Kind::Text, "no session is longer").default("1d"),
        Opt::value("window", "N", Kind::Int { min: 1 }, "commands in the window scored").default("3"),
        Opt::value("rows", "N", Kind::Int { min: 1 }, "sessions shown").default("10"),
    ],
    body: None,
    returns: "a frame, rarest session first",
    examples: &[
        Example::new(
            "%sessions procs --user SubjectUserName --event NewProcessName --gap 5m",
            "each account's runs of programs, the rarest sequences first",
        ),
        Example::new(
            "%sessions exchange --user UserId,ClientIP --event Operation --params Parameters --values --gap 2m",
            "Exchange admin sessions scored on cmdlets, their parameters and values",
        ),
    ],
};

impl Magic for SessionsMagic {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let arg = args.required("frame")?;
        let frame = ctx.session.frame(arg)?;
        let needed = |long: &str, what: &str| -> Result<&Spanned, Diagnostic> {
            args.option(long).ok_or_else(|| {
                Diagnostic::new("missing-argument", format!("%sessions needs --{long} {what}"))
                    .at(args.call_span.clone())
                    .hint(format!("columns: {}", frame.column_names().join(", ")))
            })
        };
        let users = named_columns(frame, needed("user", "COL[,COL]")?)?;
        let event = named_column(frame, needed("event", "COL")?)?;
        let parameters = args.option("params").map(|p| named_column(frame, p)).transpose()?;
        let kind = match (&parameters, args.flag("values")) {
            (None, false) => ModelKind::Commands,
            (Some(_), false) => ModelKind::Parameters,
            (Some(_), true) => ModelKind::Values,
            (None, true) => {
                return Err(Diagnostic::new(
                    "missing-argument",
                    "--values needs --params COL: the values of which parameters?",
                )
                .at(args.call_span.clone())
                .hint(format!("columns: {}", frame.column_names().join(", "))));
            }
        };
        let time = time_column(frame, args.option("time"))?;
        let (gap, gap_given) = args.span_micros("gap")?;
        let (max_length, max_length_given) = args.span_micros("max-length")?;
        let params = Params {
            users,
            time,
            event,
            parameters,
            values: kind == ModelKind::Values,
            gap,
            max_length,
        };
        let window = args.count("window")?;
        let found =
            sessions::sessionize(&frame.data, &params).map_err(|e| Diagnostic::engine(e, Some(arg.span.clone())))?;
        if found.value.is_empty() {
            return Err(Diagnostic::new("no-rows", "no event with a time: no sessions").at(arg.span.clone()));
        }
        let (df, ranked) = sessions::scored_frame(&found.value, &params, window, kind)
            .map_err(|e| Diagnostic::engine(e, Some(args.call_span.clone())))?;
        let rows = args.count("rows")?;
        let model = match kind {
            ModelKind::Commands => "commands".to_string(),
            ModelKind::Parameters => format!(
                "commands and their {}",
                params.parameters.as_deref().unwrap_or_default()
            ),
            ModelKind::Values => format!(
                "commands, their {} and values",
                params.parameters.as_deref().unwrap_or_default()
            ),
        };
        let figure = cards(&found.value, &ranked, window, rows, kind).heading(format!(
            "{} events in {} sessions (per {}; gap {}, at most {}); rarest windows of {window} {model} first",
            thousands(frame.height()),
            thousands(found.value.len()),
            params.users.join(", "),
            gap_given.text,
            max_length_given.text,
        ));
        let mut out = Frame::new(df, frame.provenance.source.clone());
        out.provenance.query = Some(format!("%sessions {}", arg.text));
        Ok(Outcome::warned(Value::Shown(out, figure), found.warnings))
    }
}

/// The rarest `rows` sessions, each a line: user, time, likelihood, and the commands with
/// the rare window marked; with a model of parameters, the window's parameters under it
/// (a long list folded to its start in HTML, shortened with "…" in text; whole in the frame).
fn cards(sessions: &[Session], ranked: &[(usize, Rarest)], window: usize, rows: usize, kind: ModelKind) -> Figure {
    let (mut html, mut text) = (String::from("<ol class=\"hb-sessions\">"), String::new());
    for (i, rarest) in ranked.iter().take(rows) {
        let s = &sessions[*i];
        let (at, likelihood) = (rarest.start, rarest.likelihood);
        let user: Vec<&str> = s.user.iter().map(|u| u.as_deref().unwrap_or("—")).collect();
        let head = format!(
            "{} · {} UTC · {} events · likelihood {}",
            user.join(" / "),
            utc(s.start, Precision::Seconds),
            s.commands.len(),
            if likelihood.is_nan() {
                "— (shorter than the window)".into()
            } else {
                format!("{likelihood:.3e}")
            }
        );
        let in_window = |k: usize| at.is_some_and(|a| k >= a && k < a + window);
        let (marked, plain): (Vec<String>, Vec<String>) = s
            .commands
            .iter()
            .enumerate()
            .map(|(k, c)| {
                if in_window(k) {
                    (
                        format!("<mark>{}</mark>", escape_html(c)),
                        format!("[{}]", visible_text(c)),
                    )
                } else {
                    (escape_html(c), visible_text(c).into_owned())
                }
            })
            .unzip();
        html.push_str(&format!("<li><b>{}</b><br/>{}", escape_html(&head), marked.join(" → ")));
        text.push_str(&format!("{}\n  {}\n", visible_text(&head), plain.join(" → ")));
        if kind != ModelKind::Commands {
            let given = sessions::window_parameters(s, rarest, kind == ModelKind::Values);
            let (html_part, text_part) = parameters_line(&given);
            html.push_str(&html_part);
            text.push_str(&text_part);
        }
        html.push_str("</li>");
    }
    html.push_str("</ol>");
    if ranked.len() > rows {
        let more = format!(
            "showing {rows} of {} sessions (--rows N for more; all are in the frame)",
            ranked.len()
        );
        html.push_str(&format!("<p>{}</p>", escape_html(&more)));
        text.push_str(&more);
    }
    Figure::rich(html, text)
}

/// The rare window's parameters under a card: HTML (folded when long) and text.
fn parameters_line(given: &str) -> (String, String) {
    const FOLD: usize = 240;
    let long = given.chars().count() > FOLD;
    let html = if long {
        let start: String = given.chars().take(100).collect();
        format!(
            "<details><summary><small>parameters: {}…</small></summary><small>{}</small></details>",
            escape_html(&start),
            escape_html(given)
        )
    } else {
        format!("<div><small>parameters: {}</small></div>", escape_html(given))
    };
    let mut text: String = visible_text(given).chars().take(FOLD).collect();
    if long {
        text.push_str("… (whole in the frame)");
    }
    (html, format!("  parameters: {text}\n"))
}

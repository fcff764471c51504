//! `%timeline FRAME[,FRAME…]`: events on a time axis, one lane per group, or values over
//! time; reference lines and alerts as markers. SVG, readable in any front end.

use huntbook::Frame;
use huntbook::frame::{text_values, time_values};
use huntbook::render::chart::{self, Chart, Kind as ChartKind, Marker};
use huntbook::render::lanes::{Source, lanes};
use huntbook::render::zoom;
use huntbook::time::Precision;

use crate::args::Args;
use crate::columns::{TIME_OPTION, named_column, named_columns, numeric_column, time_column};
use crate::diag::Diagnostic;
use crate::figure::Figure;
use crate::parse::Spanned;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Kind, Opt, Param, Signature};

pub struct Timeline;

/// Lanes drawn; more groups than this are folded into one lane, and the chart says so.
const MAX_LANES: usize = 30;

static SIGNATURE: Signature = Signature {
    name: "timeline",
    summary: "Events on a time axis, one lane per group, or values over time, with reference lines and alerts",
    description: "Draws the rows of one or more frames by time: one lane per frame, or per value of --group-by; with \
--value, the numbers of that column as a line, bars or points. Hovering a mark shows its time and the --columns chosen. \
--ref adds a labelled reference line, --alerts the times of an alert frame. Lanes with more than 5,000 events are drawn \
as density, and the chart says so. The output is plain SVG: it reads the same in JupyterLab, VS Code, GitHub and nbviewer.",
    forms: Forms::Line,
    params: &[Param::new("frames", Kind::Text, "FRAME or FRAME,FRAME,… to draw").required()],
    options: &[
        TIME_OPTION,
        Opt::value("group-by", "COLUMN", Kind::Text, "one lane per value of this column").short('g'),
        Opt::value(
            "value",
            "COLUMN",
            Kind::Text,
            "plot this numeric column instead of event marks",
        )
        .short('v'),
        Opt::value(
            "kind",
            "KIND",
            Kind::Choice(&["line", "bar", "point"]),
            "how --value is drawn",
        )
        .short('k')
        .default("line"),
        Opt::value(
            "ref",
            "TIME[=LABEL]",
            Kind::Text,
            "a reference line at TIME (2019-02-10 06:00, -3h …), labelled",
        )
        .short('r'),
        Opt::value(
            "alerts",
            "FRAME",
            Kind::Frame,
            "mark the times of the alerts in this frame",
        )
        .short('a'),
        Opt::value("columns", "COL, …", Kind::Text, "columns shown when hovering a mark").short('c'),
        Opt::value("title", "TEXT", Kind::Text, "the chart title").short('t'),
        Opt::value(
            "around",
            "TIME±SPAN",
            Kind::Text,
            "draw only TIME ± SPAN ('2019-01-15 05:15:10 ±30s'); without it, a burst that crowds into a sliver of the axis gets an inset",
        ),
    ],
    body: None,
    returns: "a chart",
    examples: &[
        Example::new(
            "%timeline logons --group-by LogonType",
            "logons, one lane per logon type",
        ),
        Example::new(
            "%timeline flows --value TotalBytesSent --kind bar",
            "bytes sent over time",
        ),
        Example::new(
            "%timeline procs,logons --alerts alerts --ref '2019-02-10 06:00=first beacon'",
            "two frames in their own lanes, with alerts and a reference line",
        ),
        Example::new(
            "%timeline procs --group-by SubjectUserName --around '2019-01-15 05:15:10 ±30s'",
            "the minute around one time",
        ),
    ],
};

/// The call, read once from its arguments.
struct Plan<'a> {
    frames: &'a Spanned,
    time: Option<&'a Spanned>,
    group_by: Option<&'a Spanned>,
    value: Option<(&'a Spanned, ChartKind)>,
    reference: Option<&'a Spanned>,
    alerts: Option<&'a Spanned>,
    columns: Option<&'a Spanned>,
    title: Option<&'a Spanned>,
    around: Option<&'a Spanned>,
}

impl<'a> Plan<'a> {
    fn from_args(args: &'a Args) -> Result<Self, Diagnostic> {
        let kind = match args.choice(&SIGNATURE, "kind") {
            Some("bar") => ChartKind::Bar,
            Some("point") => ChartKind::Point,
            _ => ChartKind::Line,
        };
        Ok(Plan {
            frames: args.required("frames")?,
            time: args.option("time"),
            group_by: args.option("group-by"),
            value: args.option("value").map(|v| (v, kind)),
            reference: args.option("ref"),
            alerts: args.option("alerts"),
            columns: args.option("columns"),
            title: args.option("title"),
            around: args.option("around"),
        })
    }

    /// The chart's title: `--title`, else what is drawn.
    fn title(&self, frames: &[(String, &Frame)]) -> String {
        if let Some(t) = self.title {
            return t.text.clone();
        }
        let mut t = frames.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ");
        if let Some((v, _)) = self.value {
            t = format!("{} of {t}", v.text);
        }
        if let Some(g) = self.group_by {
            t.push_str(&format!(" by {}", g.text));
        }
        t
    }
}

impl Magic for Timeline {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let plan = Plan::from_args(args)?;
        let spec = plan.frames;
        let mut frames = Vec::new();
        for name in spec.text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let arg = Spanned {
                text: name.to_string(),
                span: spec.span.clone(),
            };
            frames.push((name.to_string(), ctx.session.frame(&arg)?));
        }
        // Every column named is checked on every frame before anything is drawn.
        let mut checked = Vec::new();
        for (_, frame) in &frames {
            let time = time_column(frame, plan.time)?;
            let group = plan.group_by.map(|g| named_column(frame, g)).transpose()?;
            let value = plan.value.map(|(v, _)| numeric_column(frame, v)).transpose()?;
            let tips = match plan.columns {
                Some(c) => named_columns(frame, c)?,
                None => frame
                    .column_names()
                    .into_iter()
                    .filter(|c| c != &time)
                    .take(5)
                    .collect(),
            };
            checked.push((time, group, value, tips));
        }
        let sources: Vec<Source> = frames
            .iter()
            .zip(&checked)
            .map(|((name, frame), (time, group, value, tips))| Source {
                name,
                data: &frame.data,
                time,
                group: group.as_deref(),
                value: value.as_deref(),
                tips,
            })
            .collect();
        let built = lanes(&sources, MAX_LANES).map_err(|e| Diagnostic::engine(e, Some(spec.span.clone())))?;
        let mut warnings = built.warnings;
        let lanes = built.value;
        let mut markers = Vec::new();
        if let Some(r) = plan.reference {
            let (time, label) = r.text.split_once('=').unwrap_or((&r.text, ""));
            let t = huntbook::time::parse_time(time, chrono::Utc::now())
                .map_err(|e| Diagnostic::new("bad-value", e).at(r.span.clone()))?;
            markers.push(Marker {
                time: t.timestamp_micros(),
                label: if label.is_empty() {
                    time.trim().to_string()
                } else {
                    label.to_string()
                },
                colour: "#333333",
            });
        }
        if let Some(a) = plan.alerts {
            let alerts = ctx.session.frame(a)?;
            let time = ["TimeGenerated", "StartTime", "StartTimeUtc", "TimeCreated"]
                .iter()
                .find(|c| alerts.column_names().iter().any(|n| n == *c))
                .map(|c| c.to_string())
                .map_or_else(|| time_column(alerts, None), Ok)?;
            let label_col = ["AlertDisplayName", "AlertName", "Title", "title"]
                .iter()
                .find(|c| alerts.column_names().iter().any(|n| n == *c));
            let times = time_values(&alerts.data, &time).map_err(|e| Diagnostic::engine(e, None))?;
            let labels = label_col
                .map(|c| text_values(&alerts.data, c))
                .transpose()
                .map_err(|e| Diagnostic::engine(e, Some(a.span.clone())))?;
            for (i, t) in times.into_iter().enumerate() {
                if let Some(t) = t {
                    markers.push(Marker {
                        time: t,
                        label: labels.as_ref().and_then(|l| l.get(i)).unwrap_or("alert").to_string(),
                        colour: "#e15759",
                    });
                }
            }
        }
        let title = plan.title(&frames);
        let events: usize = lanes.iter().map(|l| l.times.len()).sum();
        let chart_def = Chart {
            title,
            lanes,
            kind: plan.value.map(|(_, kind)| kind),
            value_label: plan.value.map_or_else(String::new, |(v, _)| v.text.clone()),
            markers,
            highlights: Vec::new(),
        };
        let (svg, notes, zoom) = draw(&chart_def, plan.around)?;
        warnings.extend(notes);
        let heading = format!(
            "timeline: {} points in {} lanes{}{zoom}",
            events,
            chart_def.lanes.len(),
            if chart_def.markers.is_empty() {
                String::new()
            } else {
                format!(", {} markers", chart_def.markers.len())
            },
        );
        let figure = Figure::default().image(svg).heading(heading);
        Ok(Outcome::warned(Value::Result(figure), warnings))
    }
}

/// The chart as SVG, with the notes of how it was drawn and what the heading should add
/// about zooming: `--around` draws only its window; otherwise a burst that crowds into a
/// sliver of the axis is drawn again, zoomed, under the whole.
fn draw(chart_def: &Chart, around: Option<&Spanned>) -> Result<(String, Vec<String>, String), Diagnostic> {
    if let Some(a) = around {
        let (time, span) = a
            .text
            .split_once('±')
            .or_else(|| a.text.split_once("+-"))
            .ok_or_else(|| {
                Diagnostic::new("bad-value", format!("--around {:?} has no ±: write TIME ±SPAN", a.text))
                    .at(a.span.clone())
                    .hint("for example --around '2019-01-15 05:15:10 ±30s' (+- works too)")
            })?;
        let at = huntbook::time::parse_time(time.trim(), chrono::Utc::now())
            .map_err(|e| Diagnostic::new("bad-value", e).at(a.span.clone()))?;
        let span =
            huntbook::time::parse_span(span.trim()).map_err(|e| Diagnostic::new("bad-value", e).at(a.span.clone()))?;
        let (start, end) = ((at - span).timestamp_micros(), (at + span).timestamp_micros());
        let title = format!("{} around {}", chart_def.title, a.text.trim());
        let part = zoom::window(chart_def, start, end, title);
        let shown: usize = part.lanes.iter().map(|l| l.times.len()).sum();
        let (svg, notes) = chart::render(&part);
        return Ok((svg, notes, format!(", {shown} within {}", a.text.trim())));
    }
    let (svg, mut notes) = chart::render(chart_def);
    let Some((first, last, n)) = zoom::burst(chart_def) else {
        return Ok((svg, notes, String::new()));
    };
    let pad = ((last - first) / 10).max(1_000_000);
    let (from, to) = (
        huntbook::time::utc(first, Precision::Seconds),
        huntbook::time::utc(last, Precision::Seconds),
    );
    let title = format!("zoom: {n} events from {from} to {to} UTC");
    let (inset, more) = chart::render(&zoom::window(chart_def, first - pad, last + pad, title));
    notes.extend(more);
    let zoom = format!(", {n} of them within {from} – {to} (zoomed below; --around TIME±SPAN picks another window)");
    Ok((zoom::stack(&[svg, inset]), notes, zoom))
}

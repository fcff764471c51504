//! `%timeline FRAME[,FRAME…]`: events on a time axis, one lane per group, or values over
//! time; reference lines and alerts as markers. SVG, readable in any front end.

use huntbook::Frame;
use huntbook::frame::{text_values, time_values};
use huntbook::render::chart::{self, Chart, Kind as ChartKind, Lane, Marker};
use huntbook::render::escape_html;
use huntbook::timeseries::when;
use polars::prelude::*;

use crate::bundle::MimeBundle;
use crate::diag::{Diagnostic, column_hint};
use crate::parse::{Args, Spanned};
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
    params: &[Param {
        name: "frames",
        help: "FRAME or FRAME,FRAME,… to draw",
        kind: Kind::Text,
        required: true,
        rest: false,
    }],
    options: &[
        TIME_OPTION,
        Opt {
            long: "group-by",
            short: Some('g'),
            value: Some(("COLUMN", Kind::Text)),
            help: "one lane per value of this column",
            default: None,
        },
        Opt {
            long: "value",
            short: Some('v'),
            value: Some(("COLUMN", Kind::Text)),
            help: "plot this numeric column instead of event marks",
            default: None,
        },
        Opt {
            long: "kind",
            short: Some('k'),
            value: Some(("KIND", Kind::Choice(&["line", "bar", "point"]))),
            help: "how --value is drawn",
            default: Some("line"),
        },
        Opt {
            long: "ref",
            short: Some('r'),
            value: Some(("TIME[=LABEL]", Kind::Text)),
            help: "a reference line at TIME (2019-02-10 06:00, -3h …), labelled",
            default: None,
        },
        Opt {
            long: "alerts",
            short: Some('a'),
            value: Some(("FRAME", Kind::Frame)),
            help: "mark the times of the alerts in this frame",
            default: None,
        },
        Opt {
            long: "columns",
            short: Some('c'),
            value: Some(("COL,…", Kind::Text)),
            help: "columns shown when hovering a mark",
            default: None,
        },
        Opt {
            long: "title",
            short: Some('t'),
            value: Some(("TEXT", Kind::Text)),
            help: "the chart title",
            default: None,
        },
    ],
    body: None,
    returns: "a chart",
    examples: &[
        Example {
            code: "%timeline logons --group-by LogonType",
            about: "logons, one lane per logon type",
            expect: None,
        },
        Example {
            code: "%timeline flows --value TotalBytesSent --kind bar",
            about: "bytes sent over time",
            expect: None,
        },
        Example {
            code: "%timeline procs,logons --alerts alerts --ref '2019-02-10 06:00=first beacon'",
            about: "two frames in their own lanes, with alerts and a reference line",
            expect: None,
        },
    ],
};

/// `--time COLUMN`, shared by the magics that put rows on a time axis.
pub const TIME_OPTION: Opt = Opt {
    long: "time",
    short: None,
    value: Some(("COLUMN", Kind::Text)),
    help: "the time column (default TimeGenerated, else the first time column)",
    default: None,
};

/// The time column to use: named, or TimeGenerated, or the first datetime column.
pub fn time_column(frame: &Frame, named: Option<&Spanned>) -> Result<String, Diagnostic> {
    if let Some(n) = named {
        return named_column(frame, n);
    }
    let names = frame.column_names();
    if names.iter().any(|c| c == "TimeGenerated") {
        return Ok("TimeGenerated".into());
    }
    frame
        .data
        .columns()
        .iter()
        .find(|c| matches!(c.dtype(), DataType::Datetime(..) | DataType::Date))
        .map(|c| c.name().to_string())
        .ok_or_else(|| {
            Diagnostic::new("no-time", "the frame has no time column")
                .hint(format!("name one with --time (columns: {})", names.join(", ")))
        })
}

/// A column as text in one chunk, for reading single values.
fn text_chunked(df: &DataFrame, name: &str) -> Result<StringChunked, Diagnostic> {
    text_values(df, name).map_err(|e| Diagnostic::engine(e, None))
}

/// The column `spec` names, or an error with the likely one.
fn named_column(frame: &Frame, spec: &Spanned) -> Result<String, Diagnostic> {
    let names = frame.column_names();
    if names.iter().any(|c| c == &spec.text) {
        return Ok(spec.text.clone());
    }
    let d = Diagnostic::new("no-column", format!("no column {:?} in the frame", spec.text)).at(spec.span.clone());
    Err(column_hint(d, &spec.text, &names, ""))
}

impl Magic for Timeline {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let spec = args.param("frames").expect("required by the signature");
        let mut frames = Vec::new();
        for name in spec.text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let arg = Spanned {
                text: name.to_string(),
                span: spec.span.clone(),
            };
            frames.push((name.to_string(), ctx.session.frame(&arg)?));
        }
        let kind = args
            .option("value")
            .map(|_| match args.option("kind").map(|k| k.text.as_str()) {
                Some("bar") => ChartKind::Bar,
                Some("point") => ChartKind::Point,
                _ => ChartKind::Line,
            });
        let mut warnings = Vec::new();
        // Each lane with the (frame, row) of every mark; per frame, its tooltip columns.
        let mut lanes: Vec<(Lane, Vec<(usize, usize)>)> = Vec::new();
        let mut tip_sources: Vec<Vec<(String, StringChunked)>> = Vec::new();
        for (name, frame) in &frames {
            let time = time_column(frame, args.option("time"))?;
            let df = &frame.data;
            let times = time_values(df, &time).map_err(|e| Diagnostic::engine(e, None))?;
            let groups = match args.option("group-by") {
                Some(g) => {
                    named_column(frame, g)?;
                    Some(text_chunked(df, &g.text)?)
                }
                None => None,
            };
            let values: Option<Vec<Option<f64>>> = match args.option("value") {
                Some(v) => {
                    named_column(frame, v)?;
                    let col = df.column(&v.text).expect("checked");
                    if !col.dtype().is_primitive_numeric() {
                        return Err(Diagnostic::new(
                            "bad-value",
                            format!(
                                "column {:?} holds {} values; --value needs numbers",
                                v.text,
                                col.dtype()
                            ),
                        )
                        .at(v.span.clone()));
                    }
                    let f = col
                        .cast(&DataType::Float64)
                        .map_err(|e| Diagnostic::engine(e.into(), None))?;
                    Some(
                        f.f64()
                            .map_err(|e| Diagnostic::engine(e.into(), None))?
                            .iter()
                            .collect(),
                    )
                }
                None => None,
            };
            let tip_columns: Vec<String> = match args.option("columns") {
                Some(c) => {
                    let list: Vec<String> = c
                        .text
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect();
                    for col in &list {
                        named_column(
                            frame,
                            &Spanned {
                                text: col.clone(),
                                span: c.span.clone(),
                            },
                        )?;
                    }
                    list
                }
                None => frame
                    .column_names()
                    .into_iter()
                    .filter(|c| c != &time)
                    .take(5)
                    .collect(),
            };
            let frame_index = tip_sources.len();
            tip_sources.push(
                tip_columns
                    .iter()
                    .map(|c| Ok((c.clone(), text_chunked(df, c)?)))
                    .collect::<Result<_, Diagnostic>>()?,
            );
            // Lanes in order of first appearance, found by label; each lane's rows kept
            // so tooltips are built only for lanes drawn mark by mark.
            let mut by_group: Vec<(Lane, Vec<(usize, usize)>)> = Vec::new();
            let mut lane_of: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
            let mut skipped = 0usize;
            for i in 0..df.height() {
                let Some(t) = times[i] else {
                    skipped += 1;
                    continue;
                };
                let value = match &values {
                    Some(v) => match v[i] {
                        Some(x) => Some(x),
                        None => {
                            skipped += 1;
                            continue;
                        }
                    },
                    None => None,
                };
                let label = match &groups {
                    Some(g) => g.get(i).unwrap_or("(none)"),
                    None => name.as_str(),
                };
                let at = match lane_of.get(label) {
                    Some(&at) => at,
                    None => {
                        lane_of.insert(label.to_string(), by_group.len());
                        by_group.push((
                            Lane {
                                label: label.to_string(),
                                ..Default::default()
                            },
                            Vec::new(),
                        ));
                        by_group.len() - 1
                    }
                };
                let (lane, rows) = &mut by_group[at];
                lane.times.push(t);
                if let Some(v) = value {
                    lane.values.push(v);
                }
                rows.push((frame_index, i));
            }
            if skipped > 0 {
                warnings.push(format!(
                    "{name}: {skipped} rows without a readable time or value were left out"
                ));
            }
            lanes.extend(by_group);
        }
        if lanes.len() > MAX_LANES {
            lanes.sort_by_key(|(l, _)| std::cmp::Reverse(l.times.len()));
            let rest = lanes.split_off(MAX_LANES - 1);
            let mut other = Lane {
                label: format!("(other {} groups)", rest.len()),
                ..Default::default()
            };
            let mut other_rows = Vec::new();
            for (l, rows) in &rest {
                other.times.extend(&l.times);
                other.values.extend(&l.values);
                other_rows.extend(rows);
            }
            warnings.push(format!(
                "{} groups: the {} largest have lanes, the other {} share the last one",
                MAX_LANES - 1 + rest.len(),
                MAX_LANES - 1,
                rest.len()
            ));
            lanes.push((other, other_rows));
        }
        // Tooltips only for lanes drawn mark by mark (a density strip has none per event).
        let labelled = frames.len() > 1 || args.option("group-by").is_some();
        let lanes: Vec<Lane> = lanes
            .into_iter()
            .map(|(mut lane, rows)| {
                if rows.len() <= chart::POINT_BUDGET {
                    for (k, &(f, i)) in rows.iter().enumerate() {
                        let mut tip = format!("{} UTC", when(lane.times[k]));
                        if labelled {
                            tip.push_str(&format!(" · {}", lane.label));
                        }
                        if let Some(v) = lane.values.get(k) {
                            tip.push_str(&format!(" · {v}"));
                        }
                        for (c, vals) in &tip_sources[f] {
                            tip.push_str(&format!("\n{c}: {}", vals.get(i).unwrap_or("")));
                        }
                        lane.tips.push(tip);
                    }
                }
                lane
            })
            .collect();
        let mut markers = Vec::new();
        if let Some(r) = args.option("ref") {
            let (time, label) = r.text.split_once('=').unwrap_or((&r.text, ""));
            let t = huntbook::query::time::parse_time(time, chrono::Utc::now())
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
        if let Some(a) = args.option("alerts") {
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
            let labels = label_col.map(|c| text_chunked(&alerts.data, c)).transpose()?;
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
        let title = args.option("title").map_or_else(
            || {
                let mut t = frames.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ");
                if let Some(v) = args.option("value") {
                    t = format!("{} of {t}", v.text);
                }
                if let Some(g) = args.option("group-by") {
                    t.push_str(&format!(" by {}", g.text));
                }
                t
            },
            |t| t.text.clone(),
        );
        let events: usize = lanes.iter().map(|l| l.times.len()).sum();
        let chart_def = Chart {
            title,
            lanes,
            kind,
            value_label: args.option("value").map_or_else(String::new, |v| v.text.clone()),
            markers,
            highlights: Vec::new(),
        };
        let (svg, notes) = chart::render(&chart_def);
        warnings.extend(notes);
        let plain = format!(
            "timeline: {} points in {} lanes{}\n{}",
            events,
            chart_def.lanes.len(),
            if chart_def.markers.is_empty() {
                String::new()
            } else {
                format!(", {} markers", chart_def.markers.len())
            },
            warnings.iter().map(|w| format!("note: {w}\n")).collect::<String>()
        );
        let mut html = String::from("<div class=\"hb-timeline\">");
        html.push_str(&svg);
        for w in &warnings {
            html.push_str(&format!(
                "<div style=\"color:#a15c00;font-size:12px\">note: {}</div>",
                escape_html(w)
            ));
        }
        html.push_str("</div>");
        let bundle = MimeBundle::text(plain)
            .with("image/svg+xml", svg)
            .with("text/html", html);
        Ok(Outcome::new(Value::Result(bundle)))
    }
}

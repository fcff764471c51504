//! `%anomalies FRAME --value COL`: STL decomposition of a time series, residual z-scores,
//! and the points that break the seasonal pattern, above and below it.

use huntbook::Frame;
use huntbook::render::chart::{self, Chart, Highlight, Kind as ChartKind, Lane};
use huntbook::render::escape_html;
use huntbook::timeseries::{Stl, detect, series, when};

use super::timeline::{TIME_OPTION, time_column};
use crate::bundle::MimeBundle;
use crate::diag::Diagnostic;
use crate::parse::Args;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Kind, Opt, Param, Signature};

pub struct AnomaliesMagic;

static SIGNATURE: Signature = Signature {
    name: "anomalies",
    summary: "Find the times a series breaks its seasonal pattern (STL decomposition, residual z-scores)",
    description: "Decomposes the --value column of an equally spaced series into trend, seasonal and residual parts \
with STL (as statsmodels' STL, to 1e-6), scores the residuals as z-scores and flags points whose score is above \
--threshold (+1) or below −threshold (−1: dips count too, unlike msticpy). The result frame has the value, baseline \
(trend + seasonal), trend, seasonal, residual, weights, score and anomalies; the chart marks the anomalies. --periods \
gives the anomalous periods instead (start, end, direction), ready for %time.",
    forms: Forms::Line,
    params: &[Param {
        name: "frame",
        help: "a frame with one row per time step",
        kind: Kind::Frame,
        required: true,
        rest: false,
    }],
    options: &[
        Opt {
            long: "value",
            short: Some('v'),
            value: Some(("COLUMN", Kind::Text)),
            help: "the numeric column to analyse",
            default: None,
        },
        TIME_OPTION,
        Opt {
            long: "period",
            short: Some('p'),
            value: Some(("N", Kind::Int { min: 2 })),
            help: "points per season (24 for hourly data with a daily cycle)",
            default: Some("24"),
        },
        Opt {
            long: "seasonal",
            short: Some('s'),
            value: Some(("N", Kind::Int { min: 3 })),
            help: "length of the seasonal smoother (odd)",
            default: Some("7"),
        },
        Opt {
            long: "threshold",
            short: None,
            value: Some(("Z", Kind::Seconds)),
            help: "the z-score beyond which a point is anomalous",
            default: Some("3"),
        },
        Opt {
            long: "periods",
            short: None,
            value: None,
            help: "give the anomalous periods (start, end, direction) instead of every point",
            default: None,
        },
    ],
    body: None,
    returns: "a frame, with a chart",
    examples: &[
        Example {
            code: "%anomalies traffic --value TotalBytesSent",
            about: "hours when traffic broke its daily pattern",
            expect: None,
        },
        Example {
            code: "spikes = %anomalies traffic --value TotalBytesSent --periods",
            about: "the anomalous periods, as a frame",
            expect: None,
        },
    ],
};

impl Magic for AnomaliesMagic {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let arg = args.param("frame").expect("required by the signature");
        let frame = ctx.session.frame(arg)?;
        let Some(value) = args.option("value") else {
            return Err(Diagnostic::new("missing-argument", "%anomalies needs --value COLUMN")
                .at(args.call_span.clone())
                .hint(format!("numeric columns: {}", numeric_columns(frame).join(", "))));
        };
        let time = time_column(frame, args.option("time"))?;
        let period = args.int("period").map_or(24, |p| p as usize);
        let seasonal = args.int("seasonal").map_or(7, |s| s as usize);
        let threshold = args
            .option("threshold")
            .and_then(|t| t.text.parse::<f64>().ok())
            .unwrap_or(3.0);
        let stl = Stl::new(period, seasonal).map_err(|e| Diagnostic::new("bad-value", e).at(args.call_span.clone()))?;
        let points =
            series(&frame.data, &time, &value.text).map_err(|e| Diagnostic::engine(e, Some(value.span.clone())))?;
        let mut warnings = points.warnings;
        let (times, values) = points.value;
        let found =
            detect(times, values, &stl, threshold).map_err(|e| Diagnostic::engine(e, Some(arg.span.clone())))?;
        let origin = format!("%anomalies {} --value {}", arg.text, value.text);
        if args.flag("periods") {
            let df = found.periods().map_err(|e| Diagnostic::engine(e, None))?;
            return Ok(Outcome::warned(Value::Frame(Frame::new(df, origin)), warnings));
        }
        let df = found
            .frame(&time, &value.text)
            .map_err(|e| Diagnostic::engine(e, None))?;
        let (up, down) = (
            found.flag.iter().filter(|f| **f > 0).count(),
            found.flag.iter().filter(|f| **f < 0).count(),
        );
        let highlights = (0..found.flag.len())
            .filter(|&i| found.flag[i] != 0)
            .map(|i| Highlight {
                time: found.time[i],
                value: found.value[i],
                colour: if found.flag[i] > 0 { "#e15759" } else { "#4e79a7" },
                tip: format!(
                    "{} UTC: {} {} the pattern (expected {:.0}, score {:.2})",
                    when(found.time[i]),
                    found.value[i],
                    if found.flag[i] > 0 { "above" } else { "below" },
                    found.baseline[i],
                    found.score[i]
                ),
            })
            .collect();
        let lane = |label: &str, values: &[f64]| Lane {
            label: label.to_string(),
            times: found.time.clone(),
            values: values.to_vec(),
            tips: found
                .time
                .iter()
                .zip(values)
                .map(|(t, v)| format!("{} UTC · {label}: {v:.0}", when(*t)))
                .collect(),
        };
        let chart_def = Chart {
            title: format!(
                "{} — {up} above, {down} below the pattern (|z| > {threshold})",
                value.text
            ),
            lanes: vec![lane(&value.text, &found.value), lane("baseline", &found.baseline)],
            kind: Some(ChartKind::Line),
            value_label: value.text.clone(),
            markers: Vec::new(),
            highlights,
        };
        let (svg, notes) = chart::render(&chart_def);
        warnings.extend(notes);
        let summary = format!(
            "{} points, {up} above and {down} below the seasonal pattern (|score| > {threshold}; STL period {period}, seasonal {seasonal})",
            found.value.len()
        );
        let listed: String = (0..found.flag.len())
            .filter(|&i| found.flag[i] != 0)
            .map(|i| {
                format!(
                    "  {} UTC  {:+}  score {:.2}  value {}\n",
                    when(found.time[i]),
                    found.flag[i],
                    found.score[i],
                    found.value[i]
                )
            })
            .collect();
        let mut html = format!("<div style=\"margin-bottom:4px\">{}</div>{svg}", escape_html(&summary));
        for w in &warnings {
            html.push_str(&format!(
                "<div style=\"color:#a15c00;font-size:12px\">warning: {}</div>",
                escape_html(w)
            ));
        }
        let plain = format!(
            "{summary}\n{}{listed}",
            warnings.iter().map(|w| format!("warning: {w}\n")).collect::<String>()
        );
        let bundle = MimeBundle::text(plain)
            .with("text/html", html)
            .with("image/svg+xml", svg);
        Ok(Outcome::warned(Value::Shown(Frame::new(df, origin), bundle), warnings))
    }
}

fn numeric_columns(frame: &Frame) -> Vec<String> {
    frame
        .data
        .columns()
        .iter()
        .filter(|c| c.dtype().is_primitive_numeric())
        .map(|c| c.name().to_string())
        .collect()
}

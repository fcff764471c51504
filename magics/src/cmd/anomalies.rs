//! `%anomalies FRAME --value COL`: STL decomposition of a time series, residual z-scores,
//! and the points that break the seasonal pattern, above and below it.

use huntbook::Frame;
use huntbook::render::chart::{self, Chart, Highlight, Kind as ChartKind, Lane};
use huntbook::render::{ABOVE, BELOW};
use huntbook::time::{Precision, utc};
use huntbook::timeseries::{Anomalies, Stl, detect, series};

use crate::args::Args;
use crate::columns::{TIME_OPTION, time_column};
use crate::diag::Diagnostic;
use crate::figure::Figure;
use crate::parse::Spanned;
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
    params: &[Param::new("frame", Kind::Frame, "a frame with one row per time step").required()],
    options: &[
        Opt::value("value", "COLUMN", Kind::Text, "the numeric column to analyse").short('v'),
        TIME_OPTION,
        Opt::value(
            "period",
            "N",
            Kind::Int { min: 2 },
            "points per season (24 for hourly data with a daily cycle)",
        )
        .short('p')
        .default("24"),
        Opt::value(
            "seasonal",
            "N",
            Kind::Int { min: 3 },
            "length of the seasonal smoother (odd)",
        )
        .short('s')
        .default("7"),
        Opt::value(
            "threshold",
            "Z",
            Kind::Seconds,
            "the z-score beyond which a point is anomalous",
        )
        .default("3"),
        Opt::flag(
            "periods",
            "give the anomalous periods (start, end, direction) instead of every point",
        ),
    ],
    body: None,
    returns: "a frame, with a chart",
    examples: &[
        Example::new(
            "%anomalies traffic --value TotalBytesSent",
            "hours when traffic broke its daily pattern",
        ),
        Example::new(
            "spikes = %anomalies traffic --value TotalBytesSent --periods",
            "the anomalous periods, as a frame",
        ),
    ],
};

/// The call, read once from its arguments.
struct Plan<'a> {
    frame: &'a Spanned,
    value: Option<&'a Spanned>,
    time: Option<&'a Spanned>,
    period: usize,
    seasonal: usize,
    threshold: f64,
    periods: bool,
}

impl<'a> Plan<'a> {
    fn from_args(args: &'a Args) -> Result<Self, Diagnostic> {
        Ok(Plan {
            frame: args.required("frame")?,
            value: args.option("value"),
            time: args.option("time"),
            period: args.count("period")?,
            seasonal: args.count("seasonal")?,
            threshold: args.number("threshold").unwrap_or(f64::NAN),
            periods: args.flag("periods"),
        })
    }
}

impl Magic for AnomaliesMagic {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let plan = Plan::from_args(args)?;
        let arg = plan.frame;
        let frame = ctx.session.frame(arg)?;
        let Some(value) = plan.value else {
            return Err(Diagnostic::new("missing-argument", "%anomalies needs --value COLUMN")
                .at(args.call_span.clone())
                .hint(format!("numeric columns: {}", numeric_columns(frame).join(", "))));
        };
        let time = time_column(frame, plan.time)?;
        let (period, seasonal, threshold) = (plan.period, plan.seasonal, plan.threshold);
        let stl = Stl::new(period, seasonal).map_err(|e| Diagnostic::new("bad-value", e).at(args.call_span.clone()))?;
        let points =
            series(&frame.data, &time, &value.text).map_err(|e| Diagnostic::engine(e, Some(value.span.clone())))?;
        let mut warnings = points.warnings;
        let (times, values) = points.value;
        let found =
            detect(times, values, &stl, threshold).map_err(|e| Diagnostic::engine(e, Some(arg.span.clone())))?;
        let origin = format!("%anomalies {} --value {}", arg.text, value.text);
        if plan.periods {
            let df = found.periods().map_err(|e| Diagnostic::engine(e, None))?;
            return Ok(Outcome::warned(Value::Frame(Frame::new(df, origin)), warnings));
        }
        let df = found
            .frame(&time, &value.text)
            .map_err(|e| Diagnostic::engine(e, None))?;
        let (up, down) = counts(&found);
        let title = format!(
            "{} — {up} above, {down} below the pattern (|z| > {threshold})",
            value.text
        );
        let (svg, notes) = chart::render(&chart_of(&found, &value.text, title));
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
                    utc(found.time[i], Precision::Minutes),
                    found.flag[i],
                    found.score[i],
                    found.value[i]
                )
            })
            .collect();
        let figure = Figure::text(listed).image(svg).heading(summary);
        Ok(Outcome::warned(Value::Shown(Frame::new(df, origin), figure), warnings))
    }
}

/// Points above and below the pattern.
fn counts(found: &Anomalies) -> (usize, usize) {
    (
        found.flag.iter().filter(|f| **f > 0).count(),
        found.flag.iter().filter(|f| **f < 0).count(),
    )
}

/// The series and its baseline as two lines under `title`, the anomalies marked.
fn chart_of(found: &Anomalies, value: &str, title: String) -> Chart {
    let highlights = (0..found.flag.len())
        .filter(|&i| found.flag[i] != 0)
        .map(|i| Highlight {
            time: found.time[i],
            value: found.value[i],
            colour: if found.flag[i] > 0 { ABOVE } else { BELOW },
            tip: format!(
                "{} UTC: {} {} the pattern (expected {:.0}, score {:.2})",
                utc(found.time[i], Precision::Minutes),
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
            .map(|(t, v)| format!("{} UTC · {label}: {v:.0}", utc(*t, Precision::Minutes)))
            .collect(),
    };
    Chart {
        title,
        lanes: vec![lane(value, &found.value), lane("baseline", &found.baseline)],
        kind: Some(ChartKind::Line),
        value_label: value.to_string(),
        markers: Vec::new(),
        highlights,
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

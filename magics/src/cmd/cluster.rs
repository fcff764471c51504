//! `%cluster FRAME --features A,B,C`: DBSCAN over the events' features, as msticpy's
//! `dbcluster_events` — one exemplar row per cluster, every unclustered row kept — with a
//! chart of the clusters' sizes over time above the table.

use huntbook::Frame;
use huntbook::cluster::features::{ProcessColumns, process_features};
use huntbook::cluster::{self, Clusters, Params};
use huntbook::render::chart::{self, Chart, Kind as ChartKind, Lane};
use huntbook::render::table::thousands;
use huntbook::time::{Precision, utc};

use crate::args::Args;
use crate::columns::{TIME_OPTION, named_columns, time_column};
use crate::diag::Diagnostic;
use crate::display::{DEFAULT_ROWS, table};
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Kind, Opt, Param, Signature};

pub struct ClusterMagic;

/// msticpy's documented features for process events (its eventcluster notebook).
const PROCESS_FEATURES: [&str; 3] = ["commandlineTokensFull", "pathScore", "isSystemSession"];

static SIGNATURE: Signature = Signature {
    name: "cluster",
    summary: "Collapse events into clusters of alike ones (DBSCAN, as msticpy's dbcluster_events)",
    description: "Clusters the rows on numeric --features with DBSCAN (scikit-learn's labels; rows scaled to unit \
length first, as msticpy's Normalizer, unless --no-normalize) and gives one exemplar row per cluster — its first \
row — with Clustered, ClusterId, ClusterSize, FirstEventTime and LastEventTime, after every row in no cluster \
(ClusterId -1, each with its own time). --all gives every row with its cluster. Without --features, a frame of \
process events is clustered on msticpy's documented features (commandlineTokensFull, pathScore, isSystemSession), \
added as %features adds them. Repeated feature values are clustered once, weighted, so a million events take \
seconds and little memory.",
    forms: Forms::Line,
    params: &[Param::new("frame", Kind::Frame, "the events").required()],
    options: &[
        Opt::value("features", "A,B,C", Kind::Text, "numeric columns to cluster on").short('f'),
        Opt::value(
            "eps",
            "D",
            Kind::Seconds,
            "the largest distance between neighbours (msticpy's max_cluster_distance)",
        )
        .default("0.01"),
        Opt::value(
            "min-samples",
            "N",
            Kind::Int { min: 1 },
            "rows within eps that make a core point (itself included)",
        )
        .default("2"),
        Opt::flag(
            "normalize",
            "scale each row to unit length first (the default, as msticpy)",
        ),
        Opt::flag("no-normalize", "cluster on the features as they are"),
        TIME_OPTION,
        Opt::flag("all", "every row with its ClusterId, instead of one per cluster"),
        Opt::value("rows", "N", Kind::Int { min: 1 }, "rows of the table to show").default("20"),
    ],
    body: None,
    returns: "a frame, with a chart",
    examples: &[
        Example::new(
            "%cluster procs --eps 0.0001",
            "msticpy's notebook: 363 processes in 29 clusters and 33 unclustered",
        ),
        Example::new(
            "clustered = %cluster procs --features commandlineTokensFull,pathScore --all",
            "every process with its cluster",
        ),
    ],
};

impl Magic for ClusterMagic {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let arg = args.required("frame")?;
        let frame = ctx.session.frame(arg)?;
        if args.flag("normalize") && args.flag("no-normalize") {
            return Err(
                Diagnostic::new("conflict", "--normalize and --no-normalize together").at(args.call_span.clone())
            );
        }
        let (data, features) = features_of(frame, args)?;
        let time = match time_column(frame, args.option("time")) {
            Ok(t) => Some(t),
            Err(e) if args.option("time").is_some() => return Err(e),
            Err(_) => None,
        };
        let params = Params {
            features: features.clone(),
            time: time.clone(),
            eps: args.number("eps").unwrap_or(0.01),
            min_samples: args.count("min-samples")?,
            normalize: !args.flag("no-normalize"),
        };
        let found =
            cluster::cluster(&data, &params).map_err(|e| Diagnostic::engine(e, Some(args.call_span.clone())))?;
        let mut warnings = found.warnings;
        let clusters = found.value;
        let all = args.flag("all");
        let df = cluster::frame(&data, &clusters, all).map_err(|e| Diagnostic::engine(e, None))?;
        let mut origin = format!(
            "%cluster {} --features {} --eps {}",
            arg.text,
            features.join(","),
            params.eps
        );
        if !params.normalize {
            origin.push_str(" --no-normalize");
        }
        let mut out = Frame::new(df, frame.provenance.source.clone());
        out.provenance.query = Some(origin);
        let mut figure =
            table(&out, None, args.count("rows").unwrap_or(DEFAULT_ROWS)).heading(summary(&clusters, &params, &out));
        if time.is_some() {
            let (svg, notes) = chart::render(&chart_of(&clusters));
            warnings.extend(notes);
            figure = figure.image(svg);
        } else {
            warnings.push("the frame has no time column: no chart, and no FirstEventTime/LastEventTime".into());
        }
        Ok(Outcome::warned(Value::Shown(out, figure), warnings))
    }
}

/// The frame to cluster and the features: those named, or msticpy's process features
/// (added here when the frame has process paths and command lines but not the features).
fn features_of(frame: &Frame, args: &Args) -> Result<(polars::prelude::DataFrame, Vec<String>), Diagnostic> {
    if let Some(named) = args.option("features") {
        let features = named_columns(frame, named)?;
        if features.is_empty() {
            return Err(Diagnostic::new("missing-argument", "--features names no column").at(named.span.clone()));
        }
        return Ok((frame.data.clone(), features));
    }
    let names = frame.column_names();
    let has = |c: &str| names.iter().any(|n| n == c);
    let wanted = PROCESS_FEATURES.iter().map(|s| s.to_string()).collect();
    if PROCESS_FEATURES.iter().all(|c| has(c)) {
        return Ok((frame.data.clone(), wanted));
    }
    if has("NewProcessName") && has("CommandLine") && has("SubjectLogonId") {
        let data =
            process_features(&frame.data, &ProcessColumns::default()).map_err(|e| Diagnostic::engine(e, None))?;
        return Ok((data, wanted));
    }
    let numeric: Vec<String> = frame
        .data
        .columns()
        .iter()
        .filter(|c| c.dtype().is_primitive_numeric() || c.dtype() == &polars::prelude::DataType::Boolean)
        .map(|c| c.name().to_string())
        .collect();
    Err(
        Diagnostic::new("missing-argument", "%cluster needs numeric --features A,B,C").at(args.call_span.clone()).hint(
            if numeric.is_empty() {
                "the frame has no numeric column: %features FRAME adds msticpy's process features, %features FRAME.COLUMN string ones".to_string()
            } else {
                format!("numeric columns: {}", numeric.join(", "))
            },
        ),
    )
}

fn summary(clusters: &Clusters, params: &Params, out: &Frame) -> String {
    let rows = clusters.labels.len();
    let mut sizes = clusters.sizes.clone();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    let largest: Vec<String> = sizes.iter().take(5).map(|s| thousands(*s)).collect();
    let mut text = format!(
        "{} events → {} clusters{} and {} events in none: {} rows (eps {}, min samples {}, {} on {})",
        thousands(rows),
        thousands(clusters.sizes.len()),
        if largest.is_empty() {
            String::new()
        } else {
            format!(" (largest {})", largest.join(", "))
        },
        thousands(clusters.noise()),
        thousands(out.height()),
        params.eps,
        params.min_samples,
        if params.normalize { "normalised" } else { "as they are" },
        params.features.join(", ")
    );
    if clusters.left_out() > 0 {
        text.push_str(&format!("; {} with a feature missing", thousands(clusters.left_out())));
    }
    text
}

/// Each cluster at its first time, as high as it is large; the unclustered events at 1.
fn chart_of(clusters: &Clusters) -> Chart {
    let mut clustered = Lane {
        label: "clusters".into(),
        ..Lane::default()
    };
    for (id, (size, span)) in clusters.sizes.iter().zip(&clusters.spans).enumerate() {
        if let Some((first, last)) = span {
            clustered.times.push(*first);
            clustered.values.push(*size as f64);
            clustered.tips.push(format!(
                "cluster {id}: {} events, {} – {} UTC",
                thousands(*size),
                utc(*first, Precision::Seconds),
                utc(*last, Precision::Seconds)
            ));
        }
    }
    let mut alone = Lane {
        label: "in no cluster".into(),
        ..Lane::default()
    };
    if let Some(times) = &clusters.times {
        for (label, time) in clusters.labels.iter().zip(times) {
            if let (Some(huntbook::cluster::dbscan::NOISE), Some(t)) = (label, time) {
                alone.times.push(*t);
                alone.values.push(1.0);
                alone
                    .tips
                    .push(format!("an event in no cluster, {} UTC", utc(*t, Precision::Seconds)));
            }
        }
    }
    Chart {
        title: "cluster sizes over time (each cluster at its first event)".into(),
        lanes: vec![clustered, alone],
        kind: Some(ChartKind::Point),
        value_label: "events".into(),
        markers: Vec::new(),
        highlights: Vec::new(),
    }
}

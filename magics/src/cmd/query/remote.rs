//! A query on one of Microsoft's services: signed in if need be, sent in one request or
//! in chunks of the window (`--split-by`), with a progress line that says what is running
//! and, at the end, how many rows came back in how long. The interrupt stops it.

use std::ops::Range;
use std::time::Instant;

use huntbook::time::{TimeWindow, iso};

use super::{Plan, tidy};
use crate::diag::Diagnostic;
use crate::parse::Spanned;
use crate::registry::{Context, Outcome, Value};
use crate::sources::Connected;
use crate::sources::{Gathered, RemoteSource, frame_of};
use crate::waiting::CellWatch;

/// The most chunks one `--split-by` may make.
const MAX_CHUNKS: usize = 1000;

/// One request's query and the window it covers.
pub(super) struct Chunk {
    pub kql: String,
    pub window: Option<TimeWindow>,
}

/// The window cut into spans of `span` (the last one shorter).
fn chunks(w: TimeWindow, span: chrono::Duration, at: &Spanned) -> Result<Vec<TimeWindow>, Diagnostic> {
    let count = ((w.end - w.start).num_seconds() as f64 / span.num_seconds() as f64).ceil() as usize;
    if count > MAX_CHUNKS {
        return Err(Diagnostic::new(
            "bad-value",
            format!(
                "--split-by {} cuts the window {w} into {count} chunks; the most is {MAX_CHUNKS}",
                at.text
            ),
        )
        .at(at.span.clone()));
    }
    let mut out = Vec::with_capacity(count);
    let mut start = w.start;
    while start < w.end {
        let end = (start + span).min(w.end);
        out.push(TimeWindow { start, end });
        start = end;
    }
    Ok(out)
}

/// The requests a query makes: `whole` over `window`, or with `--split-by` one per chunk
/// of the window, each its text from `over`. Splitting without a window is an error at
/// `--split-by` that says `no_window`.
/// The requests a query becomes: the whole window at once, each of `%time`'s periods,
/// and either of those cut by `--split-by`.
pub(super) fn plan_chunks(
    plan: &Plan,
    window: Option<TimeWindow>,
    whole: String,
    no_window: &str,
    periods: &[TimeWindow],
    over: impl Fn(&TimeWindow) -> Result<String, Diagnostic>,
) -> Result<Vec<Chunk>, Diagnostic> {
    let bases: Vec<TimeWindow> = match (periods.is_empty(), window) {
        (false, _) => periods.to_vec(),
        (true, Some(w)) => vec![w],
        (true, None) => Vec::new(),
    };
    let windows = match (plan.split, window) {
        (None, _) if periods.is_empty() => return Ok(vec![Chunk { kql: whole, window }]),
        (None, _) => bases,
        (Some((span, at)), Some(_)) => {
            let mut all = Vec::new();
            for b in bases {
                all.extend(chunks(b, span, at)?);
            }
            all
        }
        (Some((_, at)), None) => return Err(Diagnostic::new("no-time-window", no_window).at(at.span.clone())),
    };
    windows
        .into_iter()
        .map(|c| {
            Ok(Chunk {
                kql: over(&c)?,
                window: Some(c),
            })
        })
        .collect()
}

/// Signs the source in when it has no token yet (device code shows its code here).
pub(super) fn signed_in(
    source: &mut RemoteSource,
    watch: &mut CellWatch,
    span: &Range<usize>,
) -> Result<(), Diagnostic> {
    if source.signed_in() {
        return Ok(());
    }
    watch
        .sign_in(source)
        .map_err(|e| Diagnostic::engine(e, Some(span.clone())))
}

/// The remote source a call runs on, opened if need be.
pub(super) fn source<'a>(
    plan: &Plan,
    ctx: &'a mut Context,
    span: &Range<usize>,
) -> Result<(&'a mut RemoteSource, Vec<String>, CellWatch<'a>), Diagnostic> {
    let at = plan.source.map_or(span.clone(), |s| s.span.clone());
    let (connected, warnings) = ctx
        .sources
        .resolve(plan.source.map(|s| s.text.as_str()), ctx.secrets)
        .map_err(|e| Diagnostic::new("no-such-source", e).at(at.clone()))?;
    let Connected::Remote(source) = connected else {
        return Err(Diagnostic::internal("the source is not on a service").at(at));
    };
    Ok((source, warnings, CellWatch::new(ctx.io)))
}

/// Runs the chunks on the call's source and stacks what comes back. One chunk failing
/// among several is a warning naming it; all failing, or the only one, is the error.
pub(super) fn run(
    ctx: &mut Context,
    plan: &Plan,
    span: &Range<usize>,
    chunks: Vec<Chunk>,
    window: Option<String>,
    tidy_columns: bool,
) -> Result<Outcome, Diagnostic> {
    let (source, mut warnings, mut watch) = source(plan, ctx, span)?;
    signed_in(source, &mut watch, span)?;
    let started = Instant::now();
    let total = chunks.len();
    let mut parts: Vec<Gathered> = Vec::new();
    let mut failed = Vec::new();
    for (i, chunk) in chunks.iter().enumerate() {
        let label = chunk.window.map(|w| w.to_string()).unwrap_or_default();
        watch.status(&if total > 1 {
            format!("querying {} — chunk {}/{total}: {label}…", source.name, i + 1)
        } else {
            format!("querying {} ({})…", source.name, source.spec.place())
        });
        let timespan = chunk.window.map(|w| format!("{}/{}", iso(w.start), iso(w.end)));
        match source.run(&chunk.kql, timespan.as_deref(), &mut watch) {
            Ok(g) => parts.push(g),
            Err(e @ huntbook::Error::Cancelled { .. }) => {
                watch.status(&format!("{}: stopped", source.name));
                return Err(Diagnostic::engine(e, Some(span.clone())));
            }
            Err(e) if total == 1 => {
                watch.status(&format!("{}: failed", source.name));
                return Err(Diagnostic::engine(e, Some(span.clone())));
            }
            Err(e) => failed.push(format!("{label}: {e}")),
        }
    }
    if parts.is_empty() {
        return Err(
            Diagnostic::new("service-error", format!("every chunk failed: {}", failed.join("; "))).at(span.clone()),
        );
    }
    let mut gathered = Gathered::stacked(parts).map_err(|e| Diagnostic::engine(e, Some(span.clone())))?;
    if !failed.is_empty() {
        warnings.push(format!(
            "{} of {total} chunks failed and their rows are missing: {}",
            failed.len(),
            failed.join("; ")
        ));
    }
    warnings.extend(std::mem::take(&mut gathered.warnings));
    watch.status(&format!(
        "{} rows from {} in {:.1} s ({} request{}, {:.1} MB)",
        huntbook::render::table::thousands(gathered.frame.height()),
        source.name,
        started.elapsed().as_secs_f64(),
        gathered.request_ids.len(),
        if gathered.request_ids.len() == 1 { "" } else { "s" },
        gathered.bytes as f64 / 1_048_576.0
    ));
    let query = match total {
        1 => chunks[0].kql.clone(),
        n => format!("{}\n// … and {} more chunks of the same query", chunks[0].kql, n - 1),
    };
    let mut frame = frame_of(source, &gathered, &query);
    if tidy_columns {
        frame.data = tidy(frame.data);
    }
    if let Some(w) = window {
        frame = frame.with_window(w);
    }
    Ok(Outcome::warned(Value::Frame(frame), warnings))
}

//! `%query hunt`: Microsoft Sentinel's hunting queries over the `%time` window — list
//! them, run one, or run them all and see which hit.

use std::fmt::Write as _;

use huntbook::Frame;
use huntbook::query::Hunt;
use huntbook::render::{TableOptions, escape_html, render_table};
use huntbook::time::{TimeWindow, iso};
use polars::prelude::*;

use super::Plan;
use super::remote;
use crate::diag::{Diagnostic, did_you_mean};
use crate::figure::Figure;
use crate::parse::Spanned;
use crate::registry::{Context, Outcome, Value};
use crate::sources::frame_of;

/// Rows of each hit shown under `hunt --all`.
const HIT_ROWS: usize = 10;

pub(super) fn hunt(words: &[Spanned], plan: &Plan, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
    let text = words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ");
    let tactic = plan.tactic.map(|t| t.text.to_ascii_lowercase());
    let chosen: Vec<Hunt> = ctx
        .sources
        .hunts()
        .iter()
        .filter(|h| {
            tactic
                .as_ref()
                .is_none_or(|t| h.tactics.iter().any(|x| x.to_ascii_lowercase() == *t))
        })
        .cloned()
        .collect();
    let listing = text == "list" || text.starts_with("list ") || (text.is_empty() && !plan.all);
    if listing {
        let needle = text.strip_prefix("list").unwrap_or("").trim().to_lowercase();
        return Ok(list(chosen.iter().filter(|h| {
            needle.is_empty()
                || h.name.to_lowercase().contains(&needle)
                || h.description.to_lowercase().contains(&needle)
        })));
    }
    let span = words
        .first()
        .map_or(0..0, |w| w.span.start..words.last().expect("one").span.end);
    if chosen.is_empty() {
        return Err(Diagnostic::new(
            "no-such-query",
            format!(
                "no hunting query has the tactic {:?}",
                plan.tactic.map(|t| t.text.as_str()).unwrap_or("")
            ),
        )
        .hint("%query hunt list shows the hunts and their tactics"));
    }
    let window = hunt_window(ctx, plan, &span)?;
    if plan.all {
        return all(&chosen, &window, plan, ctx, &span);
    }
    let found = find(&chosen, &text, &span)?;
    let windowed = found.over(&window);
    if plan.print {
        return Ok(super::printed(plan, ctx, &windowed.kql, Some(&window.to_string())));
    }
    let periods = ctx.clock.periods.clone();
    let chunks = remote::plan_chunks(
        plan,
        Some(window),
        windowed.kql,
        "a hunt needs a window",
        &periods,
        |c| Ok(found.over(c).kql),
    )?;
    let mut outcome = remote::run(ctx, plan, &span, chunks, Some(window.to_string()), false)?;
    outcome.warnings.insert(0, format!("{}: {}", found.name, windowed.note));
    Ok(outcome)
}

/// The window a hunt runs over, on a sentinel source: both are required.
fn hunt_window(ctx: &mut Context, plan: &Plan, span: &std::ops::Range<usize>) -> Result<TimeWindow, Diagnostic> {
    let env = ctx.sources.environment(plan.source.map(|s| s.text.as_str()));
    if env != "MSSentinel" {
        return Err(Diagnostic::new(
            "wrong-source",
            "the hunting queries are Microsoft Sentinel's: they run on a sentinel source",
        )
        .at(plan.source.map_or(span.clone(), |s| s.span.clone()))
        .hint("%connect NAME --kind sentinel --workspace ID, or --source NAME"));
    }
    ctx.clock.window.ok_or_else(|| {
        Diagnostic::new("no-time-window", "a hunt runs over the %time window, and none is set")
            .at(span.clone())
            .hint("set one first:  %time last 7d")
    })
}

/// A hunt by name (any case), id, or file name.
fn find<'a>(hunts: &'a [Hunt], text: &str, span: &std::ops::Range<usize>) -> Result<&'a Hunt, Diagnostic> {
    let key = text.to_lowercase();
    let stem = |h: &Hunt| {
        h.file
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .trim_end_matches(".yaml")
            .to_lowercase()
    };
    hunts
        .iter()
        .find(|h| h.name.to_lowercase() == key || h.id == text || stem(h) == key)
        .ok_or_else(|| {
            let d = Diagnostic::new("no-such-query", format!("there is no hunting query {text:?}")).at(span.clone());
            match did_you_mean(text, hunts.iter().map(|h| h.name.as_str())) {
                Some(s) => d.hint(format!("did you mean {s}? (%query hunt list shows them)")),
                None => d.hint("%query hunt list shows them"),
            }
        })
}

fn list<'a>(hunts: impl Iterator<Item = &'a Hunt>) -> Outcome {
    let hunts: Vec<&Hunt> = hunts.collect();
    let column = |title: &str, f: &dyn Fn(&Hunt) -> String| {
        Column::new(title.into(), hunts.iter().map(|h| f(h)).collect::<Vec<_>>())
    };
    let df = DataFrame::new_infer_height(vec![
        column("Hunt", &|h| h.name.clone()),
        column("Tactics", &|h| h.tactics.join(", ")),
        column("Techniques", &|h| h.techniques.join(", ")),
        column("Tables", &|h| h.tables.join(", ")),
        column("File", &|h| h.file.clone()),
    ])
    .expect("columns of one length");
    Outcome::new(Value::Frame(Frame::new(df, "Microsoft Sentinel hunting queries")))
}

/// One hunt's outcome under `--all`.
struct Ran {
    rows: Option<usize>,
    status: String,
    request: String,
    hits: Option<Frame>,
}

/// Every chosen hunt, one request each, one after the other (the service's rate limit is
/// honoured by its 429 answers); one row per hunt, the hits' first rows below.
fn all(
    hunts: &[Hunt],
    window: &TimeWindow,
    plan: &Plan,
    ctx: &mut Context,
    span: &std::ops::Range<usize>,
) -> Result<Outcome, Diagnostic> {
    let (source, warnings, mut watch) = remote::source(plan, ctx, span)?;
    remote::signed_in(source, &mut watch, span)?;
    let timespan = format!("{}/{}", iso(window.start), iso(window.end));
    let mut ran = Vec::with_capacity(hunts.len());
    for (i, h) in hunts.iter().enumerate() {
        if huntbook::remote::Watch::cancelled(&watch) {
            return Err(Diagnostic::new(
                "interrupted",
                format!("interrupted after {i} of {} hunts", hunts.len()),
            ));
        }
        watch.status(&format!("hunt {}/{}: {}…", i + 1, hunts.len(), h.name));
        let kql = h.over(window).kql;
        ran.push(match source.run(&kql, Some(&timespan), &mut watch) {
            Ok(g) => Ran {
                rows: Some(g.frame.height()),
                status: match (g.frame.height(), g.warnings.is_empty()) {
                    (0, true) => "no rows".into(),
                    (_, true) => "hit".into(),
                    (_, false) => format!("partial: {}", g.warnings.join("; ")),
                },
                request: g.request_ids.join(", "),
                hits: (g.frame.height() > 0).then(|| frame_of(source, &g, &kql)),
            },
            Err(e @ huntbook::Error::Cancelled { .. }) => return Err(Diagnostic::engine(e, Some(span.clone()))),
            Err(e) => Ran {
                rows: None,
                status: format!("failed: {e}"),
                request: String::new(),
                hits: None,
            },
        });
    }
    let hit = ran.iter().filter(|r| r.rows.is_some_and(|n| n > 0)).count();
    let failed = ran.iter().filter(|r| r.rows.is_none()).count();
    watch.status(&format!(
        "{} hunts over {window}: {hit} hit, {failed} failed",
        hunts.len()
    ));
    let df = DataFrame::new_infer_height(vec![
        Column::new("Hunt".into(), hunts.iter().map(|h| h.name.clone()).collect::<Vec<_>>()),
        Column::new(
            "Tactics".into(),
            hunts.iter().map(|h| h.tactics.join(", ")).collect::<Vec<_>>(),
        ),
        Column::new(
            "Rows".into(),
            ran.iter().map(|r| r.rows.map(|n| n as u32)).collect::<Vec<_>>(),
        ),
        Column::new(
            "Status".into(),
            ran.iter().map(|r| r.status.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "Request".into(),
            ran.iter().map(|r| r.request.clone()).collect::<Vec<_>>(),
        ),
    ])
    .expect("columns of one length");
    let summary = Frame::new(df, source.name.clone())
        .with_query(format!("%query hunt --all ({} hunts)", hunts.len()))
        .with_window(window.to_string())
        .with_service(source.spec.place());
    let figure = report(&summary, hunts, &ran, hit, failed);
    Ok(Outcome::warned(Value::Shown(summary, figure), warnings))
}

/// The hunts' table, then each hit's first rows folded under its name.
fn report(summary: &Frame, hunts: &[Hunt], ran: &[Ran], hit: usize, failed: usize) -> Figure {
    let table = render_table(
        summary,
        &TableOptions {
            max_rows: hunts.len(),
            ..TableOptions::default()
        },
    );
    let mut html = table.html;
    let mut text = table.text;
    for (h, r) in hunts.iter().zip(ran) {
        let Some(hits) = &r.hits else { continue };
        let shown = render_table(
            hits,
            &TableOptions {
                max_rows: HIT_ROWS,
                ..TableOptions::default()
            },
        );
        let _ = write!(
            html,
            "<details><summary><b>{}</b> — {} rows</summary>{}</details>",
            escape_html(&h.name),
            hits.height(),
            shown.html
        );
        let _ = write!(text, "\n\n{} — {} rows\n{}", h.name, hits.height(), shown.text);
    }
    Figure::rich(html, text).heading(format!(
        "{} hunting queries: {hit} hit, {failed} failed, {} without rows",
        hunts.len(),
        hunts.len() - hit - failed
    ))
}

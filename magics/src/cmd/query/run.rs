//! Running a library query or a raw statement: on a local source here (SQL), on a
//! service through [`super::remote`] (KQL).

use std::collections::BTreeMap;
use std::ops::Range;

use huntbook::Frame;
use huntbook::query::{Dialect, Query, RenderError, render_with_lists};
use huntbook::source::LocalSource;
use huntbook::time::{TimeWindow, iso, parse_time};

use super::remote;
use super::{Plan, find, param_list, printed, tidy};
use crate::diag::{Diagnostic, did_you_mean};
use crate::parse::Spanned;
use crate::registry::{Context, Outcome, Value};
use crate::sources::{Connected, LOCAL_ENVIRONMENT};
use crate::values::{self, Lands, Values};

/// The call's parameters: their text, where each was written, and those given as a list
/// of session values (`host={hosts.Computer}`).
struct Given {
    text: BTreeMap<String, String>,
    spans: BTreeMap<String, Range<usize>>,
    lists: BTreeMap<String, Vec<String>>,
}

/// The call's `name=value` words, checked against the query's parameters.
fn given_params(query: &Query, words: &[Spanned], plan: &Plan) -> Result<Given, Diagnostic> {
    let mut given: BTreeMap<String, String> = BTreeMap::new();
    let mut spans: BTreeMap<String, std::ops::Range<usize>> = BTreeMap::new();
    let mut lists = BTreeMap::new();
    for (i, word) in words.iter().enumerate() {
        let Some((param, value)) = word.text.split_once('=') else {
            return Err(Diagnostic::new(
                "bad-argument",
                format!("{:?} is not a parameter: write name=value", word.text),
            )
            .at(word.span.clone())
            .hint(format!("{} takes {}", query.key, param_list(query))));
        };
        let Some(canonical) = query.param_named(param) else {
            let d = Diagnostic::new("unknown-parameter", format!("{} has no parameter {param}", query.key))
                .at(word.span.start..word.span.start + param.len());
            return Err(match did_you_mean(param, query.params.keys().map(String::as_str)) {
                Some(s) => d.hint(format!("did you mean {s}? ({} takes {})", query.key, param_list(query))),
                None => d.hint(format!("{} takes {}", query.key, param_list(query))),
            });
        };
        if given.insert(canonical.to_string(), value.to_string()).is_some() {
            return Err(
                Diagnostic::new("repeated-option", format!("{canonical} is given twice")).at(word.span.clone()),
            );
        }
        spans.insert(canonical.to_string(), word.span.clone());
        if let Some(items) = plan.args.word_list(i) {
            lists.insert(canonical.to_string(), items.to_vec());
        }
    }
    Ok(Given {
        text: given,
        spans,
        lists,
    })
}

/// Whether the call's source is one of Microsoft's services (KQL) rather than local (SQL).
pub(super) fn on_service(ctx: &mut Context, plan: &Plan) -> bool {
    ctx.sources.environment(plan.source.map(|s| s.text.as_str())) != LOCAL_ENVIRONMENT
}

pub(super) fn named(name: &Spanned, words: &[Spanned], plan: &Plan, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
    let query = find(ctx, plan, name)?;
    let Given {
        text: mut given,
        spans,
        lists,
    } = given_params(&query, words, plan)?;
    // The %time window fills start and end where the call does not.
    let now = chrono::Utc::now();
    let mut filled = 0;
    if let Some(w) = ctx.clock.window.as_ref() {
        for (param, t) in [("start", w.start), ("end", w.end)] {
            if query.params.contains_key(param) && !given.contains_key(param) {
                given.insert(param.to_string(), iso(t));
                filled += 1;
            }
        }
    }
    let from_window = filled > 0;
    // `%time periods`: a query whose start and end both come from %time runs over each.
    let periods = if filled == 2 {
        ctx.clock.periods.clone()
    } else {
        Vec::new()
    };
    let over = |p: &TimeWindow| {
        let mut g = given.clone();
        g.insert("start".into(), iso(p.start));
        g.insert("end".into(), iso(p.end));
        g
    };
    let service = on_service(ctx, plan);
    let dialect = if service { Dialect::Kql } else { Dialect::Sql };
    let render = |given: &BTreeMap<String, String>| {
        render_with_lists(&query, given, &lists, now, dialect).map_err(|e| {
            let span = match &e {
                RenderError::WrongType { param, .. } => spans.get(param).cloned(),
                _ => None,
            };
            let d = Diagnostic::new("bad-parameter", e.to_string()).at(span.unwrap_or(name.span.clone()));
            d.hint(format!("%query describe {} shows its parameters", query.key))
        })
    };
    let rendered = render(&given)?;
    let statements = match periods.is_empty() {
        true => vec![rendered.clone()],
        false => periods
            .iter()
            .map(|p| render(&over(p)))
            .collect::<Result<Vec<_>, _>>()?,
    };
    let window = window_of(&query, &given, now);
    let window_text = window.map(|w| match (from_window, periods.len()) {
        (true, 0) => w.to_string(),
        (true, n) => periods_text(n, &w),
        (false, _) => format!("{w}, the query's default"),
    });
    if plan.print {
        return Ok(printed(plan, ctx, &statements.join("\n\n"), window_text.as_deref()));
    }
    if service {
        let no_window = format!("{} has no start and end to split", query.key);
        let chunks = remote::plan_chunks(plan, window, rendered, &no_window, &periods, |c| render(&over(c)))?;
        return remote::run(ctx, plan, &name.span, chunks, window_text, true);
    }
    let (source, mut warnings) = local_source(plan, ctx, &name.span)?;
    refuse_split(plan)?;
    let hint = query
        .params
        .contains_key("table")
        .then_some("give table=NAME for another table, or map the name in huntbook.yaml under the source's tables:");
    let (df, more) = run_local(source, &statements, &name.span, hint)?;
    warnings.extend(more);
    let mut frame = Frame::new(tidy(df), source.name.clone()).with_query(statements.join("\n\n"));
    if let Some(w) = window_text {
        frame = frame.with_window(w);
    }
    Ok(Outcome::warned(Value::Frame(frame), warnings))
}

/// The window of a query run over `%time`'s periods.
fn periods_text(n: usize, within: &TimeWindow) -> String {
    format!("{n} periods of %time, within {within}")
}

/// Each statement on the local source (one per `%time` period), the rows stacked.
fn run_local(
    source: &LocalSource,
    statements: &[String],
    span: &Range<usize>,
    hint: Option<&str>,
) -> Result<(polars::prelude::DataFrame, Vec<String>), Diagnostic> {
    let mut frames = Vec::with_capacity(statements.len());
    let mut warnings = Vec::new();
    for statement in statements {
        let result = source.query(statement).map_err(|e| {
            let d = Diagnostic::engine(e, Some(span.clone()));
            match hint {
                Some(h) => d.hint(h),
                None => d,
            }
        })?;
        warnings.extend(result.warnings);
        frames.push(result.value);
    }
    let df = crate::sources::stack(frames).map_err(|e| Diagnostic::engine(e, Some(span.clone())))?;
    Ok((df, warnings))
}

fn refuse_split(plan: &Plan) -> Result<(), Diagnostic> {
    match plan.split {
        Some((_, at)) => Err(Diagnostic::new(
            "bad-argument",
            "--split-by is for sources on a service (sentinel, defender, kusto); a local source reads the whole window at once",
        )
        .at(at.span.clone())),
        None => Ok(()),
    }
}

/// The window a query with start and end covers, from %time or its defaults.
fn window_of(q: &Query, given: &BTreeMap<String, String>, now: chrono::DateTime<chrono::Utc>) -> Option<TimeWindow> {
    let value = |name: &str| -> Option<chrono::DateTime<chrono::Utc>> {
        let text = given.get(name).cloned().or_else(|| {
            q.params
                .get(name)?
                .default
                .as_ref()
                .and_then(|d| d.as_str().map(str::to_string))
        })?;
        parse_time(&text, now).ok()
    };
    Some(TimeWindow {
        start: value("start")?,
        end: value("end")?,
    })
}

/// The local source a query runs on (`--source`, else the current one), opened if need
/// be; an unknown one is an error at `--source`, or at `fallback` when none was given.
fn local_source<'a>(
    plan: &Plan,
    ctx: &'a mut Context,
    fallback: &Range<usize>,
) -> Result<(&'a LocalSource, Vec<String>), Diagnostic> {
    let source_arg = plan.source;
    let at = source_arg.map_or(fallback.clone(), |s| s.span.clone());
    let (connected, warnings) = ctx
        .sources
        .resolve(source_arg.map(|s| s.text.as_str()), ctx.secrets)
        .map_err(|e| Diagnostic::new("no-such-source", e).at(at.clone()))?;
    match connected {
        Connected::Local(s) => Ok((s, warnings)),
        Connected::Remote(r) => Err(Diagnostic::internal(format!("source {} is not local", r.name)).at(at)),
    }
}

pub(super) fn raw(body: &Spanned, plan: &Plan, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
    let statement = body.text.trim().trim_end_matches(';').to_string();
    // Where the statement starts in the cell, for the carets of its `{…}`.
    let base = body.span.start + (body.text.len() - body.text.trim_start().len());
    let uses_window = values::refs(&statement).iter().any(values::Ref::is_window);
    let window = match (uses_window, ctx.clock.window.as_ref()) {
        (false, _) => None,
        (true, Some(w)) => Some(*w),
        (true, None) => {
            return Err(Diagnostic::new(
                "no-time-window",
                "the statement uses {start}/{end} but no time window is set",
            )
            .at(body.span.clone())
            .hint("set one first:  %time last 24h  or  %time 2019-02-10 .. 2019-02-12"));
        }
    };
    let session = ctx.session;
    let periods = if uses_window {
        ctx.clock.periods.clone()
    } else {
        Vec::new()
    };
    let window_text = match window {
        Some(w) if !periods.is_empty() => periods_text(periods.len(), &w),
        Some(w) => w.to_string(),
        None => "none (the statement does not use {start}/{end})".into(),
    };
    let over =
        |window: Option<TimeWindow>, lands: Lands| values::body(&statement, base, &Values { session, window }, lands);
    if on_service(ctx, plan) {
        let whole = over(window, Lands::Kql)?;
        let chunks = remote::plan_chunks(
            plan,
            window,
            whole,
            "--split-by splits the {start}/{end} window, and the statement uses neither",
            &periods,
            |c: &TimeWindow| over(Some(*c), Lands::Kql),
        )?;
        if plan.print {
            return Ok(printed(plan, ctx, &chunks[0].kql, Some(&window_text)));
        }
        return remote::run(ctx, plan, &body.span, chunks, Some(window_text), false);
    }
    let statements = match periods.is_empty() {
        true => vec![over(window, Lands::Sql)?],
        false => periods
            .iter()
            .map(|p| over(Some(*p), Lands::Sql))
            .collect::<Result<Vec<_>, _>>()?,
    };
    let statement = statements.join("\n\n");
    if plan.print {
        return Ok(printed(plan, ctx, &statement, Some(&window_text)));
    }
    let (source, mut warnings) = local_source(plan, ctx, &body.span)?;
    refuse_split(plan)?;
    let (df, more) = run_local(
        source,
        &statements,
        &body.span,
        Some("%connect NAME lists a source's tables"),
    )?;
    warnings.extend(more);
    let frame = Frame::new(df, source.name.clone())
        .with_query(statement)
        .with_window(window_text);
    Ok(Outcome::warned(Value::Frame(frame), warnings))
}

//! `%query`: the query library — list, describe, run by name — and `%%query` for a raw
//! statement in the source's language (SQL for local sources).

use std::collections::BTreeMap;

use huntbook::Frame;
use huntbook::query::{Dialect, Query, RenderError, render_for, sql_time};
use huntbook::render::escape::escape_html;
use huntbook::source::TIME_COLUMN;
use huntbook::time::{TimeWindow, parse_time};
use polars::prelude::*;

use crate::args::Args;
use crate::diag::{Diagnostic, did_you_mean};
use crate::figure::Figure;
use crate::parse::Spanned;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Kind, Opt, Param, Signature};
use huntbook::render::grid::{Cell, Grid};

pub struct QueryMagic;

/// The data environment of local sources, in msticpy's name.
const LOCAL: &str = "LocalData";

static SIGNATURE: Signature = Signature {
    name: "query",
    summary: "Run a hunting query from the library, or a raw query, on the current source",
    description: "`%query list [TEXT]` lists the library's queries (those whose name or description holds TEXT); \
`%query describe NAME` shows one with its parameters; `%query NAME name=value …` runs one. Parameters are checked \
against their declared types; times may be absolute (2019-02-10T06:00) or relative (-3d, -3d@d). start and end come \
from the %time window unless given. `%%query` runs the statement below it as written (SQL for local sources), with \
{start} and {end} replaced by the %time window. --print shows the query without running it. Every result says which \
source and window produced it; columns empty in every returned row of a library query are left out.",
    forms: Forms::Both,
    params: &[
        Param::new("query", Kind::Text, "list, describe, or the query's name (Family.name)"),
        Param::new(
            "params",
            Kind::Words,
            "name=value parameters (or, after list/describe, the text or name)",
        )
        .rest(),
    ],
    options: &[
        Opt::value(
            "source",
            "NAME",
            Kind::Text,
            "the source to run on instead of the current one",
        )
        .short('s'),
        Opt::flag("print", "show the query that would run, without running it"),
    ],
    body: Some("a statement in the source's query language; {start} and {end} are the %time window"),
    returns: "a frame",
    examples: &[
        Example::new("%query list logon", "the queries about logons"),
        Example::new(
            "%query describe WindowsSecurity.list_host_logons",
            "what a query does and its parameters",
        ),
        Example::new(
            "logons = %query WindowsSecurity.list_host_logons host_name=WORKSTATION5",
            "logons on one host, in the %time window",
        ),
        Example::new(
            "%%query --source sample\nSELECT EventID, COUNT(*) AS n FROM WindowsEvent GROUP BY EventID ORDER BY n DESC",
            "a raw SQL query on the sample source",
        ),
    ],
};

/// What the call asks for.
enum Action<'a> {
    /// `%query [list] [WORDS]`: the library, filtered.
    List(&'a [Spanned]),
    /// `%query describe NAME`.
    Describe(&'a Spanned),
    /// `%query NAME name=value …`.
    Named(&'a Spanned, &'a [Spanned]),
    /// `%%query` and its statement.
    Raw(&'a Spanned),
}

/// The call, read once from its arguments.
struct Plan<'a> {
    action: Action<'a>,
    /// Where it runs: `--source`, else the current source.
    source: Option<&'a Spanned>,
    /// Only show what would run.
    print: bool,
}

impl<'a> Plan<'a> {
    fn from_args(args: &'a Args) -> Result<Self, Diagnostic> {
        let words = args.words();
        let action = match (&args.body, args.param("query")) {
            (Some(_), Some(q)) => {
                return Err(Diagnostic::new(
                    "unexpected-argument",
                    "%%query runs the statement below it; it takes no query name",
                )
                .at(q.span.clone())
                .hint("run a library query on one line:  %query NAME name=value"));
            }
            (Some(body), None) => Action::Raw(body),
            (None, None) => Action::List(words),
            (None, Some(q)) if q.text == "list" => Action::List(words),
            (None, Some(q)) if q.text == "describe" => match words.first() {
                Some(name) => Action::Describe(name),
                None => {
                    return Err(
                        Diagnostic::new("missing-argument", "%query describe needs a query name")
                            .at(args.call_span.clone())
                            .hint("%query list shows the names"),
                    );
                }
            },
            (None, Some(q)) => Action::Named(q, words),
        };
        Ok(Plan {
            action,
            source: args.option("source"),
            print: args.flag("print"),
        })
    }
}

impl Magic for QueryMagic {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let plan = Plan::from_args(args)?;
        match plan.action {
            Action::List(words) => list(words, ctx),
            Action::Describe(name) => {
                let query = find(ctx, name)?;
                Ok(Outcome::new(Value::Result(describe(&query))))
            }
            Action::Named(name, words) => run_named(name, words, &plan, ctx),
            Action::Raw(body) => raw(body, &plan, ctx),
        }
    }
}

fn library_queries(ctx: &mut Context) -> Vec<Query> {
    ctx.sources.library().environment(LOCAL).queries
}

fn find(ctx: &mut Context, name: &Spanned) -> Result<Query, Diagnostic> {
    let queries = library_queries(ctx);
    if let Some(q) = queries.iter().find(|q| q.key == name.text) {
        return Ok(q.clone());
    }
    // A bare name is enough when only one family has it.
    let by_name: Vec<&Query> = queries.iter().filter(|q| q.name == name.text).collect();
    if let [q] = by_name.as_slice() {
        return Ok((*q).clone());
    }
    let d = Diagnostic::new(
        "no-such-query",
        format!("there is no query {:?} in the library", name.text),
    )
    .at(name.span.clone());
    Err(if by_name.len() > 1 {
        d.hint(format!(
            "several families have it: {}",
            by_name.iter().map(|q| q.key.as_str()).collect::<Vec<_>>().join(", ")
        ))
    } else {
        match did_you_mean(&name.text, queries.iter().map(|q| q.key.as_str())) {
            Some(s) => d.hint(format!("did you mean {s}? (%query list shows them all)")),
            None => d.hint("%query list shows the queries"),
        }
    })
}

fn list(words: &[Spanned], ctx: &mut Context) -> Result<Outcome, Diagnostic> {
    let text = words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ");
    let library = ctx.sources.library().environment(LOCAL);
    let problems = ctx.sources.problems.clone();
    let found: Vec<&Query> = library.search(&text).collect();
    if found.is_empty() {
        return Err(Diagnostic::new(
            "no-such-query",
            format!("no query's name or description holds {text:?}"),
        )
        .hint("%query list shows them all"));
    }
    let params = |q: &Query| {
        q.params
            .iter()
            .filter(|(n, _)| !matches!(n.as_str(), "start" | "end" | "table"))
            .map(|(n, p)| {
                if p.default.is_none() {
                    format!("{n} (required)")
                } else {
                    n.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let df = DataFrame::new_infer_height(vec![
        Column::new("Query".into(), found.iter().map(|q| q.key.clone()).collect::<Vec<_>>()),
        Column::new(
            "Description".into(),
            found.iter().map(|q| q.description.clone()).collect::<Vec<_>>(),
        ),
        Column::new("Parameters".into(), found.iter().map(|q| params(q)).collect::<Vec<_>>()),
        Column::new(
            "Table".into(),
            found
                .iter()
                .map(|q| {
                    q.params
                        .get("table")
                        .and_then(|p| p.default.as_ref())
                        .and_then(|d| d.as_str())
                        .unwrap_or("")
                        .to_string()
                })
                .collect::<Vec<_>>(),
        ),
    ])
    .expect("columns of one length");
    Ok(Outcome::warned(Value::Frame(Frame::new(df, "query library")), problems))
}

fn describe(q: &Query) -> Figure {
    let default_text = |p: &huntbook::query::Param| match &p.default {
        None => "(required)".to_string(),
        Some(serde_yaml::Value::String(s)) if s.is_empty() => "''".to_string(),
        Some(v) => serde_yaml::to_string(v).unwrap_or_default().trim().to_string(),
    };
    let mut text = format!("{}\nfrom {}\n\nparameters:\n", q.description, q.file.display());
    let mut grid = Grid::new(["parameter", "type", "default", "aliases", "description"]);
    for (name, p) in &q.params {
        let aliases = p.aliases.join(", ");
        text.push_str(&format!(
            "  {name} ({}) = {}{} — {}\n",
            p.kind.name(),
            default_text(p),
            if aliases.is_empty() {
                String::new()
            } else {
                format!(" [aliases: {aliases}]")
            },
            p.description
        ));
        grid.row([
            Cell::Code(name.clone()),
            Cell::from(p.kind.name()),
            Cell::Code(default_text(p)),
            Cell::Text(aliases),
            Cell::Text(p.description.clone()),
        ]);
    }
    text.push_str(&format!("\nquery:\n{}\n", q.template));
    let html = format!(
        "<p>{}<br><small>from <code>{}</code></small></p>{}<pre>{}</pre>",
        escape_html(&q.description),
        escape_html(&q.file.display().to_string()),
        grid.html(),
        escape_html(&q.template)
    );
    Figure::rich(html, text).heading(q.key.clone())
}

fn run_named(name: &Spanned, words: &[Spanned], plan: &Plan, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
    let query = find(ctx, name)?;
    let mut given: BTreeMap<String, String> = BTreeMap::new();
    let mut spans: BTreeMap<String, std::ops::Range<usize>> = BTreeMap::new();
    for word in words {
        let Some((param, value)) = word.text.split_once('=') else {
            return Err(Diagnostic::new(
                "bad-argument",
                format!("{:?} is not a parameter: write name=value", word.text),
            )
            .at(word.span.clone())
            .hint(format!("{} takes {}", query.key, param_list(&query))));
        };
        let Some(canonical) = query.param_named(param) else {
            let d = Diagnostic::new("unknown-parameter", format!("{} has no parameter {param}", query.key))
                .at(word.span.start..word.span.start + param.len());
            return Err(match did_you_mean(param, query.params.keys().map(String::as_str)) {
                Some(s) => d.hint(format!(
                    "did you mean {s}? ({} takes {})",
                    query.key,
                    param_list(&query)
                )),
                None => d.hint(format!("{} takes {}", query.key, param_list(&query))),
            });
        };
        if given.insert(canonical.to_string(), value.to_string()).is_some() {
            return Err(
                Diagnostic::new("repeated-option", format!("{canonical} is given twice")).at(word.span.clone()),
            );
        }
        spans.insert(canonical.to_string(), word.span.clone());
    }
    // The %time window fills start and end where the call does not.
    let now = chrono::Utc::now();
    let mut from_window = false;
    if let Some(w) = ctx.window.as_ref() {
        for (param, t) in [("start", w.start), ("end", w.end)] {
            if query.params.contains_key(param) && !given.contains_key(param) {
                given.insert(param.to_string(), huntbook::time::iso(t));
                from_window = true;
            }
        }
    }
    let rendered = render_for(&query, &given, now, Dialect::Sql).map_err(|e| {
        let span = match &e {
            RenderError::WrongType { param, .. } => spans.get(param).cloned(),
            _ => None,
        };
        let d = Diagnostic::new("bad-parameter", e.to_string()).at(span.unwrap_or(name.span.clone()));
        d.hint(format!("%query describe {} shows its parameters", query.key))
    })?;
    let window = window_text(&query, &given, now, from_window);
    if plan.print {
        return Ok(printed(plan, ctx, &rendered, window.as_deref()));
    }
    let (source, mut warnings) = source_for(plan, ctx, &name.span)?;
    let result = source.query(&rendered).map_err(|e| {
        let d = Diagnostic::engine(e, Some(name.span.clone()));
        if query.params.contains_key("table") {
            d.hint("give table=NAME for another table, or map the name in huntbook.yaml under the source's tables:")
        } else {
            d
        }
    })?;
    warnings.extend(result.warnings);
    let source_name = source.name.clone();
    let df = tidy(result.value);
    let mut frame = Frame::new(df, source_name).with_query(rendered);
    if let Some(w) = window {
        frame = frame.with_window(w);
    }
    Ok(Outcome::warned(Value::Frame(frame), warnings))
}

fn param_list(q: &Query) -> String {
    q.params.keys().cloned().collect::<Vec<_>>().join(", ")
}

/// `start .. end` for a query with a window, whether from %time or the query's defaults.
fn window_text(
    q: &Query,
    given: &BTreeMap<String, String>,
    now: chrono::DateTime<chrono::Utc>,
    from_window: bool,
) -> Option<String> {
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
    let (start, end) = (value("start")?, value("end")?);
    let w = TimeWindow { start, end }.to_string();
    Some(if from_window {
        w
    } else {
        format!("{w}, the query's default")
    })
}

/// `--print`: the query with the source (`--source`, or the current one) and window it
/// would run with.
fn printed(plan: &Plan, ctx: &Context, query: &str, window: Option<&str>) -> Outcome {
    let source = plan
        .source
        .map(|s| s.text.as_str())
        .or(ctx.sources.current())
        .unwrap_or("sample (nothing connected)");
    let mut text = format!("-- source: {source}");
    if let Some(w) = window {
        text.push_str(&format!("\n-- window: {w}"));
    }
    text.push_str(&format!("\n{query}"));
    Outcome::new(Value::Result(Figure::preformatted(text)))
}

/// The source a query runs on (`--source`, else the current one), opened if need be; an
/// unknown one is an error at `--source`, or at `fallback` when none was given.
fn source_for<'a>(
    plan: &Plan,
    ctx: &'a mut Context,
    fallback: &std::ops::Range<usize>,
) -> Result<(&'a huntbook::source::LocalSource, Vec<String>), Diagnostic> {
    let source_arg = plan.source;
    ctx.sources
        .resolve(source_arg.map(|s| s.text.as_str()))
        .map_err(|e| Diagnostic::new("no-such-source", e).at(source_arg.map_or(fallback.clone(), |s| s.span.clone())))
}

/// Library results: the time column first, and columns that hold nothing in any returned
/// row left out (event-log tables carry every field of every event type).
fn tidy(df: DataFrame) -> DataFrame {
    let keep: Vec<PlSmallStr> = df
        .columns()
        .iter()
        .filter(|c| df.height() == 0 || c.null_count() < df.height())
        .map(|c| c.name().clone())
        .collect();
    let mut order: Vec<PlSmallStr> = keep.iter().filter(|n| n.as_str() == TIME_COLUMN).cloned().collect();
    order.extend(keep.into_iter().filter(|n| n.as_str() != TIME_COLUMN));
    df.select(order).expect("the frame's own columns")
}

fn raw(body: &Spanned, plan: &Plan, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
    let mut statement = body.text.trim().trim_end_matches(';').to_string();
    let mut window = None;
    if statement.contains("{start}") || statement.contains("{end}") {
        let Some(w) = ctx.window.as_ref() else {
            return Err(Diagnostic::new(
                "no-time-window",
                "the statement uses {start}/{end} but no time window is set",
            )
            .at(body.span.clone())
            .hint("set one first:  %time last 24h  or  %time 2019-02-10 .. 2019-02-12"));
        };
        statement = statement
            .replace("{start}", &sql_time(w.start))
            .replace("{end}", &sql_time(w.end));
        window = Some(w.to_string());
    }
    if plan.print {
        return Ok(printed(plan, ctx, &statement, window.as_deref()));
    }
    let (source, mut warnings) = source_for(plan, ctx, &body.span)?;
    let result = source
        .query(&statement)
        .map_err(|e| Diagnostic::engine(e, Some(body.span.clone())).hint("%connect NAME lists a source's tables"))?;
    warnings.extend(result.warnings);
    let mut frame = Frame::new(result.value, source.name.clone()).with_query(statement);
    frame = frame.with_window(window.unwrap_or_else(|| "none (the statement does not use {start}/{end})".into()));
    Ok(Outcome::warned(Value::Frame(frame), warnings))
}

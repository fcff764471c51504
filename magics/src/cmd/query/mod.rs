//! `%query`: the query library — list, describe, run by name — `%%query` for a raw
//! statement in the source's language (SQL for local sources, KQL for Microsoft's
//! services), and `%query hunt` for Microsoft Sentinel's hunting queries.

mod hunt;
mod remote;
mod run;

use huntbook::Frame;
use huntbook::query::Query;
use huntbook::render::escape::escape_html;
use huntbook::source::TIME_COLUMN;
use polars::prelude::*;

use crate::args::Args;
use crate::diag::{Diagnostic, did_you_mean};
use crate::figure::Figure;
use crate::parse::Spanned;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Kind, Opt, Param, Signature};
use huntbook::render::grid::{Cell, Grid};

pub struct QueryMagic;

static SIGNATURE: Signature = Signature {
    name: "query",
    summary: "Run a hunting query from the library, or a raw query, on the current source",
    description: "`%query list [TEXT]` lists the library's queries (those whose name or description holds TEXT); \
`%query describe NAME` shows one with its parameters; `%query NAME name=value …` runs one. Parameters are checked \
against their declared types; times may be absolute (2019-02-10T06:00) or relative (-3d, -3d@d). start and end come \
from the %time window unless given. The library is the one for the source's kind: local queries, or msticpy's KQL \
queries for sentinel and defender sources, with values rendered as KQL literals. `%%query` runs the statement below it \
as written (SQL for local sources, KQL for the services), with {start} and {end} replaced by the %time window (in KQL \
a datetime(…) literal, or the bare time inside datetime({start})). On a service the query runs there and only its \
result comes back; --split-by 1d runs a long window in chunks, keeping the chunks that succeed and naming those that \
failed. `%query hunt list [TEXT] [--tactic T]` lists Microsoft Sentinel's hunting queries, `%query hunt NAME` runs one \
over the %time window on a sentinel source, and `%query hunt --all [--tactic T]` runs them all: one row per hunt, the \
hits below. --print shows the query without running it. Every result says which source and window produced it; \
columns empty in every returned row of a library query are left out.",
    forms: Forms::Both,
    params: &[
        Param::new(
            "query",
            Kind::Text,
            "list, describe, hunt, or the query's name (Family.name)",
        ),
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
        Opt::value(
            "split-by",
            "SPAN",
            Kind::Text,
            "run the window in chunks of SPAN on a service (1d, 6h)",
        ),
        Opt::value("tactic", "TACTIC", Kind::Text, "hunt: only hunts of this ATT&CK tactic"),
        Opt::flag("all", "hunt: run every hunting query (or every one of --tactic)"),
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
        Example::new(
            "%%query --source soc --split-by 1d\nSecurityAlert | where TimeGenerated between (datetime({start}) .. datetime({end})) | summarize n=count() by AlertName",
            "KQL on a Sentinel workspace, a day at a time",
        ),
        Example::new(
            "%query hunt --all --tactic CredentialAccess",
            "every Sentinel hunting query of one tactic over the %time window",
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
    /// `%query hunt …`: Microsoft Sentinel's hunting queries.
    Hunt(&'a [Spanned]),
}

/// The call, read once from its arguments.
struct Plan<'a> {
    action: Action<'a>,
    /// Where it runs: `--source`, else the current source.
    source: Option<&'a Spanned>,
    /// Only show what would run.
    print: bool,
    /// `--split-by`: chunks of the window, each its own request.
    split: Option<(chrono::Duration, &'a Spanned)>,
    tactic: Option<&'a Spanned>,
    all: bool,
    /// The call's arguments, for the words that ended in a list of session values.
    args: &'a Args,
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
            (None, Some(q)) if q.text == "hunt" => Action::Hunt(words),
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
        let split = match args.option("split-by") {
            Some(s) => {
                let span = huntbook::time::parse_span(&s.text)
                    .map_err(|e| Diagnostic::new("bad-value", e).at(s.span.clone()))?;
                if span < chrono::Duration::minutes(1) {
                    return Err(
                        Diagnostic::new("bad-value", "--split-by takes a span of a minute or more").at(s.span.clone()),
                    );
                }
                Some((span, s))
            }
            None => None,
        };
        let (tactic, all) = (args.option("tactic"), args.flag("all"));
        if !matches!(action, Action::Hunt(_)) {
            if let Some(t) = tactic {
                return Err(Diagnostic::new("bad-argument", "--tactic is for  %query hunt").at(t.span.clone()));
            }
            if all {
                return Err(
                    Diagnostic::new("bad-argument", "--all is for  %query hunt --all").at(args.call_span.clone())
                );
            }
        }
        Ok(Plan {
            action,
            source: args.option("source"),
            print: args.flag("print"),
            split,
            tactic,
            all,
            args,
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
            Action::List(words) => list(words, &plan, ctx),
            Action::Describe(name) => {
                let query = find(ctx, &plan, name)?;
                Ok(Outcome::new(Value::Result(describe(&query))))
            }
            Action::Named(name, words) => run::named(name, words, &plan, ctx),
            Action::Raw(body) => run::raw(body, &plan, ctx),
            Action::Hunt(words) => hunt::hunt(words, &plan, ctx),
        }
    }
}

/// The library's queries for the source a call runs on (its data environment).
fn library_queries(ctx: &mut Context, plan: &Plan) -> Vec<Query> {
    let env = ctx.sources.environment(plan.source.map(|s| s.text.as_str()));
    ctx.sources.library().environment(env).queries
}

fn find(ctx: &mut Context, plan: &Plan, name: &Spanned) -> Result<Query, Diagnostic> {
    let queries = library_queries(ctx, plan);
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

fn list(words: &[Spanned], plan: &Plan, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
    let text = words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ");
    let env = ctx.sources.environment(plan.source.map(|s| s.text.as_str()));
    let library = ctx.sources.library().environment(env);
    let problems = ctx.sources.problems.clone();
    let found: Vec<&Query> = library.search(&text).collect();
    if found.is_empty() {
        return Err(Diagnostic::new(
            "no-such-query",
            format!("no {env} query's name or description holds {text:?}"),
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
    Ok(Outcome::warned(
        Value::Frame(Frame::new(df, format!("query library ({env})"))),
        problems,
    ))
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

fn param_list(q: &Query) -> String {
    q.params.keys().cloned().collect::<Vec<_>>().join(", ")
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

//! `%connect [NAME] [--kind local] [--path FOLDER]`: connect a data source and make it the
//! one queries use; with no name, list the sources.

use huntbook::Frame;
use polars::prelude::*;

use crate::args::Args;
use crate::diag::{Diagnostic, did_you_mean};
use crate::io::Stream;
use crate::parse::Spanned;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Kind, Opt, Param, Signature};
use crate::sources::{SAMPLE, SourceSpec};

pub struct Connect;

const KINDS: &[&str] = &["local"];

static SIGNATURE: Signature = Signature {
    name: "connect",
    summary: "Connect a data source (a folder of evidence) for %query and %%query",
    description: "Makes a source the one queries run on. A local source is a folder: every CSV, JSON, NDJSON, Parquet, \
EVTX, auditd, syslog or Zeek file under it (and every zip/tar archive of them) is a table named by its file stem, and \
the EVTX, auditd and syslog files also make the tables WindowsEvent, AuditdEvents and Syslog. Sources may also be \
named in huntbook.yaml (kind, path, and extra tables as globs); `sample` is built in and covers the shared sample \
data. Connecting shows the source's tables. With no name, lists the sources.",
    forms: Forms::Line,
    params: &[Param::new(
        "name",
        Kind::Text,
        "a name for the source, or the name of a configured one (sample is built in)",
    )],
    options: &[
        Opt::value("kind", "KIND", Kind::Choice(KINDS), "the kind of source")
            .short('k')
            .default("local"),
        Opt::value("path", "FOLDER", Kind::Path, "the folder a local source reads").short('p'),
    ],
    body: None,
    returns: "a frame of the source's tables (or of the sources)",
    examples: &[
        Example::new(
            "%connect evidence --kind local --path ./case-1234",
            "query a folder of exported logs as the source evidence",
        ),
        Example::new("%connect sample", "the built-in source over the shared sample data"),
        Example::new("%connect", "list the sources"),
    ],
};

/// What the call asks for.
enum Plan<'a> {
    /// `%connect`: list the sources.
    List,
    /// `%connect NAME [--kind K --path FOLDER]`: a source by name, configured here when
    /// a path is given.
    Source {
        name: &'a Spanned,
        given: Option<(String, &'a Spanned)>,
    },
}

impl<'a> Plan<'a> {
    fn from_args(args: &'a Args) -> Result<Self, Diagnostic> {
        let path = args.option("path");
        let Some(name) = args.param("name") else {
            return match path {
                Some(path) => Err(
                    Diagnostic::new("missing-argument", "a source connected with --path needs a name")
                        .at(path.span.clone())
                        .hint(format!("e.g.  %connect evidence --path {}", path.text)),
                ),
                None => Ok(Plan::List),
            };
        };
        if !huntbook::source::table_name(&name.text).eq(&name.text) {
            return Err(Diagnostic::new(
                "bad-value",
                format!("{:?} is not a source name: use letters, digits and _", name.text),
            )
            .at(name.span.clone()));
        }
        let kind = args
            .choice(&SIGNATURE, "kind")
            .ok_or_else(|| Diagnostic::internal("--kind has a declared default, but none was parsed"))?;
        Ok(Plan::Source {
            name,
            given: path.map(|p| (kind.to_string(), p)),
        })
    }
}

impl Magic for Connect {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let (name, given) = match Plan::from_args(args)? {
            Plan::List => return list(ctx),
            Plan::Source { name, given } => (name, given),
        };
        let spec = match &given {
            Some((kind, path)) => SourceSpec {
                kind: kind.clone(),
                local: huntbook::source::LocalConfig {
                    path: path.text.clone().into(),
                    tables: Default::default(),
                },
                origin: "%connect".into(),
            },
            None => match ctx.sources.spec(&name.text) {
                Some(spec) => spec,
                None if ctx.sources.get(&name.text).is_some() => {
                    ctx.sources.make_current(&name.text);
                    return Ok(tables(ctx, &name.text, Vec::new()));
                }
                None => {
                    let known: Vec<String> = ctx.sources.known().into_iter().map(|(n, _)| n).collect();
                    let d = Diagnostic::new(
                        "no-such-source",
                        format!("there is no configured source {:?}", name.text),
                    )
                    .at(name.span.clone());
                    return Err(match did_you_mean(&name.text, known.iter().map(String::as_str)) {
                        Some(s) => d.hint(format!(
                            "did you mean {s}? Or give a folder: %connect {} --path FOLDER",
                            name.text
                        )),
                        None => d.hint(format!(
                            "give a folder: %connect {} --path FOLDER (sources: {})",
                            name.text,
                            if known.is_empty() {
                                "none yet".to_string()
                            } else {
                                known.join(", ")
                            }
                        )),
                    });
                }
            },
        };
        let span = given.as_ref().map_or(name.span.clone(), |(_, p)| p.span.clone());
        let warnings = ctx
            .sources
            .open(&name.text, &spec)
            .map_err(|e| Diagnostic::new("source-error", e).at(span))?;
        ctx.sources.make_current(&name.text);
        Ok(tables(ctx, &name.text, warnings))
    }
}

/// The tables of a connected source, as a frame, after a one-line summary.
fn tables(ctx: &mut Context, name: &str, warnings: Vec<String>) -> Outcome {
    let source = ctx.sources.get(name).expect("connected by the caller");
    let mut names = Vec::new();
    let mut holds = Vec::new();
    let mut files = Vec::new();
    for t in source.tables() {
        names.push(t.name.clone());
        holds.push(t.describe(&source.root));
        files.push(t.files.len() as u32);
    }
    let summary = format!(
        "connected {name}: {} ({} tables{}); %query and %%query use it until the next %connect\n",
        source.root.display(),
        names.len(),
        if source.ignored.is_empty() {
            String::new()
        } else {
            format!(", {} other files not read", source.ignored.len())
        }
    );
    ctx.io.stream(Stream::Stdout, &summary);
    let df = DataFrame::new_infer_height(vec![
        Column::new("Table".into(), names),
        Column::new("Holds".into(), holds),
        Column::new("Files".into(), files),
    ])
    .expect("columns of one length");
    Outcome::warned(Value::Frame(Frame::new(df, format!("tables of {name}"))), warnings)
}

fn list(ctx: &mut Context) -> Result<Outcome, Diagnostic> {
    let current = ctx.sources.current().map(str::to_string);
    let known = ctx.sources.known();
    let mut problems = ctx.sources.problems.clone();
    if known.is_empty() {
        problems.push("no sources: connect a folder with  %connect NAME --path FOLDER".into());
    }
    let connected: Vec<String> = ctx.sources.connected_names().map(str::to_string).collect();
    let df = DataFrame::new_infer_height(vec![
        Column::new(
            "Source".into(),
            known.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "Kind".into(),
            known.iter().map(|(_, s)| s.kind.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "Path".into(),
            known
                .iter()
                .map(|(_, s)| s.local.path.display().to_string())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "From".into(),
            known.iter().map(|(_, s)| s.origin.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "State".into(),
            known
                .iter()
                .map(|(n, _)| {
                    if current.as_deref() == Some(n) {
                        "current"
                    } else if connected.contains(n) {
                        "connected"
                    } else if n == SAMPLE && current.is_none() {
                        "used when nothing is connected"
                    } else {
                        "not connected"
                    }
                })
                .collect::<Vec<_>>(),
        ),
    ])
    .expect("columns of one length");
    Ok(Outcome::warned(Value::Frame(Frame::new(df, "sources")), problems))
}

//! `%connect [NAME] [--kind K …]`: connect a data source — a folder, a Microsoft Sentinel
//! workspace, Microsoft Defender, an Azure Data Explorer database — and make it the one
//! queries use; with no name, list the sources.

use huntbook::Frame;
use polars::prelude::*;

use crate::args::Args;
use crate::diag::{Diagnostic, did_you_mean};
use crate::io::Stream;
use crate::parse::Spanned;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Kind, Opt, Param, Signature};
use crate::sources::remote::{AUTHS, RemoteFields};
use crate::sources::{Connected, RemoteKind, RemoteSpec, SAMPLE, SourceSpec};
use crate::waiting::CellWatch;

pub struct Connect;

const KINDS: &[&str] = &["local", "sentinel", "defender", "kusto"];
const APIS: &[&str] = &["graph", "mde"];

static SIGNATURE: Signature = Signature {
    name: "connect",
    summary: "Connect a data source (a folder, Sentinel, Defender or Azure Data Explorer) for %query and %%query",
    description: "Makes a source the one queries run on. A local source is a folder: every CSV, JSON, NDJSON, Parquet, \
EVTX, auditd, syslog or Zeek file under it (and every zip/tar archive of them) is a table named by its file stem, and \
the EVTX, auditd and syslog files also make the tables WindowsEvent, AuditdEvents and Syslog. A sentinel source is one \
or more Log Analytics workspaces (--workspace ID[,ID…]: results stacked with a Workspace column), defender is \
Microsoft Defender's advanced hunting (--api graph, or mde for the legacy API), kusto an Azure Data Explorer database \
(--cluster URL --database DB); their queries are KQL and run on the service. They sign in with Microsoft Entra ID: a \
client secret (client_secret: env:NAME in huntbook.yaml, or %secret NAME), device code (the code is shown here; the \
cell waits, the interrupt stops it), the Azure CLI's sign-in, or a token (token: env:NAME). Sources may also be named \
in huntbook.yaml; `sample` is built in and covers the shared sample data. With no name, lists the sources, whether \
they are signed in, and what each is missing.",
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
        Opt::value(
            "workspace",
            "ID[,ID…]",
            Kind::Text,
            "sentinel: the Log Analytics workspace id(s)",
        )
        .short('w'),
        Opt::value("tenant", "TENANT", Kind::Text, "the Entra ID tenant (id or domain)").short('t'),
        Opt::value("client-id", "ID", Kind::Text, "the app registration's client id"),
        Opt::value(
            "auth",
            "HOW",
            Kind::Choice(AUTHS),
            "how to sign in (else chosen from what is set)",
        ),
        Opt::value("cloud", "CLOUD", Kind::Text, "public, usgov or china").default("public"),
        Opt::value(
            "api",
            "API",
            Kind::Choice(APIS),
            "defender: Microsoft Graph or the legacy MDE API",
        ),
        Opt::value("cluster", "URL", Kind::Text, "kusto: the cluster's https URL"),
        Opt::value("database", "DB", Kind::Text, "kusto: the database"),
        Opt::value(
            "endpoint",
            "URL",
            Kind::Text,
            "the service's URL, when not the cloud's (https, or loopback)",
        ),
        Opt::value(
            "authority",
            "URL",
            Kind::Text,
            "the sign-in authority, when not the cloud's",
        ),
        Opt::value(
            "timeout",
            "SPAN",
            Kind::Text,
            "how long one request may take (default 3m)",
        ),
    ],
    body: None,
    returns: "a frame of the source's tables (or of the sources)",
    examples: &[
        Example::new(
            "%connect evidence --kind local --path ./case-1234",
            "query a folder of exported logs as the source evidence",
        ),
        Example::new(
            "%connect soc --kind sentinel --workspace 8ecf8077-cf51-4820-aadd-14040956f35d --tenant contoso.onmicrosoft.com",
            "a Microsoft Sentinel workspace (signs in with the Azure CLI if installed, else by device code)",
        ),
        Example::new("%connect sample", "the built-in source over the shared sample data"),
        Example::new("%connect", "list the sources"),
    ],
};

/// The remote options, which a local source does not take.
const REMOTE_OPTIONS: &[&str] = &[
    "workspace",
    "tenant",
    "client-id",
    "auth",
    "api",
    "cluster",
    "database",
    "endpoint",
    "authority",
    "timeout",
];

/// What the call asks for.
enum Plan<'a> {
    /// `%connect`: list the sources.
    List,
    /// `%connect NAME [--kind K …]`: a source by name, configured here when a path or a
    /// remote kind is given.
    Source {
        name: &'a Spanned,
        given: Option<(Box<SourceSpec>, std::ops::Range<usize>)>,
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
        let kind_span = args.option("kind").map_or(name.span.clone(), |k| k.span.clone());
        let given = match (RemoteKind::named(kind), path) {
            (None, Some(path)) => {
                if let Some(o) = REMOTE_OPTIONS.iter().find_map(|o| args.option(o)) {
                    return Err(Diagnostic::new("bad-argument", "a local source takes --path only")
                        .at(o.span.clone())
                        .hint("for a service, give --kind sentinel, defender or kusto"));
                }
                let spec = SourceSpec {
                    kind: kind.to_string(),
                    local: huntbook::source::LocalConfig {
                        path: path.text.clone().into(),
                        tables: Default::default(),
                    },
                    remote: None,
                    origin: "%connect".into(),
                };
                Some((Box::new(spec), path.span.clone()))
            }
            (None, None) => None,
            (Some(remote), _) => {
                if let Some(p) = path {
                    return Err(
                        Diagnostic::new("bad-argument", format!("a {kind} source reads no folder")).at(p.span.clone()),
                    );
                }
                Some((Box::new(remote_spec(args, remote, kind_span.clone())?), kind_span))
            }
        };
        Ok(Plan::Source { name, given })
    }
}

/// The remote source the options describe.
fn remote_spec(args: &Args, kind: RemoteKind, span: std::ops::Range<usize>) -> Result<SourceSpec, Diagnostic> {
    let text = |o: &str| args.option(o).map(|s| s.text.clone());
    let fields = RemoteFields {
        workspaces: text("workspace").into_iter().collect(),
        tenant: text("tenant"),
        client_id: text("client-id"),
        client_secret: None,
        token: None,
        auth: text("auth"),
        cloud: text("cloud"),
        authority: text("authority"),
        endpoint: text("endpoint"),
        cluster: text("cluster"),
        database: text("database"),
        api: text("api"),
        timeout: text("timeout"),
    };
    let spec = RemoteSpec::new(kind, fields).map_err(|e| {
        Diagnostic::new("bad-argument", e)
            .at(span)
            .hint("%help connect shows each kind's options")
    })?;
    Ok(SourceSpec::remote(spec, "%connect".into()))
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
        let (spec, span) = match given {
            Some((spec, span)) => (*spec, span),
            None => match ctx.sources.spec(&name.text) {
                Some(spec) => (spec, name.span.clone()),
                None if ctx.sources.get(&name.text).is_some() => {
                    ctx.sources.make_current(&name.text);
                    return Ok(summary(ctx, &name.text, Vec::new()));
                }
                None => return Err(unknown_source(ctx, name)),
            },
        };
        let warnings = ctx
            .sources
            .open(&name.text, &spec, ctx.secrets)
            .map_err(|e| Diagnostic::new("source-error", e).at(span.clone()))?;
        if let Some(Connected::Remote(remote)) = ctx.sources.get_mut(&name.text)
            && let Err(e) = CellWatch::new(ctx.io).sign_in(remote)
        {
            ctx.sources.disconnect(&name.text);
            return Err(Diagnostic::engine(e, Some(span)));
        }
        ctx.sources.make_current(&name.text);
        Ok(summary(ctx, &name.text, warnings))
    }
}

fn unknown_source(ctx: &mut Context, name: &Spanned) -> Diagnostic {
    let known: Vec<String> = ctx.sources.known().into_iter().map(|(n, _)| n).collect();
    let d = Diagnostic::new(
        "no-such-source",
        format!("there is no configured source {:?}", name.text),
    )
    .at(name.span.clone());
    match did_you_mean(&name.text, known.iter().map(String::as_str)) {
        Some(s) => d.hint(format!(
            "did you mean {s}? Or give a folder: %connect {} --path FOLDER",
            name.text
        )),
        None => d.hint(format!(
            "give a folder (%connect {} --path FOLDER) or a service (--kind sentinel --workspace ID); sources: {}",
            name.text,
            if known.is_empty() {
                "none yet".to_string()
            } else {
                known.join(", ")
            }
        )),
    }
}

/// What a connected source holds: a folder's tables, or a service's settings.
fn summary(ctx: &mut Context, name: &str, warnings: Vec<String>) -> Outcome {
    match ctx.sources.get(name) {
        Some(Connected::Remote(r)) => {
            let (place, method, env) = (r.spec.place(), r.sign_in_method(), r.environment());
            let line = format!(
                "connected {name}: {} {place}, signed in ({method}); %query and %%query use it (KQL) until the next %connect\n",
                r.spec.kind_name()
            );
            let settings = vec![
                ("Kind", r.spec.kind_name().to_string()),
                ("Where", place),
                ("Cloud", r.spec.cloud_name.clone()),
                (
                    "Tenant",
                    r.spec
                        .tenant
                        .clone()
                        .unwrap_or_else(|| "(the CLI's or the token's)".into()),
                ),
                ("Sign-in", method.to_string()),
                ("Timeout", format!("{} s per request", r.spec.timeout.as_secs())),
            ];
            let queries = ctx.sources.library().environment(env).queries.len();
            let hunts = if env == "MSSentinel" {
                ctx.sources.hunts().len()
            } else {
                0
            };
            let mut rows = settings;
            rows.push(("Library queries", format!("{queries} ({env}): %query list")));
            if hunts > 0 {
                rows.push(("Hunting queries", format!("{hunts}: %query hunt list")));
            }
            ctx.io.stream(Stream::Stdout, &line);
            let df = DataFrame::new_infer_height(vec![
                Column::new("Setting".into(), rows.iter().map(|r| r.0).collect::<Vec<_>>()),
                Column::new("Value".into(), rows.iter().map(|r| r.1.clone()).collect::<Vec<_>>()),
            ])
            .expect("columns of one length");
            Outcome::warned(Value::Frame(Frame::new(df, format!("source {name}"))), warnings)
        }
        _ => tables(ctx, name, warnings),
    }
}

/// The tables of a connected source, as a frame, after a one-line summary.
fn tables(ctx: &mut Context, name: &str, warnings: Vec<String>) -> Outcome {
    let Some(Connected::Local(source)) = ctx.sources.get(name) else {
        return Outcome::new(Value::Nothing);
    };
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
    let mut rows: Vec<[String; 6]> = Vec::new();
    for (name, spec) in &known {
        let (place, missing, signed_in) = match &spec.remote {
            Some(r) => {
                let signed = matches!(ctx.sources.get(name), Some(Connected::Remote(s)) if s.signed_in());
                (r.place(), r.missing(name, ctx.secrets).join("; "), Some(signed))
            }
            None => (spec.local.path.display().to_string(), String::new(), None),
        };
        let connected = ctx.sources.get(name).is_some();
        let mut state = if current.as_deref() == Some(name.as_str()) {
            "current".to_string()
        } else if connected {
            "connected".to_string()
        } else if name == SAMPLE && current.is_none() {
            "used when nothing is connected".to_string()
        } else {
            "not connected".to_string()
        };
        match signed_in {
            Some(true) => state.push_str(", signed in"),
            Some(false) => state.push_str(", not signed in"),
            None => {}
        }
        rows.push([
            name.clone(),
            spec.kind.clone(),
            place,
            spec.origin.clone(),
            state,
            missing,
        ]);
    }
    let column =
        |i: usize, title: &str| Column::new(title.into(), rows.iter().map(|r| r[i].clone()).collect::<Vec<_>>());
    let df = DataFrame::new_infer_height(vec![
        column(0, "Source"),
        column(1, "Kind"),
        column(2, "Where"),
        column(3, "From"),
        column(4, "State"),
        column(5, "Missing"),
    ])
    .expect("columns of one length");
    Ok(Outcome::warned(Value::Frame(Frame::new(df, "sources")), problems))
}

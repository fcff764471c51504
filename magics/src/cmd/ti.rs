//! `%ti OBSERVABLE | FRAME[.COLUMN]`: threat intelligence on indicators.

use std::collections::HashSet;

use huntbook::Frame;
use huntbook::ioc::IocType;
use huntbook::ti::{self, Query, Row, Status, providers};

use crate::args::Args;
use crate::diag::Diagnostic;
use crate::enrich::run_lookup;
use crate::figure::Figure;
use crate::parse::Spanned;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Kind, Opt, Param, Signature};
use crate::target::{Accepts, Target, resolve};
use huntbook::render::grid::Grid;

pub struct Ti;

const TYPES: &[&str] = &["ipv4", "ipv6", "dns", "url", "md5_hash", "sha1_hash", "sha256_hash"];

static SIGNATURE: Signature = Signature {
    name: "ti",
    summary: "Look indicators up in threat-intel providers (VirusTotal, OTX, X-Force, GreyNoise, AbuseIPDB, URLhaus, MalwareBazaar, Tor)",
    description: "Looks every indicator up in every configured provider at once, each within its rate limit (free-tier \
quotas by default), retrying throttled requests as the provider asks (Retry-After). Answers are cached on disk \
(~/.cache/huntbook/ti by default, a week by default), so running a notebook again spends no quota; --refresh asks \
again. Indicators are refanged and checked first as msticpy does (global IPs only, real hashes, domains with a public \
suffix); those that fail are listed, not sent. The result has one row per indicator and provider: Ioc, IocType, \
QuerySubtype, Provider, Result, Severity (information|warning|high|unknown), Details, RawResult, Reference, Status, \
HttpStatus, Cached, LookupTime — shown as a browser with the worst indicators first. A missing key, a refused key, \
throttling or an outage is a row and a line above the results, never an empty table. Providers and keys are set in \
huntbook.yaml under ti.providers (key: env:NAME), or a key is typed at  %secret NAME. Severity: VirusTotal ≥3 engines \
malicious → high, any → warning; OTX 1 pulse → warning, ≥2 → high; X-Force score ≥7 → high, ≥4 → warning; GreyNoise \
malicious → high, unclassified noise → warning; AbuseIPDB confidence ≥75 → high, ≥25 → warning; URLhaus online → high, \
offline → warning; MalwareBazaar known sample → high; Tor exit node → warning.",
    forms: Forms::Line,
    params: &[Param::new(
        "observable",
        Kind::ValueOrColumn,
        "an indicator, FRAME.COLUMN, or a frame from %ioc (its Observable and IoCType columns)",
    )],
    options: &[
        Opt::value(
            "providers",
            "NAME, …",
            Kind::Text,
            "only these providers (default: every configured one)",
        )
        .short('p'),
        Opt::value(
            "type",
            "TYPE",
            Kind::Choice(TYPES),
            "the indicators' type (default: inferred from each value)",
        )
        .short('t'),
        Opt::value(
            "type-column",
            "COLUMN",
            Kind::Text,
            "a column of the frame holding each indicator's type (as %ioc's IoCType)",
        ),
        Opt::value(
            "subtype",
            "SUBTYPE",
            Kind::Text,
            "a provider's other lookup: passivedns, geo, whois, malware, quick, full",
        )
        .short('s'),
        Opt::flag("refresh", "ask the providers again instead of using cached answers"),
        Opt::flag(
            "list",
            "list the providers: what each looks up, whether it is configured, its rate limit",
        ),
    ],
    body: None,
    returns: "a frame of results, shown as a results browser",
    examples: &[
        Example::new(
            "ti = %ti iocs",
            "every indicator %ioc found, in every configured provider",
        ),
        Example::new(
            "%ti 45.77.12.3 --providers greynoise,abuseipdb",
            "one address in two providers",
        ),
        Example::new(
            "%ti flows.RemoteIP --type ipv4 --subtype passivedns --providers otx",
            "passive DNS for a column of addresses",
        ),
        Example::new("%ti --list", "the providers and how they are configured"),
    ],
};

/// The call's options, read once.
struct Plan<'a> {
    kind: Option<IocType>,
    subtype: Option<(String, &'a Spanned)>,
    /// `--providers`, lower-cased, and where it was written.
    providers: Option<(Vec<String>, &'a Spanned)>,
    refresh: bool,
}

impl<'a> Plan<'a> {
    fn from_args(args: &'a Args) -> Self {
        Plan {
            // The choice was checked against TYPES, every one of them an IocType name.
            kind: args.choice(&SIGNATURE, "type").and_then(IocType::from_name),
            subtype: args.option("subtype").map(|s| (s.text.trim().to_ascii_lowercase(), s)),
            providers: args.option("providers").map(|p| {
                let names = p
                    .text
                    .split(',')
                    .map(|n| n.trim().to_ascii_lowercase())
                    .filter(|n| !n.is_empty())
                    .collect();
                (names, p)
            }),
            refresh: args.flag("refresh"),
        }
    }
}

impl Magic for Ti {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        if args.flag("list") {
            return Ok(Outcome::new(Value::Result(list(ctx))));
        }
        let plan = Plan::from_args(args);
        let (observables, origin) = observables(args, ctx)?;
        let kind = plan.kind;
        let subtype = plan.subtype.as_ref().map(|(s, _)| s.clone());
        let names: Option<Vec<String>> = plan.providers.as_ref().map(|(n, _)| n.clone());
        let settings = ctx.sources.config().ti.clone();
        let (configured, mut warnings) = settings.configure(names.as_deref(), ctx.secrets).map_err(|e| {
            let d = Diagnostic::new("no-provider", e);
            let d = match &plan.providers {
                Some((_, p)) => d.at(p.span.clone()),
                None => d.at(args.call_span.clone()),
            };
            d.hint(
                "configure providers in huntbook.yaml, e.g.\n  ti:\n    providers:\n      virustotal: {key: env:VT_API_KEY}\n      tor: {}\n\
                 or name one with --providers (%ti --list shows them all)",
            )
        })?;
        if let Some(s) = &subtype
            && !configured
                .iter()
                .any(|c| c.provider.kinds().iter().any(|(_, subs)| subs.contains(&s.as_str())))
        {
            return Err(Diagnostic::new(
                "bad-value",
                format!("no chosen provider has the lookup {s:?}"),
            )
            .at(plan.subtype.as_ref().map_or(args.call_span.clone(), |(_, at)| at.span.clone()))
            .hint("subtypes: virustotal passivedns; otx passivedns, geo; xforce malware, whois, passivedns; greynoise quick, full"));
        }

        // Check and type every distinct observable; the ones that fail are rows too.
        let mut queries = Vec::new();
        let mut rejected: Vec<Row> = Vec::new();
        let mut seen = HashSet::new();
        for (text, given) in observables {
            let given = given.or(kind);
            let key = (text.clone(), given);
            if !seen.insert(key) {
                continue;
            }
            match ti::precheck(&text, given) {
                Ok((ioc, kind)) => {
                    let q = Query {
                        ioc,
                        kind,
                        subtype: subtype.clone(),
                    };
                    if !queries.contains(&q) {
                        queries.push(q);
                    }
                }
                Err(why) => {
                    let q = Query {
                        ioc: text.clone(),
                        kind: given.unwrap_or(IocType::Dns),
                        subtype: subtype.clone(),
                    };
                    let mut row = Row::failure(&q, "-", Status::BadFormat, why);
                    if given.is_none() {
                        row.ioc_type = "unknown".into();
                    }
                    rejected.push(row);
                }
            }
        }
        if !rejected.is_empty() {
            warnings.push(format!(
                "{} indicator{} failed the checks and {} not looked up (Status bad-format)",
                rejected.len(),
                if rejected.len() == 1 { "" } else { "s" },
                if rejected.len() == 1 { "was" } else { "were" }
            ));
        }
        let sentinel = settings.sentinel_source(names.as_deref());
        let sentinel_named = sentinel.is_some();
        let report = run_lookup(
            &mut *ctx.io,
            "threat intel",
            &settings,
            &queries,
            &configured,
            plan.refresh,
        )?;
        warnings.extend(report.warnings);
        let mut rows = report.rows;
        if let Some(source) = sentinel {
            let (found, notes) = sentinel_rows(&queries, source.as_deref(), ctx);
            rows.extend(found);
            warnings.extend(notes);
        }
        rows.extend(rejected);
        let df = ti::frame(&rows).map_err(|e| Diagnostic::engine(e.into(), None))?;
        let mut frame = Frame::new(df, origin);
        frame.provenance.query = Some(format!(
            "%ti providers: {}; {} request{} sent, {} answer{} from the cache",
            configured
                .iter()
                .map(|c| c.provider.name())
                .chain(sentinel_named.then_some(ti::sentinel::NAME))
                .collect::<Vec<_>>()
                .join(", "),
            report.requests,
            if report.requests == 1 { "" } else { "s" },
            report.from_cache,
            if report.from_cache == 1 { "" } else { "s" },
        ));
        let figure = Figure::rich(ti::render::html(&rows), ti::render::text(&rows)).heading(ti::render::summary(&rows));
        Ok(Outcome::warned(Value::Shown(frame, figure), warnings))
    }
}

/// Sentinel's verdicts: the observables matched against the ThreatIntelligenceIndicator
/// table of a source (the one configured, else the current one). A missing source or
/// table makes a failed row per observable and a line saying why.
fn sentinel_rows(queries: &[Query], source: Option<&str>, ctx: &mut Context) -> (Vec<Row>, Vec<String>) {
    use huntbook::ti::sentinel::{NAME, TABLE, columns, rows, wanted};
    let supported: Vec<Query> = queries
        .iter()
        .filter(|q| !columns(q.kind).is_empty())
        .cloned()
        .collect();
    let mut read = || -> Result<(polars::prelude::DataFrame, String, Vec<String>), String> {
        let (src, mut notes) = ctx.sources.resolve(source, ctx.secrets)?;
        let src = match src {
            crate::sources::Connected::Local(s) => s,
            crate::sources::Connected::Remote(r) => {
                return Err(format!(
                    "source {} is a {} service: the sentinel provider matches a local source's {TABLE} table \
                     (query the workspace's table into a folder, or name a local source under ti.providers.sentinel.source)",
                    r.name,
                    r.spec.kind_name()
                ));
            }
        };
        let scanned = src.scan(TABLE).map_err(|e| format!("source {}: {e}", src.name))?;
        notes.extend(scanned.warnings);
        let mut lf = scanned.value;
        let present: Vec<String> = lf
            .collect_schema()
            .map_err(|e| e.to_string())?
            .iter_names()
            .map(|n| n.to_string())
            .collect();
        let cols: Vec<polars::prelude::Expr> = wanted(&present)
            .iter()
            .map(|c| polars::prelude::col(c.as_str()))
            .collect();
        let df = lf.select(cols).collect().map_err(|e| e.to_string())?;
        Ok((df, src.name.clone(), notes))
    };
    match read() {
        Ok((df, name, mut notes)) => {
            notes.iter_mut().for_each(|n| *n = format!("{NAME}: {n}"));
            (rows(&supported, &df, &name), notes)
        }
        Err(e) => (
            supported
                .iter()
                .map(|q| Row::failure(q, NAME, Status::Failed, e.clone()))
                .collect(),
            vec![format!("{NAME}: cannot read {TABLE}: {e}")],
        ),
    }
}

/// Observables, each with the type given for it (if any).
type Observables = Vec<(String, Option<IocType>)>;

/// Observables and their given types, from a literal, a column or an %ioc frame.
fn observables(args: &Args, ctx: &Context) -> Result<(Observables, String), Diagnostic> {
    let Some(arg) = args.param("observable") else {
        return Err(
            Diagnostic::new("missing-argument", "%ti needs an indicator, FRAME.COLUMN or a frame")
                .at(args.call_span.clone())
                .hint("e.g.  %ti 45.77.12.3  or  %ti iocs  (a frame from %ioc)"),
        );
    };
    let text = arg.text.trim();
    let type_column = args.option("type-column");
    let frame_and_column =
        |frame: &Frame, column: &str, types: Option<&str>| -> Result<Vec<(String, Option<IocType>)>, Diagnostic> {
            let values = huntbook::frame::text_values(&frame.data, column)
                .map_err(|e| Diagnostic::engine(e, Some(arg.span.clone())))?;
            let kinds = match types {
                Some(c) => Some(
                    huntbook::frame::text_values(&frame.data, c)
                        .map_err(|e| Diagnostic::engine(e, type_column.map(|t| t.span.clone())))?,
                ),
                None => None,
            };
            Ok(values
                .iter()
                .enumerate()
                .filter_map(|(i, v)| {
                    let v = v?;
                    let kind = kinds.as_ref().and_then(|k| k.get(i)).and_then(IocType::from_name);
                    Some((v.to_string(), kind))
                })
                .collect())
        };
    let accepts = Accepts {
        frame: true,
        columns: false,
    };
    let target = resolve(args, "observable", ctx.session, accepts)?.unwrap_or(Target::Text(&arg.text));
    if let Target::Frame(frame) = target {
        let names = frame.column_names();
        if names.iter().any(|n| n == "Observable") {
            let types = type_column
                .map(|t| t.text.clone())
                .or_else(|| names.iter().any(|n| n == "IoCType").then(|| "IoCType".to_string()));
            return Ok((
                frame_and_column(frame, "Observable", types.as_deref())?,
                format!("%ti {text}"),
            ));
        }
        return Err(Diagnostic::new(
            "not-a-column",
            format!("the frame {text:?} has no Observable column; name the column to look up"),
        )
        .at(arg.span.clone())
        .hint(format!(
            "e.g.  %ti {text}.{}",
            names.first().map(String::as_str).unwrap_or("Column")
        )));
    }
    if let Some((frame, column)) = target.column() {
        let types = type_column.map(|t| t.text.as_str());
        return Ok((frame_and_column(frame, column, types)?, format!("%ti {text}")));
    }
    if let Some(t) = type_column {
        return Err(Diagnostic::new("bad-option", "--type-column needs a frame or FRAME.COLUMN").at(t.span.clone()));
    }
    Ok((vec![(text.to_string(), None)], "%ti".into()))
}

fn list(ctx: &mut Context) -> Figure {
    let settings = ctx.sources.config().ti.clone();
    let mut rows = Vec::new();
    for p in providers::all() {
        let s = settings.providers.get(p.name());
        let configured = match s {
            Some(s) if !s.enabled => "disabled".to_string(),
            Some(_) => "configured".to_string(),
            None => "not configured".to_string(),
        };
        let key = match (p.auth(), s.and_then(|s| s.key.as_ref()), ctx.secrets.get(p.name())) {
            (providers::Auth::None, _, _) => "no key needed".to_string(),
            (_, _, Some(_)) => "key from %secret".to_string(),
            (_, Some(crate::enrich::KeyRef::Env(v)), _) => {
                if std::env::var(v).is_ok_and(|x| !x.trim().is_empty()) {
                    format!("key from ${v}")
                } else {
                    format!("${v} is not set")
                }
            }
            (_, Some(crate::enrich::KeyRef::Value(_)), _) => "key in huntbook.yaml".to_string(),
            (providers::Auth::Optional, None, None) => "no key (optional)".to_string(),
            (providers::Auth::Required, None, None) => "no key (required)".to_string(),
        };
        let rate = s
            .and_then(|s| s.rate)
            .map(|r| r.to_string())
            .unwrap_or_else(|| p.default_rate().to_string());
        let kinds: Vec<String> = p
            .kinds()
            .iter()
            .map(|(k, subs)| {
                if subs.is_empty() {
                    k.name().to_string()
                } else {
                    format!("{} (+{})", k.name(), subs.join(", "))
                }
            })
            .collect();
        rows.push([
            p.name().to_string(),
            p.title().to_string(),
            configured,
            key,
            rate,
            kinds.join("; "),
        ]);
    }
    let sentinel = match settings.providers.get(ti::sentinel::NAME) {
        Some(s) if !s.enabled => "disabled".to_string(),
        Some(s) => format!("configured (source {})", s.source.as_deref().unwrap_or("current")),
        None => "not configured".to_string(),
    };
    rows.push([
        ti::sentinel::NAME.to_string(),
        "Microsoft Sentinel ThreatIntelligenceIndicator (a source's table)".to_string(),
        sentinel,
        "the source's".to_string(),
        "-".to_string(),
        "ipv4; ipv6; dns; url; md5_hash; sha1_hash; sha256_hash".to_string(),
    ]);
    let mut grid = Grid::new(["provider", "service", "state", "key", "rate limit", "looks up"]);
    for r in rows {
        grid.row(r);
    }
    let cache = match &settings.cache {
        Some(p) => format!("cache: {}", p.display()),
        None => "cache: off".into(),
    };
    Figure::rich(grid.html(), grid.text()).footer(cache)
}

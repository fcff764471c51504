//! `%whois IP | FRAME.COLUMN`: the network an address belongs to, over RDAP.

use std::collections::HashSet;

use huntbook::Frame;
use huntbook::ioc::IocType;
use huntbook::ti::{self, Query, Row, Status};
use polars::prelude::*;
use serde_json::Value as Json;

use crate::args::Args;
use crate::diag::Diagnostic;
use crate::display::{DEFAULT_ROWS, table};
use crate::enrich::run_lookup;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Kind, Opt, Param, Signature};
use crate::target::resolve_column;

pub struct Whois;

static SIGNATURE: Signature = Signature {
    name: "whois",
    summary: "Who holds an IP address: network name, CIDR, country, ASN, registration dates (RDAP)",
    description: "Asks the regional internet registries over RDAP (RFC 9083): ARIN first, which redirects to RIPE NCC, \
APNIC, LACNIC or AFRINIC for their addresses. Gives Ip, ASN, AsnSource, NetworkName, CIDR, Country, Handle, \
Organization, AbuseContact, Registered, Updated, Whois, Status, Cached and Reference. The ASN is the registry's \
origin-AS when it gives one (ARIN does), else the configured MaxMind ASN database's (AsnSource says which). Answers \
are cached like threat intel (ti.providers.rdap in huntbook.yaml sets url, rate and ttl); addresses that are not \
global are listed, not sent.",
    forms: Forms::Line,
    params: &[Param::new("ip", Kind::ValueOrColumn, "an IP address, or FRAME.COLUMN").required()],
    options: &[Opt::flag(
        "refresh",
        "ask the registries again instead of using cached answers",
    )],
    body: None,
    returns: "a frame",
    examples: &[
        Example::new("%whois 89.35.39.84", "one address"),
        Example::new("owners = %whois flows.RemoteIP", "every distinct address of a column"),
    ],
};

const COLUMNS: [&str; 16] = [
    "Ip",
    "ASN",
    "AsnSource",
    "NetworkName",
    "CIDR",
    "Country",
    "Handle",
    "Organization",
    "AbuseContact",
    "Registered",
    "Updated",
    "Whois",
    "Status",
    "Cached",
    "Reference",
    "RawResult",
];

impl Magic for Whois {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let arg = args.required("ip")?;
        let text = arg.text.trim();
        let values: Vec<String> = if let Some((frame, column)) = resolve_column(args, "ip", ctx.session)? {
            let values = huntbook::frame::text_values(&frame.data, &column)
                .map_err(|e| Diagnostic::engine(e, Some(arg.span.clone())))?;
            let mut seen = HashSet::new();
            values
                .iter()
                .flatten()
                .map(|v| v.trim().to_string())
                .filter(|v| seen.insert(v.clone()))
                .collect()
        } else {
            text.parse::<std::net::IpAddr>().map_err(|_| {
                Diagnostic::new("invalid-ip", format!("{text:?} is not an IP address"))
                    .at(arg.span.clone())
                    .hint("give an IPv4 or IPv6 address, or FRAME.COLUMN")
            })?;
            vec![text.to_string()]
        };
        let mut queries = Vec::new();
        let mut rejected = Vec::new();
        for v in &values {
            let kind = match v.parse::<std::net::IpAddr>() {
                Ok(std::net::IpAddr::V4(_)) => IocType::Ipv4,
                Ok(std::net::IpAddr::V6(_)) => IocType::Ipv6,
                Err(_) => {
                    rejected.push(Row::failure(
                        &query(v, IocType::Ipv4),
                        "rdap",
                        Status::BadFormat,
                        "not an IP address",
                    ));
                    continue;
                }
            };
            match ti::precheck(v, Some(kind)) {
                Ok((ioc, kind)) => queries.push(query(&ioc, kind)),
                Err(why) => rejected.push(Row::failure(&query(v, kind), "rdap", Status::BadFormat, why)),
            }
        }
        let settings = ctx.sources.config().ti.clone();
        let (providers, mut warnings) = settings
            .configure(Some(&["rdap".to_string()]), ctx.secrets)
            .map_err(|e| Diagnostic::new("no-provider", e))?;
        let report = run_lookup(
            &mut *ctx.io,
            "whois",
            &settings,
            &queries,
            &providers,
            args.flag("refresh"),
        )?;
        warnings.extend(report.warnings);
        if !rejected.is_empty() {
            warnings.push(format!(
                "{} value{} not global IP addresses and {} not looked up (Status bad-format)",
                rejected.len(),
                if rejected.len() == 1 { " is" } else { "s are" },
                if rejected.len() == 1 { "was" } else { "were" }
            ));
        }
        let mut rows = report.rows;
        rows.extend(rejected);
        // The configured ASN database fills ASNs the registries do not give; one that
        // cannot be opened is said, not skipped in silence.
        let asn_db = ctx.sources.config().geoip.as_ref().and_then(|g| g.asn.clone());
        let geo = asn_db.and_then(|asn| {
            huntbook::geo::GeoDb::open(&huntbook::geo::GeoPaths {
                asn: Some(asn),
                ..Default::default()
            })
            .map_err(|e| warnings.push(format!("ASNs from MaxMind are left out: {e}")))
            .ok()
        });
        let df = whois_frame(&rows, geo.as_ref()).map_err(|e| Diagnostic::engine(e.into(), None))?;
        let frame = Frame::new(df, format!("%whois {text}"));
        let figure = table(&frame, None, DEFAULT_ROWS);
        Ok(Outcome::warned(Value::Shown(frame, figure), warnings))
    }
}

fn query(ioc: &str, kind: IocType) -> Query {
    Query {
        ioc: ioc.to_string(),
        kind,
        subtype: None,
    }
}

fn whois_frame(rows: &[Row], geo: Option<&huntbook::geo::GeoDb>) -> PolarsResult<DataFrame> {
    let details: Vec<Json> = rows
        .iter()
        .map(|r| {
            if r.status.is_answer() {
                serde_json::from_str(&r.details).unwrap_or(Json::Null)
            } else {
                Json::Null
            }
        })
        .collect();
    let text = |key: &str| -> Vec<Option<String>> {
        details
            .iter()
            .map(|d| match d.get(key) {
                Some(Json::String(s)) => Some(s.clone()),
                Some(Json::Array(a)) if !a.is_empty() => Some(
                    a.iter()
                        .map(|x| x.as_str().map(str::to_string).unwrap_or_else(|| x.to_string()))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                _ => None,
            })
            .collect()
    };
    let mut asn = Vec::with_capacity(rows.len());
    let mut source = Vec::with_capacity(rows.len());
    for (r, d) in rows.iter().zip(&details) {
        let from_rdap = d
            .get("asn")
            .and_then(Json::as_array)
            .and_then(|a| a.first())
            .and_then(Json::as_u64);
        let from_geo = || {
            geo.and_then(|g| g.lookup_str(&r.ioc).ok())
                .and_then(|l| l.asn)
                .map(u64::from)
        };
        match (from_rdap, r.status.is_answer()) {
            (Some(a), _) => {
                asn.push(Some(a));
                source.push(Some("rdap"));
            }
            (None, true) => match from_geo() {
                Some(a) => {
                    asn.push(Some(a));
                    source.push(Some("maxmind"));
                }
                None => {
                    asn.push(None);
                    source.push(None);
                }
            },
            _ => {
                asn.push(None);
                source.push(None);
            }
        }
    }
    let status: Vec<String> = rows
        .iter()
        .map(|r| match r.status {
            Status::Ok => "ok".to_string(),
            s => format!("{s}: {}", r.details),
        })
        .collect();
    DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                COLUMNS[0].into(),
                rows.iter().map(|r| r.ioc.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(COLUMNS[1].into(), asn),
            Column::new(COLUMNS[2].into(), source),
            Column::new(COLUMNS[3].into(), text("name")),
            Column::new(COLUMNS[4].into(), text("cidr")),
            Column::new(COLUMNS[5].into(), text("country")),
            Column::new(COLUMNS[6].into(), text("handle")),
            Column::new(COLUMNS[7].into(), text("organization")),
            Column::new(COLUMNS[8].into(), text("abuse")),
            Column::new(COLUMNS[9].into(), text("registered")),
            Column::new(COLUMNS[10].into(), text("updated")),
            Column::new(COLUMNS[11].into(), text("whois")),
            Column::new(COLUMNS[12].into(), status),
            Column::new(COLUMNS[13].into(), rows.iter().map(|r| r.cached).collect::<Vec<_>>()),
            Column::new(
                COLUMNS[14].into(),
                rows.iter().map(|r| r.reference.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                COLUMNS[15].into(),
                rows.iter().map(|r| r.raw.as_str()).collect::<Vec<_>>(),
            ),
        ],
    )
}

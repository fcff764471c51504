//! The threat-intel providers: for each, the request an observable becomes and how the
//! answer is read. No I/O here — [`super::run`] sends the requests.
//!
//! Keys travel in headers for every provider (none of them needs it in the URL), so a
//! request URL can be shown as the row's reference.
//!
//! Severity mapping, per provider (documented in `%ti --help` too):
//! - **virustotal**: engines flagging it malicious ≥ 3 → high; any malicious or suspicious
//!   → warning; else information. Passive DNS: information.
//! - **otx**: pulses naming it: 0 → information (not found), 1 → warning, ≥ 2 → high
//!   (msticpy's rule). Passive DNS and geo: information.
//! - **xforce**: risk score ≥ 7 → high, ≥ 4 → warning, else information; a known malware
//!   hash → high (medium/low risk → warning).
//! - **greynoise**: classification malicious → high; seen scanning (noise) but not
//!   classified benign → warning; benign or RIOT → information.
//! - **abuseipdb**: abuse confidence ≥ 75 → high, ≥ 25 → warning, else information.
//! - **urlhaus**: a URL, or a host with a URL, online now → high; known but offline →
//!   warning; a known payload → high.
//! - **malwarebazaar**: a known sample → high.
//! - **tor**: a current exit node → warning (the traffic's real origin is hidden), else
//!   information.

use std::fmt::Write as _;
use std::sync::Arc;

use base64::Engine as _;
use serde_json::{Value, json};

use super::{Query, Severity};
use crate::ioc::IocType;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

/// A request, relative to the provider's base URL.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: Method,
    /// Path and query string, appended to the base URL.
    pub path: String,
    /// Headers, the key among them (never put into the URL).
    pub headers: Vec<(&'static str, String)>,
    /// A form body (`application/x-www-form-urlencoded`) for POST requests.
    pub form: Vec<(&'static str, String)>,
}

/// Whether a provider needs a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    None,
    /// Works without a key (or with one, for higher limits).
    Optional,
    Required,
}

/// A provider's reading of one answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub found: bool,
    pub severity: Severity,
    pub details: Value,
    /// The provider's page for the observable, when there is one.
    pub reference: Option<String>,
}

impl Verdict {
    fn new(found: bool, severity: Severity, details: Value) -> Self {
        Verdict {
            found,
            severity,
            details,
            reference: None,
        }
    }

    fn see(mut self, reference: impl Into<String>) -> Self {
        self.reference = Some(reference.into());
        self
    }
}

/// What a provider is: its name, service, address, key, types and rate limit.
#[derive(Debug)]
pub struct Info {
    /// The name used in configuration, `--providers` and the results.
    pub name: &'static str,
    pub title: &'static str,
    pub base_url: &'static str,
    pub auth: Auth,
    /// The observable types and, per type, the subtypes it answers.
    pub kinds: &'static [(IocType, &'static [&'static str])],
    /// The default rate limit, as `N/period` (see [`super::Rate`]).
    pub rate: &'static str,
}

pub trait Provider: Send + Sync {
    fn info(&self) -> &'static Info;
    fn request(&self, q: &Query, key: Option<&str>) -> Request;
    /// Reads a 200 answer. An error means the body is not what the provider documents.
    fn read(&self, q: &Query, body: &str) -> Result<Verdict, String>;
    /// Whether one request answers every observable (a downloaded list).
    fn bulk(&self) -> bool {
        false
    }

    /// Whether the service answers with redirects to follow (RDAP's registries do). Off
    /// for every provider that takes a key, so a key never follows a redirect elsewhere.
    fn redirects(&self) -> bool {
        false
    }

    fn name(&self) -> &'static str {
        self.info().name
    }
    fn title(&self) -> &'static str {
        self.info().title
    }
    fn base_url(&self) -> &'static str {
        self.info().base_url
    }
    fn auth(&self) -> Auth {
        self.info().auth
    }
    fn kinds(&self) -> &'static [(IocType, &'static [&'static str])] {
        self.info().kinds
    }
    fn default_rate(&self) -> &'static str {
        self.info().rate
    }

    fn supports(&self, kind: IocType, subtype: Option<&str>) -> bool {
        self.kinds()
            .iter()
            .any(|(k, subs)| *k == kind && subtype.is_none_or(|s| subs.contains(&s)))
    }
}

/// Every provider Huntbook has, in the order `%ti` lists them.
pub fn all() -> Vec<Arc<dyn Provider>> {
    vec![
        Arc::new(VirusTotal),
        Arc::new(Otx),
        Arc::new(XForce),
        Arc::new(GreyNoise),
        Arc::new(AbuseIpDb),
        Arc::new(UrlHaus),
        Arc::new(MalwareBazaar),
        Arc::new(Tor),
        Arc::new(Rdap),
    ]
}

pub fn by_name(name: &str) -> Option<Arc<dyn Provider>> {
    all().into_iter().find(|p| p.name().eq_ignore_ascii_case(name))
}

fn json(body: &str) -> Result<Value, String> {
    serde_json::from_str(body).map_err(|e| format!("the answer is not JSON ({e})"))
}

/// Copies the members of `from` named in `keys` that are present and not null into the
/// object `into`: the part of an answer a provider's details keep.
fn copy_present(from: &Value, keys: &[&str], into: &mut Value) {
    for &k in keys {
        if let Some(x) = from.get(k).filter(|x| !x.is_null()) {
            into[k] = x.clone();
        }
    }
}

fn int(v: &Value, key: &str) -> i64 {
    v.get(key)
        .and_then(|x| x.as_i64().or_else(|| x.as_str().and_then(|s| s.parse().ok())))
        .unwrap_or(0)
}

/// Percent-encodes a path segment or query value (RFC 3986 unreserved kept).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

const HASHES: [IocType; 3] = [IocType::Md5, IocType::Sha1, IocType::Sha256];

fn is_hash(k: IocType) -> bool {
    HASHES.contains(&k)
}

// ---------------------------------------------------------------------------------------

pub struct VirusTotal;

impl VirusTotal {
    fn collection(kind: IocType) -> &'static str {
        match kind {
            IocType::Ipv4 | IocType::Ipv6 => "ip_addresses",
            IocType::Dns => "domains",
            IocType::Url => "urls",
            _ => "files",
        }
    }

    fn id(q: &Query) -> String {
        match q.kind {
            // VT's URL identifier: the URL in unpadded URL-safe Base64.
            IocType::Url => base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(q.ioc.as_bytes()),
            _ => encode(&q.ioc),
        }
    }

    fn gui(q: &Query) -> String {
        let what = match q.kind {
            IocType::Ipv4 | IocType::Ipv6 => format!("ip-address/{}", q.ioc),
            IocType::Dns => format!("domain/{}", q.ioc),
            IocType::Url => format!("search/{}", encode(&q.ioc)),
            _ => format!("file/{}", q.ioc),
        };
        format!("https://www.virustotal.com/gui/{what}")
    }
}

static VIRUSTOTAL: Info = Info {
    name: "virustotal",
    title: "VirusTotal (API v3)",
    base_url: "https://www.virustotal.com",
    auth: Auth::Required,
    kinds: &[
        (IocType::Ipv4, &["passivedns"]),
        (IocType::Ipv6, &[]),
        (IocType::Dns, &["passivedns"]),
        (IocType::Url, &[]),
        (IocType::Md5, &[]),
        (IocType::Sha1, &[]),
        (IocType::Sha256, &[]),
    ],
    // The public API's documented quota.
    rate: "4/min",
};

impl Provider for VirusTotal {
    fn info(&self) -> &'static Info {
        &VIRUSTOTAL
    }
    fn request(&self, q: &Query, key: Option<&str>) -> Request {
        let mut path = format!("/api/v3/{}/{}", Self::collection(q.kind), Self::id(q));
        if q.subtype.as_deref() == Some("passivedns") {
            path.push_str("/resolutions");
        }
        Request {
            method: Method::Get,
            path,
            headers: key.map(|k| vec![("x-apikey", k.to_string())]).unwrap_or_default(),
            form: Vec::new(),
        }
    }
    fn read(&self, q: &Query, body: &str) -> Result<Verdict, String> {
        let v = json(body)?;
        let data = v.get("data").ok_or("the answer has no \"data\" member")?;
        if q.subtype.as_deref() == Some("passivedns") {
            let list = data.as_array().ok_or("\"data\" is not a list of resolutions")?;
            let names: Vec<&str> = list
                .iter()
                .filter_map(|r| {
                    let a = r.get("attributes")?;
                    a.get("host_name").or_else(|| a.get("ip_address"))?.as_str()
                })
                .collect();
            return Ok(Verdict::new(
                !names.is_empty(),
                Severity::Information,
                json!({"resolutions": names.len(), "names": names}),
            )
            .see(Self::gui(q)));
        }
        let a = data.get("attributes").ok_or("the answer has no \"data.attributes\"")?;
        let mut details = json!({});
        let severity = match a.get("last_analysis_stats") {
            Some(stats) => {
                let malicious = int(stats, "malicious");
                let suspicious = int(stats, "suspicious");
                for k in ["malicious", "suspicious", "harmless", "undetected"] {
                    details[k] = json!(int(stats, k));
                }
                if malicious >= 3 {
                    Severity::High
                } else if malicious + suspicious > 0 {
                    Severity::Warning
                } else {
                    Severity::Information
                }
            }
            None => Severity::Information,
        };
        copy_present(
            a,
            &[
                "reputation",
                "total_votes",
                "as_owner",
                "asn",
                "country",
                "network",
                "categories",
                "meaningful_name",
                "type_description",
                "last_final_url",
                "tags",
            ],
            &mut details,
        );
        Ok(Verdict::new(true, severity, details).see(Self::gui(q)))
    }
}

// ---------------------------------------------------------------------------------------

pub struct Otx;

impl Otx {
    fn section(kind: IocType) -> &'static str {
        match kind {
            IocType::Ipv4 => "IPv4",
            IocType::Ipv6 => "IPv6",
            IocType::Dns => "domain",
            IocType::Url => "url",
            _ => "file",
        }
    }
}

static OTX: Info = Info {
    name: "otx",
    title: "AlienVault OTX",
    base_url: "https://otx.alienvault.com",
    auth: Auth::Required,
    kinds: &[
        (IocType::Ipv4, &["passivedns", "geo"]),
        (IocType::Ipv6, &["passivedns", "geo"]),
        (IocType::Dns, &["passivedns", "geo"]),
        (IocType::Url, &[]),
        (IocType::Md5, &[]),
        (IocType::Sha1, &[]),
        (IocType::Sha256, &[]),
    ],
    rate: "10000/hour",
};

impl Provider for Otx {
    fn info(&self) -> &'static Info {
        &OTX
    }
    fn request(&self, q: &Query, key: Option<&str>) -> Request {
        let section = match q.subtype.as_deref() {
            Some("passivedns") => "passive_dns",
            Some("geo") => "geo",
            _ => "general",
        };
        Request {
            method: Method::Get,
            path: format!(
                "/api/v1/indicators/{}/{}/{section}",
                Self::section(q.kind),
                encode(&q.ioc)
            ),
            headers: key.map(|k| vec![("X-OTX-API-KEY", k.to_string())]).unwrap_or_default(),
            form: Vec::new(),
        }
    }
    fn read(&self, q: &Query, body: &str) -> Result<Verdict, String> {
        let v = json(body)?;
        let page = format!(
            "https://otx.alienvault.com/indicator/{}/{}",
            match q.kind {
                IocType::Ipv4 => "ip",
                IocType::Ipv6 => "ip",
                IocType::Dns => "domain",
                IocType::Url => "url",
                _ => "file",
            },
            encode(&q.ioc)
        );
        match q.subtype.as_deref() {
            Some("passivedns") => {
                let list = v
                    .get("passive_dns")
                    .and_then(Value::as_array)
                    .ok_or("the answer has no \"passive_dns\" list")?;
                let names: Vec<&str> = list
                    .iter()
                    .filter_map(|r| {
                        let other = if matches!(q.kind, IocType::Dns) {
                            "address"
                        } else {
                            "hostname"
                        };
                        r.get(other)?.as_str()
                    })
                    .collect();
                Ok(Verdict::new(
                    !list.is_empty(),
                    Severity::Information,
                    json!({"records": list.len(), "names": names}),
                )
                .see(page))
            }
            Some("geo") => Ok(Verdict::new(true, Severity::Information, v).see(page)),
            _ => {
                let pulses = v
                    .get("pulse_info")
                    .and_then(|p| p.get("pulses"))
                    .and_then(Value::as_array)
                    .ok_or("the answer has no \"pulse_info.pulses\" list")?;
                let count = pulses.len();
                let severity = match count {
                    0 => Severity::Information,
                    1 => Severity::Warning,
                    _ => Severity::High,
                };
                let names: Vec<&str> = pulses.iter().filter_map(|p| p.get("name")?.as_str()).collect();
                let mut tags: Vec<&str> = pulses
                    .iter()
                    .flat_map(|p| p.get("tags").and_then(Value::as_array).into_iter().flatten())
                    .filter_map(Value::as_str)
                    .collect();
                tags.sort_unstable();
                tags.dedup();
                let references: Vec<&str> = pulses
                    .iter()
                    .flat_map(|p| p.get("references").and_then(Value::as_array).into_iter().flatten())
                    .filter_map(Value::as_str)
                    .collect();
                Ok(Verdict::new(
                    count > 0,
                    severity,
                    json!({"pulse_count": count, "pulses": names, "tags": tags, "references": references}),
                )
                .see(page))
            }
        }
    }
}

// ---------------------------------------------------------------------------------------

pub struct XForce;

static XFORCE: Info = Info {
    name: "xforce",
    title: "IBM X-Force Exchange",
    base_url: "https://api.xforce.ibmcloud.com",
    auth: Auth::Required,
    kinds: &[
        (IocType::Ipv4, &["malware", "whois", "passivedns"]),
        (IocType::Ipv6, &["malware", "whois", "passivedns"]),
        (IocType::Dns, &["whois", "passivedns"]),
        (IocType::Url, &["malware"]),
        (IocType::Md5, &[]),
        (IocType::Sha1, &[]),
        (IocType::Sha256, &[]),
    ],
    rate: "60/min",
};

impl Provider for XForce {
    fn info(&self) -> &'static Info {
        &XFORCE
    }
    fn request(&self, q: &Query, key: Option<&str>) -> Request {
        let obs = encode(&q.ioc);
        let ip = matches!(q.kind, IocType::Ipv4 | IocType::Ipv6);
        let path = match (q.subtype.as_deref(), q.kind) {
            (Some("malware"), _) if ip => format!("/ipr/malware/{obs}"),
            (Some("malware"), _) => format!("/url/malware/{obs}"),
            (Some("whois"), _) => format!("/whois/{obs}"),
            (Some("passivedns"), _) => format!("/resolve/{obs}"),
            (_, k) if is_hash(k) => format!("/malware/{obs}"),
            _ if ip => format!("/ipr/{obs}"),
            _ => format!("/url/{obs}"),
        };
        // The key is "ApiID:AuthKey", sent as HTTP basic authentication.
        let headers = key
            .map(|k| {
                let token = base64::engine::general_purpose::STANDARD.encode(k.as_bytes());
                vec![
                    ("Authorization", format!("Basic {token}")),
                    ("Accept", "application/json".into()),
                ]
            })
            .unwrap_or_default();
        Request {
            method: Method::Get,
            path,
            headers,
            form: Vec::new(),
        }
    }
    fn read(&self, q: &Query, body: &str) -> Result<Verdict, String> {
        let v = json(body)?;
        if let Some(e) = v.get("error").and_then(Value::as_str) {
            return Ok(Verdict::new(false, Severity::Information, json!({"message": e})));
        }
        let kind = match q.kind {
            IocType::Ipv4 | IocType::Ipv6 => "ip",
            k if is_hash(k) => "malware",
            _ => "url",
        };
        let page = format!("https://exchange.xforce.ibmcloud.com/{kind}/{}", encode(&q.ioc));
        let by_score = |score: Option<f64>| match score {
            Some(s) if s >= 7.0 => Severity::High,
            Some(s) if s >= 4.0 => Severity::Warning,
            _ => Severity::Information,
        };
        match q.subtype.as_deref() {
            Some("passivedns") => {
                let records = v
                    .get("Passive")
                    .and_then(|p| p.get("records"))
                    .and_then(Value::as_array);
                let a = v.get("A").and_then(Value::as_array);
                let count = records.map_or(0, Vec::len) + a.map_or(0, Vec::len);
                Ok(Verdict::new(count > 0, Severity::Information, v.clone()).see(page))
            }
            Some(_) => Ok(Verdict::new(true, Severity::Information, v).see(page)),
            None if kind == "malware" => {
                let m = v.get("malware").ok_or("the answer has no \"malware\" member")?;
                let risk = m.get("risk").and_then(Value::as_str).unwrap_or("");
                let severity = match risk {
                    "low" | "medium" => Severity::Warning,
                    _ => Severity::High,
                };
                let family = m.get("family").cloned().unwrap_or(Value::Null);
                Ok(Verdict::new(
                    true,
                    severity,
                    json!({"risk": m.get("risk"), "family": family, "type": m.get("type"), "origins": m.get("origins").map(|o| o.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()))}),
                )
                .see(page))
            }
            None if kind == "ip" => {
                let score = v.get("score").and_then(Value::as_f64);
                Ok(Verdict::new(
                    true,
                    by_score(score),
                    json!({"score": score, "reason": v.get("reason"), "categories": v.get("cats"), "country": v.get("geo").and_then(|g| g.get("country"))}),
                )
                .see(page))
            }
            None => {
                let r = v.get("result").ok_or("the answer has no \"result\" member")?;
                let score = r.get("score").and_then(Value::as_f64);
                Ok(Verdict::new(
                    true,
                    by_score(score),
                    json!({"score": score, "categories": r.get("cats")}),
                )
                .see(page))
            }
        }
    }
}

// ---------------------------------------------------------------------------------------

pub struct GreyNoise;

static GREYNOISE: Info = Info {
    name: "greynoise",
    title: "GreyNoise",
    base_url: "https://api.greynoise.io",
    auth: Auth::Optional,
    kinds: &[(IocType::Ipv4, &["quick", "full"])],
    rate: "60/min",
};

impl Provider for GreyNoise {
    fn info(&self) -> &'static Info {
        &GREYNOISE
    }
    fn request(&self, q: &Query, key: Option<&str>) -> Request {
        let ip = encode(&q.ioc);
        let path = match q.subtype.as_deref() {
            Some("quick") => format!("/v2/noise/quick/{ip}"),
            Some("full") => format!("/v2/noise/context/{ip}"),
            _ => format!("/v3/community/{ip}"),
        };
        Request {
            method: Method::Get,
            path,
            headers: key.map(|k| vec![("key", k.to_string())]).unwrap_or_default(),
            form: Vec::new(),
        }
    }
    fn read(&self, q: &Query, body: &str) -> Result<Verdict, String> {
        let v = json(body)?;
        let page = format!("https://viz.greynoise.io/ip/{}", encode(&q.ioc));
        if let Some(e) = v.get("error").and_then(Value::as_str) {
            return Ok(Verdict::new(false, Severity::Information, json!({"message": e})).see(page));
        }
        let noise = v
            .get("noise")
            .and_then(Value::as_bool)
            .or_else(|| v.get("seen").and_then(Value::as_bool));
        let riot = v.get("riot").and_then(Value::as_bool).unwrap_or(false);
        let class = v.get("classification").and_then(Value::as_str);
        if noise.is_none() && class.is_none() {
            return Err("the answer has neither \"noise\" nor \"classification\"".into());
        }
        let noise = noise.unwrap_or(false);
        let severity = match class {
            Some("malicious") => Severity::High,
            Some("benign") => Severity::Information,
            _ if riot => Severity::Information,
            _ if noise => Severity::Warning,
            _ => Severity::Information,
        };
        let mut details = json!({"noise": noise, "riot": riot});
        copy_present(
            &v,
            &[
                "classification",
                "name",
                "last_seen",
                "code",
                "actor",
                "tags",
                "message",
            ],
            &mut details,
        );
        Ok(Verdict::new(noise || riot || class == Some("malicious"), severity, details).see(page))
    }
}

// ---------------------------------------------------------------------------------------

pub struct AbuseIpDb;

static ABUSEIPDB: Info = Info {
    name: "abuseipdb",
    title: "AbuseIPDB",
    base_url: "https://api.abuseipdb.com",
    auth: Auth::Required,
    kinds: &[(IocType::Ipv4, &[]), (IocType::Ipv6, &[])],
    // The free plan's daily quota of checks.
    rate: "1000/day",
};

impl Provider for AbuseIpDb {
    fn info(&self) -> &'static Info {
        &ABUSEIPDB
    }
    fn request(&self, q: &Query, key: Option<&str>) -> Request {
        let mut headers = vec![("Accept", "application/json".to_string())];
        if let Some(k) = key {
            headers.push(("Key", k.to_string()));
        }
        Request {
            method: Method::Get,
            path: format!("/api/v2/check?ipAddress={}&maxAgeInDays=90", encode(&q.ioc)),
            headers,
            form: Vec::new(),
        }
    }
    fn read(&self, q: &Query, body: &str) -> Result<Verdict, String> {
        let v = json(body)?;
        let d = v.get("data").ok_or("the answer has no \"data\" member")?;
        let score = d
            .get("abuseConfidenceScore")
            .and_then(Value::as_i64)
            .ok_or("the answer has no \"abuseConfidenceScore\"")?;
        let reports = int(d, "totalReports");
        let severity = match score {
            75.. => Severity::High,
            25.. => Severity::Warning,
            _ => Severity::Information,
        };
        let mut details = json!({"abuseConfidenceScore": score, "totalReports": reports});
        copy_present(
            d,
            &[
                "countryCode",
                "usageType",
                "isp",
                "domain",
                "hostnames",
                "isTor",
                "isWhitelisted",
                "lastReportedAt",
            ],
            &mut details,
        );
        Ok(Verdict::new(reports > 0 || score > 0, severity, details)
            .see(format!("https://www.abuseipdb.com/check/{}", encode(&q.ioc))))
    }
}

// ---------------------------------------------------------------------------------------

pub struct UrlHaus;

static URLHAUS: Info = Info {
    name: "urlhaus",
    title: "abuse.ch URLhaus",
    base_url: "https://urlhaus-api.abuse.ch",
    auth: Auth::Optional,
    kinds: &[
        (IocType::Url, &[]),
        (IocType::Dns, &[]),
        (IocType::Ipv4, &[]),
        (IocType::Md5, &[]),
        (IocType::Sha256, &[]),
    ],
    rate: "60/min",
};

impl Provider for UrlHaus {
    fn info(&self) -> &'static Info {
        &URLHAUS
    }
    fn request(&self, q: &Query, key: Option<&str>) -> Request {
        let (path, field) = match q.kind {
            IocType::Url => ("/v1/url/", "url"),
            IocType::Md5 => ("/v1/payload/", "md5_hash"),
            IocType::Sha256 => ("/v1/payload/", "sha256_hash"),
            _ => ("/v1/host/", "host"),
        };
        Request {
            method: Method::Post,
            path: path.to_string(),
            headers: key.map(|k| vec![("Auth-Key", k.to_string())]).unwrap_or_default(),
            form: vec![(field, q.ioc.clone())],
        }
    }
    fn read(&self, q: &Query, body: &str) -> Result<Verdict, String> {
        let v = json(body)?;
        let status = v
            .get("query_status")
            .and_then(Value::as_str)
            .ok_or("the answer has no \"query_status\"")?;
        match status {
            "ok" => {}
            "no_results" => {
                return Ok(Verdict::new(
                    false,
                    Severity::Information,
                    json!({"query_status": status}),
                ));
            }
            other => return Err(format!("URLhaus answered query_status {other:?}")),
        }
        let reference = v.get("urlhaus_reference").and_then(Value::as_str).map(str::to_string);
        let online = |s: Option<&Value>| s.and_then(Value::as_str) == Some("online");
        let verdict = match q.kind {
            IocType::Url => Verdict::new(
                true,
                if online(v.get("url_status")) {
                    Severity::High
                } else {
                    Severity::Warning
                },
                json!({"url_status": v.get("url_status"), "threat": v.get("threat"), "tags": v.get("tags"),
                       "date_added": v.get("date_added"), "payloads": v.get("payloads").and_then(Value::as_array).map(Vec::len)}),
            ),
            IocType::Md5 | IocType::Sha256 => Verdict::new(
                true,
                Severity::High,
                json!({"file_type": v.get("file_type"), "signature": v.get("signature"), "url_count": v.get("url_count"),
                       "firstseen": v.get("firstseen"), "lastseen": v.get("lastseen")}),
            ),
            _ => {
                let urls = v
                    .get("urls")
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or(&[]);
                let live = urls.iter().filter(|u| online(u.get("url_status"))).count();
                Verdict::new(
                    true,
                    if live > 0 { Severity::High } else { Severity::Warning },
                    json!({"url_count": v.get("url_count"), "urls_online": live, "urls_listed": urls.len(),
                           "firstseen": v.get("firstseen"), "blacklists": v.get("blacklists")}),
                )
            }
        };
        Ok(match reference {
            Some(r) => verdict.see(r),
            None => verdict,
        })
    }
}

// ---------------------------------------------------------------------------------------

pub struct MalwareBazaar;

static MALWAREBAZAAR: Info = Info {
    name: "malwarebazaar",
    title: "abuse.ch MalwareBazaar",
    base_url: "https://mb-api.abuse.ch",
    auth: Auth::Optional,
    kinds: &[(IocType::Md5, &[]), (IocType::Sha1, &[]), (IocType::Sha256, &[])],
    rate: "60/min",
};

impl Provider for MalwareBazaar {
    fn info(&self) -> &'static Info {
        &MALWAREBAZAAR
    }
    fn request(&self, q: &Query, key: Option<&str>) -> Request {
        Request {
            method: Method::Post,
            path: "/api/v1/".into(),
            headers: key.map(|k| vec![("Auth-Key", k.to_string())]).unwrap_or_default(),
            form: vec![("query", "get_info".into()), ("hash", q.ioc.clone())],
        }
    }
    fn read(&self, _q: &Query, body: &str) -> Result<Verdict, String> {
        let v = json(body)?;
        let status = v
            .get("query_status")
            .and_then(Value::as_str)
            .ok_or("the answer has no \"query_status\"")?;
        match status {
            "ok" => {}
            "hash_not_found" | "no_results" => {
                return Ok(Verdict::new(
                    false,
                    Severity::Information,
                    json!({"query_status": status}),
                ));
            }
            other => return Err(format!("MalwareBazaar answered query_status {other:?}")),
        }
        let d = v
            .get("data")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .ok_or("the answer has no \"data\" list")?;
        let sha = d.get("sha256_hash").and_then(Value::as_str).unwrap_or_default();
        let mut details = json!({});
        copy_present(
            d,
            &[
                "signature",
                "file_type",
                "file_name",
                "tags",
                "first_seen",
                "last_seen",
                "reporter",
                "sha256_hash",
            ],
            &mut details,
        );
        Ok(Verdict::new(true, Severity::High, details).see(format!("https://bazaar.abuse.ch/sample/{}/", encode(sha))))
    }
}

// ---------------------------------------------------------------------------------------

pub struct Tor;

static TOR: Info = Info {
    name: "tor",
    title: "Tor exit nodes (Tor Project exit list)",
    base_url: "https://check.torproject.org",
    auth: Auth::None,
    kinds: &[(IocType::Ipv4, &[]), (IocType::Ipv6, &[])],
    rate: "10/min",
};

impl Provider for Tor {
    fn info(&self) -> &'static Info {
        &TOR
    }
    fn bulk(&self) -> bool {
        true
    }
    fn request(&self, _q: &Query, _key: Option<&str>) -> Request {
        Request {
            method: Method::Get,
            path: "/exit-addresses".into(),
            headers: Vec::new(),
            form: Vec::new(),
        }
    }
    /// The body is the Tor Project's exit list: `ExitAddress IP DATE TIME` lines among
    /// the relay records (a bare list of addresses, one per line, is read too).
    fn read(&self, q: &Query, body: &str) -> Result<Verdict, String> {
        let mut seen = None;
        let mut any = false;
        for line in body.lines() {
            let mut parts = line.split_whitespace();
            let (ip, when) = match parts.next() {
                Some("ExitAddress") => (parts.next(), parts.collect::<Vec<_>>().join(" ")),
                Some(first) if first.parse::<std::net::IpAddr>().is_ok() => (Some(first), String::new()),
                _ => continue,
            };
            any = true;
            if ip == Some(q.ioc.as_str()) {
                seen = Some(when);
            }
        }
        if !any {
            return Err("the exit list holds no addresses".into());
        }
        let page = format!("https://metrics.torproject.org/rs.html#search/{}", encode(&q.ioc));
        Ok(match seen {
            Some(when) => {
                Verdict::new(true, Severity::Warning, json!({"exit_node": true, "last_seen": when})).see(page)
            }
            None => Verdict::new(false, Severity::Information, json!({"exit_node": false})),
        })
    }
}

// ---------------------------------------------------------------------------------------

/// Whois over RDAP (RFC 9083): the network an address belongs to, from the registry that
/// holds it. ARIN's service answers for its own space and redirects to the other four
/// registries (RIPE NCC, APNIC, LACNIC, AFRINIC) for theirs; redirects are followed.
pub struct Rdap;

impl Rdap {
    fn event(v: &Value, action: &str) -> Value {
        v.get("events")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|e| e.get("eventAction").and_then(Value::as_str) == Some(action))
            .and_then(|e| e.get("eventDate").cloned())
            .unwrap_or(Value::Null)
    }

    /// The formatted name (`fn`) of the first entity with `role`, and its e-mail.
    fn entity(v: &Value, role: &str) -> (Option<String>, Option<String>) {
        fn search(list: Option<&Value>, role: &str, depth: usize) -> Option<(Option<String>, Option<String>)> {
            if depth > 4 {
                return None;
            }
            for e in list?.as_array()? {
                let has = e
                    .get("roles")
                    .and_then(Value::as_array)
                    .is_some_and(|r| r.iter().any(|x| x.as_str() == Some(role)));
                if has {
                    let card = e.get("vcardArray").and_then(|c| c.get(1)).and_then(Value::as_array);
                    let field = |name: &str| {
                        card.into_iter()
                            .flatten()
                            .find(|f| f.get(0).and_then(Value::as_str) == Some(name))
                            .and_then(|f| f.get(3))
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    };
                    return Some((field("fn"), field("email")));
                }
                if let Some(found) = search(e.get("entities"), role, depth + 1) {
                    return Some(found);
                }
            }
            None
        }
        search(v.get("entities"), role, 0).unwrap_or((None, None))
    }
}

static RDAP: Info = Info {
    name: "rdap",
    title: "RDAP whois (ARIN, redirecting to RIPE NCC, APNIC, LACNIC, AFRINIC)",
    base_url: "https://rdap.arin.net/registry",
    auth: Auth::None,
    kinds: &[(IocType::Ipv4, &[]), (IocType::Ipv6, &[])],
    // msticpy's ip_whois waits 0.5 s between queries.
    rate: "120/min",
};

impl Provider for Rdap {
    fn info(&self) -> &'static Info {
        &RDAP
    }
    fn redirects(&self) -> bool {
        true
    }
    fn request(&self, q: &Query, _key: Option<&str>) -> Request {
        Request {
            method: Method::Get,
            path: format!("/ip/{}", encode(&q.ioc)),
            headers: vec![("Accept", "application/rdap+json, application/json".into())],
            form: Vec::new(),
        }
    }
    fn read(&self, _q: &Query, body: &str) -> Result<Verdict, String> {
        let v = json(body)?;
        if v.get("objectClassName").and_then(Value::as_str) != Some("ip network") {
            return Err("the answer is not an RDAP \"ip network\" object".into());
        }
        let cidrs: Vec<String> = v
            .get("cidr0_cidrs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| {
                let prefix = c.get("v4prefix").or_else(|| c.get("v6prefix"))?.as_str()?;
                Some(format!("{prefix}/{}", c.get("length")?.as_u64()?))
            })
            .collect();
        let asns: Vec<u64> = v
            .get("arin_originas0_originautnums")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_u64)
            .collect();
        let (org, _) = Self::entity(&v, "registrant");
        let (_, abuse) = Self::entity(&v, "abuse");
        let reference = v
            .get("links")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|l| l.get("rel").and_then(Value::as_str) == Some("self"))
            .and_then(|l| l.get("href"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let details = json!({
            "asn": asns,
            "name": v.get("name"),
            "handle": v.get("handle"),
            "cidr": cidrs,
            "start": v.get("startAddress"),
            "end": v.get("endAddress"),
            "country": v.get("country"),
            "type": v.get("type"),
            "parent": v.get("parentHandle"),
            "registered": Self::event(&v, "registration"),
            "updated": Self::event(&v, "last changed"),
            "organization": org,
            "abuse": abuse,
            "whois": v.get("port43"),
        });
        let verdict = Verdict::new(true, Severity::Information, details);
        Ok(match reference {
            Some(r) => verdict.see(r),
            None => verdict,
        })
    }
}

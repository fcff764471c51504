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

mod abuseipdb;
mod greynoise;
mod malwarebazaar;
mod otx;
mod rdap;
mod tor;
mod urlhaus;
mod virustotal;
mod xforce;

pub use abuseipdb::AbuseIpDb;
pub use greynoise::GreyNoise;
pub use malwarebazaar::MalwareBazaar;
pub use otx::Otx;
pub use rdap::Rdap;
pub use tor::Tor;
pub use urlhaus::UrlHaus;
pub use virustotal::VirusTotal;
pub use xforce::XForce;

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

/// abuse.ch's services (URLhaus, MalwareBazaar) say how a query went in `query_status`:
/// "ok" (`None`: read the answer), one of the words in `absent` (a not-found verdict), or
/// an error.
fn abuse_ch_status(v: &Value, absent: &[&str], service: &str) -> Result<Option<Verdict>, String> {
    let status = v
        .get("query_status")
        .and_then(Value::as_str)
        .ok_or("the answer has no \"query_status\"")?;
    if status == "ok" {
        Ok(None)
    } else if absent.contains(&status) {
        Ok(Some(Verdict::new(
            false,
            Severity::Information,
            json!({"query_status": status}),
        )))
    } else {
        Err(format!("{service} answered query_status {status:?}"))
    }
}

const HASHES: [IocType; 3] = [IocType::Md5, IocType::Sha1, IocType::Sha256];

fn is_hash(k: IocType) -> bool {
    HASHES.contains(&k)
}

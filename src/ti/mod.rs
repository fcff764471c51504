//! Threat-intelligence lookups: observables checked against providers' REST APIs, with
//! per-provider rate limits, retries that honour `Retry-After`, a persistent cache, and a
//! row for every outcome — found, not found, refused, throttled, broken — so a failure is
//! never an empty table.
//!
//! The parts:
//! - [`precheck`]: msticpy's `preprocess_observable` — refang, type inference, global IPs
//!   only, hashes with enough entropy — so bad observables are reported, not sent.
//! - [`providers`]: one value per service: the request it makes and how it reads the answer
//!   (found, severity, details). Providers do no I/O.
//! - [`run`]: the network part. Providers run concurrently, each within its own rate limit.
//! - [`cache`]: answers kept on disk per provider, with a time to live, never the keys.
//! - [`render`]: the results browser (HTML without script) and a text summary.

pub mod cache;
mod fetch;
pub mod providers;
pub mod render;
pub mod replay;
mod run;
pub mod sentinel;

use std::fmt;
use std::net::IpAddr;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::ioc::{Extractor, IocType, refang};
use crate::ip::{IpClass, classify};

pub use fetch::{parse_retry_after, plain_http_host};
pub use run::{Configured, Hooks, Rate, Report, lookup};

/// How bad an answer says the observable is. Ordered from least to most severe, so the
/// worst of a set is its maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// No verdict could be had (a failure, an unsupported type).
    Unknown,
    Information,
    Warning,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Unknown => "unknown",
            Severity::Information => "information",
            Severity::Warning => "warning",
            Severity::High => "high",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What became of one lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The provider answered and knows the observable.
    Ok,
    /// The provider answered and does not know it.
    NotFound,
    /// The observable failed the checks before any request (not a global IP, …).
    BadFormat,
    NotSupported,
    /// The provider needs an API key and none is configured.
    NoKey,
    /// The provider refused the key (HTTP 401/403).
    AuthFailed,
    /// HTTP 429 (or 503) after every retry, or a wait longer than allowed.
    Throttled,
    /// The answer was not what the provider documents (unparsable, wrong shape).
    Malformed,
    /// Any other failure: a connection error, a timeout, an unexpected HTTP status.
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::NotFound => "not-found",
            Status::BadFormat => "bad-format",
            Status::NotSupported => "not-supported",
            Status::NoKey => "no-key",
            Status::AuthFailed => "auth-failed",
            Status::Throttled => "throttled",
            Status::Malformed => "malformed",
            Status::Failed => "failed",
        }
    }

    /// Whether the answer is the provider's word on the observable (and so worth caching).
    pub fn is_answer(self) -> bool {
        matches!(self, Status::Ok | Status::NotFound)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One observable to look up, after [`precheck`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Query {
    pub ioc: String,
    pub kind: IocType,
    /// A provider-specific kind of lookup, e.g. `passivedns`.
    pub subtype: Option<String>,
}

impl Query {
    /// The cache key: type, subtype and observable.
    pub fn key(&self) -> String {
        format!(
            "{}|{}|{}",
            self.kind.name(),
            self.subtype.as_deref().unwrap_or(""),
            self.ioc
        )
    }
}

/// One row of results: an observable as one provider saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub ioc: String,
    pub ioc_type: String,
    pub subtype: Option<String>,
    pub provider: String,
    /// Whether the provider knows the observable.
    pub found: bool,
    pub severity: Severity,
    /// The provider's answer, reduced to what an analyst reads first (JSON object text),
    /// or the reason for a failure.
    pub details: String,
    /// The answer as received (JSON text), keys scrubbed.
    pub raw: String,
    /// Where to read more: the provider's page for the observable, or the request URL.
    pub reference: String,
    pub status: Status,
    pub http_status: Option<u16>,
    /// Whether the row came from the cache rather than the network.
    #[serde(skip)]
    pub cached: bool,
    /// When the provider answered (Unix milliseconds).
    pub looked_up: i64,
}

impl Row {
    /// A row for an outcome that has no answer from the provider.
    pub fn failure(q: &Query, provider: &str, status: Status, why: impl Into<String>) -> Row {
        Row {
            ioc: q.ioc.clone(),
            ioc_type: q.kind.name().to_string(),
            subtype: q.subtype.clone(),
            provider: provider.to_string(),
            found: false,
            severity: Severity::Unknown,
            details: why.into(),
            raw: String::new(),
            reference: String::new(),
            status,
            http_status: None,
            cached: false,
            looked_up: now_ms(),
        }
    }
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The type of a whole observable: the highest-priority type whose match is the entire
/// (refanged, trimmed) text, as msticpy's `get_ioc_type`.
pub fn infer_type(text: &str) -> Option<IocType> {
    let clean = refang(text.trim()).into_owned();
    let found = Extractor::new(IocType::ALL.to_vec(), Vec::new()).extract(&clean);
    found
        .iter()
        .filter(|f| f.observable == clean)
        .filter_map(|f| IocType::from_name(f.kind))
        .next()
}

/// msticpy's `preprocess_observable`: refangs the text, infers the type when none is
/// given, and checks that the observable is worth sending. The error says why not.
pub fn precheck(raw: &str, kind: Option<IocType>) -> Result<(String, IocType), String> {
    let ioc = refang(raw.trim()).into_owned();
    if ioc.is_empty() {
        return Err("empty observable".into());
    }
    let given = kind.is_some();
    let kind = match kind {
        Some(k) => k,
        None => infer_type(&ioc).ok_or_else(|| format!("cannot tell the type of {ioc:?}"))?,
    };
    match kind {
        IocType::Ipv4 | IocType::Ipv6 => {
            let ip: IpAddr = ioc.parse().map_err(|_| format!("{ioc:?} is not an IP address"))?;
            if ip.is_ipv4() != (kind == IocType::Ipv4) {
                return Err(format!("{ioc} is not an {} address", kind.name()));
            }
            let class = classify(ip);
            if class != IpClass::Public {
                return Err(format!(
                    "{ioc} is a {} address, not a global one",
                    class.as_str().to_lowercase()
                ));
            }
        }
        IocType::Dns => {
            if !ioc.contains('.') || ioc.parse::<IpAddr>().is_ok() {
                return Err(format!("{ioc:?} is not a domain name"));
            }
            // An inferred dns type has passed this check already.
            if given && infer_type(&ioc) != Some(IocType::Dns) {
                return Err(format!("{ioc:?} is not a valid domain name (no public suffix)"));
            }
        }
        IocType::Url => {
            let url = url::Url::parse(&ioc).map_err(|e| format!("{ioc:?} is not a URL: {e}"))?;
            if url.scheme() == "file" {
                return Err("file:// URLs are local paths, not network indicators".into());
            }
            match url.host() {
                None => return Err(format!("{ioc:?} has no host")),
                Some(url::Host::Domain(d)) if !d.contains('.') => {
                    return Err(format!("the host {d:?} of {ioc:?} is not a domain name"));
                }
                Some(url::Host::Ipv4(ip)) if classify(IpAddr::V4(ip)) != IpClass::Public => {
                    return Err(format!("the host of {ioc:?} is not a global IP address"));
                }
                Some(url::Host::Ipv6(ip)) if classify(IpAddr::V6(ip)) != IpClass::Public => {
                    return Err(format!("the host of {ioc:?} is not a global IP address"));
                }
                _ => {}
            }
        }
        IocType::Md5 | IocType::Sha1 | IocType::Sha256 | IocType::Sha512 => {
            let want = match kind {
                IocType::Md5 => 32,
                IocType::Sha1 => 40,
                IocType::Sha256 => 64,
                _ => 128,
            };
            if ioc.len() != want || !ioc.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!("{ioc:?} is not a {} ({want} hex digits)", kind.name()));
            }
            let entropy = shannon_entropy(&ioc.to_ascii_lowercase());
            if entropy < 3.0 {
                return Err(format!(
                    "{ioc} looks like a placeholder, not a hash (Shannon entropy {entropy:.2} < 3.0)"
                ));
            }
        }
        _ => {}
    }
    Ok((ioc, kind))
}

/// Bits per character, as msticpy computes it for hashes.
pub fn shannon_entropy(text: &str) -> f64 {
    let mut counts = [0usize; 256];
    for b in text.bytes() {
        counts[b as usize] += 1;
    }
    let n = text.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// The frame's columns, in order.
pub const COLUMNS: [&str; 13] = [
    "Ioc",
    "IocType",
    "QuerySubtype",
    "Provider",
    "Result",
    "Severity",
    "Details",
    "RawResult",
    "Reference",
    "Status",
    "HttpStatus",
    "Cached",
    "LookupTime",
];

/// The results as a frame, one row per observable and provider.
pub fn frame(rows: &[Row]) -> PolarsResult<DataFrame> {
    use crate::frame::text_column_of as text;
    let times = Column::new(COLUMNS[12].into(), rows.iter().map(|r| r.looked_up).collect::<Vec<_>>())
        .cast(&DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC)))?;
    DataFrame::new(
        rows.len(),
        vec![
            text(COLUMNS[0], rows, |r| Some(&r.ioc)),
            text(COLUMNS[1], rows, |r| Some(&r.ioc_type)),
            text(COLUMNS[2], rows, |r| r.subtype.as_deref()),
            text(COLUMNS[3], rows, |r| Some(&r.provider)),
            Column::new(COLUMNS[4].into(), rows.iter().map(|r| r.found).collect::<Vec<_>>()),
            text(COLUMNS[5], rows, |r| Some(r.severity.as_str())),
            text(COLUMNS[6], rows, |r| Some(&r.details)),
            text(COLUMNS[7], rows, |r| Some(&r.raw)),
            text(COLUMNS[8], rows, |r| Some(&r.reference)),
            text(COLUMNS[9], rows, |r| Some(r.status.as_str())),
            Column::new(
                COLUMNS[10].into(),
                rows.iter().map(|r| r.http_status.map(i32::from)).collect::<Vec<_>>(),
            ),
            Column::new(COLUMNS[11].into(), rows.iter().map(|r| r.cached).collect::<Vec<_>>()),
            times,
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prechecks_follow_msticpy() {
        assert_eq!(precheck("8.8.8.8", None).unwrap().1, IocType::Ipv4);
        assert_eq!(
            precheck("hxxp://evil[.]example[.]com/x", None).unwrap().0,
            "http://evil.example.com/x"
        );
        assert!(precheck("10.0.0.1", None).unwrap_err().contains("private"));
        assert!(precheck("8.8.8.8", Some(IocType::Ipv6)).is_err());
        assert!(
            precheck("00000000000000000000000000000000", Some(IocType::Md5))
                .unwrap_err()
                .contains("entropy")
        );
        assert_eq!(
            precheck("d41d8cd98f00b204e9800998ecf8427e", None).unwrap().1,
            IocType::Md5
        );
        assert!(precheck("http://localhost/a", Some(IocType::Url)).is_err());
        assert!(precheck("http://192.168.1.1/a", Some(IocType::Url)).is_err());
        assert!(precheck("file:///etc/passwd", Some(IocType::Url)).is_err());
        assert_eq!(precheck("github.com", None).unwrap().1, IocType::Dns);
        assert!(precheck("nosuchsuffix.zzzzqq", Some(IocType::Dns)).is_err());
    }

    #[test]
    fn severities_order_worst_last() {
        let mut s = vec![
            Severity::High,
            Severity::Unknown,
            Severity::Information,
            Severity::Warning,
        ];
        s.sort();
        assert_eq!(
            s,
            [
                Severity::Unknown,
                Severity::Information,
                Severity::Warning,
                Severity::High
            ]
        );
    }
}

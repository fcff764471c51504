//! Domain and URL components, as msticpy's `dns_components` and `url_components`, on the
//! public suffix list bundled with the `psl` crate (so nothing is downloaded at run time —
//! tldextract's first-use download is a known msticpy annoyance offline).

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::ioc::refang;

/// The parts of a domain name or URL.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parts {
    pub input: String,
    /// "domain" or "url".
    pub kind: &'static str,
    /// The host name (the input itself for a domain).
    pub host: Option<String>,
    /// Labels left of the registrable domain (`www.mail` of `www.mail.example.co.uk`).
    pub subdomain: Option<String>,
    /// The registrable domain (`example.co.uk`).
    pub domain: Option<String>,
    /// The public suffix (`co.uk`).
    pub suffix: Option<String>,
    /// Whether the suffix is on the public suffix list (msticpy's `validate_tld`).
    pub valid_suffix: bool,
    pub scheme: Option<String>,
    pub user: Option<String>,
    pub port: Option<u16>,
    pub path: Option<String>,
    pub query: Option<String>,
    pub fragment: Option<String>,
}

/// Splits a host name on the public suffix list.
fn dns(host: &str, parts: &mut Parts) {
    let name = host.trim_end_matches('.').to_ascii_lowercase();
    parts.host = Some(name.clone());
    if name.parse::<std::net::IpAddr>().is_ok() {
        return;
    }
    if let Some(s) = psl::suffix(name.as_bytes()) {
        parts.valid_suffix = s.is_known() && name.len() > s.as_bytes().len();
        parts.suffix = Some(String::from_utf8_lossy(s.as_bytes()).into_owned());
    }
    if let Some(d) = psl::domain(name.as_bytes()) {
        let domain = String::from_utf8_lossy(d.as_bytes()).into_owned();
        let sub = name[..name.len() - domain.len()].trim_end_matches('.');
        parts.subdomain = (!sub.is_empty()).then(|| sub.to_string());
        parts.domain = Some(domain);
    }
}

/// Whether `word` is itself a suffix on the public suffix list (`com`, `co.uk`, `zip`),
/// in any case. The cell language uses it to tell `evil.com` (text) from `procs.Column`.
pub fn is_public_suffix(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    psl::suffix(lower.as_bytes()).is_some_and(|s| s.is_known() && s.as_bytes().len() == lower.len())
}

/// The parts of a domain name or a URL (defanged forms are refanged first).
pub fn parts(text: &str) -> Result<Parts> {
    let clean = refang(text.trim()).into_owned();
    if clean.is_empty() {
        return Err(Error::Invalid("an empty name has no parts".into()));
    }
    let mut p = Parts {
        input: text.trim().to_string(),
        ..Parts::default()
    };
    if clean.contains("://") {
        let url = url::Url::parse(&clean).map_err(|e| Error::Invalid(format!("{clean:?} is not a URL: {e}")))?;
        p.kind = "url";
        p.scheme = Some(url.scheme().to_string());
        p.user = (!url.username().is_empty()).then(|| url.username().to_string());
        p.port = url.port();
        p.path = Some(url.path().to_string());
        p.query = url.query().map(str::to_string);
        p.fragment = url.fragment().map(str::to_string);
        match url.host_str() {
            Some(h) => dns(h.trim_start_matches('[').trim_end_matches(']'), &mut p),
            None => return Err(Error::Invalid(format!("{clean:?} has no host"))),
        }
    } else {
        if clean.contains(['/', ' ', '@']) {
            return Err(Error::Invalid(format!(
                "{clean:?} is neither a domain name nor a URL (a URL needs its scheme, e.g. https://)"
            )));
        }
        p.kind = "domain";
        dns(&clean, &mut p);
    }
    Ok(p)
}

/// The columns of [`frame`], in order.
pub const COLUMNS: [&str; 13] = [
    "Input",
    "Kind",
    "Host",
    "Subdomain",
    "Domain",
    "Suffix",
    "ValidSuffix",
    "Scheme",
    "User",
    "Port",
    "Path",
    "Query",
    "Fragment",
];

pub fn frame(rows: &[Parts]) -> PolarsResult<DataFrame> {
    use crate::frame::text_column_of as text;
    DataFrame::new(
        rows.len(),
        vec![
            text(COLUMNS[0], rows, |p| Some(&p.input)),
            text(COLUMNS[1], rows, |p| Some(p.kind)),
            text(COLUMNS[2], rows, |p| p.host.as_deref()),
            text(COLUMNS[3], rows, |p| p.subdomain.as_deref()),
            text(COLUMNS[4], rows, |p| p.domain.as_deref()),
            text(COLUMNS[5], rows, |p| p.suffix.as_deref()),
            Column::new(
                COLUMNS[6].into(),
                rows.iter().map(|p| p.valid_suffix).collect::<Vec<_>>(),
            ),
            text(COLUMNS[7], rows, |p| p.scheme.as_deref()),
            text(COLUMNS[8], rows, |p| p.user.as_deref()),
            Column::new(
                COLUMNS[9].into(),
                rows.iter().map(|p| p.port.map(i32::from)).collect::<Vec<_>>(),
            ),
            text(COLUMNS[10], rows, |p| p.path.as_deref()),
            text(COLUMNS[11], rows, |p| p.query.as_deref()),
            text(COLUMNS[12], rows, |p| p.fragment.as_deref()),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_the_public_suffix_list() {
        let p = parts("www.mail.example.co.uk").unwrap();
        assert_eq!(p.subdomain.as_deref(), Some("www.mail"));
        assert_eq!(p.domain.as_deref(), Some("example.co.uk"));
        assert_eq!(p.suffix.as_deref(), Some("co.uk"));
        assert!(p.valid_suffix);
        assert!(!parts("intranet.corp").unwrap().valid_suffix);
        let u = parts("hxxps://user@evil[.]example[.]com:8443/a/b.php?x=1#frag").unwrap();
        assert_eq!(
            (
                u.scheme.as_deref(),
                u.user.as_deref(),
                u.port,
                u.path.as_deref(),
                u.query.as_deref(),
                u.fragment.as_deref()
            ),
            (
                Some("https"),
                Some("user"),
                Some(8443),
                Some("/a/b.php"),
                Some("x=1"),
                Some("frag")
            )
        );
        assert_eq!(u.domain.as_deref(), Some("example.com"));
        assert_eq!(u.subdomain.as_deref(), Some("evil"));
        assert!(parts("not a domain").is_err());
    }
}

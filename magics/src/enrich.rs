//! Enrichment settings from `huntbook.yaml` and the glue between the threat-intel engine
//! and a running magic (keys, progress, interrupts).
//!
//! ```yaml
//! ti:
//!   cache:
//!     path: ~/.cache/huntbook/ti      # the default; `enabled: false` turns it off
//!   providers:
//!     virustotal:
//!       key: env:VT_API_KEY           # or the key itself; or leave it out and run %secret virustotal
//!       rate: 4/min                   # default: the provider's free tier
//!       ttl: 7d                       # how long an answer is reused
//!     otx: {key: env:OTX_KEY}
//!     tor: {}
//!     greynoise: {url: http://127.0.0.1:8080}   # a proxy or a replay server
//! geoip:
//!   folder: ~/maxmind                 # GeoLite2-City.mmdb, GeoLite2-ASN.mmdb …
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use huntbook::ti::providers;
use huntbook::ti::{Configured, Hooks, Rate};
use serde::Deserialize;

use crate::io::{Io, Progress};
use crate::secrets::{Secret, Secrets};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTi {
    #[serde(default)]
    cache: Option<RawCache>,
    #[serde(default)]
    providers: BTreeMap<String, Option<RawProvider>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCache {
    path: Option<PathBuf>,
    enabled: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProvider {
    key: Option<String>,
    url: Option<String>,
    rate: Option<String>,
    ttl: Option<String>,
    timeout: Option<String>,
    retries: Option<u32>,
    max_wait: Option<String>,
    enabled: Option<bool>,
    /// For `sentinel`: the source whose ThreatIntelligenceIndicator table is matched.
    source: Option<String>,
}

/// Where a key comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyRef {
    /// `env:NAME`: read from the environment when used.
    Env(String),
    /// Written in the file (masked everywhere it could show).
    Value(Secret),
}

impl KeyRef {
    /// `env:NAME`, or the value itself.
    pub fn parse(text: String) -> KeyRef {
        match text.trim_start().strip_prefix("env:") {
            Some(var) => KeyRef::Env(var.trim().to_string()),
            None => KeyRef::Value(Secret::new(text)),
        }
    }

    /// The key: the value written, or the variable's when it is set and not blank.
    pub fn value(&self) -> Option<String> {
        match self {
            KeyRef::Value(s) => Some(s.expose().to_string()),
            KeyRef::Env(var) => env_value(var),
        }
    }
}

/// A variable's value, trimmed, when it is set and not blank.
pub(crate) fn env_value(var: &str) -> Option<String> {
    std::env::var(var)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Where a provider's key is taken from, in the order that decides. No `Debug`: it holds
/// the key.
pub enum KeyFrom {
    /// Typed at `%secret`: it wins, being the analyst's latest word.
    Secret(String),
    /// Written in the configuration file.
    File(String),
    /// `env:VAR`, with the variable's value if it is set and not blank.
    Env {
        var: String,
        value: Option<String>,
    },
    Nowhere,
}

impl KeyFrom {
    pub fn value(self) -> Option<String> {
        match self {
            KeyFrom::Secret(k) | KeyFrom::File(k) => Some(k),
            KeyFrom::Env { value, .. } => value,
            KeyFrom::Nowhere => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProviderSettings {
    pub key: Option<KeyRef>,
    pub url: Option<String>,
    pub rate: Option<Rate>,
    pub ttl: Option<Duration>,
    pub timeout: Option<Duration>,
    pub retries: Option<u32>,
    pub max_wait: Option<Duration>,
    pub enabled: bool,
    /// For `sentinel`: the source to read (default: the current one).
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TiSettings {
    /// The cache folder; `None` when the cache is turned off.
    pub cache: Option<PathBuf>,
    pub providers: BTreeMap<String, ProviderSettings>,
}

impl Default for TiSettings {
    fn default() -> Self {
        TiSettings {
            cache: huntbook::ti::cache::Cache::default_dir(),
            providers: BTreeMap::new(),
        }
    }
}

fn span(text: &str, what: &str) -> Result<Duration, String> {
    huntbook::time::parse_span(text)
        .map(|d| Duration::from_secs(d.num_seconds().max(0) as u64))
        .map_err(|e| format!("{what}: {e}"))
}

fn expand_home(p: &Path) -> PathBuf {
    match (p.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => p.to_path_buf(),
    }
}

impl ProviderSettings {
    /// Where the key of provider `name` comes from (and the key, if any).
    pub fn key_from(&self, name: &str, secrets: &Secrets) -> KeyFrom {
        match (&self.key, secrets.get(name)) {
            (_, Some(s)) => KeyFrom::Secret(s.expose().to_string()),
            (Some(KeyRef::Value(s)), None) => KeyFrom::File(s.expose().to_string()),
            (Some(KeyRef::Env(var)), None) => KeyFrom::Env {
                var: var.clone(),
                value: env_value(var),
            },
            (None, None) => KeyFrom::Nowhere,
        }
    }
}

impl TiSettings {
    pub fn read(raw: RawTi, base: &Path) -> Result<TiSettings, String> {
        let mut out = TiSettings::default();
        if let Some(c) = raw.cache {
            if let Some(p) = c.path {
                out.cache = Some(base.join(expand_home(&p)));
            }
            if c.enabled == Some(false) {
                out.cache = None;
            }
        }
        for (name, p) in raw.providers {
            if providers::by_name(&name).is_none() && name != SENTINEL {
                return Err(format!("ti.providers.{name}: {}", no_such_provider(&name)));
            }
            let p = p.unwrap_or_default();
            let at = |field: &str| format!("ti.providers.{name}.{field}");
            let settings = ProviderSettings {
                key: p.key.map(KeyRef::parse),
                url: p.url,
                rate: p
                    .rate
                    .map(|r| Rate::parse(&r).map_err(|e| format!("{}: {e}", at("rate"))))
                    .transpose()?,
                ttl: p.ttl.map(|t| span(&t, &at("ttl"))).transpose()?,
                timeout: p.timeout.map(|t| span(&t, &at("timeout"))).transpose()?,
                retries: p.retries,
                max_wait: p.max_wait.map(|t| span(&t, &at("max_wait"))).transpose()?,
                enabled: p.enabled.unwrap_or(true),
                source: p.source,
            };
            out.providers.insert(name.to_ascii_lowercase(), settings);
        }
        Ok(out)
    }

    /// The providers a lookup uses: those named, else every enabled configured one. The
    /// warnings say where a key was expected and not found.
    pub fn configure(
        &self,
        names: Option<&[String]>,
        secrets: &Secrets,
    ) -> Result<(Vec<Configured>, Vec<String>), String> {
        let chosen: Vec<String> = match names {
            Some(n) => n.to_vec(),
            None => self
                .providers
                .iter()
                .filter(|(_, s)| s.enabled)
                .map(|(n, _)| n.clone())
                .collect(),
        };
        if chosen.is_empty() {
            return Err("no threat-intel provider is configured".into());
        }
        let mut out = Vec::new();
        let mut warnings = Vec::new();
        // Sentinel is read through the query layer, not over HTTP: see `sentinel_source`.
        for name in chosen.into_iter().filter(|n| n != SENTINEL) {
            let Some(provider) = providers::by_name(&name) else {
                return Err(no_such_provider(&name));
            };
            let settings = self.providers.get(provider.name()).cloned().unwrap_or_default();
            let key = match settings.key_from(provider.name(), secrets) {
                KeyFrom::Env { var, value: None } => {
                    warnings.push(format!(
                        "{}: its key is read from the environment variable {var}, which is not set",
                        provider.name()
                    ));
                    None
                }
                from => from.value(),
            };
            let mut c = Configured::new(provider, key);
            if let Some(u) = settings.url {
                c.base = u;
            }
            if let Some(r) = settings.rate {
                c.rate = r;
            }
            if let Some(t) = settings.ttl {
                c.ttl = t;
            }
            if let Some(t) = settings.timeout {
                c.timeout = t;
            }
            if let Some(r) = settings.retries {
                c.retries = r;
            }
            if let Some(w) = settings.max_wait {
                c.max_wait = w;
            }
            out.push(c);
        }
        Ok((out, warnings))
    }
}

/// Runs a lookup with progress shown and the cache of `settings`; an interrupt ends it
/// with an error that says the answers so far are kept.
pub fn run_lookup(
    io: &mut dyn Io,
    what: &'static str,
    settings: &TiSettings,
    queries: &[huntbook::ti::Query],
    providers: &[Configured],
    refresh: bool,
) -> Result<huntbook::ti::Report, crate::diag::Diagnostic> {
    let mut cache = settings.cache.as_ref().map(huntbook::ti::cache::Cache::open);
    let mut report = {
        let mut hooks = IoHooks::new(io, what);
        huntbook::ti::lookup(queries, providers, cache.as_mut(), refresh, &mut hooks)
    };
    if report.interrupted > 0 {
        return Err(crate::diag::Diagnostic::new(
            "interrupted",
            format!(
                "interrupted with {} lookup{} not made; the answers received so far are cached, so running the cell again goes on from there",
                report.interrupted,
                if report.interrupted == 1 { "" } else { "s" }
            ),
        ));
    }
    if settings.cache.is_none() {
        report
            .warnings
            .push("the threat-intel cache is turned off (ti.cache.enabled: false): every run asks again".into());
    }
    Ok(report)
}

/// The error for a provider name that is not one, listing those that are.
fn no_such_provider(name: &str) -> String {
    let mut known: Vec<&str> = providers::all().iter().map(|p| p.name()).collect();
    known.push(SENTINEL);
    format!("there is no provider {name:?} (providers: {})", known.join(", "))
}

/// The name of the Sentinel threat-intel "provider": a table of a connected source.
pub const SENTINEL: &str = huntbook::ti::sentinel::NAME;

impl TiSettings {
    /// Whether Sentinel is among the providers a lookup uses, and then the source it names
    /// (`None`: the current source).
    pub fn sentinel_source(&self, names: Option<&[String]>) -> Option<Option<String>> {
        let chosen = match names {
            Some(n) => n.iter().any(|n| n == SENTINEL),
            None => self.providers.get(SENTINEL).is_some_and(|s| s.enabled),
        };
        chosen.then(|| self.providers.get(SENTINEL).and_then(|s| s.source.clone()))
    }
}

/// Progress and interrupts of a lookup, over the notebook's I/O. The progress line appears
/// once a run has taken half a second, and is updated at most four times a second.
pub struct IoHooks<'a> {
    io: &'a mut dyn Io,
    progress: Progress,
    started: Instant,
    last: Option<Instant>,
    what: &'static str,
}

impl<'a> IoHooks<'a> {
    pub fn new(io: &'a mut dyn Io, what: &'static str) -> Self {
        IoHooks {
            io,
            progress: Progress::new(what),
            started: Instant::now(),
            last: None,
            what,
        }
    }
}

impl Hooks for IoHooks<'_> {
    fn progress(&mut self, done: usize, total: usize, note: &str) {
        let now = Instant::now();
        let due = now.duration_since(self.started) >= Duration::from_millis(500)
            && self
                .last
                .is_none_or(|l| now.duration_since(l) >= Duration::from_millis(250));
        let finished = done == total && self.last.is_some();
        if !(due || finished) {
            return;
        }
        self.last = Some(now);
        // A note tells of a lookup in flight ("…; retrying"): once all are done it is
        // stale, and how each ended is in the result.
        let text = if note.is_empty() || done == total {
            format!("{}: {done} of {total} lookups done", self.what)
        } else {
            format!("{}: {done} of {total} lookups done — {note}", self.what)
        };
        self.progress.show(self.io, &text);
    }

    fn interrupted(&self) -> bool {
        self.io.interrupted()
    }
}

#[cfg(test)]
mod progress_tests {
    use super::*;
    use crate::io::{Event, RecordingIo};

    /// A note about a lookup in flight ("…; retrying") is not left on the last progress
    /// line once every lookup is done (it read "1 of 1 lookups done — …; retrying").
    #[test]
    fn the_last_progress_line_drops_a_stale_retry_note() {
        let mut io = RecordingIo::default();
        let mut hooks = IoHooks::new(&mut io, "whois");
        std::thread::sleep(Duration::from_millis(600));
        hooks.progress(0, 1, "rdap: cannot connect; retrying");
        hooks.progress(1, 1, "rdap: cannot connect; retrying");
        drop(hooks);
        let last = io
            .events
            .iter()
            .rev()
            .find_map(|e| match e {
                Event::Update(b, _) | Event::Display(b, _) => Some(b.plain().to_string()),
                _ => None,
            })
            .unwrap();
        assert_eq!(last, "whois: 1 of 1 lookups done");
    }
}

//! Sending the lookups: providers concurrently, each within its own rate limit, retrying
//! on throttling and transient failures, every outcome a row.
//!
//! The network part runs on a single-threaded Tokio runtime inside the calling thread, so
//! progress and interrupts are handled on the thread that owns the notebook's I/O: the
//! loop below wakes every 50 ms to report and to notice an interrupt, which cancels the
//! requests in flight.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::mpsc;

use super::cache::Cache;
pub use super::fetch::Rate;
use super::fetch::{Event, Failure, Job, fetch, plain_http_host};
use super::providers::{Auth, Provider, Verdict};
use super::{Query, Row, Severity, Status, now_ms};
use crate::error::{Error, Result};

/// A provider as configured for a run.
pub struct Configured {
    pub provider: Arc<dyn Provider>,
    /// The base URL (the provider's own unless configured, e.g. for a proxy or a replay).
    pub base: String,
    pub key: Option<String>,
    pub rate: Rate,
    /// How long a cached answer stays good.
    pub ttl: Duration,
    pub timeout: Duration,
    /// Retries after a throttled or failed request.
    pub retries: u32,
    /// The longest single wait (rate limit or `Retry-After`) accepted before giving up.
    pub max_wait: Duration,
}

impl fmt::Debug for Configured {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Configured")
            .field("provider", &self.provider.name())
            .field("base", &self.base)
            .field("key", &self.key.as_ref().map(|_| "****"))
            .field("rate", &self.rate)
            .field("ttl", &self.ttl)
            .finish()
    }
}

impl Configured {
    /// A provider with its defaults: its own URL, its free-tier rate, a week's cache.
    pub fn new(provider: Arc<dyn Provider>, key: Option<String>) -> Configured {
        let rate = Rate::parse(provider.default_rate()).expect("built-in rates parse");
        Configured {
            base: provider.base_url().to_string(),
            provider,
            key,
            rate,
            ttl: Duration::from_secs(7 * 86_400),
            timeout: Duration::from_secs(30),
            retries: 3,
            max_wait: Duration::from_secs(120),
        }
    }

    fn name(&self) -> &'static str {
        self.provider.name()
    }
}

/// Replaces every occurrence of a secret in `text` by `****`.
pub fn scrub(text: &str, key: Option<&str>) -> String {
    let Some(key) = key.filter(|k| k.len() >= 4) else {
        return text.to_string();
    };
    use base64::Engine as _;
    let mut out = text.to_string();
    let basic = base64::engine::general_purpose::STANDARD.encode(key.as_bytes());
    for secret in std::iter::once(key)
        .chain(key.split(':').filter(|p| p.len() >= 4))
        .chain(std::iter::once(basic.as_str()))
    {
        if out.contains(secret) {
            out = out.replace(secret, "****");
        }
    }
    out
}

/// What the caller sees of a run in progress.
pub trait Hooks {
    /// `done` of `total` network lookups are finished; `note` says what is happening
    /// (a rate-limit wait, a retry).
    fn progress(&mut self, done: usize, total: usize, note: &str);
    fn interrupted(&self) -> bool;
}

/// The outcome of a run.
#[derive(Debug, Default)]
pub struct Report {
    /// One row per observable and provider, in the order of the observables.
    pub rows: Vec<Row>,
    /// Missing keys, unsupported types, waits, cache problems: shown with the results.
    pub warnings: Vec<String>,
    /// Requests sent over the network.
    pub requests: usize,
    pub from_cache: usize,
    /// Lookups not made because the user interrupted the run.
    pub interrupted: usize,
}

/// Looks every query up in every provider that supports it.
pub fn lookup(
    queries: &[Query],
    providers: &[Configured],
    mut cache: Option<&mut Cache>,
    refresh: bool,
    hooks: &mut dyn Hooks,
) -> Report {
    let mut report = Report::default();
    // Slot per (query, provider) so rows come out in a stable order.
    let mut slots: Vec<Option<Row>> = vec![None; queries.len() * providers.len()];
    let mut work: Vec<Vec<(usize, Query)>> = vec![Vec::new(); providers.len()];
    for (pi, p) in providers.iter().enumerate() {
        let mut unsupported: Vec<&str> = Vec::new();
        let mut no_key = 0;
        // A key never travels in plain HTTP, except to this machine (tests, replay).
        let exposed = p.key.as_ref().and_then(|_| plain_http_host(&p.base));
        let mut refused = 0;
        for (qi, q) in queries.iter().enumerate() {
            let slot = qi * providers.len() + pi;
            if !p.provider.supports(q.kind, q.subtype.as_deref()) {
                unsupported.push(q.kind.name());
                continue;
            }
            if p.provider.auth() == Auth::Required && p.key.is_none() {
                no_key += 1;
                slots[slot] = Some(Row::failure(q, p.name(), Status::NoKey, "no API key configured"));
                continue;
            }
            if !refresh
                && let Some(c) = cache.as_deref_mut()
                && let Some(row) = c.get(p.name(), q, p.ttl)
            {
                report.from_cache += 1;
                slots[slot] = Some(row);
                continue;
            }
            if let Some(host) = &exposed {
                refused += 1;
                let why = format!("not sent: the key would travel in plain HTTP to {host}");
                slots[slot] = Some(Row::failure(q, p.name(), Status::Failed, why));
                continue;
            }
            work[pi].push((slot, q.clone()));
        }
        if let Some(host) = &exposed {
            report.warnings.push(format!(
                "{}: {refused} lookup{} not made: its URL is plain http:// to {host}, and its key must not cross the network \
                 unencrypted — use https:// (plain http is allowed to this machine only)",
                p.name(),
                if refused == 1 { " was" } else { "s were" },
            ));
        }
        if !unsupported.is_empty() {
            let mut kinds = unsupported.clone();
            kinds.sort_unstable();
            kinds.dedup();
            report.warnings.push(format!(
                "{}: does not look up {} ({} observable{} skipped)",
                p.name(),
                kinds.join(", "),
                unsupported.len(),
                if unsupported.len() == 1 { "" } else { "s" }
            ));
        }
        if no_key > 0 {
            report.warnings.push(format!(
                "{}: no API key, so {no_key} lookup{} not made — set ti.providers.{}.key in huntbook.yaml (e.g. env:NAME) or run  %secret {}",
                p.name(),
                if no_key == 1 { " was" } else { "s were" },
                p.name(),
                p.name()
            ));
        }
    }
    let total: usize = work.iter().map(Vec::len).sum();
    if total > 0 {
        match send_all(providers, work, total, hooks, &mut report) {
            Ok(rows) => {
                for (slot, row) in rows {
                    slots[slot] = Some(row);
                }
            }
            Err(e) => report.warnings.push(e.to_string()),
        }
    }
    for (slot, row) in slots.iter().enumerate() {
        let Some(row) = row else { continue };
        if !row.cached
            && row.status.is_answer()
            && let Some(c) = cache.as_deref_mut()
        {
            let p = &providers[slot % providers.len()];
            c.put(p.name(), &queries[slot / providers.len()], row);
        }
    }
    if let Some(c) = cache {
        report.warnings.extend(c.save());
    }
    report.rows = slots.into_iter().flatten().collect();
    report
}

fn send_all(
    providers: &[Configured],
    work: Vec<Vec<(usize, Query)>>,
    total: usize,
    hooks: &mut dyn Hooks,
    report: &mut Report,
) -> Result<Vec<(usize, Row)>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Invalid(format!("cannot start the network runtime: {e}")))?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("huntbook/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Invalid(format!("cannot set up HTTP: {e}")))?;
    // RDAP registries redirect to one another; nothing else is allowed to redirect (a key
    // in a header must not follow a redirect to another host).
    let following = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(5))
        .user_agent(concat!("huntbook/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Invalid(format!("cannot set up HTTP: {e}")))?;
    let cancel = Arc::new(AtomicBool::new(false));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut rows = Vec::with_capacity(total);
    runtime.block_on(async {
        let mut tasks = Vec::new();
        for (pi, queue) in work.into_iter().enumerate() {
            if queue.is_empty() {
                continue;
            }
            let job = Job {
                name: providers[pi].name(),
                provider: providers[pi].provider.clone(),
                base: providers[pi].base.trim_end_matches('/').to_string(),
                key: providers[pi].key.clone(),
                rate: providers[pi].rate,
                timeout: providers[pi].timeout,
                retries: providers[pi].retries,
                max_wait: providers[pi].max_wait,
            };
            let client = if providers[pi].provider.redirects() && providers[pi].key.is_none() {
                following.clone()
            } else {
                client.clone()
            };
            tasks.push(tokio::spawn(run_provider(
                job,
                queue,
                client,
                tx.clone(),
                cancel.clone(),
            )));
        }
        drop(tx);
        let mut last_note = String::new();
        loop {
            match tokio::time::timeout(Duration::from_millis(50), rx.recv()).await {
                Ok(Some(Event::Row(slot, row))) => rows.push((slot, row)),
                Ok(Some(Event::Sent)) => report.requests += 1,
                Ok(Some(Event::Note(note))) => {
                    if !report.warnings.contains(&note) {
                        report.warnings.push(note.clone());
                    }
                    last_note = note;
                }
                Ok(None) => break,
                Err(_) => {}
            }
            if hooks.interrupted() && !cancel.swap(true, Ordering::SeqCst) {
                for t in &tasks {
                    t.abort();
                }
            }
            hooks.progress(rows.len(), total, &last_note);
        }
    });
    if cancel.load(Ordering::SeqCst) {
        report.interrupted = total - rows.len();
    }
    Ok(rows)
}

async fn run_provider(
    job: Job,
    queue: Vec<(usize, Query)>,
    client: reqwest::Client,
    tx: mpsc::UnboundedSender<Event>,
    cancel: Arc<AtomicBool>,
) {
    let mut window: VecDeque<Instant> = VecDeque::new();
    // A refused key is refused for every lookup: later ones are not sent.
    let mut refused: Option<Failure> = None;
    let mut bulk: Option<std::result::Result<(u16, String), Failure>> = None;
    for (slot, q) in queue {
        if cancel.load(Ordering::SeqCst) {
            return;
        }
        let req = job.provider().request(&q, job.key.as_deref());
        let url = format!("{}{}", job.base, req.path);
        let own;
        let fetched = if let Some(f) = &refused {
            Err(f.clone())
        } else if job.provider().bulk() {
            // One list answers every observable: fetched once, read for each.
            if bulk.is_none() {
                bulk = Some(fetch(&job, &client, &req, &url, &mut window, &tx).await);
            }
            bulk.as_ref().expect("set above").as_ref().map_err(Failure::clone)
        } else {
            own = fetch(&job, &client, &req, &url, &mut window, &tx).await;
            own.as_ref().map_err(Failure::clone)
        };
        let row = match fetched {
            Ok((http, body)) => answer_row(&job, &q, *http, body, &url),
            Err(f) => {
                if f.status == Status::AuthFailed && refused.is_none() {
                    refused = Some(Failure {
                        message: format!("{} (later lookups not sent)", f.message),
                        ..f.clone()
                    });
                }
                let mut row = Row::failure(&q, job.name, f.status, scrub(&f.message, job.key.as_deref()));
                row.http_status = f.http;
                row.reference = url.clone();
                row
            }
        };
        if tx.send(Event::Row(slot, row)).is_err() {
            return;
        }
    }
}

fn answer_row(job: &Job, q: &Query, http: u16, body: &str, url: &str) -> Row {
    let key = job.key.as_deref();
    let verdict = if http == 404 {
        Ok(Verdict {
            found: false,
            severity: Severity::Information,
            details: serde_json::json!({"message": not_found_message(body)}),
            reference: None,
        })
    } else {
        job.provider().read(q, body)
    };
    let mut row = match verdict {
        Ok(v) => Row {
            ioc: q.ioc.clone(),
            ioc_type: q.kind.name().to_string(),
            subtype: q.subtype.clone(),
            provider: job.name.to_string(),
            found: v.found,
            severity: v.severity,
            details: scrub(&v.details.to_string(), key),
            raw: String::new(),
            reference: scrub(v.reference.as_deref().unwrap_or(url), key),
            status: if v.found { Status::Ok } else { Status::NotFound },
            http_status: Some(http),
            cached: false,
            looked_up: now_ms(),
        },
        Err(why) => {
            let mut row = Row::failure(q, job.name, Status::Malformed, why);
            row.http_status = Some(http);
            row.reference = url.to_string();
            row
        }
    };
    // Bulk lists are one answer for every observable; the row keeps what concerns it.
    if !job.provider().bulk() {
        row.raw = scrub(body, key);
    }
    row
}

fn not_found_message(body: &str) -> String {
    let from_json = serde_json::from_str::<Value>(body).ok().and_then(|v| {
        let m = v
            .pointer("/error/message")
            .or_else(|| v.get("message"))
            .or_else(|| v.get("error"))
            .or_else(|| v.get("detail"))?;
        Some(m.as_str().map(str::to_string).unwrap_or_else(|| m.to_string()))
    });
    from_json.unwrap_or_else(|| "not found (HTTP 404)".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_and_print() {
        let r = Rate::parse("4/min").unwrap();
        assert_eq!((r.count, r.per), (4, Duration::from_secs(60)));
        assert_eq!(r.to_string(), "4/min");
        assert_eq!(Rate::parse("1000/day").unwrap().to_string(), "1000/day");
        assert!(Rate::parse("fast").is_err());
        assert!(Rate::parse("0/min").is_err());
    }

    #[test]
    fn keys_are_scrubbed_in_every_form() {
        let text = "k=abcd1234 basic=YWJjZDEyMzQ= id=partone";
        assert_eq!(scrub(text, Some("abcd1234")), "k=**** basic=**** id=partone");
        assert_eq!(scrub("x partone:parttwo", Some("partone:parttwo")), "x ****");
        assert_eq!(scrub("user partone", Some("partone:parttwo")), "user ****");
    }
}

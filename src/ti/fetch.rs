//! One request to a provider, in three steps: waiting for a slot in the provider's rate
//! window ([`wait_for_slot`]), sending the request ([`send`]), and deciding from the
//! answer whether it is done, refused, or worth another try ([`classify`]).

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::Row;
use super::Status;
use super::providers::{Method, Provider, Request};
use crate::error::{Error, Result as EngineResult};

pub(super) struct Job {
    pub(super) name: &'static str,
    pub(super) provider: Arc<dyn Provider>,
    pub(super) base: String,
    pub(super) key: Option<String>,
    pub(super) rate: Rate,
    pub(super) timeout: Duration,
    pub(super) retries: u32,
    pub(super) max_wait: Duration,
}

impl Job {
    pub(super) fn provider(&self) -> &dyn Provider {
        self.provider.as_ref()
    }
}

/// How a request ended when it did not end in an answer.
#[derive(Clone)]
pub(super) struct Failure {
    pub(super) status: Status,
    pub(super) http: Option<u16>,
    pub(super) message: String,
}

/// The host of a plain `http://` URL that leaves this machine, or `None` for https and
/// for loopback (127.0.0.0/8, ::1, localhost). An unreadable URL counts as leaving.
pub fn plain_http_host(base: &str) -> Option<String> {
    let Ok(url) = url::Url::parse(base) else {
        return Some(base.to_string());
    };
    if url.scheme() != "http" {
        return None;
    }
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    (!loopback).then(|| url.host_str().unwrap_or(base).to_string())
}

/// What the requests report back to the run, as they go.
pub(super) enum Event {
    Row(usize, Row),
    Note(String),
    Sent,
}

/// A rate limit: at most `count` requests in any `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: u32,
    pub per: Duration,
}

impl Rate {
    /// Reads `N/sec`, `N/min`, `N/hour`, `N/day`, `N/week` or `N/month` (30 days).
    pub fn parse(text: &str) -> EngineResult<Rate> {
        let bad = || {
            Error::Invalid(format!(
                "{text:?} is not a rate limit: write N/sec, N/min, N/hour, N/day, N/week or N/month, e.g. 4/min"
            ))
        };
        let (n, unit) = text.trim().split_once('/').ok_or_else(bad)?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        let secs = match unit.trim() {
            "s" | "sec" | "second" => 1,
            "m" | "min" | "minute" => 60,
            "h" | "hour" => 3600,
            "d" | "day" => 86_400,
            "w" | "week" => 7 * 86_400,
            "month" => 30 * 86_400,
            _ => return Err(bad()),
        };
        if count == 0 {
            return Err(bad());
        }
        Ok(Rate {
            count,
            per: Duration::from_secs(secs),
        })
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.per.as_secs() {
            1 => "sec".to_string(),
            60 => "min".into(),
            3600 => "hour".into(),
            86_400 => "day".into(),
            604_800 => "week".into(),
            2_592_000 => "month".into(),
            s => format!("{s}s"),
        };
        write!(f, "{}/{unit}", self.count)
    }
}

/// Answers larger than this are refused rather than read into memory.
const MAX_BODY: usize = 16 << 20;

/// The answer to `req` at `url`: its HTTP status and body, or why there is none, within
/// the job's rate limit and retries.
pub(super) async fn fetch(
    job: &Job,
    client: &reqwest::Client,
    req: &Request,
    url: &str,
    window: &mut VecDeque<Instant>,
    tx: &mpsc::UnboundedSender<Event>,
) -> Result<(u16, String), Failure> {
    let mut attempt = 0u32;
    loop {
        wait_for_slot(job, window, tx).await?;
        let _ = tx.send(Event::Sent);
        let response = match send(job, client, req, url).await {
            Ok(r) => r,
            Err(e) => {
                let what = if e.is_timeout() {
                    format!("no answer within {} s", job.timeout.as_secs())
                } else if e.is_connect() {
                    format!("cannot connect to {}", job.base)
                } else {
                    format!("request failed: {e}")
                };
                if attempt < job.retries {
                    let _ = tx.send(Event::Note(format!("{}: {what}; retrying", job.name)));
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                    continue;
                }
                return Err(fail(
                    Status::Failed,
                    None,
                    format!("{what} (after {} tries)", attempt + 1),
                ));
            }
        };
        let http = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let body = match read_body(response).await {
            Ok(b) => b,
            Err(m) => return Err(fail(Status::Failed, Some(http), m)),
        };
        match classify(job, http, body, retry_after, attempt) {
            Next::Done(result) => return result,
            Next::Retry { wait, note } => {
                let _ = tx.send(Event::Note(note));
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
        }
    }
}

fn fail(status: Status, http: Option<u16>, message: String) -> Failure {
    Failure { status, http, message }
}

/// How long to wait before try `attempt + 1` when the provider did not say.
fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(1 << attempt.min(5))
}

/// The rate limit: at most `count` requests in any `per`. Waits for the next slot, or
/// fails when it is further away than the job may wait.
async fn wait_for_slot(
    job: &Job,
    window: &mut VecDeque<Instant>,
    tx: &mpsc::UnboundedSender<Event>,
) -> Result<(), Failure> {
    let now = Instant::now();
    while window.front().is_some_and(|t| now.duration_since(*t) >= job.rate.per) {
        window.pop_front();
    }
    if window.len() >= job.rate.count as usize {
        let wait = job.rate.per - now.duration_since(window[0]);
        if wait > job.max_wait {
            return Err(fail(
                Status::Throttled,
                None,
                format!(
                    "rate limit {} reached; the next slot is in {} s, longer than the {} s allowed to wait (ti.providers.{}.rate / max_wait)",
                    job.rate,
                    wait.as_secs(),
                    job.max_wait.as_secs(),
                    job.name
                ),
            ));
        }
        let _ = tx.send(Event::Note(format!(
            "{}: waiting for its rate limit ({}); lookups continue at that pace",
            job.name, job.rate
        )));
        tokio::time::sleep(wait).await;
        window.pop_front();
    }
    window.push_back(Instant::now());
    Ok(())
}

/// Sends the request: its method, headers (the key among them) and form body.
async fn send(job: &Job, client: &reqwest::Client, req: &Request, url: &str) -> reqwest::Result<reqwest::Response> {
    let method = match req.method {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
    };
    let mut builder = client.request(method, url).timeout(job.timeout);
    for (k, v) in &req.headers {
        builder = builder.header(*k, v);
    }
    if !req.form.is_empty() {
        let body: Vec<String> = req
            .form
            .iter()
            .map(|(k, v)| format!("{k}={}", super::providers::encode(v)))
            .collect();
        builder = builder
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.join("&"));
    }
    builder.send().await
}

/// What to do after an answer.
enum Next {
    Done(Result<(u16, String), Failure>),
    /// Try again after `wait`, telling the user `note`.
    Retry {
        wait: Duration,
        note: String,
    },
}

/// An answer read: found or not found is done; a refused key is done and failed;
/// throttling and a gateway's outage are retried while tries and patience last.
fn classify(job: &Job, http: u16, body: String, retry_after: Option<Duration>, attempt: u32) -> Next {
    match http {
        200..=299 | 404 => Next::Done(Ok((http, body))),
        401 | 403 => Next::Done(Err(fail(
            Status::AuthFailed,
            Some(http),
            format!("the API key was refused (HTTP {http}): {}", snippet(&body)),
        ))),
        429 | 502..=504 => {
            let wait = retry_after.unwrap_or_else(|| backoff(attempt));
            let what = if http == 429 { "throttled" } else { "unavailable" };
            if attempt >= job.retries {
                return Next::Done(Err(fail(
                    if http == 429 { Status::Throttled } else { Status::Failed },
                    Some(http),
                    format!("{what} (HTTP {http}) after {} tries", attempt + 1),
                )));
            }
            if wait > job.max_wait {
                return Next::Done(Err(fail(
                    Status::Throttled,
                    Some(http),
                    format!(
                        "{what} (HTTP {http}); asked to retry after {} s, longer than the {} s allowed to wait",
                        wait.as_secs(),
                        job.max_wait.as_secs()
                    ),
                )));
            }
            Next::Retry {
                wait,
                note: format!(
                    "{}: {what} (HTTP {http}); waited {} s as asked (Retry-After) and retried",
                    job.name,
                    wait.as_secs_f64().ceil()
                ),
            }
        }
        _ => Next::Done(Err(fail(
            Status::Failed,
            Some(http),
            format!("HTTP {http}: {}", snippet(&body)),
        ))),
    }
}

async fn read_body(mut response: reqwest::Response) -> std::result::Result<String, String> {
    let mut bytes = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if bytes.len() + chunk.len() > MAX_BODY {
                    return Err(format!("the answer is larger than {} MiB; not read", MAX_BODY >> 20));
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => return Err(format!("the answer broke off: {e}")),
        }
    }
    String::from_utf8(bytes).map_err(|_| "the answer is not UTF-8 text".into())
}

/// `Retry-After`: seconds, or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let secs = when.timestamp() - chrono::Utc::now().timestamp();
    Some(Duration::from_secs(secs.max(0) as u64))
}

/// The start of a body, on one line, for an error message.
fn snippet(body: &str) -> String {
    let one_line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut end = one_line.len().min(200);
    while !one_line.is_char_boundary(end) {
        end -= 1;
    }
    if end < one_line.len() {
        format!("{}… ({} bytes)", &one_line[..end], body.len())
    } else if one_line.is_empty() {
        "(empty answer)".into()
    } else {
        one_line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn throttling_is_retried_while_tries_and_patience_last() {
        let job = Job {
            name: "virustotal",
            provider: super::super::providers::by_name("virustotal").unwrap(),
            base: "http://127.0.0.1:1".into(),
            key: None,
            rate: Rate::parse("4/min").unwrap(),
            timeout: Duration::from_secs(1),
            retries: 2,
            max_wait: Duration::from_secs(30),
        };
        let retry = |attempt, after| classify(&job, 429, String::new(), after, attempt);
        assert!(matches!(retry(0, None), Next::Retry { wait, .. } if wait == Duration::from_secs(1)));
        assert!(
            matches!(retry(1, Some(Duration::from_secs(9))), Next::Retry { wait, .. } if wait == Duration::from_secs(9))
        );
        assert!(matches!(
            retry(2, None),
            Next::Done(Err(Failure {
                status: Status::Throttled,
                ..
            }))
        ));
        assert!(matches!(
            retry(0, Some(Duration::from_secs(60))),
            Next::Done(Err(Failure {
                status: Status::Throttled,
                ..
            }))
        ));
        assert!(matches!(
            classify(&job, 403, "no".into(), None, 0),
            Next::Done(Err(Failure {
                status: Status::AuthFailed,
                ..
            }))
        ));
        assert!(matches!(
            classify(&job, 404, "{}".into(), None, 0),
            Next::Done(Ok((404, _)))
        ));
        assert!(matches!(
            classify(&job, 500, "x".into(), None, 0),
            Next::Done(Err(Failure {
                status: Status::Failed,
                ..
            }))
        ));
    }
}

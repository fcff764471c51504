//! Signing in to the Microsoft identity platform, and sending requests to its services.
//!
//! Sign-in: client credentials with a secret, device code (the person signs in on another
//! device), the Azure CLI's token, or a token given by the caller (from an environment
//! variable, for automation). Tokens are kept in memory per resource until a
//! minute before they expire. No token or secret is ever part of an error or a log line:
//! errors carry the service's own code and message (`AADSTS7000215: Invalid client
//! secret provided…`), which never echo them.
//!
//! Requests: 429 waits as long as `Retry-After` says (up to a minute), 5xx is tried again
//! after 1, 2 and 4 s, every request has a timeout, and a cancel check is polled while a
//! request or a wait is under way.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::Watch;
use crate::error::{Error, Result};

/// Where a cloud signs in and where its services are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cloud {
    pub authority: String,
    pub log_analytics: String,
    /// Microsoft Graph (Defender's `runHuntingQuery`).
    pub graph: String,
    /// The legacy Microsoft Defender for Endpoint API (`advancedqueries/run`).
    pub mde: String,
    /// Where queries are sent instead of the service's own address (a proxy, a replay
    /// server). Tokens are still asked for the service, which is their audience.
    pub endpoint: Option<String>,
}

impl Cloud {
    /// `public`, `usgov` or `china`.
    pub fn named(name: &str) -> Result<Cloud> {
        let (authority, api, graph, mde) = match name.to_ascii_lowercase().as_str() {
            "public" | "global" | "azurecloud" => (
                "https://login.microsoftonline.com",
                "https://api.loganalytics.io",
                "https://graph.microsoft.com",
                "https://api.securitycenter.microsoft.com",
            ),
            "usgov" | "us-government" | "azureusgovernment" => (
                "https://login.microsoftonline.us",
                "https://api.loganalytics.us",
                "https://graph.microsoft.us",
                "https://api-gov.securitycenter.microsoft.us",
            ),
            "china" | "azurechinacloud" => (
                "https://login.chinacloudapi.cn",
                "https://api.loganalytics.azure.cn",
                "https://microsoftgraph.chinacloudapi.cn",
                "https://api.securitycenter.microsoft.com",
            ),
            other => {
                return Err(Error::Invalid(format!(
                    "{other:?} is not a cloud: use public, usgov or china (or set authority and endpoint)"
                )));
            }
        };
        Ok(Cloud {
            authority: authority.into(),
            log_analytics: api.into(),
            graph: graph.into(),
            mde: mde.into(),
            endpoint: None,
        })
    }
}

/// How to get a token.
#[derive(Clone)]
pub enum Credential {
    ClientSecret {
        tenant: String,
        client_id: String,
        secret: String,
    },
    /// A token the caller already has.
    Token(String),
    /// Sign-in by a person on another device: the verification URL and user code are
    /// told to the [`Watch`] while the client waits.
    DeviceCode { tenant: String, client_id: String },
    /// The Azure CLI's token (`az account get-access-token`), for the tenant given or the
    /// CLI's current one.
    AzureCli { tenant: Option<String> },
}

impl std::fmt::Debug for Credential {
    /// Never the secret or the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::ClientSecret { tenant, client_id, .. } => {
                write!(
                    f,
                    "ClientSecret {{ tenant: {tenant:?}, client_id: {client_id:?}, secret: (hidden) }}"
                )
            }
            Credential::Token(_) => f.write_str("Token(hidden)"),
            Credential::DeviceCode { tenant, client_id } => {
                write!(f, "DeviceCode {{ tenant: {tenant:?}, client_id: {client_id:?} }}")
            }
            Credential::AzureCli { tenant } => write!(f, "AzureCli {{ tenant: {tenant:?} }}"),
        }
    }
}

/// Limits on one request.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub timeout: Duration,
    /// The longest `Retry-After` honoured; a longer one fails the request and says so.
    pub max_wait: Duration,
    pub retries: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(180),
            max_wait: Duration::from_secs(60),
            retries: 3,
        }
    }
}

/// A signed-in client of one cloud, with its tokens.
pub struct Client {
    pub(super) cloud: Cloud,
    credential: Credential,
    pub(super) limits: Limits,
    tokens: HashMap<String, (String, Instant)>,
    pub(super) http: reqwest::Client,
    pub(super) runtime: tokio::runtime::Runtime,
}

/// An answer: status, `Retry-After`, the service's id for the request, and the body.
pub(super) struct Answer {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub request_id: Option<String>,
    pub body: Vec<u8>,
}

impl Client {
    pub fn new(cloud: Cloud, credential: Credential, limits: Limits) -> Result<Client> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .enable_io()
            .build()
            .map_err(|e| Error::Invalid(format!("cannot start the HTTP runtime: {e}")))?;
        let http = reqwest::Client::builder()
            .timeout(limits.timeout)
            .build()
            .map_err(|e| Error::Invalid(format!("cannot start the HTTP client: {e}")))?;
        Ok(Client {
            cloud,
            credential,
            limits,
            tokens: HashMap::new(),
            http,
            runtime,
        })
    }

    /// How the client signs in, in words (never a secret): for `%connect`'s summary.
    pub fn sign_in_method(&self) -> &'static str {
        match self.credential {
            Credential::ClientSecret { .. } => "client secret",
            Credential::Token(_) => "a given token",
            Credential::DeviceCode { .. } => "device code",
            Credential::AzureCli { .. } => "Azure CLI",
        }
    }

    /// Whether a token for `resource` is in memory and good for more than a minute.
    pub fn signed_in(&self, resource: &str) -> bool {
        matches!(self.credential, Credential::Token(_))
            || self
                .tokens
                .get(resource.trim_end_matches('/'))
                .is_some_and(|(_, until)| Instant::now() + Duration::from_secs(60) < *until)
    }

    pub(super) fn endpoint(&self, tenant: &str, what: &str) -> Result<String> {
        if tenant.trim().is_empty() {
            return Err(Error::Invalid(
                "no tenant: give the tenant id or domain (tenant: …)".into(),
            ));
        }
        Ok(format!(
            "{}/{}/oauth2/v2.0/{what}",
            self.cloud.authority.trim_end_matches('/'),
            tenant.trim()
        ))
    }

    pub(super) fn post_form(&self, url: &str, form: &[(&str, &str)], watch: &mut dyn Watch) -> Result<(u16, Value)> {
        let answer = self.send(watch, || self.http.post(url).form(form))?;
        Ok((
            answer.status,
            serde_json::from_slice(&answer.body).unwrap_or(Value::Null),
        ))
    }

    /// A token for `resource` (`https://api.loganalytics.io`), from memory while it has
    /// more than a minute left.
    pub fn token(&mut self, resource: &str, watch: &mut dyn Watch) -> Result<String> {
        let resource = resource.trim_end_matches('/');
        if let Some((token, until)) = self.tokens.get(resource)
            && Instant::now() + Duration::from_secs(60) < *until
        {
            return Ok(token.clone());
        }
        let scope = format!("{resource}/.default");
        let credential = self.credential.clone();
        let (token, lifetime) = match &credential {
            Credential::Token(t) => return Ok(t.clone()),
            Credential::AzureCli { tenant } => self.azure_cli(resource, tenant.as_deref(), &*watch)?,
            Credential::ClientSecret {
                tenant,
                client_id,
                secret,
            } => {
                let form = [
                    ("grant_type", "client_credentials"),
                    ("client_id", client_id.as_str()),
                    ("client_secret", secret.as_str()),
                    ("scope", scope.as_str()),
                ];
                let (status, body) = self.post_form(&self.endpoint(tenant, "token")?, &form, watch)?;
                if status != 200 {
                    return Err(sign_in_failed(tenant, status, &body));
                }
                token_of(&body)?
            }
            Credential::DeviceCode { tenant, client_id } => {
                token_of(&self.device_code(tenant, client_id, &scope, watch)?)?
            }
        };
        self.tokens
            .insert(resource.to_string(), (token.clone(), Instant::now() + lifetime));
        Ok(token)
    }

    /// Sends a request made by `make`, honouring 429 and retrying 5xx, until `cancel`.
    pub(super) fn send(&self, watch: &mut dyn Watch, make: impl Fn() -> reqwest::RequestBuilder) -> Result<Answer> {
        let mut tries = 0;
        loop {
            let request = make().build().map_err(|e| Error::service("HTTP", without_url(&e)))?;
            refuse_off_loopback(request.url().host_str().unwrap_or_default())?;
            let answer = self.runtime.block_on(async {
                let sent = async {
                    let response = self.http.execute(request).await.map_err(|e| without_url(&e))?;
                    let status = response.status().as_u16();
                    let retry_after = response
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(crate::ti::parse_retry_after);
                    let request_id = ["x-ms-request-id", "request-id", "x-ms-activity-id"]
                        .iter()
                        .find_map(|h| response.headers().get(*h)?.to_str().ok())
                        .map(str::to_string);
                    let body = response.bytes().await.map_err(|e| without_url(&e))?.to_vec();
                    Ok::<_, String>(Answer {
                        status,
                        retry_after,
                        request_id,
                        body,
                    })
                };
                waiting(sent, watch).await
            });
            let answer = match answer {
                None => {
                    return Err(Error::Cancelled {
                        what: "the request".into(),
                    });
                }
                Some(Err(e)) => return Err(Error::service("HTTP", e)),
                Some(Ok(a)) => a,
            };
            let wait = match answer.status {
                429 => answer.retry_after.unwrap_or(Duration::from_secs(5)),
                500..=599 => Duration::from_secs(1 << tries.min(4)),
                _ => return Ok(answer),
            };
            tries += 1;
            if tries > self.limits.retries {
                return Ok(answer);
            }
            if wait > self.limits.max_wait {
                return Err(Error::service(
                    "HTTP",
                    format!(
                        "the service asks to wait {} s, longer than {} s",
                        wait.as_secs(),
                        self.limits.max_wait.as_secs()
                    ),
                ));
            }
            if self.pause(wait, &*watch) {
                return Err(Error::Cancelled {
                    what: "the request".into(),
                });
            }
        }
    }
}

impl Client {
    /// Waits `how_long`, or less if the person asks to stop: whether they did.
    pub(super) fn pause(&self, how_long: Duration, watch: &dyn Watch) -> bool {
        self.runtime.block_on(async {
            tokio::select! {
                _ = tokio::time::sleep(how_long) => false,
                _ = until(watch) => true,
            }
        })
    }
}

/// A sign-in refusal in the service's words (the first line of `error_description`:
/// `AADSTS7000215: Invalid client secret provided…`), which never echo a secret.
pub(super) fn sign_in_failed(tenant: &str, status: u16, body: &Value) -> Error {
    let why = body
        .get("error_description")
        .and_then(Value::as_str)
        .map(|d| d.lines().next().unwrap_or(d).trim().to_string())
        .unwrap_or_else(|| format!("HTTP {status}"));
    Error::service(
        "Microsoft sign-in",
        format!("signing in to tenant {tenant} failed: {why}"),
    )
}

/// The variable that keeps every request on the loopback address: the test suites set it,
/// so an example or a misconfigured test cannot reach a real service.
pub const LOOPBACK_ONLY: &str = "HUNTBOOK_LOOPBACK_ONLY";

/// Whether `host` (a URL's host, without its port) is the loopback address.
pub fn is_loopback(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "localhost" | "[::1]" | "::1")
}

/// The host of an http(s) URL, without its port; `None` when it is not one.
pub fn url_host(url: &str) -> Option<String> {
    let parsed = reqwest::Url::parse(url).ok()?;
    matches!(parsed.scheme(), "http" | "https")
        .then(|| parsed.host_str().map(str::to_string))
        .flatten()
}

/// An error when [`LOOPBACK_ONLY`] is set and `host` is not the loopback address.
pub(super) fn refuse_off_loopback(host: &str) -> Result<()> {
    if !is_loopback(host) && std::env::var_os(LOOPBACK_ONLY).is_some_and(|v| !v.is_empty() && v != "0") {
        return Err(Error::service(
            "HTTP",
            format!("{LOOPBACK_ONLY} is set: nothing is sent to {host}, only to the loopback address"),
        ));
    }
    Ok(())
}

/// The token in a token answer and how long it lasts.
pub(super) fn token_of(body: &Value) -> Result<(String, Duration)> {
    let token = body
        .get("access_token")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::service("Microsoft sign-in", "the token answer has no access_token"))?;
    let lifetime = body.get("expires_in").and_then(Value::as_u64).unwrap_or(3600);
    Ok((token.to_string(), Duration::from_secs(lifetime)))
}

/// Resolves when the person asks to stop (polled every 50 ms).
/// `work` to its end, or `None` if the person asks to stop first; while it runs, the
/// watch hears once a second how long it has waited.
async fn waiting<T>(work: impl std::future::Future<Output = T>, watch: &mut dyn Watch) -> Option<T> {
    tokio::pin!(work);
    let started = Instant::now();
    let mut told = 0;
    loop {
        tokio::select! {
            done = &mut work => return Some(done),
            _ = tokio::time::sleep(Duration::from_millis(50)) => {
                if watch.cancelled() {
                    return None;
                }
                let waited = started.elapsed();
                if waited.as_secs() > told {
                    told = waited.as_secs();
                    watch.waiting(waited);
                }
            }
        }
    }
}

pub(super) async fn until(watch: &dyn Watch) {
    while !watch.cancelled() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A transport error without its URL (which could carry a query string).
fn without_url(e: &reqwest::Error) -> String {
    let text = match e.url() {
        Some(u) => e.to_string().replace(u.as_str(), "(url)"),
        None => e.to_string(),
    };
    if e.is_timeout() {
        "the request timed out".into()
    } else if e.is_connect() {
        format!("cannot connect: {text}")
    } else {
        text
    }
}

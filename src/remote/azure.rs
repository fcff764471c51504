//! Signing in to the Microsoft identity platform and running a query on Log Analytics
//! (Microsoft Sentinel's workspaces).
//!
//! Sign-in: client credentials with a secret, or a token given by the caller (from an
//! environment variable, for automation). Tokens are kept in memory per resource until a
//! minute before they expire. No token or secret is ever part of an error or a log line:
//! errors carry the service's own code and message (`AADSTS7000215: Invalid client
//! secret provided…`), which never echo them.
//!
//! Requests: 429 waits as long as `Retry-After` says (up to a minute), 5xx is tried again
//! after 1, 2 and 4 s, every request has a timeout, and a cancel check is polled while a
//! request or a wait is under way.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use polars::prelude::DataFrame;
use serde_json::{Value, json};

use super::tables::{log_analytics, service_error};
use crate::error::{Error, Result};
use crate::frame::Warned;

/// Where a cloud signs in and where its Log Analytics API is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cloud {
    pub authority: String,
    pub log_analytics: String,
}

impl Cloud {
    /// `public`, `usgov` or `china`.
    pub fn named(name: &str) -> Result<Cloud> {
        let (authority, api) = match name.to_ascii_lowercase().as_str() {
            "public" | "global" | "azurecloud" => ("https://login.microsoftonline.com", "https://api.loganalytics.io"),
            "usgov" | "us-government" | "azureusgovernment" => {
                ("https://login.microsoftonline.us", "https://api.loganalytics.us")
            }
            "china" | "azurechinacloud" => ("https://login.chinacloudapi.cn", "https://api.loganalytics.azure.cn"),
            other => {
                return Err(Error::Invalid(format!(
                    "{other:?} is not a cloud: use public, usgov or china (or set authority and endpoint)"
                )));
            }
        };
        Ok(Cloud {
            authority: authority.into(),
            log_analytics: api.into(),
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
    /// given to the prompt hook ([`Client::on_device_prompt`]) while the client waits.
    DeviceCode { tenant: String, client_id: String },
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
    cloud: Cloud,
    credential: Credential,
    limits: Limits,
    tokens: HashMap<String, (String, Instant)>,
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
    prompt: Option<Prompt>,
}

/// Where device-code sign-in shows the person what to do.
pub type Prompt = Box<dyn FnMut(&str) + Send>;

/// An answer: status, `Retry-After` and body.
struct Answer {
    status: u16,
    retry_after: Option<Duration>,
    body: Vec<u8>,
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
            prompt: None,
        })
    }

    /// Where device-code sign-in tells the person what to do (the service's own message:
    /// the verification URL and the user code). Without a hook, device code cannot work.
    pub fn on_device_prompt(&mut self, hook: Prompt) {
        self.prompt = Some(hook);
    }

    fn endpoint(&self, tenant: &str, what: &str) -> Result<String> {
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

    fn post_form(&self, url: &str, form: &[(&str, &str)], cancel: &dyn Fn() -> bool) -> Result<(u16, Value)> {
        let answer = self.send(cancel, || self.http.post(url).form(form))?;
        Ok((
            answer.status,
            serde_json::from_slice(&answer.body).unwrap_or(Value::Null),
        ))
    }

    /// The device-code flow: ask for a code, show the person where to enter it, then poll
    /// at the interval the service gives until they have signed in, the code expires, or
    /// `cancel`.
    fn device_code(&mut self, tenant: &str, client_id: &str, scope: &str, cancel: &dyn Fn() -> bool) -> Result<Value> {
        if self.prompt.is_none() {
            return Err(Error::Invalid(
                "device-code sign-in needs somewhere to show its code".into(),
            ));
        }
        let (status, start) = self.post_form(
            &self.endpoint(tenant, "devicecode")?,
            &[("client_id", client_id), ("scope", scope)],
            cancel,
        )?;
        if status != 200 {
            return Err(sign_in_failed(tenant, status, &start));
        }
        let field = |k: &str| start.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        let device = field("device_code");
        let message = match field("message") {
            m if m.is_empty() => format!(
                "To sign in, open {} and enter the code {}",
                field("verification_uri"),
                field("user_code")
            ),
            m => m,
        };
        match self.prompt.as_mut() {
            Some(hook) => hook(&message),
            None => {
                return Err(Error::Invalid(
                    "device-code sign-in needs somewhere to show its code".into(),
                ));
            }
        }
        let mut interval = start.get("interval").and_then(Value::as_u64).unwrap_or(5).max(1);
        let deadline =
            Instant::now() + Duration::from_secs(start.get("expires_in").and_then(Value::as_u64).unwrap_or(900));
        let url = self.endpoint(tenant, "token")?;
        loop {
            let waited = self.runtime.block_on(async {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(interval)) => true,
                    _ = until(cancel) => false,
                }
            });
            if !waited {
                return Err(Error::Cancelled {
                    what: "device-code sign-in".into(),
                });
            }
            let form = [
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("client_id", client_id),
                ("device_code", device.as_str()),
            ];
            let (status, body) = self.post_form(&url, &form, cancel)?;
            if status == 200 {
                return Ok(body);
            }
            match body.get("error").and_then(Value::as_str) {
                Some("authorization_pending") if Instant::now() < deadline => {}
                Some("slow_down") => interval += 5,
                Some("authorization_pending" | "expired_token" | "code_expired") => {
                    return Err(Error::service(
                        "Microsoft sign-in",
                        format!(
                            "the device code for tenant {tenant} expired before sign-in was completed; run the cell again for a new code"
                        ),
                    ));
                }
                _ => return Err(sign_in_failed(tenant, status, &body)),
            }
        }
    }

    /// A token for `resource` (`https://api.loganalytics.io`), from memory while it has
    /// more than a minute left.
    pub fn token(&mut self, resource: &str, cancel: &dyn Fn() -> bool) -> Result<String> {
        if let Some((token, until)) = self.tokens.get(resource)
            && Instant::now() + Duration::from_secs(60) < *until
        {
            return Ok(token.clone());
        }
        let scope = format!("{}/.default", resource.trim_end_matches('/'));
        let credential = self.credential.clone();
        let body = match &credential {
            Credential::Token(t) => return Ok(t.clone()),
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
                let (status, body) = self.post_form(&self.endpoint(tenant, "token")?, &form, cancel)?;
                if status != 200 {
                    return Err(sign_in_failed(tenant, status, &body));
                }
                body
            }
            Credential::DeviceCode { tenant, client_id } => self.device_code(tenant, client_id, &scope, cancel)?,
        };
        let token = body
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::service("Microsoft sign-in", "the token answer has no access_token"))?
            .to_string();
        let lifetime = body.get("expires_in").and_then(Value::as_u64).unwrap_or(3600);
        self.tokens.insert(
            resource.to_string(),
            (token.clone(), Instant::now() + Duration::from_secs(lifetime)),
        );
        Ok(token)
    }

    /// Runs `kql` on a Log Analytics workspace over `timespan` (ISO 8601 `start/end`).
    pub fn log_analytics(
        &mut self,
        workspace: &str,
        kql: &str,
        timespan: Option<&str>,
        cancel: &dyn Fn() -> bool,
    ) -> Result<Warned<DataFrame>> {
        let base = self.cloud.log_analytics.trim_end_matches('/').to_string();
        let token = self.token(&base, cancel)?;
        let url = format!("{base}/v1/workspaces/{workspace}/query");
        let mut body = json!({ "query": kql });
        if let Some(t) = timespan {
            body["timespan"] = Value::String(t.to_string());
        }
        let answer = self.send(cancel, || self.http.post(&url).bearer_auth(&token).json(&body))?;
        match answer.status {
            200 => log_analytics(&answer.body),
            status => {
                let parsed: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
                let why = parsed.get("error").map(service_error).unwrap_or_else(|| {
                    String::from_utf8_lossy(&answer.body[..answer.body.len().min(300)]).into_owned()
                });
                let what = match status {
                    404 => format!("workspace {workspace} was not found"),
                    401 | 403 => format!("not allowed to query workspace {workspace}"),
                    400 => "the query was refused".to_string(),
                    s => format!("HTTP {s}"),
                };
                Err(Error::service("Log Analytics", format!("{what}: {why}")))
            }
        }
    }

    /// Sends a request made by `make`, honouring 429 and retrying 5xx, until `cancel`.
    fn send(&self, cancel: &dyn Fn() -> bool, make: impl Fn() -> reqwest::RequestBuilder) -> Result<Answer> {
        let mut tries = 0;
        loop {
            let request = make();
            let answer = self.runtime.block_on(async {
                let sent = async {
                    let response = request.send().await.map_err(|e| without_url(&e))?;
                    let status = response.status().as_u16();
                    let retry_after = response
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(crate::ti::parse_retry_after);
                    let body = response.bytes().await.map_err(|e| without_url(&e))?.to_vec();
                    Ok::<_, String>(Answer {
                        status,
                        retry_after,
                        body,
                    })
                };
                tokio::select! {
                    a = sent => Some(a),
                    _ = until(cancel) => None,
                }
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
            let cancelled = self.runtime.block_on(async {
                tokio::select! {
                    _ = tokio::time::sleep(wait) => false,
                    _ = until(cancel) => true,
                }
            });
            if cancelled {
                return Err(Error::Cancelled {
                    what: "the request".into(),
                });
            }
        }
    }
}

/// A sign-in refusal in the service's words (the first line of `error_description`:
/// `AADSTS7000215: Invalid client secret provided…`), which never echo a secret.
fn sign_in_failed(tenant: &str, status: u16, body: &Value) -> Error {
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

/// Resolves when `cancel` says so (polled every 50 ms).
async fn until(cancel: &dyn Fn() -> bool) {
    while !cancel() {
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

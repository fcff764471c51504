//! Sources on Microsoft's services: `sentinel` (Log Analytics workspaces), `defender`
//! (advanced hunting) and `kusto` (Azure Data Explorer). The spec is what `huntbook.yaml`
//! or `%connect` says; the source opened ([`super::client`]) is the spec with a client
//! that signs in and queries.

use std::time::Duration;

use huntbook::remote::{Cloud, Credential, DefenderApi, Limits, Service};

use crate::enrich::{KeyRef, env_value};
use crate::secrets::Secrets;

/// The remote kinds, as `kind:` names them.
pub const REMOTE_KINDS: &[&str] = &["sentinel", "defender", "kusto"];

/// The client id device-code sign-in uses when none is given: the Azure CLI's public
/// client, which every tenant accepts for delegated sign-in (as msticpy and az do).
const PUBLIC_CLIENT: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoteKind {
    Sentinel,
    Defender,
    Kusto,
}

impl RemoteKind {
    pub fn named(name: &str) -> Option<RemoteKind> {
        match name {
            "sentinel" => Some(RemoteKind::Sentinel),
            "defender" => Some(RemoteKind::Defender),
            "kusto" => Some(RemoteKind::Kusto),
            _ => None,
        }
    }

    /// The query library's data environment for this kind (msticpy's name).
    pub fn environment(self, api: DefenderApi) -> &'static str {
        match (self, api) {
            (RemoteKind::Sentinel, _) => "MSSentinel",
            (RemoteKind::Defender, DefenderApi::Graph) => "M365D",
            (RemoteKind::Defender, DefenderApi::Mde) => "MDE",
            (RemoteKind::Kusto, _) => "Kusto",
        }
    }
}

/// How a remote source signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    Secret,
    Device,
    Cli,
    Token,
}

pub const AUTHS: &[&str] = &["secret", "device", "cli", "token"];

impl Auth {
    pub fn named(name: &str) -> Option<Auth> {
        match name {
            "secret" => Some(Auth::Secret),
            "device" => Some(Auth::Device),
            "cli" => Some(Auth::Cli),
            "token" => Some(Auth::Token),
            _ => None,
        }
    }
}

/// The fields a remote source is configured with, as given (YAML or `%connect`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RemoteFields {
    pub workspaces: Vec<String>,
    pub tenant: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<KeyRef>,
    pub token: Option<KeyRef>,
    pub auth: Option<String>,
    pub cloud: Option<String>,
    pub authority: Option<String>,
    pub endpoint: Option<String>,
    pub cluster: Option<String>,
    pub database: Option<String>,
    pub api: Option<String>,
    pub timeout: Option<String>,
}

/// A remote source's configuration, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteSpec {
    pub kind: RemoteKind,
    pub workspaces: Vec<String>,
    pub tenant: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<KeyRef>,
    pub token: Option<KeyRef>,
    pub auth: Option<Auth>,
    pub cloud: Cloud,
    pub cloud_name: String,
    pub cluster: Option<String>,
    pub database: Option<String>,
    pub api: DefenderApi,
    pub timeout: Duration,
}

/// A URL a token may be sent to: https, or http on the loopback address only.
fn checked_url(field: &str, url: &str) -> Result<String, String> {
    let url = url.trim().trim_end_matches('/');
    let host = huntbook::remote::url_host(url).ok_or_else(|| format!("{field} {url:?} is not an http(s) URL"))?;
    if url.starts_with("http://") && !huntbook::remote::is_loopback(&host) {
        return Err(format!(
            "{field} {url:?} is plain http: tokens are sent only over https (or to the loopback address)"
        ));
    }
    Ok(url.to_string())
}

impl RemoteSpec {
    /// Checks the fields for `kind`: what it needs is there, what it does not take is not.
    pub fn new(kind: RemoteKind, f: RemoteFields) -> Result<RemoteSpec, String> {
        let refuse = |field: &str, value: bool| -> Result<(), String> {
            if value {
                Err(format!("{field} is not a setting of a {kind:?} source").to_lowercase())
            } else {
                Ok(())
            }
        };
        refuse("workspace", kind != RemoteKind::Sentinel && !f.workspaces.is_empty())?;
        refuse("cluster", kind != RemoteKind::Kusto && f.cluster.is_some())?;
        refuse("database", kind != RemoteKind::Kusto && f.database.is_some())?;
        refuse("api", kind != RemoteKind::Defender && f.api.is_some())?;
        refuse("endpoint", kind == RemoteKind::Kusto && f.endpoint.is_some())?;
        let cloud_name = f.cloud.clone().unwrap_or_else(|| "public".into());
        let mut cloud = Cloud::named(&cloud_name).map_err(|e| e.to_string())?;
        if let Some(a) = &f.authority {
            cloud.authority = checked_url("authority", a)?;
        }
        let api = match f.api.as_deref() {
            None | Some("graph") => DefenderApi::Graph,
            Some("mde") => DefenderApi::Mde,
            Some(other) => return Err(format!("api {other:?} is not a Defender API: graph or mde")),
        };
        if let Some(e) = &f.endpoint {
            // Kusto's was refused above: its cluster is its address.
            cloud.endpoint = Some(checked_url("endpoint", e)?);
        }
        let workspaces: Vec<String> = f
            .workspaces
            .iter()
            .flat_map(|w| w.split(','))
            .map(|w| w.trim().to_string())
            .filter(|w| !w.is_empty())
            .collect();
        if let Some(bad) = workspaces
            .iter()
            .find(|w| !w.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        {
            return Err(format!("workspace {bad:?} is not a workspace id (a GUID)"));
        }
        match kind {
            RemoteKind::Sentinel if workspaces.is_empty() => {
                return Err("a sentinel source needs its workspace id (workspace: GUID, or several)".into());
            }
            RemoteKind::Kusto if f.cluster.is_none() || f.database.is_none() => {
                return Err("a kusto source needs cluster (its https URL) and database".into());
            }
            _ => {}
        }
        let auth = f
            .auth
            .as_deref()
            .map(|a| Auth::named(a).ok_or_else(|| format!("auth {a:?} is not a sign-in: {}", AUTHS.join(", "))))
            .transpose()?;
        let timeout = match &f.timeout {
            Some(t) => huntbook::time::parse_span(t)
                .map(|d| Duration::from_secs(d.num_seconds().max(1) as u64))
                .map_err(|e| format!("timeout: {e}"))?,
            None => Limits::default().timeout,
        };
        Ok(RemoteSpec {
            kind,
            workspaces,
            tenant: f.tenant.filter(|t| !t.trim().is_empty()),
            client_id: f.client_id,
            client_secret: f.client_secret,
            token: f.token,
            auth,
            cloud,
            cloud_name,
            cluster: f.cluster.map(|c| checked_url("cluster", &c)).transpose()?,
            database: f.database,
            api,
            timeout,
        })
    }

    /// `sentinel`, `defender` or `kusto`.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            RemoteKind::Sentinel => "sentinel",
            RemoteKind::Defender => "defender",
            RemoteKind::Kusto => "kusto",
        }
    }

    /// One service per workspace (Sentinel), else the one service.
    pub fn services(&self) -> Vec<Service> {
        match self.kind {
            RemoteKind::Sentinel => self
                .workspaces
                .iter()
                .map(|w| Service::LogAnalytics { workspace: w.clone() })
                .collect(),
            RemoteKind::Defender => vec![Service::Defender(self.api)],
            RemoteKind::Kusto => vec![Service::Kusto {
                cluster: self.cluster.clone().unwrap_or_default(),
                database: self.database.clone().unwrap_or_default(),
            }],
        }
    }

    /// Where it queries, in words.
    pub fn place(&self) -> String {
        match self.kind {
            RemoteKind::Sentinel => format!(
                "workspace{} {}",
                if self.workspaces.len() > 1 { "s" } else { "" },
                self.workspaces.join(", ")
            ),
            RemoteKind::Defender => match self.api {
                DefenderApi::Graph => format!(
                    "advanced hunting at {}",
                    self.cloud.endpoint.as_deref().unwrap_or(&self.cloud.graph)
                ),
                DefenderApi::Mde => format!(
                    "advanced hunting at {}",
                    self.cloud.endpoint.as_deref().unwrap_or(&self.cloud.mde)
                ),
            },
            RemoteKind::Kusto => format!(
                "database {} on {}",
                self.database.as_deref().unwrap_or_default(),
                self.cluster.as_deref().unwrap_or_default()
            ),
        }
    }

    /// The client secret: `%secret NAME` first, then the configured one, then
    /// `AZURE_CLIENT_SECRET` (as Azure's own tools read it).
    fn secret(&self, name: &str, secrets: &Secrets) -> Option<String> {
        secrets
            .get(name)
            .map(|s| s.expose().to_string())
            .or_else(|| self.client_secret.as_ref().and_then(KeyRef::value))
            .or_else(|| env_value("AZURE_CLIENT_SECRET"))
    }

    fn client_id(&self) -> Option<String> {
        self.client_id.clone().or_else(|| env_value("AZURE_CLIENT_ID"))
    }

    /// The sign-in that applies: the one configured, else a token if one is given, a
    /// client secret if one is set, the Azure CLI if `az` is installed, else device code.
    pub fn auth(&self, name: &str, secrets: &Secrets) -> Auth {
        if let Some(a) = self.auth {
            return a;
        }
        if self.token.is_some() {
            Auth::Token
        } else if self.client_id().is_some() && self.secret(name, secrets).is_some() {
            Auth::Secret
        } else if az_installed() {
            Auth::Cli
        } else {
            Auth::Device
        }
    }

    /// What is missing before the source can sign in, in words (empty when nothing is).
    pub fn missing(&self, name: &str, secrets: &Secrets) -> Vec<String> {
        let mut out = Vec::new();
        let auth = self.auth(name, secrets);
        if matches!(auth, Auth::Secret | Auth::Device) && self.tenant.is_none() {
            out.push("tenant (its id or domain)".to_string());
        }
        match auth {
            Auth::Secret => {
                if self.client_id().is_none() {
                    out.push("client_id (the app registration's id)".into());
                }
                if self.secret(name, secrets).is_none() {
                    out.push(match &self.client_secret {
                        Some(KeyRef::Env(var)) => format!("the client secret: {var} is not set"),
                        _ => format!("the client secret: run  %secret {name}  or set client_secret: env:NAME"),
                    });
                }
            }
            Auth::Token => match &self.token {
                Some(r @ KeyRef::Env(var)) if r.value().is_none() => out.push(format!("the token: {var} is not set")),
                None => out.push("the token: set token: env:NAME".into()),
                _ => {}
            },
            Auth::Cli if !az_installed() => out.push("the Azure CLI (az is not on PATH)".into()),
            _ => {}
        }
        out
    }

    /// The credential to sign in with, or what is missing.
    pub fn credential(&self, name: &str, secrets: &Secrets) -> Result<Credential, String> {
        let missing = self.missing(name, secrets);
        if !missing.is_empty() {
            return Err(format!("source {name} cannot sign in: missing {}", missing.join("; ")));
        }
        let tenant = self.tenant.clone().unwrap_or_default();
        Ok(match self.auth(name, secrets) {
            Auth::Secret => Credential::ClientSecret {
                tenant,
                client_id: self.client_id().unwrap_or_default(),
                secret: self.secret(name, secrets).unwrap_or_default(),
            },
            Auth::Device => Credential::DeviceCode {
                tenant,
                client_id: self.client_id.clone().unwrap_or_else(|| PUBLIC_CLIENT.into()),
            },
            Auth::Cli => Credential::AzureCli {
                tenant: self.tenant.clone(),
            },
            Auth::Token => Credential::Token(self.token.as_ref().and_then(KeyRef::value).unwrap_or_default()),
        })
    }
}

/// Whether the Azure CLI is on PATH.
pub fn az_installed() -> bool {
    // A program named to run instead of az (see the engine's sign-in).
    if std::env::var_os("HUNTBOOK_AZ").is_some_and(|p| std::path::Path::new(&p).is_file()) {
        return true;
    }
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|d| d.join("az").is_file() || d.join("az.cmd").is_file())
}

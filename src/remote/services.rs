//! One query on one service: the request each service's REST API expects, its answer read
//! into a frame, and what the service said about that answer (partial errors, the row and
//! size limits it cuts results at) kept as warnings.

use polars::prelude::DataFrame;
use serde_json::{Value, json};

use super::Watch;
use super::azure::{Client, Cloud};
use super::tables::{defender, kusto_v2, log_analytics, service_error};
use crate::error::{Error, Result};
use crate::frame::Warned;

/// The most rows Log Analytics returns for one query, and the most bytes.
pub const LOG_ANALYTICS_ROWS: usize = 500_000;
pub const LOG_ANALYTICS_BYTES: usize = 64 * 1024 * 1024;
/// The most rows Defender's advanced hunting returns for one query.
pub const DEFENDER_ROWS: usize = 100_000;

/// Which of Defender's two hunting APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefenderApi {
    /// Microsoft Graph `security/runHuntingQuery`.
    Graph,
    /// The legacy Defender for Endpoint `api/advancedqueries/run`.
    Mde,
}

/// Where a query runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Service {
    /// A Log Analytics workspace (Microsoft Sentinel's data), by its id.
    LogAnalytics {
        workspace: String,
    },
    Defender(DefenderApi),
    /// An Azure Data Explorer cluster's database.
    Kusto {
        cluster: String,
        database: String,
    },
}

impl Service {
    pub fn name(&self) -> &'static str {
        match self {
            Service::LogAnalytics { .. } => "Log Analytics",
            Service::Defender(DefenderApi::Graph) => "Microsoft Graph hunting",
            Service::Defender(DefenderApi::Mde) => "Defender for Endpoint hunting",
            Service::Kusto { .. } => "Azure Data Explorer",
        }
    }

    /// The service's base URL, which is also the resource its tokens are for (requests go
    /// to the cloud's `endpoint` instead, when it has one).
    pub fn resource(&self, cloud: &Cloud) -> String {
        let base = match self {
            Service::LogAnalytics { .. } => &cloud.log_analytics,
            Service::Defender(DefenderApi::Graph) => &cloud.graph,
            Service::Defender(DefenderApi::Mde) => &cloud.mde,
            Service::Kusto { cluster, .. } => cluster,
        };
        base.trim_end_matches('/').to_string()
    }

    fn url(&self, base: &str) -> String {
        match self {
            Service::LogAnalytics { workspace } => format!("{base}/v1/workspaces/{workspace}/query"),
            Service::Defender(DefenderApi::Graph) => format!("{base}/v1.0/security/runHuntingQuery"),
            Service::Defender(DefenderApi::Mde) => format!("{base}/api/advancedqueries/run"),
            Service::Kusto { .. } => format!("{base}/v2/rest/query"),
        }
    }

    /// The request body: the query and, where the API takes one, the time span (ISO 8601
    /// `start/end`) the service limits the data to.
    fn body(&self, kql: &str, timespan: Option<&str>, server_timeout: u64) -> Value {
        match self {
            Service::LogAnalytics { .. } => {
                let mut b = json!({ "query": kql });
                if let Some(t) = timespan {
                    b["timespan"] = json!(t);
                }
                b
            }
            Service::Defender(DefenderApi::Graph) => {
                let mut b = json!({ "Query": kql });
                if let Some(t) = timespan {
                    b["Timespan"] = json!(t);
                }
                b
            }
            Service::Defender(DefenderApi::Mde) => json!({ "Query": kql }),
            Service::Kusto { database, .. } => json!({
                "db": database,
                "csl": kql,
                "properties": {"Options": {"servertimeout": format!("{server_timeout}s")}},
            }),
        }
    }

    /// What a refusal with this status means, in words.
    fn refusal(&self, status: u16) -> String {
        match (self, status) {
            (Service::LogAnalytics { workspace }, 404) => format!("workspace {workspace} was not found"),
            (Service::LogAnalytics { workspace }, 401 | 403) => format!("not allowed to query workspace {workspace}"),
            (Service::Kusto { cluster, database }, 404) => format!("database {database} was not found on {cluster}"),
            (Service::Kusto { database, .. }, 401 | 403) => format!("not allowed to query database {database}"),
            (Service::Defender(_), 401 | 403) => {
                "not allowed to run hunting queries (the app needs ThreatHunting.Read.All or AdvancedQuery.Read.All)"
                    .into()
            }
            (_, 400) => "the query was refused".into(),
            (_, 408 | 504) => "the query timed out on the service".into(),
            (_, s) => format!("HTTP {s}"),
        }
    }
}

/// A query's answer.
#[derive(Debug)]
pub struct Answered {
    pub frame: DataFrame,
    /// What the service said about the result, and the limits it was cut at.
    pub warnings: Vec<String>,
    /// The service's id for the request (or the one the client sent), for support cases.
    pub request_id: String,
    /// The size of the answer, in bytes.
    pub bytes: usize,
}

impl Client {
    /// Runs `kql` on `service` over `timespan` (ISO 8601 `start/end`; passed to the APIs
    /// that take one, while the query text should also say its window for those that do not).
    pub fn query(
        &mut self,
        service: &Service,
        kql: &str,
        timespan: Option<&str>,
        watch: &mut dyn Watch,
    ) -> Result<Answered> {
        let resource = service.resource(&self.cloud);
        let token = self.token(&resource, watch)?;
        let base = match &self.cloud.endpoint {
            Some(e) if !matches!(service, Service::Kusto { .. }) => e.trim_end_matches('/').to_string(),
            _ => resource,
        };
        let url = service.url(&base);
        let body = service.body(kql, timespan, self.limits.timeout.as_secs());
        // The id the services log the request under, for support cases.
        let client_id = uuid::Uuid::new_v4().to_string();
        let wait = format!("wait={}", self.limits.timeout.as_secs());
        let answer = self.send(&mut *watch, || {
            self.http
                .post(&url)
                .bearer_auth(&token)
                .header("x-ms-client-request-id", &client_id)
                .header("prefer", &wait)
                .json(&body)
        })?;
        let request_id = answer.request_id.clone().unwrap_or(client_id);
        if answer.status != 200 {
            let parsed: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
            let why = parsed
                .get("error")
                .map(service_error)
                .unwrap_or_else(|| String::from_utf8_lossy(&answer.body[..answer.body.len().min(300)]).into_owned());
            return Err(Error::service(
                service.name(),
                format!("{}: {why} (request {request_id})", service.refusal(answer.status)),
            ));
        }
        let Warned { value, mut warnings } = match service {
            Service::LogAnalytics { .. } => log_analytics(&answer.body)?,
            Service::Defender(_) => defender(&answer.body)?,
            Service::Kusto { .. } => first_table(kusto_v2(&answer.body)?),
        };
        warnings.extend(limits_met(service, value.height(), answer.body.len()));
        Ok(Answered {
            frame: value,
            warnings,
            request_id,
            bytes: answer.body.len(),
        })
    }
}

/// Kusto's primary results: the first, with the others named.
fn first_table(mut tables: Warned<Vec<DataFrame>>) -> Warned<DataFrame> {
    let extra = tables.value.len().saturating_sub(1);
    if extra > 0 {
        tables.warnings.push(format!(
            "the query returned {} result tables; only the first is shown",
            extra + 1
        ));
    }
    let value = if tables.value.is_empty() {
        DataFrame::empty()
    } else {
        tables.value.swap_remove(0)
    };
    Warned {
        value,
        warnings: tables.warnings,
    }
}

/// Warnings for a result at a service's cut-off: it is probably not the whole answer.
fn limits_met(service: &Service, rows: usize, bytes: usize) -> Vec<String> {
    let mut out = Vec::new();
    match service {
        Service::LogAnalytics { .. } => {
            if rows >= LOG_ANALYTICS_ROWS {
                out.push(format!(
                    "{rows} rows is Log Analytics' limit ({LOG_ANALYTICS_ROWS} rows per query): the result is probably cut; narrow the window or use --split-by"
                ));
            }
            if bytes >= LOG_ANALYTICS_BYTES - 1024 * 1024 {
                out.push(format!(
                    "the answer is {:.1} MB, at Log Analytics' limit of 64 MB per query: the result is probably cut; project fewer columns or use --split-by",
                    bytes as f64 / 1_048_576.0
                ));
            }
        }
        Service::Defender(_) if rows >= DEFENDER_ROWS => out.push(format!(
            "{rows} rows is Defender's limit ({DEFENDER_ROWS} rows per hunting query): the result is probably cut; narrow the window or use --split-by"
        )),
        _ => {}
    }
    out
}

//! A remote source opened: its spec with a client that signs in and queries, what one
//! or more requests gather, and the frame made of it with its provenance.

use huntbook::Frame;
use huntbook::remote::{Client, Limits, Service, Watch};
use polars::prelude::*;

use super::remote::RemoteSpec;
use super::stack;
use crate::secrets::Secrets;

/// A remote source: its spec and a client holding its tokens.
pub struct RemoteSource {
    pub name: String,
    pub spec: RemoteSpec,
    client: Client,
}

impl std::fmt::Debug for RemoteSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RemoteSource({} {:?})", self.name, self.spec.kind)
    }
}

/// A result gathered from one or more requests.
#[derive(Debug)]
pub struct Gathered {
    pub frame: DataFrame,
    pub warnings: Vec<String>,
    pub request_ids: Vec<String>,
    pub bytes: usize,
}

impl RemoteSource {
    /// The source with its client; nothing is sent until it signs in or queries.
    pub fn open(name: &str, spec: RemoteSpec, secrets: &Secrets) -> Result<RemoteSource, String> {
        let credential = spec.credential(name, secrets)?;
        let limits = Limits {
            timeout: spec.timeout,
            ..Limits::default()
        };
        let client = Client::new(spec.cloud.clone(), credential, limits).map_err(|e| e.to_string())?;
        Ok(RemoteSource {
            name: name.to_string(),
            spec,
            client,
        })
    }

    pub fn sign_in_method(&self) -> &'static str {
        self.client.sign_in_method()
    }

    /// What the source's tokens are for: its service's base URL (every workspace of a
    /// sentinel source shares one).
    fn resource(&self) -> String {
        self.spec.services()[0].resource(&self.spec.cloud)
    }

    /// Signs in for the source's service (device code and the CLI wait here).
    pub fn sign_in(&mut self, watch: &mut dyn Watch) -> huntbook::Result<()> {
        let resource = self.resource();
        self.client.token(&resource, watch).map(|_| ())
    }

    pub fn signed_in(&self) -> bool {
        self.client.signed_in(&self.resource())
    }

    /// The query library's data environment.
    pub fn environment(&self) -> &'static str {
        self.spec.kind.environment(self.spec.api)
    }

    /// Runs `kql` on every service of the source (every workspace), stacking the results
    /// with a `Workspace` column when there are several. A workspace that fails is named
    /// in a warning while the others' rows are kept; all failing is an error.
    pub fn run(&mut self, kql: &str, timespan: Option<&str>, watch: &mut dyn Watch) -> huntbook::Result<Gathered> {
        let services = self.spec.services();
        let several = services.len() > 1;
        let mut parts = Vec::new();
        let mut failed = Vec::new();
        for service in &services {
            let label = match service {
                Service::LogAnalytics { workspace } => workspace.clone(),
                other => other.name().to_string(),
            };
            match self.client.query(service, kql, timespan, watch) {
                Ok(answer) => {
                    let mut frame = answer.frame;
                    let mut warnings = answer.warnings;
                    if several {
                        frame
                            .with_column(Column::new("Workspace".into(), vec![label.clone(); frame.height()]))
                            .map_err(huntbook::Error::from)?;
                        warnings = warnings
                            .into_iter()
                            .map(|w| format!("workspace {label}: {w}"))
                            .collect();
                    }
                    parts.push(Gathered {
                        frame,
                        warnings,
                        request_ids: vec![answer.request_id],
                        bytes: answer.bytes,
                    });
                }
                Err(e @ huntbook::Error::Cancelled { .. }) => return Err(e),
                Err(e) if !several => return Err(e),
                Err(e) => failed.push(format!("workspace {label}: {e}")),
            }
        }
        if parts.is_empty() {
            return Err(huntbook::Error::service(
                "Log Analytics",
                format!("every workspace failed: {}", failed.join("; ")),
            ));
        }
        let mut gathered = Gathered::stacked(parts)?;
        gathered
            .warnings
            .extend(failed.into_iter().map(|f| format!("{f} (its rows are missing)")));
        Ok(gathered)
    }
}

impl Gathered {
    /// The parts' rows one under the other, with all their warnings, request ids and bytes.
    pub fn stacked(parts: Vec<Gathered>) -> huntbook::Result<Gathered> {
        let mut out = Gathered {
            frame: DataFrame::empty(),
            warnings: Vec::new(),
            request_ids: Vec::new(),
            bytes: 0,
        };
        let mut frames = Vec::with_capacity(parts.len());
        for p in parts {
            out.warnings.extend(p.warnings);
            out.request_ids.extend(p.request_ids);
            out.bytes += p.bytes;
            frames.push(p.frame);
        }
        out.frame = stack(frames)?;
        Ok(out)
    }
}

/// A frame from a remote query, with its provenance.
pub fn frame_of(source: &RemoteSource, gathered: &Gathered, query: &str) -> Frame {
    let mut service = source.spec.place();
    if !gathered.request_ids.is_empty() {
        service.push_str(&format!(" · request {}", gathered.request_ids.join(", ")));
    }
    Frame::new(gathered.frame.clone(), source.name.clone())
        .with_query(query.to_string())
        .with_service(service)
}

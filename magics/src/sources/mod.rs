//! The data sources of a session and the query library they use.
//!
//! A source is connected with `%connect`, from `huntbook.yaml`, or — with nothing set up —
//! is the built-in `sample` source over the shared sample data, so a first notebook can
//! query something at once. The last source connected is the current one; `--source`
//! picks another for one query.
//!
//! `huntbook.yaml` ([`config`]) names sources of every kind: local folders and the remote
//! services of [`remote`], opened as [`client`].

use std::collections::BTreeMap;
use std::path::PathBuf;

pub mod client;
mod config;
pub mod remote;

pub use client::{Gathered, RemoteSource, frame_of};
pub use config::{CREDENTIAL_FIELDS, Config, SourceSpec, unknown_kind};
pub use remote::{RemoteKind, RemoteSpec};

use huntbook::query::{Hunt, Library};
use huntbook::source::{LocalConfig, LocalSource};

use crate::secrets::Secrets;

/// A connected source.
#[derive(Debug)]
pub enum Connected {
    Local(LocalSource),
    Remote(Box<RemoteSource>),
}

impl Connected {
    pub fn name(&self) -> &str {
        match self {
            Connected::Local(s) => &s.name,
            Connected::Remote(s) => &s.name,
        }
    }
}

/// The data environment of local sources, in msticpy's name.
pub const LOCAL_ENVIRONMENT: &str = "LocalData";

/// The name of the built-in source over the shared sample data.
pub const SAMPLE: &str = "sample";

/// The shared sample data: `$HUNTBOOK_SAMPLE_DATA`, or a `shared/data` folder beside one
/// of the folders above the working folder or the kernel binary.
pub fn sample_data() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("HUNTBOOK_SAMPLE_DATA") {
        return Some(PathBuf::from(p));
    }
    let mut starts = Vec::new();
    if let Ok(cwd) = std::env::current_dir() {
        starts.push(cwd);
    }
    if let Ok(exe) = std::env::current_exe() {
        starts.push(exe);
    }
    starts
        .iter()
        .flat_map(|s| s.ancestors().map(|a| a.join("shared/data")).collect::<Vec<_>>())
        .find(|p| p.is_dir())
}

/// The sample source's setup: every file a table, and the library's table names mapped
/// onto the sample data where its files are not already so named.
pub fn sample_spec(path: PathBuf) -> SourceSpec {
    let mut tables = BTreeMap::new();
    tables.insert(
        "SecurityAlert".to_string(),
        vec!["msticpy/alerts/localdata_alerts_list.json".to_string()],
    );
    tables.insert(
        "ThreatIntelligenceIndicator".to_string(),
        vec!["msticpy/ti/sentinel_threatintelligenceindicator.csv".to_string()],
    );
    SourceSpec {
        kind: "local".into(),
        local: LocalConfig { path, tables },
        remote: None,
        origin: "built in".into(),
    }
}

/// The connected sources, the current one, the configuration and the query library.
#[derive(Debug, Default)]
pub struct Sources {
    connected: BTreeMap<String, Connected>,
    current: Option<String>,
    config: Option<Config>,
    library: Option<Library>,
    hunts: Option<Vec<Hunt>>,
    /// Problems met loading the configuration or the library, shown by `%connect` and
    /// `%query list` until they are fixed.
    pub problems: Vec<String>,
}

impl Sources {
    pub fn config(&mut self) -> &Config {
        if self.config.is_none() {
            let start = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
            let config = Config::discover(&start).unwrap_or_else(|e| {
                self.problems.push(e);
                Config::default()
            });
            self.config = Some(config);
        }
        self.config.as_ref().expect("set above")
    }

    /// Replaces the configuration (and so the query library built from it).
    pub fn set_config(&mut self, config: Config) {
        self.config = Some(config);
        self.library = None;
    }

    /// Microsoft Sentinel's hunting queries, built in.
    pub fn hunts(&mut self) -> &[Hunt] {
        if self.hunts.is_none() {
            let (hunts, errors) = huntbook::query::builtin_hunts();
            self.problems.extend(errors.iter().map(|e| e.to_string()));
            self.hunts = Some(hunts);
        }
        self.hunts.as_deref().expect("set above")
    }

    /// The query library: the built-in queries, then the configured folders.
    pub fn library(&mut self) -> &Library {
        if self.library.is_none() {
            let (mut library, errors) = Library::builtin();
            self.problems.extend(errors.iter().map(|e| e.to_string()));
            for dir in self.config().query_paths.clone() {
                let (extra, errors) = Library::load_dir(&dir);
                self.problems.extend(errors.iter().map(|e| e.to_string()));
                library.merge(extra);
            }
            self.library = Some(library);
        }
        self.library.as_ref().expect("set above")
    }

    /// Every source that can be named: configured, connected, and `sample`.
    pub fn known(&mut self) -> Vec<(String, SourceSpec)> {
        let mut out: BTreeMap<String, SourceSpec> = self.config().sources.clone();
        if let Some(path) = sample_data() {
            out.entry(SAMPLE.to_string()).or_insert_with(|| sample_spec(path));
        }
        for (name, s) in &self.connected {
            out.entry(name.clone()).or_insert_with(|| match s {
                Connected::Local(s) => SourceSpec {
                    kind: "local".into(),
                    local: LocalConfig {
                        path: s.root.clone(),
                        tables: BTreeMap::new(),
                    },
                    remote: None,
                    origin: "%connect".into(),
                },
                Connected::Remote(r) => SourceSpec::remote(r.spec.clone(), "%connect".into()),
            });
        }
        out.into_iter().collect()
    }

    /// The spec a name refers to, when it is configured or is `sample`.
    pub fn spec(&mut self, name: &str) -> Option<SourceSpec> {
        if let Some(s) = self.config().sources.get(name) {
            return Some(s.clone());
        }
        (name == SAMPLE).then(sample_data).flatten().map(sample_spec)
    }

    /// Stores an opened source and makes it current.
    pub fn connect(&mut self, source: Connected) {
        self.current = Some(source.name().to_string());
        self.connected.insert(source.name().to_string(), source);
    }

    /// Opens a source from its spec (not yet made current). A remote source is only
    /// set up here: signing in is the caller's, as it may need to show a device code.
    pub fn open(&mut self, name: &str, spec: &SourceSpec, secrets: &Secrets) -> Result<Vec<String>, String> {
        if let Some(remote) = &spec.remote {
            let source = RemoteSource::open(name, remote.clone(), secrets)?;
            self.connected
                .insert(name.to_string(), Connected::Remote(Box::new(source)));
            return Ok(Vec::new());
        }
        if spec.kind != "local" {
            return Err(unknown_kind(&spec.kind));
        }
        let opened = LocalSource::open(name, &spec.local).map_err(|e| match e {
            huntbook::Error::NoMatch { .. } => {
                format!("source {name}: there is no folder {}", spec.local.path.display())
            }
            other => format!("source {name}: {other}"),
        })?;
        self.connected.insert(name.to_string(), Connected::Local(opened.value));
        Ok(opened.warnings)
    }

    /// The source a query runs on: the one named, else the current one, else `sample`.
    /// Opens it on first use; the warnings are those of opening it.
    pub fn resolve(&mut self, name: Option<&str>, secrets: &Secrets) -> Result<(&mut Connected, Vec<String>), String> {
        let name = match name.or(self.current.as_deref()) {
            Some(n) => n.to_string(),
            None => {
                if sample_data().is_none() {
                    return Err("no source is connected: connect one with  %connect NAME --path FOLDER".into());
                }
                self.current = Some(SAMPLE.to_string());
                SAMPLE.to_string()
            }
        };
        let mut warnings = Vec::new();
        if !self.connected.contains_key(&name) {
            let Some(spec) = self.spec(&name) else {
                let known: Vec<String> = self.known().into_iter().map(|(n, _)| n).collect();
                return Err(format!(
                    "there is no source {name:?} (sources: {}); connect a folder with  %connect {name} --path FOLDER",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ));
            };
            warnings = self.open(&name, &spec, secrets)?;
        }
        Ok((self.connected.get_mut(&name).expect("opened above"), warnings))
    }

    /// The query library's data environment of the source named, else the current one:
    /// the remote kind's, or `LocalData`.
    pub fn environment(&mut self, name: Option<&str>) -> &'static str {
        let Some(name) = name.or(self.current.as_deref()).map(str::to_string) else {
            return LOCAL_ENVIRONMENT;
        };
        match self.connected.get(&name) {
            Some(Connected::Remote(r)) => r.environment(),
            Some(Connected::Local(_)) => LOCAL_ENVIRONMENT,
            None => match self.spec(&name).and_then(|s| s.remote) {
                Some(r) => r.kind.environment(r.api),
                None => LOCAL_ENVIRONMENT,
            },
        }
    }

    pub fn make_current(&mut self, name: &str) {
        self.current = Some(name.to_string());
    }

    pub fn get(&self, name: &str) -> Option<&Connected> {
        self.connected.get(name)
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut Connected> {
        self.connected.get_mut(name)
    }

    /// Forgets a connected source (one that failed to sign in is not kept).
    pub fn disconnect(&mut self, name: &str) {
        self.connected.remove(name);
        if self.current.as_deref() == Some(name) {
            self.current = None;
        }
    }

    pub fn current(&self) -> Option<&str> {
        self.current.as_deref()
    }

    pub fn connected_names(&self) -> impl Iterator<Item = &str> {
        self.connected.keys().map(String::as_str)
    }
}

/// Frames one under the other (the workspaces of a source, the periods or chunks of a
/// window); columns missing from some are null there.
pub fn stack(mut frames: Vec<polars::prelude::DataFrame>) -> huntbook::Result<polars::prelude::DataFrame> {
    use polars::prelude::{IntoLazy, LazyFrame, UnionArgs, concat_lf_diagonal};
    if frames.len() == 1 {
        return Ok(frames.pop().expect("one"));
    }
    let lazy: Vec<LazyFrame> = frames.into_iter().map(IntoLazy::lazy).collect();
    Ok(concat_lf_diagonal(lazy, UnionArgs::default())?.collect()?)
}

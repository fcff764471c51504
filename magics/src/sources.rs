//! The data sources of a session and the query library they use.
//!
//! A source is connected with `%connect`, from `huntbook.yaml`, or — with nothing set up —
//! is the built-in `sample` source over the shared sample data, so a first notebook can
//! query something at once. The last source connected is the current one; `--source`
//! picks another for one query.
//!
//! `huntbook.yaml` is looked for in the kernel's working folder and the folders above it
//! (or at `$HUNTBOOK_CONFIG`):
//!
//! ```yaml
//! sources:
//!   evidence:
//!     kind: local
//!     path: ./evidence            # relative to this file
//!     tables:                     # extra tables, as globs under path
//!       SecurityAlert: alerts/*.json
//! queries:                        # folders of extra query files (override built-ins)
//!   - ./my-queries
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use huntbook::query::Library;
use huntbook::source::{LocalConfig, LocalSource};
use serde::Deserialize;

/// The name of the built-in source over the shared sample data.
pub const SAMPLE: &str = "sample";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    sources: BTreeMap<String, RawSource>,
    #[serde(default)]
    queries: Vec<PathBuf>,
    #[serde(default)]
    geoip: Option<RawGeo>,
    #[serde(default)]
    ti: Option<crate::enrich::RawTi>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGeo {
    folder: Option<PathBuf>,
    city: Option<PathBuf>,
    country: Option<PathBuf>,
    asn: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    kind: String,
    path: Option<PathBuf>,
    #[serde(default)]
    tables: BTreeMap<String, OneOrMany>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// The configuration file: the one named (`HUNTBOOK_CONFIG`), else `huntbook.yaml` in the
/// working folder, else in the user's configuration folder.
fn named_config() -> Option<PathBuf> {
    std::env::var_os("HUNTBOOK_CONFIG")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn user_config_folder() -> Option<PathBuf> {
    std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .map(|d| d.join("huntbook"))
}

fn config_file(start: &Path, named: Option<PathBuf>, user: Option<&Path>) -> Option<PathBuf> {
    named.or_else(|| {
        [Some(start), user]
            .into_iter()
            .flatten()
            .map(|d| d.join("huntbook.yaml"))
            .find(|p| p.is_file())
    })
}

/// serde's "unknown field `source`, expected one of `sources`, …" with the likely key
/// named: a misspelt key must not pass unnoticed, nor leave the reader to compare lists.
fn with_suggestion(message: &str) -> String {
    // serde_yaml puts the place first: "sources.case: unknown field `paht`, …".
    let Some((_, rest)) = message.split_once("unknown field `") else {
        return message.to_string();
    };
    let Some((key, expected)) = rest.split_once('`') else {
        return message.to_string();
    };
    let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    match crate::diag::did_you_mean(key, known.iter().copied()) {
        Some(s) => format!("{message} (did you mean `{s}`?)"),
        None => message.to_string(),
    }
}

/// The fields whose value may be `env:NAME`, read from the environment: credentials only,
/// so a configuration file cannot steer a URL or a path through a variable it names.
pub const CREDENTIAL_FIELDS: &[&str] = &["key", "secret", "client_secret", "password", "token"];

/// The dotted path of the first `env:` value outside a credential field, if any.
fn env_outside_credentials(value: &serde_yaml::Value, at: &str) -> Option<String> {
    match value {
        serde_yaml::Value::String(s) if s.trim_start().starts_with("env:") => {
            let field = at.rsplit('.').next().unwrap_or(at);
            (!CREDENTIAL_FIELDS.contains(&field)).then(|| at.to_string())
        }
        serde_yaml::Value::Mapping(m) => m.iter().find_map(|(k, v)| {
            let key = k.as_str().map_or_else(|| format!("{k:?}"), str::to_string);
            let path = if at.is_empty() { key } else { format!("{at}.{key}") };
            env_outside_credentials(v, &path)
        }),
        serde_yaml::Value::Sequence(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| env_outside_credentials(v, &format!("{at}[{i}]"))),
        _ => None,
    }
}

/// A source as configured, before it is opened.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceSpec {
    pub kind: String,
    pub local: LocalConfig,
    /// Where the spec came from: `huntbook.yaml`'s path, or "built in".
    pub origin: String,
}

/// `huntbook.yaml`, read.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub file: Option<PathBuf>,
    pub sources: BTreeMap<String, SourceSpec>,
    pub query_paths: Vec<PathBuf>,
    /// MaxMind databases, when configured (`geoip:` with `folder:` or `city:`/`country:`/`asn:`).
    pub geoip: Option<huntbook::geo::GeoPaths>,
    /// Threat-intel providers and their cache (`ti:`).
    pub ti: crate::enrich::TiSettings,
}

impl Config {
    /// Reads the configuration a kernel started in `start` obeys: `$HUNTBOOK_CONFIG`, else
    /// `huntbook.yaml` in `start` itself, else the user's (`$XDG_CONFIG_HOME/huntbook/` or
    /// `~/.config/huntbook/`). Never a parent folder's: a file someone else left above the
    /// notebook could send keys where it likes.
    pub fn discover(start: &Path) -> Result<Config, String> {
        match config_file(start, named_config(), user_config_folder().as_deref()) {
            Some(f) => Config::read(&f),
            None => Ok(Config::default()),
        }
    }

    /// Where [`Config::discover`] looks, in order, and the file it obeys (the first that
    /// exists; `HUNTBOOK_CONFIG` is obeyed whether or not it exists, so a wrong path is an
    /// error rather than a silent fall-back).
    pub fn places(start: &Path) -> (Vec<(&'static str, PathBuf)>, Option<PathBuf>) {
        let (named, user) = (named_config(), user_config_folder());
        let chosen = config_file(start, named.clone(), user.as_deref());
        let mut places = Vec::new();
        if let Some(named) = named {
            places.push(("HUNTBOOK_CONFIG", named));
        }
        places.push(("the working folder", start.join("huntbook.yaml")));
        if let Some(user) = user {
            places.push(("the user's config folder", user.join("huntbook.yaml")));
        }
        (places, chosen)
    }

    pub fn read(file: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let raw: RawConfig = serde_yaml::from_str(&text).map_err(|e| {
            format!(
                "{} is not a valid huntbook.yaml: {}",
                file.display(),
                with_suggestion(&e.to_string())
            )
        })?;
        if let Ok(tree) = serde_yaml::from_str::<serde_yaml::Value>(&text)
            && let Some(field) = env_outside_credentials(&tree, "")
        {
            return Err(format!(
                "{}: {field} is an env: reference; those are read only in credential fields ({})",
                file.display(),
                CREDENTIAL_FIELDS.join(", ")
            ));
        }
        let base = file.parent().unwrap_or(Path::new("."));
        let mut sources = BTreeMap::new();
        for (name, s) in raw.sources {
            let path = match (&s.path, s.kind.as_str()) {
                (Some(p), _) => base.join(p),
                (None, "local") => {
                    return Err(format!("{}: source {name} is local but has no path", file.display()));
                }
                (None, _) => PathBuf::new(),
            };
            sources.insert(
                name,
                SourceSpec {
                    kind: s.kind,
                    local: LocalConfig {
                        path,
                        tables: s.tables.into_iter().map(|(k, v)| (k, v.into_vec())).collect(),
                    },
                    origin: file.display().to_string(),
                },
            );
        }
        let geoip = raw.geoip.map(|g| {
            let mut paths = match &g.folder {
                Some(f) => huntbook::geo::GeoPaths::in_folder(&base.join(f)),
                None => huntbook::geo::GeoPaths::default(),
            };
            let join = |p: Option<PathBuf>| p.map(|p| base.join(p));
            paths.city = join(g.city).or(paths.city);
            paths.country = join(g.country).or(paths.country);
            paths.asn = join(g.asn).or(paths.asn);
            paths
        });
        let ti = crate::enrich::TiSettings::read(raw.ti.unwrap_or_default(), base)
            .map_err(|e| format!("{}: {e}", file.display()))?;
        Ok(Config {
            file: Some(file.to_path_buf()),
            sources,
            query_paths: raw.queries.into_iter().map(|p| base.join(p)).collect(),
            geoip,
            ti,
        })
    }
}

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
        origin: "built in".into(),
    }
}

/// The connected sources, the current one, the configuration and the query library.
#[derive(Debug, Default)]
pub struct Sources {
    connected: BTreeMap<String, LocalSource>,
    current: Option<String>,
    config: Option<Config>,
    library: Option<Library>,
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

    /// The query library: the built-in local queries, then the configured folders.
    pub fn library(&mut self) -> &Library {
        if self.library.is_none() {
            let (mut library, errors) = Library::builtin_local();
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
            out.entry(name.clone()).or_insert_with(|| SourceSpec {
                kind: "local".into(),
                local: LocalConfig {
                    path: s.root.clone(),
                    tables: BTreeMap::new(),
                },
                origin: "%connect".into(),
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
    pub fn connect(&mut self, source: LocalSource) {
        self.current = Some(source.name.clone());
        self.connected.insert(source.name.clone(), source);
    }

    /// Opens a source from its spec (not yet made current).
    pub fn open(&mut self, name: &str, spec: &SourceSpec) -> Result<Vec<String>, String> {
        if spec.kind != "local" {
            return Err(format!(
                "source {name} is of kind {:?}; this version of Huntbook connects local sources only \
                 (the SIEM and threat-intelligence services come in a later version)",
                spec.kind
            ));
        }
        let opened = LocalSource::open(name, &spec.local).map_err(|e| match e {
            huntbook::Error::NoMatch { .. } => {
                format!("source {name}: there is no folder {}", spec.local.path.display())
            }
            other => format!("source {name}: {other}"),
        })?;
        self.connected.insert(name.to_string(), opened.value);
        Ok(opened.warnings)
    }

    /// The source a query runs on: the one named, else the current one, else `sample`.
    /// Opens it on first use; the warnings are those of opening it.
    pub fn resolve(&mut self, name: Option<&str>) -> Result<(&LocalSource, Vec<String>), String> {
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
            warnings = self.open(&name, &spec)?;
        }
        Ok((self.connected.get(&name).expect("opened above"), warnings))
    }

    pub fn make_current(&mut self, name: &str) {
        self.current = Some(name.to_string());
    }

    pub fn get(&self, name: &str) -> Option<&LocalSource> {
        self.connected.get(name)
    }

    pub fn current(&self) -> Option<&str> {
        self.current.as_deref()
    }

    pub fn connected_names(&self) -> impl Iterator<Item = &str> {
        self.connected.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_working_folder_the_named_file_and_the_users_are_read() {
        let root = tempfile::tempdir().unwrap();
        let (above, here, user) = (root.path(), root.path().join("a/b"), root.path().join("user"));
        std::fs::create_dir_all(&here).unwrap();
        std::fs::create_dir_all(&user).unwrap();
        // A file two folders up is not obeyed.
        std::fs::write(above.join("huntbook.yaml"), "sources: {}\n").unwrap();
        assert_eq!(config_file(&here, None, Some(&user)), None);
        // The user's is, then the working folder's wins over it, and the named one over both.
        std::fs::write(user.join("huntbook.yaml"), "sources: {}\n").unwrap();
        assert_eq!(config_file(&here, None, Some(&user)), Some(user.join("huntbook.yaml")));
        std::fs::write(here.join("huntbook.yaml"), "sources: {}\n").unwrap();
        assert_eq!(config_file(&here, None, Some(&user)), Some(here.join("huntbook.yaml")));
        let named = root.path().join("elsewhere.yaml");
        assert_eq!(config_file(&here, Some(named.clone()), Some(&user)), Some(named));
    }

    #[test]
    fn unknown_keys_are_refused_with_the_likely_one() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("huntbook.yaml");
        std::fs::write(&file, "source:\n  case: {kind: local, path: .}\n").unwrap();
        let e = Config::read(&file).unwrap_err();
        assert!(
            e.contains("unknown field `source`") && e.contains("did you mean `sources`?"),
            "{e}"
        );
        std::fs::write(&file, "sources:\n  case: {kind: local, paht: .}\n").unwrap();
        let e = Config::read(&file).unwrap_err();
        assert!(
            e.contains("unknown field `paht`") && e.contains("did you mean `path`?"),
            "{e}"
        );
    }

    #[test]
    fn env_references_are_read_only_in_credential_fields() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("huntbook.yaml");
        std::fs::write(
            &file,
            "ti:\n  providers:\n    otx: {key: env:OTX_KEY, url: \"env:WHERE\"}\n",
        )
        .unwrap();
        let e = Config::read(&file).unwrap_err();
        assert!(e.contains("ti.providers.otx.url is an env: reference"), "{e}");
        std::fs::write(&file, "ti:\n  providers:\n    otx: {key: env:OTX_KEY}\n").unwrap();
        assert!(Config::read(&file).is_ok());
    }
}

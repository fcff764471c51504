//! `huntbook.yaml`: where it is looked for, and what it says.
//!
//! ```yaml
//! sources:
//!   evidence:
//!     kind: local
//!     path: ./evidence            # relative to this file
//!     tables:                     # extra tables, as globs under path
//!       SecurityAlert: alerts/*.json
//!   soc:
//!     kind: sentinel              # or defender (api: graph | mde), kusto (cluster, database)
//!     workspace: 8ecf8077-cf51-4820-aadd-14040956f35d   # or a list: stacked, with a Workspace column
//!     tenant: contoso.onmicrosoft.com
//!     auth: secret                # secret | device | cli | token (chosen from what is set when absent)
//!     client_id: 11111111-2222-3333-4444-555555555555
//!     client_secret: env:SOC_SECRET   # or %secret soc; token: env:NAME for auth: token
//!     cloud: public               # usgov | china; authority:/endpoint: for other endpoints
//!     timeout: 3m
//! queries:                        # folders of extra query files (override built-ins)
//!   - ./my-queries
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use huntbook::source::LocalConfig;
use serde::Deserialize;

use super::remote::{REMOTE_KINDS, RemoteFields, RemoteKind, RemoteSpec};
use crate::enrich::KeyRef;

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
    #[serde(default)]
    linux: Option<RawLinux>,
}

/// `linux:`: the rules `%pam` flags commands with, instead of msticpy's defaults.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLinux {
    risky_commands: Vec<String>,
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
    // The remote kinds' fields (see remote::RemoteFields).
    workspace: Option<OneOrMany>,
    tenant: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    token: Option<String>,
    auth: Option<String>,
    cloud: Option<String>,
    authority: Option<String>,
    endpoint: Option<String>,
    cluster: Option<String>,
    database: Option<String>,
    api: Option<String>,
    timeout: Option<String>,
}

impl RawSource {
    fn into_spec(self, base: &Path, origin: String) -> Result<SourceSpec, String> {
        let remote_fields = RemoteFields {
            workspaces: self.workspace.map(OneOrMany::into_vec).unwrap_or_default(),
            tenant: self.tenant,
            client_id: self.client_id,
            client_secret: self.client_secret.map(KeyRef::parse),
            token: self.token.map(KeyRef::parse),
            auth: self.auth,
            cloud: self.cloud,
            authority: self.authority,
            endpoint: self.endpoint,
            cluster: self.cluster,
            database: self.database,
            api: self.api,
            timeout: self.timeout,
        };
        match (self.kind.as_str(), RemoteKind::named(&self.kind)) {
            ("local", _) => {
                if remote_fields != RemoteFields::default() {
                    return Err("a local source takes path and tables only".into());
                }
                let path = self.path.ok_or("it is local but has no path")?;
                Ok(SourceSpec {
                    kind: self.kind,
                    local: LocalConfig {
                        path: base.join(path),
                        tables: self.tables.into_iter().map(|(k, v)| (k, v.into_vec())).collect(),
                    },
                    remote: None,
                    origin,
                })
            }
            (_, Some(kind)) => {
                if self.path.is_some() || !self.tables.is_empty() {
                    return Err(format!("a {} source takes no path or tables", self.kind));
                }
                Ok(SourceSpec::remote(RemoteSpec::new(kind, remote_fields)?, origin))
            }
            (other, None) => Err(unknown_kind(other)),
        }
    }
}

/// "… is not a source kind", with the kinds and the likely one.
pub fn unknown_kind(kind: &str) -> String {
    let kinds = std::iter::once("local").chain(REMOTE_KINDS.iter().copied());
    let mut text = format!(
        "{kind:?} is not a source kind: the kinds are {}",
        kinds.clone().collect::<Vec<_>>().join(", ")
    );
    if let Some(s) = crate::diag::did_you_mean(kind, kinds) {
        text.push_str(&format!(" (did you mean {s}?)"));
    }
    text
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
    /// A local source's folder and tables (empty for a remote one).
    pub local: LocalConfig,
    /// A remote source's settings.
    pub remote: Option<RemoteSpec>,
    /// Where the spec came from: `huntbook.yaml`'s path, or "built in".
    pub origin: String,
}

impl SourceSpec {
    pub fn remote(spec: RemoteSpec, origin: String) -> SourceSpec {
        SourceSpec {
            kind: spec.kind_name().to_string(),
            local: LocalConfig {
                path: PathBuf::new(),
                tables: BTreeMap::new(),
            },
            remote: Some(spec),
            origin,
        }
    }
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
    /// Risky-command rules (`linux: risky_commands:`), compiled when the file is read.
    pub risky_commands: Option<huntbook::linux::Rules>,
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
            let spec = s
                .into_spec(base, file.display().to_string())
                .map_err(|e| format!("{}: source {name}: {e}", file.display()))?;
            sources.insert(name, spec);
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
        let risky_commands = raw
            .linux
            .map(|l| huntbook::linux::Rules::new(&l.risky_commands))
            .transpose()
            .map_err(|e| format!("{}: linux.risky_commands: {e}", file.display()))?;
        Ok(Config {
            file: Some(file.to_path_buf()),
            sources,
            query_paths: raw.queries.into_iter().map(|p| base.join(p)).collect(),
            geoip,
            ti,
            risky_commands,
        })
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

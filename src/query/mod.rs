//! The query library: parameterised hunting queries in YAML, a superset of msticpy's query
//! file format (metadata / defaults / sources / typed parameters with defaults and aliases,
//! `{param}` templates, `$macro$` query macros). msticpy's own files load unchanged.
//!
//! A query is known as `Family.name` under each data family its source (or, failing that,
//! its file) lists, as msticpy's `qry_prov.Family.name` is. [`render`] turns a query and the
//! analyst's `name=value` arguments into the query text, checking every parameter's type.

pub mod hunt;
mod render;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use hunt::{Hunt, builtin_hunts};
pub use render::{Dialect, RenderError, kql_escape, render, render_for, render_with_lists, sql_time};

/// A parameter's declared type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamType {
    Str,
    Datetime,
    Int,
    Float,
    List,
}

impl ParamType {
    pub fn name(self) -> &'static str {
        match self {
            ParamType::Str => "str",
            ParamType::Datetime => "datetime",
            ParamType::Int => "int",
            ParamType::Float => "float",
            ParamType::List => "list",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub description: String,
    pub kind: ParamType,
    /// Absent means required.
    pub default: Option<serde_yaml::Value>,
    pub aliases: Vec<String>,
    /// A `{}` template the rendered value is put into.
    pub format: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// `Family.name`
    pub key: String,
    pub name: String,
    pub family: String,
    pub description: String,
    pub environments: Vec<String>,
    pub template: String,
    pub params: BTreeMap<String, Param>,
    pub macros: BTreeMap<String, String>,
    pub file: PathBuf,
}

impl Query {
    /// The canonical name of a parameter given by name or alias.
    pub fn param_named(&self, given: &str) -> Option<&str> {
        self.params
            .iter()
            .find_map(|(name, p)| (name == given || p.aliases.iter().any(|a| a == given)).then_some(name.as_str()))
    }

    pub fn required(&self) -> impl Iterator<Item = &str> {
        self.params
            .iter()
            .filter(|(_, p)| p.default.is_none())
            .map(|(n, _)| n.as_str())
    }
}

/// A problem with a query file, naming the file and the place in it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}: {message}", file.display())]
pub struct LibraryError {
    pub file: PathBuf,
    pub message: String,
}

/// Queries from any number of files and environments. The same `Family.name` may exist
/// for several environments (msticpy ships `WindowsSecurity.list_host_logons` for Sentinel,
/// Defender and local data); [`Library::environment`] narrows to one.
#[derive(Debug, Clone, Default)]
pub struct Library {
    pub queries: Vec<Query>,
}

/// Names msticpy accepts for the same data environment.
const ENVIRONMENT_ALIASES: &[&[&str]] = &[
    &[
        "mssentinel",
        "loganalytics",
        "azuresentinel",
        "mssentinel_new",
        "kusto_new",
    ],
    &["mde", "mdatp", "m365d", "defender"],
    &["localdata", "local"],
];

fn same_environment(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    a == b
        || ENVIRONMENT_ALIASES
            .iter()
            .any(|g| g.contains(&a.as_str()) && g.contains(&b.as_str()))
}

// The library Huntbook ships, built into the binary by build.rs so it works wherever the
// kernel runs: `BUILTIN_LIBRARY` (queries/local, and msticpy's KQL files under
// queries/msticpy) and `BUILTIN_HUNTS` (Microsoft Sentinel's hunting queries).
include!(concat!(env!("OUT_DIR"), "/builtin_queries.rs"));

impl Library {
    /// The built-in library (local queries and msticpy's KQL queries), and any of its
    /// files that failed to load (the test suite loads them all, so an error here is a bug
    /// worth showing, not hiding).
    pub fn builtin() -> (Library, Vec<LibraryError>) {
        let mut library = Library::default();
        let mut errors = Vec::new();
        for (path, text) in BUILTIN_LIBRARY {
            match load_str(text, Path::new(path)) {
                Ok(q) => library.queries.extend(q),
                Err(e) => errors.push(e),
            }
        }
        (library, errors)
    }

    /// Adds another library's queries; a query with a key already present replaces it, so
    /// an analyst's own files can override the built-in ones.
    pub fn merge(&mut self, other: Library) {
        for q in other.queries {
            self.queries.retain(|existing| existing.key != q.key);
            self.queries.push(q);
        }
    }

    /// Loads every `.yaml`/`.yml` file under `dir` (recursively). Files that fail to load
    /// are returned as errors beside the library; the rest load.
    pub fn load_dir(dir: &Path) -> (Library, Vec<LibraryError>) {
        let mut library = Library::default();
        let mut errors = Vec::new();
        let mut files = Vec::new();
        collect_yaml(dir, &mut files, &mut errors);
        files.sort();
        for file in files {
            match load_file(&file) {
                Ok(queries) => library.queries.extend(queries),
                Err(e) => errors.push(e),
            }
        }
        (library, errors)
    }

    /// The queries for one data environment (msticpy's names and aliases accepted). When
    /// the same `Family.name` exists for several aliases (msticpy has most Defender queries
    /// for both M365D and MDE), the one written for `name` itself is kept.
    pub fn environment(&self, name: &str) -> Library {
        let exact = |q: &Query| q.environments.iter().any(|e| e.eq_ignore_ascii_case(name));
        let mut queries: Vec<Query> = self
            .queries
            .iter()
            .filter(|q| q.environments.iter().any(|e| same_environment(e, name)))
            .cloned()
            .collect();
        queries.sort_by_key(|q| !exact(q));
        let mut seen = std::collections::HashSet::new();
        queries.retain(|q| seen.insert(q.key.clone()));
        queries.sort_by(|a, b| a.key.cmp(&b.key));
        Library { queries }
    }

    /// The query called `Family.name` (the first loaded, when several environments have it).
    pub fn get(&self, key: &str) -> Option<&Query> {
        self.queries.iter().find(|q| q.key == key)
    }

    /// Queries whose key or description holds `text` (case-insensitive).
    pub fn search<'a>(&'a self, text: &'a str) -> impl Iterator<Item = &'a Query> + 'a {
        let needle = text.to_lowercase();
        self.queries.iter().filter(move |q| {
            needle.is_empty()
                || q.key.to_lowercase().contains(&needle)
                || q.description.to_lowercase().contains(&needle)
        })
    }
}

fn collect_yaml(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<LibraryError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(LibraryError {
                file: dir.to_path_buf(),
                message: format!("cannot read the folder: {e}"),
            });
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_yaml(&path, files, errors);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            files.push(path);
        }
    }
}

// The file format, as written.

#[derive(Deserialize)]
struct RawFile {
    metadata: Option<RawMetadata>,
    #[serde(default)]
    defaults: RawDefaults,
    sources: Option<BTreeMap<String, RawSource>>,
}

#[derive(Deserialize)]
struct RawMetadata {
    version: Option<serde_yaml::Value>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    data_environments: Vec<String>,
    #[serde(default)]
    data_families: Vec<String>,
}

#[derive(Deserialize, Default)]
struct RawDefaults {
    #[serde(default)]
    parameters: Option<BTreeMap<String, RawParam>>,
}

#[derive(Deserialize)]
struct RawSource {
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    metadata: Option<RawSourceMetadata>,
    args: Option<RawArgs>,
    #[serde(default)]
    parameters: Option<BTreeMap<String, RawParam>>,
    #[serde(default)]
    query_macros: Option<BTreeMap<String, RawMacro>>,
}

#[derive(Deserialize, Default)]
struct RawSourceMetadata {
    #[serde(default)]
    data_families: Vec<String>,
}

#[derive(Deserialize)]
struct RawArgs {
    query: Option<String>,
}

#[derive(Deserialize)]
struct RawMacro {
    value: String,
}

#[derive(Deserialize)]
struct RawParam {
    #[serde(default)]
    description: Option<String>,
    #[serde(rename = "type")]
    kind: Option<serde_yaml::Value>,
    #[serde(default)]
    default: Option<serde_yaml::Value>,
    #[serde(default)]
    aliases: Option<serde_yaml::Value>,
    #[serde(default)]
    format: Option<String>,
}

/// Loads one query file.
pub fn load_file(path: &Path) -> Result<Vec<Query>, LibraryError> {
    let text = std::fs::read_to_string(path).map_err(|e| LibraryError {
        file: path.to_path_buf(),
        message: format!("cannot read: {e}"),
    })?;
    load_str(&text, path)
}

/// Queries from the text of a query file; `path` names it in errors.
pub fn load_str(text: &str, path: &Path) -> Result<Vec<Query>, LibraryError> {
    let err = |message: String| LibraryError {
        file: path.to_path_buf(),
        message,
    };
    let raw: RawFile = serde_yaml::from_str(text).map_err(|e| err(format!("not a query file: {e}")))?;
    let metadata = raw.metadata.ok_or_else(|| err("no metadata section".into()))?;
    match &metadata.version {
        Some(serde_yaml::Value::Number(n)) if n.is_i64() || n.is_u64() => {}
        Some(other) => return Err(err(format!("metadata.version must be a whole number, not {other:?}"))),
        None => return Err(err("metadata.version is missing".into())),
    }
    let sources = raw.sources.ok_or_else(|| err("no sources section".into()))?;
    let defaults = convert_params(raw.defaults.parameters.unwrap_or_default(), "defaults", &err)?;
    let mut queries = Vec::new();
    for (name, source) in sources {
        let description = source
            .description
            .ok_or_else(|| err(format!("query {name} has no description")))?;
        let template = source
            .args
            .and_then(|a| a.query)
            .ok_or_else(|| err(format!("query {name} has no args.query")))?;
        let mut params = defaults.clone();
        params.extend(convert_params(source.parameters.unwrap_or_default(), &name, &err)?);
        let macros: BTreeMap<String, String> = source
            .query_macros
            .unwrap_or_default()
            .into_iter()
            .map(|(k, m)| (k, m.value))
            .collect();
        let families = source
            .metadata
            .map(|m| m.data_families)
            .filter(|f| !f.is_empty())
            .unwrap_or_else(|| metadata.data_families.clone());
        for placeholder in render::placeholders(&template) {
            if !params.contains_key(&placeholder) {
                return Err(err(format!(
                    "query {name} uses {{{placeholder}}} but declares no parameter {placeholder}"
                )));
            }
        }
        for family in if families.is_empty() {
            vec!["Default".to_string()]
        } else {
            families
        } {
            queries.push(Query {
                key: format!("{family}.{name}"),
                name: name.clone(),
                family,
                description: if description.is_empty() {
                    metadata.description.clone()
                } else {
                    description.clone()
                },
                environments: metadata.data_environments.clone(),
                template: template.clone(),
                params: params.clone(),
                macros: macros.clone(),
                file: path.to_path_buf(),
            });
        }
    }
    Ok(queries)
}

fn convert_params(
    raw: BTreeMap<String, RawParam>,
    owner: &str,
    err: &dyn Fn(String) -> LibraryError,
) -> Result<BTreeMap<String, Param>, LibraryError> {
    let mut out = BTreeMap::new();
    for (name, p) in raw {
        let kind = match &p.kind {
            Some(serde_yaml::Value::String(t)) => match t.as_str() {
                "str" => ParamType::Str,
                "datetime" => ParamType::Datetime,
                "int" => ParamType::Int,
                "float" => ParamType::Float,
                "list" => ParamType::List,
                other => {
                    return Err(err(format!(
                        "{owner}: parameter {name} has type {other:?}; expected str, datetime, int, float or list"
                    )));
                }
            },
            _ => return Err(err(format!("{owner}: parameter {name} has no type"))),
        };
        let aliases = match p.aliases {
            Some(serde_yaml::Value::String(a)) => vec![a],
            Some(serde_yaml::Value::Sequence(list)) => list
                .into_iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        out.insert(
            name,
            Param {
                description: p.description.unwrap_or_default(),
                kind,
                default: p.default,
                aliases,
                format: p.format,
            },
        );
    }
    Ok(out)
}

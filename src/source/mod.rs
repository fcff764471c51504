//! Local sources: a folder of evidence queried in SQL, without loading it first.
//!
//! Every readable file under the folder is a table named by its file stem (characters
//! other than letters, digits and `_` become `_`; when two files share a stem, the second
//! and later ones are named `folder_stem`, then `folder_stem_ext`). Files of the log
//! formats also make one table per format holding all of them — `WindowsEvent` (EVTX),
//! `AuditdEvents`, `Syslog` — and the source's configuration may name more tables as glob
//! patterns (`tables: {SecurityAlert: alerts/*.json}`), which is how the query library's
//! table names are mapped onto a folder of any shape.
//!
//! CSV, NDJSON and Parquet tables are scanned lazily with polars, so a filtered query reads
//! only the columns and rows it needs and runs on the streaming engine; the other formats
//! are parsed whole when a query names them. Only the tables a statement names are opened.
//!
//! Every table has a `Computer` column when it names hosts under another name (`Hostname`,
//! `DeviceName`, …), and a `TimeGenerated` column in UTC — its own when it has one (a naive or
//! text timestamp is read as UTC), otherwise derived from the first of `TimeCreated`,
//! `@timestamp`, `timestamp`, `ts`, `EventTime`, `Timestamp`, `TimeCreatedUtc`,
//! `StartTimeUtc` — so that one time window applies to every table the same way.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use polars::sql::SQLContext;

use crate::error::{Error, Result};
use crate::formats::{FileFormat, of_path, read_file};
use crate::frame::Warned;
use crate::load::SOURCE_FILE_COLUMN;

mod normalize;

pub use normalize::{HOST_COLUMN, TIME_COLUMN, normalize};

/// How a local source is set up: its folder, and extra tables as glob patterns relative
/// to it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LocalConfig {
    pub path: PathBuf,
    pub tables: BTreeMap<String, Vec<String>>,
}

/// Why a table exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    /// One file, named by its stem.
    File,
    /// Every file of one log format in the source.
    Format,
    /// Named in the source's configuration.
    Configured,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: String,
    pub files: Vec<(PathBuf, FileFormat)>,
    pub kind: TableKind,
}

impl Table {
    /// What the table holds, for listings: the file, or the pattern's file count.
    pub fn describe(&self, root: &Path) -> String {
        let relative = |p: &Path| p.strip_prefix(root).unwrap_or(p).display().to_string();
        match (self.kind, self.files.as_slice()) {
            (TableKind::File, [(path, format)]) => format!("{} ({format})", relative(path)),
            (kind, files) => {
                let what = if kind == TableKind::Format {
                    "every"
                } else {
                    "configured:"
                };
                let formats: std::collections::BTreeSet<String> = files.iter().map(|(_, f)| f.to_string()).collect();
                format!(
                    "{what} {} file(s) ({})",
                    files.len(),
                    formats.into_iter().collect::<Vec<_>>().join(", ")
                )
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct LocalSource {
    pub name: String,
    pub root: PathBuf,
    tables: BTreeMap<String, Table>,
    /// Files under the folder in no format Huntbook reads (READMEs, licences, images).
    pub ignored: Vec<PathBuf>,
}

/// Table names as SQL identifiers: letters, digits and `_`.
pub fn table_name(text: &str) -> String {
    let name: String = text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
        .collect();
    if name.is_empty() { "_".into() } else { name }
}

impl LocalSource {
    /// Opens a folder as a source. Patterns in `config.tables` that match no readable file
    /// come back as warnings; a missing folder is an error.
    pub fn open(name: &str, config: &LocalConfig) -> Result<Warned<LocalSource>> {
        let root = &config.path;
        if !root.is_dir() {
            return Err(if root.exists() {
                Error::Format {
                    path: root.clone(),
                    format: "folder",
                    message: "a local source is a folder, and this is a file (load a single file with %load)".into(),
                }
            } else {
                Error::NoMatch {
                    pattern: root.display().to_string(),
                }
            });
        }
        let mut walk = Walk::default();
        walk.folder(root, 0);
        let Walk {
            mut files,
            mut ignored,
            mut warnings,
            ..
        } = walk;
        files.sort();
        ignored.sort();
        let mut tables: BTreeMap<String, Table> = BTreeMap::new();
        let mut by_format: BTreeMap<&'static str, Vec<(PathBuf, FileFormat)>> = BTreeMap::new();
        for (path, format) in &files {
            let stem = file_stem(path);
            let parent = path
                .parent()
                .and_then(|p| p.file_name())
                .map(|p| p.to_string_lossy().to_string())
                .unwrap_or_default();
            let ext = path
                .extension()
                .map(|e| e.to_string_lossy().to_string())
                .unwrap_or_default();
            let candidates = [
                table_name(&stem),
                table_name(&format!("{parent}_{stem}")),
                table_name(&format!("{parent}_{stem}_{ext}")),
            ];
            let name = candidates
                .iter()
                .find(|c| !tables.contains_key(*c))
                .cloned()
                .unwrap_or_else(|| {
                    (2..)
                        .map(|n| format!("{}_{n}", candidates[2]))
                        .find(|c| !tables.contains_key(c))
                        .expect("some suffix is free")
                });
            tables.insert(
                name.clone(),
                Table {
                    name,
                    files: vec![(path.clone(), *format)],
                    kind: TableKind::File,
                },
            );
            if let Some(family) = format.table {
                by_format.entry(family).or_default().push((path.clone(), *format));
            }
        }
        for (family, files) in by_format {
            // A file of that very name wins; the format table is then not made.
            tables.entry(family.to_string()).or_insert(Table {
                name: family.to_string(),
                files,
                kind: TableKind::Format,
            });
        }
        for (name, patterns) in &config.tables {
            let mut matched = Vec::new();
            for pattern in patterns {
                let full = root.join(pattern);
                let glob = glob::glob(&full.to_string_lossy()).map_err(|e| Error::NoMatch {
                    pattern: format!("{pattern} (table {name} of source {}: {e})", root.display()),
                })?;
                for path in glob.flatten() {
                    if let Some(format) = files.iter().find(|(f, _)| *f == path).map(|(_, f)| *f)
                        && !matched.iter().any(|(p, _)| *p == path)
                    {
                        matched.push((path, format));
                    }
                }
            }
            if matched.is_empty() {
                warnings.push(format!(
                    "table {name}: no readable file under {} matches {}",
                    root.display(),
                    patterns.join(", ")
                ));
                continue;
            }
            tables.insert(
                table_name(name),
                Table {
                    name: table_name(name),
                    files: matched,
                    kind: TableKind::Configured,
                },
            );
        }
        if tables.is_empty() {
            return Err(Error::EmptyFolder { path: root.clone() });
        }
        Ok(Warned {
            value: LocalSource {
                name: name.to_string(),
                root: root.clone(),
                tables,
                ignored,
            },
            warnings,
        })
    }

    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.tables.values()
    }

    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }

    /// A table as a lazy frame with [`TIME_COLUMN`] in UTC. Multi-file tables carry
    /// `SourceFile`; files that cannot be read are skipped with a warning.
    pub fn scan(&self, name: &str) -> Result<Warned<LazyFrame>> {
        self.scan_table(name, false).map(|(w, _)| w)
    }

    /// [`LocalSource::scan`], and whether every file of the table is scanned from disk
    /// (rather than parsed whole into memory first).
    /// With `materialize`, a table of several files is read into memory and stacked there
    /// instead of planned as a union of scans.
    fn scan_table(&self, name: &str, materialize: bool) -> Result<(Warned<LazyFrame>, bool)> {
        let table = self.tables.get(name).ok_or_else(|| self.no_table(name))?;
        let mut parts = Vec::new();
        let mut warnings = Vec::new();
        let mut streamed = true;
        for (path, format) in &table.files {
            match scan_file(path, format) {
                Ok((mut w, from_disk)) => {
                    streamed &= from_disk;
                    warnings.append(&mut w.warnings);
                    let mut lf = w.value;
                    if table.files.len() > 1 {
                        lf = lf.with_column(lit(path.display().to_string()).alias(SOURCE_FILE_COLUMN));
                    }
                    parts.push(lf);
                }
                Err(e) if table.files.len() > 1 => warnings.push(format!("table {name}: skipped {e}")),
                Err(e) => return Err(e),
            }
        }
        if parts.is_empty() {
            return Err(Error::Format {
                path: self.root.clone(),
                format: "table",
                message: format!("no file of table {name} could be read: {}", warnings.join("; ")),
            });
        }
        let lf = if parts.len() == 1 {
            parts.pop().expect("one part")
        } else if materialize || !streamed {
            // Parts already in memory are stacked there: one in-memory table plans more
            // simply than a union of dozens (and polars 0.55 cannot count a union of
            // scans without its 128-bit integer type, which this build leaves out).
            let frames = parts
                .into_iter()
                .map(|lf| lf.collect())
                .collect::<PolarsResult<Vec<_>>>()?;
            streamed = false;
            polars::functions::concat_df_diagonal(&frames)?.lazy()
        } else {
            concat_lf_diagonal(parts, UnionArgs::default())?
        };
        Ok((Warned { value: lf, warnings }, streamed))
    }

    fn no_table(&self, name: &str) -> Error {
        let mut names: Vec<&str> = self.tables.keys().map(String::as_str).collect();
        let total = names.len();
        names.truncate(40);
        let more = if total > names.len() {
            format!(" and {} more", total - names.len())
        } else {
            String::new()
        };
        Error::Sql(format!(
            "source {} has no table {name:?} (tables: {}{more})",
            self.name,
            names.join(", ")
        ))
    }

    /// Runs one SQL statement over the tables it names.
    pub fn query(&self, statement: &str) -> Result<Warned<DataFrame>> {
        match self.run_query(statement, false) {
            // `COUNT(*)` over a union of scans needs a 128-bit integer type this build of
            // polars leaves out; the same statement over materialized tables does not.
            Err(Error::Sql(m)) if m.contains("UInt128") => self.run_query(statement, true),
            other => other,
        }
    }

    fn run_query(&self, statement: &str, materialize: bool) -> Result<Warned<DataFrame>> {
        let names = polars::sql::extract_table_identifiers(statement, false, true)
            .map_err(|e| Error::Sql(format!("the statement does not parse: {}", first_line(&e))))?;
        let mut ctx = SQLContext::new();
        let mut warnings = Vec::new();
        // The streaming engine keeps memory bounded on large scanned files; tables parsed
        // whole are in memory already and run on the in-memory engine.
        let mut streamed = true;
        for name in names {
            // Names bound by WITH are not tables of the source.
            if self.tables.contains_key(&name) {
                let (mut scanned, from_disk) = self.scan_table(&name, materialize)?;
                streamed &= from_disk;
                warnings.append(&mut scanned.warnings);
                ctx.register(&name, scanned.value);
            } else if !with_names(statement).contains(&name.to_ascii_lowercase()) {
                return Err(self.no_table(&name));
            }
        }
        let plan = ctx.execute(statement).map_err(|e| Error::Sql(first_line(&e)))?;
        let engine = if streamed { Engine::Streaming } else { Engine::InMemory };
        // The streaming engine panics where the in-memory one returns the UInt128 error.
        let collected = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| plan.collect_with_engine(engine)))
            .unwrap_or_else(|_| Err(polars_err!(ComputeError: "the streaming engine failed (UInt128)")));
        let df = collected.map_err(|e| Error::Sql(first_line(&e)))?.unwrap_single();
        Ok(Warned { value: df, warnings })
    }
}

fn first_line(e: &PolarsError) -> String {
    e.to_string().lines().next().unwrap_or_default().trim().to_string()
}

/// Lower-cased names a statement defines with `WITH name AS (…)`, roughly: enough to not
/// mistake a common table expression for a missing table.
fn with_names(statement: &str) -> Vec<String> {
    let lower = statement.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == ',' || c == '(')
        .collect();
    words
        .windows(2)
        .filter(|w| w[1] == "as")
        .map(|w| w[0].trim_matches('"').to_string())
        .collect()
}

fn file_stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let lower = name.to_ascii_lowercase();
    for double in [".tar.gz", ".log.gz"] {
        if lower.ends_with(double) {
            return name[..name.len() - double.len()].to_string();
        }
    }
    path.file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or(name)
}

/// Folders are walked this deep at most (links to folders are not followed at all).
const MAX_DEPTH: usize = 16;
/// Entries looked at in one walk at most: a source is a case folder, not a disk, and a
/// walk past this would hold the cell with no way to interrupt it.
pub const MAX_ENTRIES: usize = 200_000;

/// What a walk of a source's folder found.
#[derive(Default)]
struct Walk {
    files: Vec<(PathBuf, FileFormat)>,
    ignored: Vec<PathBuf>,
    warnings: Vec<String>,
    /// Folders entered, by device and inode: a bind mount of a parent inside the tree is
    /// a loop without a single link in it.
    seen: std::collections::HashSet<(u64, u64)>,
    entries: usize,
}

impl Walk {
    fn folder(&mut self, dir: &Path, depth: usize) {
        use std::os::unix::fs::MetadataExt;
        if depth > MAX_DEPTH {
            self.warnings
                .push(format!("{}: deeper than {MAX_DEPTH} folders; not read", dir.display()));
            return;
        }
        if let Ok(meta) = std::fs::metadata(dir)
            && !self.seen.insert((meta.dev(), meta.ino()))
        {
            self.warnings.push(format!(
                "{}: a folder met before (a mount loop); not read again",
                dir.display()
            ));
            return;
        }
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                self.warnings
                    .push(format!("cannot read the folder {}: {e}", dir.display()));
                return;
            }
        };
        let mut folders = Vec::new();
        for entry in entries.flatten() {
            self.entries += 1;
            if self.entries > MAX_ENTRIES {
                if self.entries == MAX_ENTRIES + 1 {
                    self.warnings.push(format!(
                        "more than {MAX_ENTRIES} files and folders: the rest were not read (connect a narrower folder)"
                    ));
                }
                return;
            }
            let path = entry.path();
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            // A link to a folder is not followed: one to the folder itself (or a parent)
            // would walk in circles, and one out of the source reads what was never
            // connected. It is named among the skipped, so nothing goes missing unsaid.
            let is_dir = path.is_dir();
            if is_dir && entry.file_type().is_ok_and(|t| t.is_symlink()) {
                self.warnings
                    .push(format!("{}: a link to a folder; not followed", path.display()));
                continue;
            }
            if is_dir {
                folders.push(path);
            } else {
                match of_path(&path) {
                    Some(format) => self.files.push((path, format)),
                    None => self.ignored.push(path),
                }
            }
        }
        // A folder's own files before its sub-folders: if the limit is reached, it is in
        // the deepest, least likely parts.
        for path in folders {
            if self.entries > MAX_ENTRIES {
                break;
            }
            self.folder(&path, depth + 1);
        }
    }
}

/// One file as a lazy frame with [`TIME_COLUMN`]: CSV, NDJSON and Parquet scanned (the
/// `true` beside it), everything else read whole.
fn scan_file(path: &Path, format: FileFormat) -> Result<(Warned<LazyFrame>, bool)> {
    let bad = |e: PolarsError| Error::Format {
        path: path.to_path_buf(),
        format: "data",
        message: first_line(&e),
    };
    let lazy = format.scan.and_then(|scan| scan(path)).transpose().map_err(bad)?;
    let from_disk = lazy.is_some();
    let w = match lazy {
        Some(lf) => Warned::clean(lf),
        None => {
            let read = read_file(path, Some(format))?;
            Warned {
                value: read.value.lazy(),
                warnings: read.warnings,
            }
        }
    };
    let lf = normalize(w.value).map_err(|e| Error::Format {
        path: path.to_path_buf(),
        format: "data",
        message: first_line(&e),
    })?;
    Ok((
        Warned {
            value: lf,
            warnings: w.warnings,
        },
        from_disk,
    ))
}

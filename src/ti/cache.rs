//! Answers kept on disk, so a notebook run again does not spend a free-tier quota twice.
//!
//! One JSON file per provider in the cache folder (by default `$XDG_CACHE_HOME/huntbook/ti`,
//! else `~/.cache/huntbook/ti`), keyed by observable type, subtype and value, each entry
//! stamped with when it was stored. Only answers (found or not found) are kept, never
//! failures, and never a key: rows are scrubbed before they get here. A file that cannot
//! be read is reported and set aside (renamed `*.corrupt`), never a crash.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Query, Row};

const FORMAT: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    /// When the answer was stored (Unix seconds).
    stored: i64,
    row: Row,
}

#[derive(Debug, Serialize, Deserialize)]
struct File {
    format: u32,
    provider: String,
    entries: BTreeMap<String, Entry>,
}

#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
    loaded: HashMap<String, BTreeMap<String, Entry>>,
    dirty: HashSet<String>,
    corrupt: HashSet<String>,
    warnings: Vec<String>,
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Cache {
    /// The default folder: `$XDG_CACHE_HOME/huntbook/ti`, else `~/.cache/huntbook/ti`.
    pub fn default_dir() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
        Some(base.join("huntbook").join("ti"))
    }

    pub fn open(dir: impl Into<PathBuf>) -> Cache {
        Cache {
            dir: dir.into(),
            loaded: HashMap::new(),
            dirty: HashSet::new(),
            corrupt: HashSet::new(),
            warnings: Vec::new(),
        }
    }

    fn file(&self, provider: &str) -> PathBuf {
        self.dir.join(format!("{provider}.json"))
    }

    fn entries(&mut self, provider: &str) -> &mut BTreeMap<String, Entry> {
        if !self.loaded.contains_key(provider) {
            let path = self.file(provider);
            let entries = match std::fs::read_to_string(&path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
                Err(e) => {
                    self.warnings.push(format!(
                        "cannot read the cache file {}: {e}; it is ignored",
                        path.display()
                    ));
                    BTreeMap::new()
                }
                Ok(text) => match serde_json::from_str::<File>(&text) {
                    Ok(f) if f.format == FORMAT => f.entries,
                    Ok(f) => {
                        self.warnings.push(format!(
                            "the cache file {} is in format {} (this version reads {FORMAT}); it is ignored",
                            path.display(),
                            f.format
                        ));
                        self.corrupt.insert(provider.to_string());
                        BTreeMap::new()
                    }
                    Err(e) => {
                        self.warnings.push(format!(
                            "the cache file {} is corrupt ({e}); it is ignored and set aside as {}.corrupt",
                            path.display(),
                            path.display()
                        ));
                        self.corrupt.insert(provider.to_string());
                        BTreeMap::new()
                    }
                },
            };
            self.loaded.insert(provider.to_string(), entries);
        }
        self.loaded.get_mut(provider).expect("inserted above")
    }

    /// A stored answer younger than `ttl`, marked as cached.
    pub fn get(&mut self, provider: &str, q: &Query, ttl: Duration) -> Option<Row> {
        let now = now_secs();
        let e = self.entries(provider).get(&q.key())?;
        if now - e.stored > ttl.as_secs() as i64 {
            return None;
        }
        let mut row = e.row.clone();
        row.cached = true;
        Some(row)
    }

    pub fn put(&mut self, provider: &str, q: &Query, row: &Row) {
        let entry = Entry {
            stored: now_secs(),
            row: row.clone(),
        };
        self.entries(provider).insert(q.key(), entry);
        self.dirty.insert(provider.to_string());
    }

    /// Writes the changed files (atomically: a new file renamed over the old) and returns
    /// every problem met since the last call.
    pub fn save(&mut self) -> Vec<String> {
        let dirty: Vec<String> = self.dirty.drain().collect();
        for provider in dirty {
            if let Err(e) = self.write(&provider) {
                self.warnings.push(format!(
                    "cannot write the cache file {}: {e}; answers from this run will be asked for again next time",
                    self.file(&provider).display()
                ));
            }
        }
        std::mem::take(&mut self.warnings)
    }

    fn write(&mut self, provider: &str) -> std::io::Result<()> {
        private_dir(&self.dir)?;
        let path = self.file(provider);
        if self.corrupt.remove(provider) && path.exists() {
            let mut aside = path.clone().into_os_string();
            aside.push(".corrupt");
            std::fs::rename(&path, aside)?;
        }
        let file = File {
            format: FORMAT,
            provider: provider.to_string(),
            entries: self.loaded.get(provider).cloned().unwrap_or_default(),
        };
        let text = serde_json::to_string(&file).map_err(std::io::Error::other)?;
        let (tmp, mut f) = new_private_file(&self.dir, provider)?;
        let written = f.write_all(text.as_bytes()).and_then(|()| f.sync_all());
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        std::fs::rename(&tmp, &path)
    }
}

/// The cache folder, created readable by its owner only: threat-intel answers about an
/// investigation are for its analyst.
fn private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// A new temporary file beside the cache file, at a name nobody can guess, created only
/// if nothing is there: a symlink planted at the name is never written through.
fn new_private_file(dir: &std::path::Path, provider: &str) -> std::io::Result<(PathBuf, std::fs::File)> {
    use std::hash::{BuildHasher, Hasher};
    let mut last = None;
    for attempt in 0..8u32 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u32(attempt);
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos(),
        );
        let tmp = dir.join(format!(".{provider}.json.{}.{:016x}", std::process::id(), h.finish()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            // create_new (O_CREAT|O_EXCL) fails on anything at the name, a symlink included.
            options.mode(0o600);
        }
        match options.open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free temporary name")))
}

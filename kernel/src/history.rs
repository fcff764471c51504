//! Input history, answered the way IPython's history manager answers `history_request`.
//!
//! Entries are kept per kernel session (numbered from 1, one more than the last session
//! recorded) and appended to an NDJSON file so up-arrow and `%history`-style requests
//! reach earlier sessions. The file lives in Huntbook's data folder
//! (`HUNTBOOK_HISTORY` overrides the path; an empty value keeps history in memory only).
//! Only the newest [`MAX_LOADED`] entries are read back at start-up, so a long-lived
//! history file never slows the kernel's start.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub const MAX_LOADED: usize = 10_000;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    pub session: u64,
    pub line: u64,
    pub input: String,
    #[serde(default)]
    pub output: Option<String>,
}

#[derive(Debug, Default)]
pub struct History {
    pub session: u64,
    entries: Vec<Entry>,
    file: Option<PathBuf>,
}

#[derive(Debug, Clone, Default)]
pub struct Request {
    pub output: bool,
    pub access: String,
    pub session: i64,
    pub start: u64,
    pub stop: Option<u64>,
    pub n: Option<usize>,
    pub pattern: String,
    pub unique: bool,
}

impl Request {
    pub fn from_content(content: &Value) -> Self {
        let u = |k: &str| content.get(k).and_then(Value::as_u64);
        Request {
            output: content.get("output").and_then(Value::as_bool).unwrap_or(false),
            access: content
                .get("hist_access_type")
                .and_then(Value::as_str)
                .unwrap_or("tail")
                .to_string(),
            session: content.get("session").and_then(Value::as_i64).unwrap_or(0),
            start: u("start").unwrap_or(0),
            stop: u("stop"),
            n: u("n").map(|n| n as usize),
            pattern: content
                .get("pattern")
                .and_then(Value::as_str)
                .unwrap_or("*")
                .to_string(),
            unique: content.get("unique").and_then(Value::as_bool).unwrap_or(false),
        }
    }
}

/// The default history file: `$XDG_DATA_HOME/huntbook/history.ndjson`, or under
/// `~/.local/share`.
pub fn default_file() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("HUNTBOOK_HISTORY") {
        return (!path.is_empty()).then(|| PathBuf::from(path));
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(base.join("huntbook/history.ndjson"))
}

/// The most of a cell (or of its result) the history file keeps.
pub const MAX_STORED: usize = 64 << 10;

fn capped(text: &str) -> String {
    if text.len() <= MAX_STORED {
        return text.to_string();
    }
    let mut end = MAX_STORED;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… [{} bytes not kept in the history]", &text[..end], text.len() - end)
}

/// The history's folder, readable by its owner only (cells hold what analysts typed).
fn private_folder(dir: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    if !dir.is_dir() {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    }
    let mut perms = std::fs::metadata(dir)?.permissions();
    if perms.mode() & 0o077 != 0 {
        perms.set_mode(perms.mode() & !0o077);
        std::fs::set_permissions(dir, perms)?;
    }
    Ok(())
}

/// The history file opened to append, created 0600 and made so if it was not.
fn private_append(file: &std::path::Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let f = OpenOptions::new().create(true).append(true).mode(0o600).open(file)?;
    let mut perms = f.metadata()?.permissions();
    if perms.mode() & 0o077 != 0 {
        perms.set_mode(0o600);
        f.set_permissions(perms)?;
    }
    Ok(f)
}

impl History {
    /// Opens the history at `file` (or keeps it in memory with `None`). Unreadable lines
    /// are skipped: history is a convenience and must never stop the kernel.
    pub fn open(file: Option<PathBuf>) -> Self {
        let mut entries: Vec<Entry> = file
            .as_ref()
            .and_then(|f| std::fs::read_to_string(f).ok())
            .map(|text| text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect())
            .unwrap_or_default();
        if entries.len() > MAX_LOADED {
            entries.drain(..entries.len() - MAX_LOADED);
        }
        let session = entries.iter().map(|e| e.session).max().unwrap_or(0) + 1;
        History { session, entries, file }
    }

    pub fn record(&mut self, line: u64, input: &str, output: Option<String>) {
        let entry = Entry {
            session: self.session,
            line,
            input: input.to_string(),
            output,
        };
        if let Some(file) = &self.file {
            // What is kept on disk is capped: a 50 MB pasted report stays in this session's
            // memory, not in every later kernel's start-up read.
            let stored = Entry {
                session: entry.session,
                line: entry.line,
                input: capped(&entry.input),
                output: entry.output.as_deref().map(capped),
            };
            let written = file
                .parent()
                .map_or(Ok(()), private_folder)
                .and_then(|_| private_append(file))
                .and_then(|mut f| writeln!(f, "{}", serde_json::to_string(&stored).unwrap_or_default()));
            if let Err(e) = written {
                crate::log::warn(&format!(
                    "history not saved to {}: {e}; keeping it in memory",
                    file.display()
                ));
                self.file = None;
            }
        }
        self.entries.push(entry);
    }

    pub fn answer(&self, req: &Request) -> Vec<Value> {
        let picked: Vec<&Entry> = match req.access.as_str() {
            "range" => {
                // Session 0 is this one; negative sessions count back from it, as in IPython.
                let session = if req.session <= 0 {
                    (self.session as i64 + req.session).max(0) as u64
                } else {
                    req.session as u64
                };
                self.entries
                    .iter()
                    .filter(|e| e.session == session && e.line >= req.start && req.stop.is_none_or(|s| e.line < s))
                    .collect()
            }
            "search" => {
                let mut hits: Vec<&Entry> = self
                    .entries
                    .iter()
                    .filter(|e| glob_match(&req.pattern, &e.input))
                    .collect();
                if req.unique {
                    // Keep the newest occurrence of each input, in chronological order.
                    let mut seen = std::collections::HashSet::new();
                    let mut newest_first: Vec<&Entry> = hits
                        .into_iter()
                        .rev()
                        .filter(|e| seen.insert(e.input.as_str()))
                        .collect();
                    newest_first.reverse();
                    hits = newest_first;
                }
                last_n(hits, req.n)
            }
            _ => last_n(self.entries.iter().collect(), Some(req.n.unwrap_or(10))),
        };
        picked
            .into_iter()
            .map(|e| {
                if req.output {
                    json!([e.session, e.line, [e.input, e.output]])
                } else {
                    json!([e.session, e.line, e.input])
                }
            })
            .collect()
    }
}

fn last_n(mut entries: Vec<&Entry>, n: Option<usize>) -> Vec<&Entry> {
    if let Some(n) = n
        && entries.len() > n
    {
        entries.drain(..entries.len() - n);
    }
    entries
}

/// SQLite-style GLOB, as IPython's history search uses: `*`, `?` and `[...]`, case-sensitive.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Iterative matching with one backtrack point for the last `*`: linear in practice,
    // and never recursive, so a hostile pattern cannot exhaust the stack.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    star = Some((pi, ti));
                    pi += 1;
                    continue;
                }
                '?' => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                '[' => {
                    if let Some((matched, next)) = class_match(&p, pi, t[ti]) {
                        if matched {
                            pi = next;
                            ti += 1;
                            continue;
                        }
                    } else if t[ti] == '[' {
                        pi += 1;
                        ti += 1;
                        continue;
                    }
                }
                c if c == t[ti] => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, st)) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Matches `c` against the class starting at `p[at] == '['`; returns whether it matched
/// and where the pattern continues, or `None` for an unclosed class.
fn class_match(p: &[char], at: usize, c: char) -> Option<(bool, usize)> {
    let mut i = at + 1;
    let negate = p.get(i) == Some(&'^');
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < p.len() && (p[i] != ']' || first) {
        first = false;
        if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
            matched |= p[i] <= c && c <= p[i + 2];
            i += 3;
        } else {
            matched |= p[i] == c;
            i += 1;
        }
    }
    (i < p.len()).then_some((matched != negate, i + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history() -> History {
        let mut h = History::open(None);
        for (i, code) in ["%iptype 8.8.8.8", "%echo hi", "%iptype 8.8.8.8", "%iptype 10.0.0.1"]
            .iter()
            .enumerate()
        {
            h.record(i as u64 + 1, code, Some(format!("out{i}")));
        }
        h
    }

    #[test]
    fn the_file_is_private_and_keeps_large_cells_capped() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("huntbook");
        let file = folder.join("history.ndjson");
        // A file left world-readable by an older version is made private on the next write.
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(&file, "").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let mut h = History::open(Some(file.clone()));
        let big = "é".repeat(MAX_STORED);
        h.record(1, &big, Some("x".into()));
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&folder), 0o700);
        let stored = std::fs::read_to_string(&file).unwrap();
        assert!(stored.len() < MAX_STORED + 200, "{} bytes stored", stored.len());
        assert!(
            stored.contains("bytes not kept in the history"),
            "{}",
            &stored[stored.len() - 80..]
        );
        // The session itself keeps the whole cell.
        assert_eq!(h.entries[0].input.len(), big.len());
        // A fresh history file is created private.
        let other = dir.path().join("new/history.ndjson");
        History::open(Some(other.clone())).record(1, "%echo hi", None);
        assert_eq!(mode(&other), 0o600);
        assert_eq!(mode(other.parent().unwrap()), 0o700);
    }

    fn inputs(v: &[Value]) -> Vec<&str> {
        v.iter().map(|e| e[2].as_str().unwrap()).collect()
    }

    #[test]
    fn tail_range_and_search() {
        let h = history();
        let tail = h.answer(&Request {
            access: "tail".into(),
            n: Some(2),
            ..Request::default()
        });
        assert_eq!(inputs(&tail), ["%iptype 8.8.8.8", "%iptype 10.0.0.1"]);
        let range = h.answer(&Request {
            access: "range".into(),
            session: 0,
            start: 2,
            stop: Some(3),
            ..Request::default()
        });
        assert_eq!(inputs(&range), ["%echo hi"]);
        let search = h.answer(&Request {
            access: "search".into(),
            pattern: "%iptype 8*".into(),
            ..Request::default()
        });
        assert_eq!(search.len(), 2);
        let unique = h.answer(&Request {
            access: "search".into(),
            pattern: "%iptype*".into(),
            unique: true,
            ..Request::default()
        });
        assert_eq!(inputs(&unique), ["%iptype 8.8.8.8", "%iptype 10.0.0.1"]);
        let with_output = h.answer(&Request {
            access: "tail".into(),
            n: Some(1),
            output: true,
            ..Request::default()
        });
        assert_eq!(with_output[0][2], json!(["%iptype 10.0.0.1", "out3"]));
    }

    #[test]
    fn sessions_continue_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("h.ndjson");
        let mut first = History::open(Some(file.clone()));
        first.record(1, "%vars", None);
        let second = History::open(Some(file));
        assert_eq!(second.session, first.session + 1);
        assert_eq!(second.entries.len(), 1);
    }

    #[test]
    fn glob_semantics() {
        assert!(glob_match("%ip*", "%iptype 8.8.8.8"));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("a?c", "ac"));
        assert!(glob_match("[a-c]x", "bx"));
        assert!(!glob_match("[^a-c]x", "bx"));
        assert!(glob_match("*a*b*c*", "xxaxxbxxcxx"));
        assert!(!glob_match("%IP*", "%iptype"));
        assert!(glob_match("*", ""));
    }
}

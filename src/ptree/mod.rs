//! Process trees from process-creation events (Windows 4688, Sysmon 1, auditd execve,
//! Defender for Endpoint, osquery) and memory-image process lists (Volatility `pslist`), built as msticpy's `build_process_tree` builds them
//! (reference catalog §15), with two fixes:
//!
//! - Parents are matched **per host**: a PID on one machine is never the parent of a
//!   process on another (msticpy matches across hosts).
//! - A parent must come before its child in time order (ties broken by input order), so
//!   two events with the same time cannot be each other's parent and every tree is finite.
//!
//! Event schemas (4688, Sysmon, auditd, osquery) match a child to the latest process with
//! the parent's PID and name at or before the child's time; a child with no such process
//! gets an *inferred* parent (one per missing parent), which becomes a root. Defender
//! schemas name each process by PID, name and creation time, and carry the parent's and
//! the grandparent's identity on every row: a parent missing from the events is
//! synthesised from those columns, with its own parent when the grandparent is known.

mod build;
mod frame;
mod relevant;
mod render;
mod schema;

use std::sync::{Arc, LazyLock};

use chrono::{DateTime, Utc};
use polars::prelude::*;

pub use frame::Summary;
pub use relevant::{relevant, relevant_first};
pub use render::{render_html, render_svg, render_text};
pub use schema::Schema;

use crate::error::Result;
use crate::frame::text_values;

/// One process in a tree. Names, PIDs and hosts are shared (`Arc<str>`): a million
/// processes repeat a few thousand of each.
#[derive(Debug, Clone)]
pub struct Proc {
    pub name: Arc<str>,
    pub pid: Arc<str>,
    pub host: Arc<str>,
    /// Creation time, µs since the epoch; unknown for most inferred parents.
    pub time: Option<i64>,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    /// Row in [`Tree::events`] (the input frame), or `None` for an inferred parent.
    pub row: Option<usize>,
    /// Distance from the root (a root is 0).
    pub depth: u32,
}

impl Proc {
    pub fn inferred(&self) -> bool {
        self.row.is_none()
    }

    /// The base name of the image (`cmd.exe` of `C:\Windows\System32\cmd.exe`).
    pub fn short_name(&self) -> &str {
        self.name.rsplit(['\\', '/']).next().unwrap_or(&self.name)
    }
}

/// Process trees: every process (events in time order, then inferred parents) with its
/// parent and children, plus the event rows they came from.
#[derive(Debug)]
pub struct Tree {
    pub schema: &'static Schema,
    pub procs: Vec<Proc>,
    /// The input frame; [`Proc::row`] indexes it.
    pub events: DataFrame,
    /// Roots in time order.
    pub roots: Vec<usize>,
    cmd_lines: Option<StringChunked>,
    users: Option<StringChunked>,
}

/// A process PID as a comparable key: hex (`0x1a4`) and decimal (`420`, `420.0`) forms of
/// one number are one key.
fn pid_key(pid: &str) -> String {
    let p = pid.trim();
    let parsed = match p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => p.parse::<u64>().ok().or_else(|| {
            p.parse::<f64>()
                .ok()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                .map(|f| f as u64)
        }),
    };
    parsed.map_or_else(|| p.to_ascii_lowercase(), |n| n.to_string())
}

/// The PID as shown: as given, with a float's `.0` dropped.
fn pid_display(pid: &str) -> String {
    let p = pid.trim();
    match p.strip_suffix(".0") {
        Some(int) if int.chars().all(|c| c.is_ascii_digit()) && !int.is_empty() => int.to_string(),
        _ => p.to_string(),
    }
}

fn optional_text(df: &DataFrame, name: Option<&str>) -> Result<Option<StringChunked>> {
    match name {
        Some(n) if df.column(n).is_ok() => text_values(df, n).map(Some),
        _ => Ok(None),
    }
}

static KEY_TIME: LazyLock<Vec<chrono::format::Item<'static>>> =
    LazyLock::new(|| chrono::format::StrftimeItems::new("%Y-%m-%d %H:%M:%S%.6f").collect());

/// The time as msticpy writes it in process keys.
pub fn key_time(time: Option<i64>) -> String {
    let t = time
        .and_then(DateTime::<Utc>::from_timestamp_micros)
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    t.format_with_items(KEY_TIME.iter()).to_string()
}

impl Tree {
    /// The command line of process `k` (none for inferred parents).
    pub fn cmd_line(&self, k: usize) -> Option<&str> {
        self.procs[k].row.and_then(|r| self.cmd_lines.as_ref()?.get(r))
    }

    /// The user of process `k` (none for inferred parents).
    pub fn user(&self, k: usize) -> Option<&str> {
        self.procs[k].row.and_then(|r| self.users.as_ref()?.get(r))
    }

    /// Every process once, each tree in depth-first order from its root (children in time
    /// order), roots in time order: the order msticpy sorts by `path`.
    pub fn preorder(&self, starts: &[usize]) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack: Vec<usize> = starts.iter().rev().copied().collect();
        while let Some(k) = stack.pop() {
            out.push(k);
            stack.extend(self.procs[k].children.iter().rev().copied());
        }
        out
    }

    pub fn key(&self, k: usize) -> String {
        let p = &self.procs[k];
        format!("{}|{}|{}", p.name.to_lowercase(), p.pid, key_time(p.time))
    }

    /// Path of zero-padded indices from the root, as msticpy's `path` column.
    pub fn path(&self, k: usize) -> String {
        let mut chain = self.ancestors(k);
        chain.reverse();
        chain.push(k);
        let elided = chain.len() > Self::PATH_LEVELS;
        let newest = &chain[chain.len().saturating_sub(Self::PATH_LEVELS)..];
        let path = newest
            .iter()
            .map(|i| self.index_label(*i))
            .collect::<Vec<_>>()
            .join("/");
        if elided {
            format!("{}{path}", frame::ELIDED)
        } else {
            path
        }
    }

    /// The most labels a `path` holds: a deeper process's path is `…/` and the newest
    /// this many (its parent's among them), so memory stays linear in the tree's size.
    pub const PATH_LEVELS: usize = 100;

    pub(super) fn index_label(&self, k: usize) -> String {
        let width = self.procs.len().to_string().len().max(5);
        format!("{k:0width$}")
    }

    /// Parent, grandparent, … up to the root.
    pub fn ancestors(&self, k: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut at = self.procs[k].parent;
        while let Some(p) = at {
            out.push(p);
            at = self.procs[p].parent;
        }
        out
    }

    /// Children, grandchildren, … (not `k`), at most `levels` below it.
    pub fn descendants(&self, k: usize, levels: Option<u32>) -> Vec<usize> {
        let base = self.procs[k].depth;
        self.preorder(&[k])
            .into_iter()
            .skip(1)
            .filter(|&d| levels.is_none_or(|l| self.procs[d].depth - base <= l))
            .collect()
    }

    pub fn siblings(&self, k: usize) -> Vec<usize> {
        match self.procs[k].parent {
            Some(p) => self.procs[p].children.iter().copied().filter(|&c| c != k).collect(),
            None => Vec::new(),
        }
    }

    /// The processes `spec` names: a process key, a path index (`00012`), or a PID (every
    /// process with it).
    pub fn find(&self, spec: &str) -> Vec<usize> {
        let spec = spec.trim();
        if let Some(k) = (0..self.procs.len()).find(|&k| self.key(k).eq_ignore_ascii_case(spec)) {
            return vec![k];
        }
        if spec.len() >= 5
            && spec.chars().all(|c| c.is_ascii_digit())
            && let Ok(k) = spec.parse::<usize>()
            && k < self.procs.len()
        {
            return vec![k];
        }
        let pid = pid_key(spec);
        (0..self.procs.len())
            .filter(|&k| pid_key(&self.procs[k].pid) == pid)
            .collect()
    }

    /// The process with PID `pid` on `host` (an empty host: on any) that was running at
    /// `when` (µs): of the processes that reused the PID, the last one created by then
    /// (a second's grace: alerts often carry the creation time itself), else the first
    /// one created after. Without a time, every process with the PID. Hosts compare by
    /// their first label, case aside, so `WS01` is `ws01.contoso.com`: alerts name hosts
    /// by FQDN where events often do not.
    pub fn find_on_host(&self, host: &str, pid: &str, when: Option<i64>) -> Vec<usize> {
        let short = |h: &str| h.trim().split('.').next().unwrap_or_default().to_ascii_lowercase();
        let (host, pid) = (short(host), pid_key(pid));
        let found: Vec<usize> = (0..self.procs.len())
            .filter(|&k| pid_key(&self.procs[k].pid) == pid)
            .filter(|&k| host.is_empty() || short(&self.procs[k].host) == host)
            .collect();
        let Some(when) = when.filter(|_| found.len() > 1) else {
            return found;
        };
        let time = |k: &usize| self.procs[*k].time;
        let before = found
            .iter()
            .filter(|k| time(k).is_some_and(|t| t <= when + 1_000_000))
            .max_by_key(|k| time(k));
        let after = found.iter().filter(|k| time(k).is_some()).min_by_key(|k| time(k));
        before.or(after).map(|&k| vec![k]).unwrap_or(found)
    }

    /// msticpy's `get_summary_info`.
    pub fn summary(&self) -> Summary {
        let leaf = |k: usize| self.procs[k].children.is_empty();
        let root = |k: usize| self.procs[k].parent.is_none();
        let n = self.procs.len();
        Summary {
            processes: n,
            roots: (0..n).filter(|&k| root(k)).count(),
            leaves: (0..n).filter(|&k| leaf(k)).count(),
            branches: (0..n).filter(|&k| !root(k) && !leaf(k)).count(),
            isolated: (0..n).filter(|&k| root(k) && leaf(k)).count(),
            depth: self.procs.iter().map(|p| p.depth + 1).max().unwrap_or(0),
            inferred: self.procs.iter().filter(|p| p.inferred()).count(),
            hosts: {
                let mut h: Vec<&str> = self.procs.iter().map(|p| &*p.host).collect();
                h.sort_unstable();
                h.dedup();
                h.len()
            },
        }
    }
}

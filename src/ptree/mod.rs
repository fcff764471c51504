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

mod render;

use std::sync::{Arc, LazyLock};

use chrono::{DateTime, Utc};
use polars::prelude::*;

pub use render::{render_html, render_svg, render_text};

use crate::error::{Error, Result};
use crate::frame::{Warned, no_column, text_values, time_values};

/// Where one schema keeps what a tree needs. Names are column names.
#[derive(Debug)]
pub struct Schema {
    pub name: &'static str,
    pub time: &'static str,
    pub process_name: &'static str,
    pub process_id: &'static str,
    pub parent_id: &'static str,
    pub parent_name: Option<&'static str>,
    pub cmd_line: Option<&'static str>,
    pub user: Option<&'static str>,
    pub host: Option<&'static str>,
    /// Only rows where this column holds this value are process creations.
    pub event: Option<(&'static str, &'static str)>,
    /// Defender: the parent's creation time and the grandparent's id, name and time.
    pub parent_time: Option<&'static str>,
    pub grandparent: Option<(&'static str, &'static str, &'static str)>,
}

pub const SCHEMAS: &[Schema] = &[
    Schema {
        name: "win4688",
        time: "TimeGenerated",
        process_name: "NewProcessName",
        process_id: "NewProcessId",
        parent_id: "ProcessId",
        parent_name: Some("ParentProcessName"),
        cmd_line: Some("CommandLine"),
        user: Some("SubjectUserName"),
        host: Some("Computer"),
        event: Some(("EventID", "4688")),
        parent_time: None,
        grandparent: None,
    },
    Schema {
        name: "sysmon",
        time: "UtcTime",
        process_name: "Image",
        process_id: "ProcessId",
        parent_id: "ParentProcessId",
        parent_name: Some("ParentImage"),
        cmd_line: Some("CommandLine"),
        user: Some("User"),
        host: Some("Computer"),
        event: Some(("EventID", "1")),
        parent_time: None,
        grandparent: None,
    },
    Schema {
        name: "auditd",
        time: "TimeGenerated",
        process_name: "exe",
        process_id: "pid",
        parent_id: "ppid",
        parent_name: None,
        cmd_line: Some("cmdline"),
        user: Some("acct"),
        host: Some("Computer"),
        event: Some(("EventType", "SYSCALL_EXECVE")),
        parent_time: None,
        grandparent: None,
    },
    Schema {
        name: "mde",
        time: "ProcessCreationTime",
        process_name: "FileName",
        process_id: "ProcessId",
        parent_id: "InitiatingProcessId",
        parent_name: Some("InitiatingProcessFileName"),
        cmd_line: Some("ProcessCommandLine"),
        user: Some("AccountName"),
        host: Some("DeviceName"),
        event: Some(("ActionType", "ProcessCreated")),
        parent_time: Some("InitiatingProcessCreationTime"),
        grandparent: Some((
            "InitiatingProcessParentId",
            "InitiatingProcessParentFileName",
            "InitiatingProcessParentCreationTime",
        )),
    },
    Schema {
        name: "mde-internal",
        time: "CreatedProcessCreationTime",
        process_name: "CreatedProcessName",
        process_id: "CreatedProcessId",
        parent_id: "InitiatingProcessId",
        parent_name: Some("InitiatingProcessName"),
        cmd_line: Some("CreatedProcessCommandLine"),
        user: Some("CreatedProcessAccountName"),
        host: Some("ComputerDnsName"),
        event: None,
        parent_time: Some("InitiatingProcessCreationTime"),
        grandparent: Some((
            "InitiatingProcessParentProcessId",
            "InitiatingProcessParentProcessName",
            "InitiatingProcessParentCreationTime",
        )),
    },
    Schema {
        name: "volatility",
        time: "CreateTime",
        process_name: "ImageFileName",
        process_id: "PID",
        parent_id: "PPID",
        parent_name: None,
        cmd_line: None,
        user: None,
        host: None,
        event: None,
        parent_time: None,
        grandparent: None,
    },
    Schema {
        name: "osquery",
        time: "calendarTime",
        process_name: "name",
        process_id: "pid",
        parent_id: "parent",
        parent_name: None,
        cmd_line: Some("cmdline"),
        user: Some("username"),
        host: Some("hostIdentifier"),
        event: None,
        parent_time: None,
        grandparent: None,
    },
];

impl Schema {
    pub fn named(name: &str) -> Option<&'static Schema> {
        SCHEMAS.iter().find(|s| s.name.eq_ignore_ascii_case(name))
    }

    fn required(&self) -> [&'static str; 4] {
        [self.time, self.process_name, self.process_id, self.parent_id]
    }

    fn all_columns(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.required()
            .into_iter()
            .chain(self.parent_name)
            .chain(self.cmd_line)
            .chain(self.user)
            .chain(self.host)
            .chain(self.parent_time)
    }

    /// The schema whose columns the frame holds, as msticpy's `infer_schema`: all required
    /// columns present, then the most optional ones.
    pub fn infer(df: &DataFrame) -> Result<&'static Schema> {
        let has = |c: &str| df.column(c).is_ok();
        SCHEMAS
            .iter()
            .filter(|s| s.required().iter().all(|c| has(c)))
            .max_by_key(|s| s.all_columns().filter(|c| has(c)).count())
            .ok_or_else(|| {
                Error::Sql(format!(
                    "the frame has no process-creation schema Huntbook knows: it needs the time, process name, \
                     process id and parent id columns of one of {} (e.g. 4688: {})",
                    SCHEMAS.iter().map(|s| s.name).collect::<Vec<_>>().join(", "),
                    SCHEMAS[0].required().join(", ")
                ))
            })
    }
}

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

/// Gives each distinct string a number, and keeps one shared copy of it.
#[derive(Default)]
struct Interner {
    ids: PlHashMap<String, u32>,
    values: Vec<Arc<str>>,
}

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.values.len() as u32;
        self.ids.insert(s.to_string(), id);
        self.values.push(Arc::from(s));
        id
    }
}

/// Numbers for the parts of a process identity: host, PID key, lower-case name.
#[derive(Default)]
struct Identities {
    hosts: Interner,
    pids: Interner,
    pid_keys: Interner,
    names: Interner,
    /// Per PID id: its key id and display id; per name id: its lower-case id.
    pid_key_of: Vec<Option<u32>>,
    pid_shown_of: Vec<Option<u32>>,
    lc_names: Interner,
    lc_of: Vec<Option<u32>>,
}

impl Identities {
    fn pid(&mut self, raw: &str) -> (u32, u32) {
        let id = self.pids.id(raw) as usize;
        if id >= self.pid_key_of.len() {
            self.pid_key_of.resize(id + 1, None);
            self.pid_shown_of.resize(id + 1, None);
        }
        let key = match self.pid_key_of[id] {
            Some(k) => k,
            None => {
                let k = self.pid_keys.id(&pid_key(raw));
                self.pid_key_of[id] = Some(k);
                k
            }
        };
        let shown = match self.pid_shown_of[id] {
            Some(k) => k,
            None => {
                let k = self.pids.id(&pid_display(raw));
                self.pid_shown_of[id] = Some(k);
                k
            }
        };
        (key, shown)
    }

    fn name(&mut self, raw: &str, base_name: bool) -> (u32, u32) {
        let id = self.names.id(raw) as usize;
        if id >= self.lc_of.len() {
            self.lc_of.resize(id + 1, None);
        }
        let lc = match self.lc_of[id] {
            Some(l) => l,
            None => {
                let t = raw.trim();
                let t = if base_name {
                    t.rsplit('\\').next().unwrap_or(t)
                } else {
                    t
                };
                let l = self.lc_names.id(&t.to_lowercase());
                self.lc_of[id] = Some(l);
                l
            }
        };
        (lc, id as u32)
    }
}

impl Tree {
    /// Builds the trees of `df` under `schema` (inferred from the columns when `None`).
    /// Rows that are not process creations, repeats of a process (same host, name, PID
    /// and time: exact duplicates among them) and rows without a readable time are left
    /// out, and the warnings say how many.
    pub fn build(df: &DataFrame, schema: Option<&'static Schema>) -> Result<Warned<Tree>> {
        let schema = match schema {
            Some(s) => s,
            None => Schema::infer(df)?,
        };
        for c in schema.required() {
            if df.column(c).is_err() {
                return Err(no_column(df, c));
            }
        }
        let mut warnings = Vec::new();
        let mut keep: Vec<bool> = vec![true; df.height()];
        if let Some((column, value)) = schema.event
            && df.column(column).is_ok()
        {
            let text = text_values(df, column)?;
            let mut dropped = 0;
            for (k, v) in keep.iter_mut().zip(text.iter()) {
                if v.map(str::trim) != Some(value) {
                    *k = false;
                    dropped += 1;
                }
            }
            if dropped > 0 {
                warnings.push(format!(
                    "{dropped} of {} rows are not process creations ({column} ≠ {value}) and were left out",
                    df.height()
                ));
            }
        }
        let time = time_values(df, schema.time)?;
        let unreadable = keep.iter().zip(&time).filter(|(k, t)| **k && t.is_none()).count();
        if unreadable > 0 {
            warnings.push(format!(
                "{unreadable} rows have no readable {} and were left out of the trees",
                schema.time
            ));
        }
        // Time order (stable) of the rows kept.
        let mut order: Vec<usize> = (0..df.height()).filter(|&i| keep[i] && time[i].is_some()).collect();
        order.sort_by_key(|&i| time[i]);

        let name = text_values(df, schema.process_name)?;
        let pid = text_values(df, schema.process_id)?;
        let ppid = text_values(df, schema.parent_id)?;
        let parent_name = optional_text(df, schema.parent_name)?;
        let host = optional_text(df, schema.host)?;
        let parent_time = match schema.parent_time {
            Some(c) if df.column(c).is_ok() => Some(time_values(df, c)?),
            _ => None,
        };
        let grandparent = match schema.grandparent {
            Some((id, name, time)) if df.column(id).is_ok() && df.column(name).is_ok() => {
                let t = if df.column(time).is_ok() {
                    Some(time_values(df, time)?)
                } else {
                    None
                };
                Some((text_values(df, id)?, text_values(df, name)?, t))
            }
            _ => None,
        };
        fn text(c: &StringChunked, i: usize) -> &str {
            c.get(i).unwrap_or("")
        }
        // Defender schemas name each process by PID, image file name and creation time
        // (to 10 µs, as msticpy rounds); event schemas by PID and image name.
        let by_identity = schema.parent_time.is_some();
        let has_parent_name = parent_name.is_some();
        let round = |t: i64| if by_identity { (t + 5).div_euclid(10) * 10 } else { t };

        type Id = (u32, u32, u32);
        let mut ids = Identities::default();
        let no_host = ids.hosts.id("");
        let mut procs: Vec<Proc> = Vec::with_capacity(order.len());
        let mut seen: PlHashMap<(Id, i64), usize> = PlHashMap::with_capacity(order.len());
        let mut rows: Vec<IdxSize> = Vec::with_capacity(order.len());
        let mut dropped_keys = 0usize;
        // Each row's identity numbers, once: host, PID key and shown PID, lower-case and
        // raw name; the parent's PID key, shown PID and lower-case name.
        struct RowIds {
            host: u32,
            pid: (u32, u32),
            name: (u32, u32),
            ppid: (u32, u32),
            pname: u32,
        }
        // In row order (sequential reads), then visited in time order.
        let mut row_ids: Vec<RowIds> = Vec::with_capacity(df.height());
        for i in 0..df.height() {
            if !keep[i] || time[i].is_none() {
                row_ids.push(RowIds {
                    host: 0,
                    pid: (0, 0),
                    name: (0, 0),
                    ppid: (0, 0),
                    pname: 0,
                });
                continue;
            }
            let host = host.as_ref().map_or(no_host, |c| ids.hosts.id(text(c, i)));
            let pid = ids.pid(text(&pid, i));
            let name = ids.name(text(&name, i), by_identity);
            let ppid = ids.pid(text(&ppid, i));
            let pname = match &parent_name {
                Some(c) => ids.name(text(c, i), by_identity).0,
                None => 0,
            };
            row_ids.push(RowIds {
                host,
                pid,
                name,
                ppid,
                pname,
            });
        }
        let mut kept: Vec<&RowIds> = Vec::with_capacity(order.len());
        for &i in &order {
            let r = &row_ids[i];
            let t = time[i].expect("rows without a time were left out");
            // One process per (host, name, pid, time), as msticpy keeps one row per key.
            let key = ((r.host, r.pid.0, r.name.0), round(t));
            if seen.contains_key(&key) {
                dropped_keys += 1;
                continue;
            }
            seen.insert(key, procs.len());
            rows.push(i as IdxSize);
            procs.push(Proc {
                name: ids.names.values[r.name.1 as usize].clone(),
                pid: ids.pids.values[r.pid.1 as usize].clone(),
                host: ids.hosts.values[r.host as usize].clone(),
                time: Some(t),
                parent: None,
                children: Vec::new(),
                row: Some(i),
                depth: 0,
            });
            kept.push(r);
        }
        if dropped_keys > 0 {
            warnings.push(format!(
                "{dropped_keys} events repeat another's host, process name, PID and time (exact duplicates among them); the first of each was kept"
            ));
        }
        // Rows index the input frame itself: nothing is copied.
        let events = df.clone();
        let cmd_lines = optional_text(&events, schema.cmd_line)?;
        let users = optional_text(&events, schema.user)?;

        // Event schemas look a parent up by (host, pid, name): every process's identity
        // with its position, sorted, so the latest one before a child is a binary search.
        let mut by_id: Vec<(Id, usize)> = Vec::new();
        if !by_identity {
            by_id = kept
                .iter()
                .enumerate()
                .map(|(k, r)| ((r.host, r.pid.0, if has_parent_name { r.name.0 } else { 0 }), k))
                .collect();
            by_id.sort_unstable();
        }
        // Inferred parents, one per missing (host, pid, name, time).
        let mut inferred: PlHashMap<(Id, Option<i64>), usize> = PlHashMap::new();
        let mut infer =
            |procs: &mut Vec<Proc>, ids: &mut Identities, id: Id, time: Option<i64>, name: &str, pid: u32| -> usize {
                *inferred.entry((id, time.map(round))).or_insert_with(|| {
                    let shown = if name.trim().is_empty() { "unknown" } else { name };
                    let name_id = ids.names.id(shown);
                    procs.push(Proc {
                        name: ids.names.values[name_id as usize].clone(),
                        pid: ids.pids.values[pid as usize].clone(),
                        host: ids.hosts.values[id.0 as usize].clone(),
                        time,
                        parent: None,
                        children: Vec::new(),
                        row: None,
                        depth: 0,
                    });
                    procs.len() - 1
                })
            };
        let events_count = procs.len();
        for k in 0..events_count {
            let i = rows[k] as usize;
            let r = kept[k];
            let h = r.host;
            let (ppkey, ppshown) = r.ppid;
            let parent_name_raw = parent_name.as_ref().map_or("", |c| text(c, i));
            let id: Id = (h, ppkey, r.pname);
            let pt = if by_identity {
                parent_time.as_ref().and_then(|t| t[i])
            } else {
                None
            };
            let found = if by_identity {
                // A parent comes before its child in time order, so links never loop.
                pt.and_then(|t| seen.get(&(id, round(t))).copied()).filter(|&j| j < k)
            } else {
                // The latest candidate before this child in time order.
                let at = by_id.partition_point(|&(other, j)| (other, j) < (id, k));
                at.checked_sub(1)
                    .map(|at| by_id[at])
                    .filter(|(other, _)| *other == id)
                    .map(|(_, j)| j)
            };
            let parent = match found {
                Some(j) => j,
                None => {
                    let j = infer(&mut procs, &mut ids, id, pt, parent_name_raw, ppshown);
                    // Defender rows name the grandparent too: link an inferred parent to it.
                    if procs[j].parent.is_none()
                        && let Some((gid, gname, gtime)) = &grandparent
                        && let (Some(gp), Some(gn)) = (gid.get(i), gname.get(i))
                        && !gp.trim().is_empty()
                    {
                        let gt = gtime.as_ref().and_then(|t| t[i]);
                        let (gkey, gshown) = ids.pid(gp);
                        let glc = ids.name(gn, by_identity).0;
                        let gid: Id = (h, gkey, glc);
                        let g = match gt.and_then(|t| seen.get(&(gid, round(t))).copied()) {
                            Some(g) => g,
                            None => infer(&mut procs, &mut ids, gid, gt, gn, gshown),
                        };
                        // Never a loop: g must not descend from j.
                        let mut at = Some(g);
                        while let Some(a) = at {
                            if a == j {
                                break;
                            }
                            at = procs[a].parent;
                        }
                        if at.is_none() {
                            procs[j].parent = Some(g);
                        }
                    }
                    j
                }
            };
            procs[k].parent = Some(parent);
        }
        for k in 0..procs.len() {
            if let Some(p) = procs[k].parent {
                procs[p].children.push(k);
            }
        }
        // Children in time order (inferred parents, with no time, first).
        for k in 0..procs.len() {
            if procs[k].children.len() > 1 {
                let mut children = std::mem::take(&mut procs[k].children);
                children.sort_by_key(|&c| (procs[c].time, c));
                procs[k].children = children;
            }
        }
        let mut roots: Vec<usize> = (0..procs.len()).filter(|&k| procs[k].parent.is_none()).collect();
        roots.sort_by_key(|&r| (procs[r].time, r));
        // Depths, root down (iteratively: trees can be deep).
        let mut stack: Vec<usize> = roots.clone();
        while let Some(k) = stack.pop() {
            let depth = procs[k].depth;
            for i in 0..procs[k].children.len() {
                let c = procs[k].children[i];
                procs[c].depth = depth + 1;
                stack.push(c);
            }
        }
        Ok(Warned {
            value: Tree {
                schema,
                procs,
                events,
                roots,
                cmd_lines,
                users,
            },
            warnings,
        })
    }

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
        chain.iter().map(|i| self.index_label(*i)).collect::<Vec<_>>().join("/")
    }

    fn index_label(&self, k: usize) -> String {
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

    /// The processes `subset` as a frame: the event columns (empty for inferred parents,
    /// whose schema columns are filled in), then the tree's own columns.
    pub fn frame(&self, subset: &[usize]) -> Result<DataFrame> {
        let rows: Vec<Option<IdxSize>> = subset
            .iter()
            .map(|&k| self.procs[k].row.map(|r| r as IdxSize))
            .collect();
        let idx: IdxCa = rows.into_iter().collect();
        let mut df = self.events.take(&idx)?;
        let s = self.schema;
        let text = |f: &dyn Fn(&Proc) -> Option<String>| -> Vec<Option<String>> {
            subset.iter().map(|&k| f(&self.procs[k])).collect()
        };
        let mut set = |name: &str, column: Column| -> Result<()> {
            df.with_column(column.with_name(name.into()))?;
            Ok(())
        };
        set(
            s.process_name,
            Column::new("".into(), text(&|p| Some(p.name.to_string()))),
        )?;
        set(s.process_id, Column::new("".into(), text(&|p| Some(p.pid.to_string()))))?;
        if let Some(h) = s.host {
            set(h, Column::new("".into(), text(&|p| Some(p.host.to_string()))))?;
        }
        let times: Vec<Option<i64>> = subset.iter().map(|&k| self.procs[k].time).collect();
        let time = Int64Chunked::from_iter(times)
            .into_datetime(TimeUnit::Microseconds, Some(polars::prelude::TimeZone::UTC))
            .into_column();
        set(s.time, time)?;
        let parent = |k: usize| self.procs[k].parent;
        set(
            "proc_key",
            Column::new("".into(), subset.iter().map(|&k| self.key(k)).collect::<Vec<_>>()),
        )?;
        set(
            "parent_key",
            Column::new(
                "".into(),
                subset
                    .iter()
                    .map(|&k| parent(k).map(|p| self.key(p)))
                    .collect::<Vec<_>>(),
            ),
        )?;
        let flag = |f: &dyn Fn(usize) -> bool| subset.iter().map(|&k| f(k)).collect::<Vec<bool>>();
        set("IsRoot", Column::new("".into(), flag(&|k| parent(k).is_none())))?;
        set(
            "IsLeaf",
            Column::new("".into(), flag(&|k| self.procs[k].children.is_empty())),
        )?;
        set(
            "IsBranch",
            Column::new(
                "".into(),
                flag(&|k| parent(k).is_some() && !self.procs[k].children.is_empty()),
            ),
        )?;
        set("Inferred", Column::new("".into(), flag(&|k| self.procs[k].inferred())))?;
        set(
            "Depth",
            Column::new(
                "".into(),
                subset.iter().map(|&k| self.procs[k].depth).collect::<Vec<u32>>(),
            ),
        )?;
        set(
            "path",
            Column::new("".into(), subset.iter().map(|&k| self.path(k)).collect::<Vec<_>>()),
        )?;
        set(
            "source_index",
            Column::new(
                "".into(),
                subset.iter().map(|&k| self.index_label(k)).collect::<Vec<_>>(),
            ),
        )?;
        set(
            "parent_index",
            Column::new(
                "".into(),
                subset
                    .iter()
                    .map(|&k| parent(k).map(|p| self.index_label(p)))
                    .collect::<Vec<_>>(),
            ),
        )?;
        Ok(df)
    }
}

/// msticpy's `get_summary_info`, plus what Huntbook adds (inferred parents, hosts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub processes: usize,
    pub roots: usize,
    pub leaves: usize,
    pub branches: usize,
    pub isolated: usize,
    /// Levels in the deepest tree (a lone root is 1), as msticpy's LargestTreeDepth.
    pub depth: u32,
    pub inferred: usize,
    pub hosts: usize,
}

impl Summary {
    pub fn frame(&self) -> Result<DataFrame> {
        let names = [
            "Processes",
            "RootProcesses",
            "LeafProcesses",
            "BranchProcesses",
            "IsolatedProcesses",
            "LargestTreeDepth",
            "InferredParents",
            "Hosts",
        ];
        let values = [
            self.processes as u64,
            self.roots as u64,
            self.leaves as u64,
            self.branches as u64,
            self.isolated as u64,
            u64::from(self.depth),
            self.inferred as u64,
            self.hosts as u64,
        ];
        Ok(DataFrame::new_infer_height(vec![
            Column::new("Measure".into(), names.to_vec()),
            Column::new("Value".into(), values.to_vec()),
        ])?)
    }
}

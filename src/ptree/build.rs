//! Building trees, in phases: which rows are process creations ([`creations`]), the
//! columns read once ([`Columns`]), one process per identity ([`Builder::identify`]),
//! parents found or inferred ([`Builder::link`]), then children, roots and depths
//! ([`shape`]).

use std::sync::Arc;

use polars::prelude::*;

use super::{Proc, Schema, Tree, optional_text, pid_display, pid_key};
use crate::error::Result;
use crate::frame::{Warned, no_column, text_values, time_values};

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

/// A process identity: host, PID key and lower-case name numbers.
type Id = (u32, u32, u32);

/// Each kept row's identity numbers, read once: host, PID key and shown PID, lower-case
/// and raw name; the parent's PID key, shown PID and lower-case name.
#[derive(Clone, Copy, Default)]
struct RowIds {
    host: u32,
    pid: (u32, u32),
    name: (u32, u32),
    ppid: (u32, u32),
    pname: u32,
}

/// Defender's grandparent columns: PID, name, and creation time where there is one.
type Grandparent = (StringChunked, StringChunked, Option<Vec<Option<i64>>>);

/// The columns a tree is built from, read once.
struct Columns {
    time: Vec<Option<i64>>,
    name: StringChunked,
    pid: StringChunked,
    ppid: StringChunked,
    parent_name: Option<StringChunked>,
    host: Option<StringChunked>,
    parent_time: Option<Vec<Option<i64>>>,
    grandparent: Option<Grandparent>,
}

impl Columns {
    fn read(df: &DataFrame, schema: &Schema) -> Result<Self> {
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
        Ok(Columns {
            time: time_values(df, schema.time)?,
            name: text_values(df, schema.process_name)?,
            pid: text_values(df, schema.process_id)?,
            ppid: text_values(df, schema.parent_id)?,
            parent_name: optional_text(df, schema.parent_name)?,
            host: optional_text(df, schema.host)?,
            parent_time,
            grandparent,
        })
    }
}

fn text(c: &StringChunked, i: usize) -> &str {
    c.get(i).unwrap_or("")
}

/// The processes being linked, with what the linking needs to find them again.
struct Builder {
    /// Defender schemas name each process by PID, image file name and creation time (to
    /// 10 µs, as msticpy rounds); event schemas by PID and image name.
    by_identity: bool,
    ids: Identities,
    procs: Vec<Proc>,
    /// Per event process: its row in the input frame and its identity numbers.
    rows: Vec<usize>,
    kept: Vec<RowIds>,
    /// Event processes by (identity, rounded time).
    seen: PlHashMap<(Id, i64), usize>,
    /// Inferred parents, one per missing (identity, rounded time).
    inferred: PlHashMap<(Id, Option<i64>), usize>,
}

impl Builder {
    fn round(&self, t: i64) -> i64 {
        if self.by_identity {
            (t + 5).div_euclid(10) * 10
        } else {
            t
        }
    }

    /// One process per (host, name, PID, time) of the rows in `order`, as msticpy keeps
    /// one row per key; returns how many rows repeated another.
    fn identify(&mut self, cols: &Columns, keep: &[bool], order: &[usize]) -> usize {
        let no_host = self.ids.hosts.id("");
        // In row order (sequential reads), then visited in time order.
        let mut row_ids = vec![RowIds::default(); keep.len()];
        for (i, r) in row_ids.iter_mut().enumerate() {
            if !keep[i] || cols.time[i].is_none() {
                continue;
            }
            let ids = &mut self.ids;
            *r = RowIds {
                host: cols.host.as_ref().map_or(no_host, |c| ids.hosts.id(text(c, i))),
                pid: ids.pid(text(&cols.pid, i)),
                name: ids.name(text(&cols.name, i), self.by_identity),
                ppid: ids.pid(text(&cols.ppid, i)),
                pname: match &cols.parent_name {
                    Some(c) => ids.name(text(c, i), self.by_identity).0,
                    None => 0,
                },
            };
        }
        let mut repeated = 0;
        for &i in order {
            let r = row_ids[i];
            let t = cols.time[i].expect("rows without a time were left out");
            let key = ((r.host, r.pid.0, r.name.0), self.round(t));
            if self.seen.contains_key(&key) {
                repeated += 1;
                continue;
            }
            self.seen.insert(key, self.procs.len());
            self.rows.push(i);
            self.procs.push(Proc {
                name: self.ids.names.values[r.name.1 as usize].clone(),
                pid: self.ids.pids.values[r.pid.1 as usize].clone(),
                host: self.ids.hosts.values[r.host as usize].clone(),
                time: Some(t),
                parent: None,
                children: Vec::new(),
                row: Some(i),
                depth: 0,
            });
            self.kept.push(r);
        }
        repeated
    }

    /// The inferred parent for a missing (identity, time), made once.
    fn infer(&mut self, id: Id, time: Option<i64>, name: &str, pid: u32) -> usize {
        let key = (id, time.map(|t| self.round(t)));
        if let Some(&k) = self.inferred.get(&key) {
            return k;
        }
        let shown = if name.trim().is_empty() { "unknown" } else { name };
        let name_id = self.ids.names.id(shown);
        self.procs.push(Proc {
            name: self.ids.names.values[name_id as usize].clone(),
            pid: self.ids.pids.values[pid as usize].clone(),
            host: self.ids.hosts.values[id.0 as usize].clone(),
            time,
            parent: None,
            children: Vec::new(),
            row: None,
            depth: 0,
        });
        self.inferred.insert(key, self.procs.len() - 1);
        self.procs.len() - 1
    }

    /// Every event process's parent: found among the events, else inferred.
    fn link(&mut self, cols: &Columns, has_parent_name: bool) {
        // Event schemas look a parent up by (host, pid, name): every process's identity
        // with its position, sorted, so the latest one before a child is a binary search.
        let mut by_id: Vec<(Id, usize)> = Vec::new();
        if !self.by_identity {
            by_id = self
                .kept
                .iter()
                .enumerate()
                .map(|(k, r)| ((r.host, r.pid.0, if has_parent_name { r.name.0 } else { 0 }), k))
                .collect();
            by_id.sort_unstable();
        }
        for k in 0..self.kept.len() {
            let i = self.rows[k];
            let r = self.kept[k];
            let id: Id = (r.host, r.ppid.0, r.pname);
            let pt = if self.by_identity {
                cols.parent_time.as_ref().and_then(|t| t[i])
            } else {
                None
            };
            let found = if self.by_identity {
                // A parent comes before its child in time order, so links never loop.
                pt.and_then(|t| self.seen.get(&(id, self.round(t))).copied())
                    .filter(|&j| j < k)
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
                    let name = cols.parent_name.as_ref().map_or("", |c| text(c, i));
                    let j = self.infer(id, pt, name, r.ppid.1);
                    self.link_grandparent(cols, i, r.host, j);
                    j
                }
            };
            self.procs[k].parent = Some(parent);
        }
    }

    /// Defender rows name the grandparent too: an inferred parent `j` (of row `i`) is
    /// linked to it, unless that would make a loop.
    fn link_grandparent(&mut self, cols: &Columns, i: usize, host: u32, j: usize) {
        if self.procs[j].parent.is_some() {
            return;
        }
        let Some((gid, gname, gtime)) = &cols.grandparent else {
            return;
        };
        let (Some(gp), Some(gn)) = (gid.get(i), gname.get(i)) else {
            return;
        };
        if gp.trim().is_empty() {
            return;
        }
        let gt = gtime.as_ref().and_then(|t| t[i]);
        let (gkey, gshown) = self.ids.pid(gp);
        let glc = self.ids.name(gn, self.by_identity).0;
        let gid: Id = (host, gkey, glc);
        let g = match gt.and_then(|t| self.seen.get(&(gid, self.round(t))).copied()) {
            Some(g) => g,
            None => self.infer(gid, gt, gn, gshown),
        };
        // Never a loop: g must not descend from j.
        let mut at = Some(g);
        while let Some(a) = at {
            if a == j {
                return;
            }
            at = self.procs[a].parent;
        }
        self.procs[j].parent = Some(g);
    }
}

/// Children lists in time order (inferred parents, with no time, first), the roots in
/// time order, and every depth.
fn shape(procs: &mut [Proc]) -> Vec<usize> {
    for k in 0..procs.len() {
        if let Some(p) = procs[k].parent {
            procs[p].children.push(k);
        }
    }
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
    roots
}

/// Which rows are process creations, by the schema's event column; the others are
/// counted in a warning.
fn creations(df: &DataFrame, schema: &Schema, warnings: &mut Vec<String>) -> Result<Vec<bool>> {
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
    Ok(keep)
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
        let keep = creations(df, schema, &mut warnings)?;
        let cols = Columns::read(df, schema)?;
        let unreadable = keep.iter().zip(&cols.time).filter(|(k, t)| **k && t.is_none()).count();
        if unreadable > 0 {
            warnings.push(format!(
                "{unreadable} rows have no readable {} and were left out of the trees",
                schema.time
            ));
        }
        // Time order (stable) of the rows kept.
        let mut order: Vec<usize> = (0..df.height())
            .filter(|&i| keep[i] && cols.time[i].is_some())
            .collect();
        order.sort_by_key(|&i| cols.time[i]);

        let mut b = Builder {
            by_identity: schema.parent_time.is_some(),
            ids: Identities::default(),
            procs: Vec::with_capacity(order.len()),
            rows: Vec::with_capacity(order.len()),
            kept: Vec::with_capacity(order.len()),
            seen: PlHashMap::with_capacity(order.len()),
            inferred: PlHashMap::new(),
        };
        let repeated = b.identify(&cols, &keep, &order);
        if repeated > 0 {
            warnings.push(format!(
                "{repeated} events repeat another's host, process name, PID and time (exact duplicates among them); the first of each was kept"
            ));
        }
        b.link(&cols, cols.parent_name.is_some());
        let mut procs = b.procs;
        let roots = shape(&mut procs);
        let deep = procs.iter().filter(|p| p.depth as usize >= Tree::PATH_LEVELS).count();
        if deep > 0 {
            warnings.push(format!(
                "{deep} processes are more than {} levels deep: their path column holds …/ and the newest {} levels",
                Tree::PATH_LEVELS,
                Tree::PATH_LEVELS
            ));
        }
        // Rows index the input frame itself: nothing is copied.
        let events = df.clone();
        let cmd_lines = optional_text(&events, schema.cmd_line)?;
        let users = optional_text(&events, schema.user)?;
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
}

//! Trees as frames: the processes with their tree columns, and the summary counts.

use polars::prelude::*;

use super::{Proc, Tree};
use crate::error::Result;

/// What stands for the levels left out of a path deeper than [`Tree::PATH_LEVELS`].
pub(super) const ELIDED: &str = "…/";

impl Tree {
    /// [`Tree::path`] of every process of `subset`, each built from its parent's: a chain
    /// 20,000 deep costs one label per process, not one walk to the root per process, and
    /// no path holds more than [`Tree::PATH_LEVELS`] labels (a full path per process would
    /// be quadratic: 2.4 GB for that chain).
    pub fn paths(&self, subset: &[usize]) -> Vec<String> {
        // Each known path, with how many levels it stands for.
        let mut known: Vec<Option<(String, usize)>> = vec![None; self.procs.len()];
        let mut chain = Vec::new();
        subset
            .iter()
            .map(|&k| {
                // Up to the nearest process whose path is known (or a root), then down.
                chain.clear();
                let mut at = Some(k);
                while let Some(p) = at.filter(|&p| known[p].is_none()) {
                    chain.push(p);
                    at = self.procs[p].parent;
                }
                for &p in chain.iter().rev() {
                    let label = self.index_label(p);
                    let path = match self.procs[p].parent.and_then(|q| known[q].as_ref()) {
                        Some((parent, levels)) if *levels >= Self::PATH_LEVELS => {
                            // Drop the oldest label: `…/` + the newest PATH_LEVELS.
                            let rest = parent.strip_prefix(ELIDED).unwrap_or(parent);
                            let newer = rest.split_once('/').map_or("", |(_, r)| r);
                            (format!("{ELIDED}{newer}/{label}"), levels + 1)
                        }
                        Some((parent, levels)) => (format!("{parent}/{label}"), levels + 1),
                        None => (label, 1),
                    };
                    known[p] = Some(path);
                }
                known[k].as_ref().map(|(p, _)| p.clone()).unwrap_or_default()
            })
            .collect()
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
        set(
            s.time,
            crate::frame::utc_times("", subset.iter().map(|&k| self.procs[k].time)),
        )?;
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
        set("path", Column::new("".into(), self.paths(subset)))?;
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

//! Which processes to draw when there are more than the drawing holds.
//!
//! The first N processes in tree order are the first roots' branches — on a real host, the
//! agents and services that start first and repeat all day — while the branch of interest
//! (one `rundll32` under one `cmd` under one `powershell`) is further down. So a drawing
//! with a budget takes the rarest processes first: a process whose image occurs once on
//! its host outranks one that occurs a hundred times. Each taken process brings its
//! ancestors, so every drawn process hangs where it belongs; ties go to the earlier one.

use std::collections::HashMap;

use super::Tree;

/// The processes of `order` to draw with room for `budget`, in `order`'s order: the
/// rarest images first, each with its ancestors (those in `order`). All of `order` when it
/// fits.
pub fn relevant(tree: &Tree, order: &[usize], budget: usize) -> Vec<usize> {
    relevant_first(tree, order, budget, &[])
}

/// [`relevant`], the processes marked in `first` (indexed by process) taken before any
/// other, rarest first among them (an alert's processes before the rest of their branches).
pub fn relevant_first(tree: &Tree, order: &[usize], budget: usize, first: &[bool]) -> Vec<usize> {
    if order.len() <= budget {
        return order.to_vec();
    }
    // How often each image occurs on each host, among the processes of `order`; each
    // process's key is made once.
    let keys: Vec<(std::sync::Arc<str>, String)> = order
        .iter()
        .map(|&k| {
            let p = &tree.procs[k];
            (p.host.clone(), p.short_name().to_ascii_lowercase())
        })
        .collect();
    let mut counts: HashMap<&(std::sync::Arc<str>, String), usize> = HashMap::new();
    for key in &keys {
        *counts.entry(key).or_default() += 1;
    }
    let in_order: std::collections::HashSet<usize> = order.iter().copied().collect();
    // (how common, position, process); inferred parents have no image of their own to
    // judge: they come with their children.
    let later = |k: usize| !first.get(k).copied().unwrap_or(false);
    let mut by_rarity: Vec<(bool, usize, usize, usize)> = order
        .iter()
        .enumerate()
        .filter(|&(_, &k)| !tree.procs[k].inferred())
        .map(|(i, &k)| (later(k), counts[&keys[i]], i, k))
        .collect();
    by_rarity.sort_unstable();
    let mut taken = vec![false; tree.procs.len()];
    let mut room = budget;
    for (_, _, _, k) in by_rarity {
        if room == 0 {
            break;
        }
        // The process and the ancestors not yet taken, if they all fit.
        let mut chain = vec![k];
        let mut at = tree.procs[k].parent;
        while let Some(p) = at {
            if !in_order.contains(&p) || taken[p] {
                break;
            }
            chain.push(p);
            at = tree.procs[p].parent;
        }
        chain.retain(|&c| !taken[c]);
        if chain.len() > room {
            continue;
        }
        room -= chain.len();
        for c in chain {
            taken[c] = true;
        }
    }
    order.iter().copied().filter(|&k| taken[k]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;

    /// A host where `agent.exe` starts 30 times under `services.exe`, and one
    /// `cmd.exe → rundll32.exe` chain starts late under `explorer.exe`.
    fn tree() -> Tree {
        let (services, explorer) = ("C:\\Windows\\System32\\services.exe", "C:\\Windows\\explorer.exe");
        let cmd = "C:\\Windows\\System32\\cmd.exe";
        let mut rows: Vec<(String, String, &str, &str)> = vec![
            (
                "0x1".into(),
                "0x0".into(),
                services,
                "C:\\Windows\\System32\\wininit.exe",
            ),
            (
                "0x2".into(),
                "0x0".into(),
                explorer,
                "C:\\Windows\\System32\\wininit.exe",
            ),
        ];
        for i in 0..30 {
            rows.push((format!("0x1{i:02}"), "0x1".into(), "C:\\Agent\\agent.exe", services));
        }
        rows.push(("0x900".into(), "0x2".into(), cmd, explorer));
        rows.push((
            "0x901".into(),
            "0x900".into(),
            "C:\\Windows\\System32\\rundll32.exe",
            cmd,
        ));
        let n = rows.len();
        let df = df!(
            "TimeGenerated" => (0..n as i64).map(|i| 1_600_000_000_000_000 + i * 1_000_000).collect::<Vec<_>>(),
            "Computer" => vec!["WS01"; n],
            "NewProcessId" => rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
            "ProcessId" => rows.iter().map(|r| r.1.clone()).collect::<Vec<_>>(),
            "NewProcessName" => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            "ParentProcessName" => rows.iter().map(|r| r.3).collect::<Vec<_>>(),
            "SubjectUserName" => vec!["u"; n],
            "CommandLine" => vec!["c"; n],
        )
        .unwrap()
        .lazy()
        .with_column(col("TimeGenerated").cast(DataType::Datetime(TimeUnit::Microseconds, None)))
        .collect()
        .unwrap();
        Tree::build(&df, None).unwrap().value
    }

    #[test]
    fn the_rare_branch_is_drawn_with_its_ancestors_not_the_first_in_order() {
        let tree = tree();
        let order = tree.preorder(&tree.roots);
        let drawn = relevant(&tree, &order, 6);
        let names: Vec<&str> = drawn.iter().map(|&k| tree.procs[k].short_name()).collect();
        assert!(
            names.contains(&"rundll32.exe") && names.contains(&"cmd.exe"),
            "{names:?}"
        );
        assert!(names.contains(&"explorer.exe"), "its ancestors come with it: {names:?}");
        assert_eq!(drawn.len(), 6, "{names:?}");
        // Drawn in tree order: every drawn process's parent is drawn before it, or is none.
        for (i, &k) in drawn.iter().enumerate() {
            if let Some(p) = tree.procs[k].parent {
                assert!(drawn[..i].contains(&p) || !order.contains(&p), "{names:?}");
            }
        }
        assert_eq!(relevant(&tree, &order, 1000), order, "all when all fit");
    }
}

//! Process-tree build time (issue 5): msticpy's 1,000-event 4688 test set replicated onto
//! many hosts, built with `Tree::build`, and the full tree frame made from it. Prints
//! figures; asserts nothing. (`benches/vs_msticpy_trees.py` puts them next to msticpy's.)
//!
//! cargo bench --bench ptree_build -- [EVENTS]   (default 1000000)

use std::time::Instant;

use huntbook::load::read_file;
use huntbook::ptree::{Schema, Tree};
use polars::prelude::*;

fn main() {
    let events: usize = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/msticpy/process/win4688_proc_test.csv");
    let sample = read_file(&path, None).expect("sample").value;
    let hosts = events.div_ceil(sample.height());
    let mut parts = Vec::with_capacity(hosts);
    for h in 0..hosts {
        let mut part = sample.clone();
        part.with_column(Column::new(
            "Computer".into(),
            vec![format!("host{h}"); sample.height()],
        ))
        .unwrap();
        parts.push(part.lazy());
    }
    let df = concat(parts, UnionArgs::default()).unwrap().collect().unwrap();
    println!(
        "{} events on {hosts} hosts; {} cores",
        df.height(),
        rayon::current_num_threads()
    );
    let started = Instant::now();
    let tree = Tree::build(&df, Some(Schema::named("win4688").unwrap())).unwrap().value;
    let build = started.elapsed().as_secs_f64();
    let s = tree.summary();
    println!(
        "tree build:          {build:>7.2} s  ({} processes, {} roots, depth {}; target < 2 s for 1M)",
        s.processes, s.roots, s.depth
    );
    let started = Instant::now();
    let order = tree.preorder(&tree.roots);
    let frame = tree.frame(&order).unwrap();
    println!(
        "tree frame:          {:>7.2} s  ({} rows × {} columns)",
        started.elapsed().as_secs_f64(),
        frame.height(),
        frame.width()
    );
}

//! A selective query over a 1 GB NDJSON file in a local source (issue 3): time and peak
//! memory. The file is made by replicating the OTRF Windows recordings under
//! ../shared/data/security-datasets/windows until it reaches the size asked for, in a
//! temporary folder. Prints figures; asserts nothing. Target: peak memory under 1 GB.
//!
//! cargo bench --bench ndjson_scan -- [MEGABYTES]   (default 1024)

use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

mod common;
use common::status;

use huntbook::source::{LocalConfig, LocalSource};

fn main() {
    let megabytes: u64 = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .and_then(|a| a.parse().ok())
        .unwrap_or(1024);
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/security-datasets/windows");
    let mut lines = Vec::new();
    for entry in std::fs::read_dir(&src).expect("the OTRF windows folder") {
        let file = std::fs::File::open(entry.unwrap().path()).unwrap();
        for line in std::io::BufReader::new(file).lines() {
            let line = line.unwrap();
            if !line.trim().is_empty() {
                lines.push(line);
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.json");
    let started = Instant::now();
    let mut out = BufWriter::new(std::fs::File::create(&path).unwrap());
    let (mut written, mut records) = (0u64, 0u64);
    'fill: loop {
        for line in &lines {
            out.write_all(line.as_bytes()).unwrap();
            out.write_all(b"\n").unwrap();
            written += line.len() as u64 + 1;
            records += 1;
            if written >= megabytes << 20 {
                break 'fill;
            }
        }
    }
    out.flush().unwrap();
    drop(out);
    drop(lines);
    println!(
        "made {} MB of NDJSON ({records} records) in {:.1} s",
        written >> 20,
        started.elapsed().as_secs_f64()
    );

    // Start the peak-memory count afresh for the query (Linux: clear_refs 5 resets VmHWM).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = status("VmHWM:");
    let source = LocalSource::open(
        "bench",
        &LocalConfig {
            path: dir.path().to_path_buf(),
            ..LocalConfig::default()
        },
    )
    .unwrap()
    .value;
    let statement = "SELECT TimeGenerated, Hostname, Image, CommandLine FROM big \
                     WHERE EventID = 1 AND CommandLine ILIKE '%rundll32%'";
    let started = Instant::now();
    let result = source.query(statement).unwrap().value;
    let seconds = started.elapsed().as_secs_f64();
    println!("query: {statement}");
    println!(
        "{} rows in {seconds:.2} s ({:.0} MB/s); peak resident memory during the query: {} (before: {before}; now RssAnon {}, RssFile {})",
        result.height(),
        written as f64 / 1e6 / seconds,
        status("VmHWM:"),
        status("RssAnon:"),
        status("RssFile:"),
    );
}

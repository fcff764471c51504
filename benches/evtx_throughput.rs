//! EVTX → frame throughput (issue 3): records/s on one core for Huntbook's reader (parse,
//! flatten, build the frame) next to the evtx crate's own JSON rendering on one core — the
//! work `evtx_dump -o json -t 1` does, minus writing the output. Prints figures; asserts
//! nothing.
//!
//! cargo bench --bench evtx_throughput -- [ROUNDS]   (default 20 passes over the samples)

use std::path::PathBuf;
use std::time::Instant;

use evtx::{EvtxParser, ParserSettings};
use huntbook::evtx::read_evtx_bytes;

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/evtx");
    // The permissively licensed samples with the most records.
    let files = [
        "omerbenamram-evtx/security.evtx",
        "omerbenamram-evtx/sysmon.evtx",
        "python-evtx/issue_43.evtx",
        "python-evtx/system.evtx",
    ];
    let samples: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|f| (f.to_string(), std::fs::read(dir.join(f)).expect("sample")))
        .collect();
    let megabytes = samples.iter().map(|s| s.1.len()).sum::<usize>() as f64 * rounds as f64 / 1e6;

    let started = Instant::now();
    let mut records = 0usize;
    for _ in 0..rounds {
        for (name, bytes) in &samples {
            records += read_evtx_bytes(bytes.clone(), name, 1).unwrap().value.height();
        }
    }
    let ours = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut json_records = 0usize;
    let mut json_bytes = 0usize;
    for _ in 0..rounds {
        for (_, bytes) in &samples {
            let mut parser = EvtxParser::from_buffer(bytes.clone())
                .unwrap()
                .with_configuration(ParserSettings::new().num_threads(1));
            for r in parser.records_json().flatten() {
                json_records += 1;
                json_bytes += r.data.len();
            }
        }
    }
    let theirs = started.elapsed().as_secs_f64();
    println!(
        "{} files × {rounds} rounds, {megabytes:.0} MB of EVTX, one core",
        files.len()
    );
    println!(
        "huntbook EVTX → frame:        {:>9.0} records/s ({records} records, {ours:.2} s)",
        records as f64 / ours
    );
    println!(
        "evtx crate records_json():    {:>9.0} records/s ({json_records} records, {:.0} MB JSON, {theirs:.2} s)",
        json_records as f64 / theirs,
        json_bytes as f64 / 1e6
    );
    println!(
        "ratio (huntbook time / evtx_dump-equivalent time): {:.2}x (target ≤ 2x)",
        ours / theirs
    );
}

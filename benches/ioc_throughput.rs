//! %ioc and %b64 throughput (issue 4): rows/s over a command-line frame built by
//! replicating the shared sample command lines, on one core and on all cores, and %ioc's
//! MB/s over two large texts (dense command lines, prose reports) on one core. Prints
//! figures; asserts nothing.
//!
//! cargo bench --bench ioc_throughput -- [ROWS] [TEXT_MB] [TEXT]   (defaults 1000000, 1024, both texts)
//!
//! ROWS 0 skips the frames. TEXT picks one text by the start of its name (`command` or
//! `eset`), for profiling; with HUNTBOOK_BENCH_TOTAL_ONLY set, the per-type breakdown is
//! skipped, and HUNTBOOK_BENCH_TYPES=dns,ipv4 (type names) narrows the extractor to those
//! types.

use std::time::Instant;

use huntbook::b64::{Limits, decode_frame};
use huntbook::ioc::{Extractor, IocType, extract_frame};
use huntbook::load::read_file;
use polars::prelude::*;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let rows: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let text_mb: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1024);
    let only = args.get(2).map(|a| a.to_ascii_lowercase());
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/msticpy/process");
    let wanted = |name: &str| {
        only.as_ref()
            .is_none_or(|o| name.to_ascii_lowercase().starts_with(o.as_str()))
    };
    // The sample command lines: the frames' rows and the dense text (skipped when neither
    // runs, for profiling the other text).
    let lines: Vec<String> = if rows > 0 || wanted("command lines") {
        strings(&root.join("win4688_processes_on_host.csv"), "CommandLine")
    } else {
        Vec::new()
    };
    let column: Vec<&str> = (0..rows).map(|i| lines[i % lines.len()].as_str()).collect();
    let df = DataFrame::new_infer_height(vec![Column::new("CommandLine".into(), column)]).unwrap();
    // HUNTBOOK_BENCH_TYPES=dns,ipv4 narrows the text runs to those types, for profiling.
    let types = match std::env::var("HUNTBOOK_BENCH_TYPES") {
        Ok(names) => names
            .split(',')
            .map(|n| IocType::from_name(n).expect("type name"))
            .collect(),
        Err(_) => IocType::default_set(false),
    };
    let extractor = Extractor::new(types, Vec::new());

    println!(
        "machine: {} cores; {rows} command lines from {} distinct samples",
        rayon::current_num_threads(),
        lines.len()
    );
    let single = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    if rows > 0 {
        frames(&root, &df, &extractor, &single, rows);
    }
    drop(df);

    // Text, two kinds, each repeated to TEXT_MB: the command lines joined (dense: nearly
    // every line holds paths and dotted names) and the ESET threat reports (prose with
    // indicators, defanged ones included).
    let eset = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/ioc/eset-malware-ioc");
    let mut reports = String::new();
    let mut folders: Vec<_> = std::fs::read_dir(&eset).unwrap().flatten().map(|e| e.path()).collect();
    folders.sort();
    for folder in folders {
        if let Ok(text) = std::fs::read_to_string(folder.join("README.adoc")) {
            reports.push_str(&text);
            reports.push('\n');
        }
    }
    for (name, chunk) in [("command lines", lines.join("\n")), ("ESET reports", reports)] {
        if !wanted(name) {
            continue;
        }
        let mut text = String::with_capacity(text_mb << 20);
        while text.len() < text_mb << 20 {
            text.push_str(&chunk);
            text.push('\n');
        }
        text_rate(name, &text, &extractor);
        drop(text);
    }
}

/// The non-null strings of one column of a sample file.
fn strings(path: &std::path::Path, column: &str) -> Vec<String> {
    let df = read_file(path, None).expect("sample file").value;
    let values = df.column(column).expect("sample column");
    values
        .str()
        .expect("a text column")
        .iter()
        .flatten()
        .map(str::to_string)
        .collect()
}

/// %ioc and %b64 over frames of `rows` command lines, on one core and on all cores; the
/// %b64 rows come from the sample files in `root`.
fn frames(root: &std::path::Path, df: &DataFrame, extractor: &Extractor, single: &rayon::ThreadPool, rows: usize) {
    let columns = ["CommandLine".to_string()];
    let started = Instant::now();
    let out = single.install(|| extract_frame(df, &columns, extractor, false).unwrap());
    let one_core = started.elapsed().as_secs_f64();
    println!(
        "%ioc frame, 1 core:   {:>10.0} rows/s  ({} indicators, {one_core:.2} s)",
        rows as f64 / one_core,
        out.height()
    );
    let started = Instant::now();
    let out = extract_frame(df, &columns, extractor, false).unwrap();
    let all = started.elapsed().as_secs_f64();
    println!(
        "%ioc frame, all cores: {:>10.0} rows/s  ({} indicators, {all:.2} s)",
        rows as f64 / all,
        out.height()
    );

    // %b64 over command lines that carry Base64: the Defender sample (binary blobs, GUIDs,
    // tokens) and the 4688 sample (a PowerShell -enc line), replicated.
    let mut b64_lines = Vec::new();
    for (file, col) in [
        ("mde_internal_proc_cs1.csv", "CreatedProcessCommandLine"),
        ("win4688_proc_test.csv", "CommandLine"),
    ] {
        b64_lines.extend(strings(&root.join(file), col));
    }
    let column: Vec<&str> = (0..rows).map(|i| b64_lines[i % b64_lines.len()].as_str()).collect();
    let b64_df = DataFrame::new_infer_height(vec![Column::new("CommandLine".into(), column)]).unwrap();
    let started = Instant::now();
    let out = single.install(|| decode_frame(&b64_df, "CommandLine", false, Limits::default()).unwrap());
    let one_core = started.elapsed().as_secs_f64();
    println!(
        "%b64 frame, 1 core:   {:>10.0} rows/s  ({} fragments, {one_core:.2} s)",
        rows as f64 / one_core,
        out.value.height()
    );
    let started = Instant::now();
    let out = decode_frame(&b64_df, "CommandLine", false, Limits::default()).unwrap();
    let all = started.elapsed().as_secs_f64();
    println!(
        "%b64 frame, all cores: {:>10.0} rows/s  ({} fragments, {all:.2} s)",
        rows as f64 / all,
        out.value.height()
    );
    drop((out, b64_df));
}

/// %ioc over one big text on one core, and where the time goes: each type alone over the
/// first 64 MB.
fn text_rate(name: &str, text: &str, extractor: &Extractor) {
    let sample_len = text.len().min(64 << 20);
    let sample_len = text[..sample_len].rfind('\n').map_or(sample_len, |i| i + 1);
    let breakdown = std::env::var_os("HUNTBOOK_BENCH_TOTAL_ONLY").is_none();
    for kind in IocType::default_set(true).into_iter().filter(|_| breakdown) {
        let one = Extractor::new(vec![kind], Vec::new());
        let started = Instant::now();
        let mut found = 0usize;
        for piece in pieces(&text[..sample_len]) {
            found += one.extract(piece).len();
        }
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "  {name}, {:<15} alone: {:>8.1} MB/s  ({found} indicators)",
            kind.name(),
            sample_len as f64 / 1e6 / seconds
        );
    }
    // One piece before the clock starts (the patterns are compiled by Extractor::new): the
    // measured run starts with a warm public-suffix memory, as a session's later cells do.
    extractor.extract(pieces(text).next().unwrap_or_default());
    let started = Instant::now();
    // One core: extract ~64 KiB pieces that end at line breaks, as a reader of a big log would.
    let mut found = 0usize;
    for piece in pieces(text) {
        found += extractor.extract(piece).len();
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "%ioc text ({name}), 1 core: {:>8.1} MB/s  ({} MB, {found} indicators, {seconds:.2} s; target >= 200 MB/s)",
        text.len() as f64 / 1e6 / seconds,
        text.len() >> 20
    );
}

/// The text in pieces of about 64 KiB that end at line breaks, as a reader of a big log
/// hands them over.
fn pieces(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let cut = rest.len().min(1 << 16);
        let end = rest.as_bytes()[cut..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |i| cut + i + 1);
        let (piece, tail) = rest.split_at(end);
        rest = tail;
        Some(piece)
    })
}

//! A Log Analytics answer of a million rows into a frame (issue 20): rows per second and
//! peak memory next to the answer's size. The answer is generated in the recorded shape
//! (`tables[].columns[].{name,type}`, `rows` — as in
//! ../shared/data/msticpy/drivers/azmon_raw_query_response.json) with every column type
//! the API returns, about 300 bytes a row. Prints figures; asserts nothing.
//! Target: ≥ 20x pandas reading it the way msticpy's driver does (benches/vs_pandas_log_analytics.py,
//! given the file written with --keep), peak memory under 3x the answer's size.
//!
//! cargo bench --bench log_analytics_parse -- [ROWS] [--keep FILE]   (default 1000000)
//! cargo bench --bench log_analytics_parse -- --from FILE             (read a kept answer)

use std::io::Write;
use std::time::Instant;

mod common;
use common::{cpu_seconds, status};

const COLUMNS: &[(&str, &str)] = &[
    ("TenantId", "guid"),
    ("TimeGenerated", "datetime"),
    ("Computer", "string"),
    ("EventID", "int"),
    ("Account", "string"),
    ("LogonType", "int"),
    ("IpAddress", "string"),
    ("TargetLogonId", "long"),
    ("Elevated", "bool"),
    ("Score", "real"),
    ("Duration", "timespan"),
    ("Activity", "string"),
    ("AdditionalInfo", "dynamic"),
];

fn row(i: u64, out: &mut Vec<u8>) {
    let (s, ms) = (i % 86_400, (i * 7) % 1000);
    let _ = write!(
        out,
        "[\"52b1ab41-869e-4138-9e40-2a4457f09bf0\",\"2023-02-{:02}T{:02}:{:02}:{:02}.{ms:03}0000Z\",\"WS{:04}.contoso.com\",{},\"CONTOSO\\\\user{}\",{},\"10.{}.{}.{}\",{},{},{:.3},\"00:00:{:02}.{:03}\",\"{} - An account was successfully logged on.\",{{\"LogonProcess\":\"User32\",\"Seq\":{i}}}]",
        1 + (i / 86_400) % 28,
        s / 3600,
        (s / 60) % 60,
        s % 60,
        i % 5000,
        [4624, 4625, 4634, 4672][(i % 4) as usize],
        i % 20_000,
        [2, 3, 10][(i % 3) as usize],
        (i >> 16) & 255,
        (i >> 8) & 255,
        i & 255,
        0x3e7_0000 + i,
        i.is_multiple_of(9),
        (i % 1000) as f64 / 7.0,
        i % 60,
        ms,
        [4624, 4625, 4634, 4672][(i % 4) as usize],
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rows: u64 = args
        .iter()
        .find(|a| a.chars().all(|c| c.is_ascii_digit()))
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let keep = args
        .iter()
        .position(|a| a == "--keep")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let from = args
        .iter()
        .position(|a| a == "--from")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let body = match &from {
        Some(path) => std::fs::read(path).expect("the --from file is readable"),
        None => answer(rows, keep.as_deref()),
    };
    read(&body);
}

/// The answer of `rows` rows, written to `keep` if given.
fn answer(rows: u64, keep: Option<&str>) -> Vec<u8> {
    let started = Instant::now();
    let mut body = Vec::with_capacity(rows as usize * 320);
    body.extend_from_slice(b"{\"tables\":[{\"name\":\"PrimaryResult\",\"columns\":[");
    for (i, (name, kind)) in COLUMNS.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        let _ = write!(body, "{{\"name\":\"{name}\",\"type\":\"{kind}\"}}");
    }
    body.extend_from_slice(b"],\"rows\":[");
    for i in 0..rows {
        if i > 0 {
            body.push(b',');
        }
        row(i, &mut body);
    }
    body.extend_from_slice(b"]}]}");
    body.shrink_to_fit();
    println!(
        "made a Log Analytics answer of {rows} rows, {:.1} MB, in {:.1} s",
        body.len() as f64 / 1_048_576.0,
        started.elapsed().as_secs_f64()
    );
    if let Some(path) = keep {
        std::fs::write(path, &body).expect("the --keep file is writable");
        println!("wrote it to {path}");
    }
    body
}

fn read(body: &[u8]) {
    // Start the peak count afresh (Linux: clear_refs 5 resets VmHWM), with the answer held.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = status("VmHWM:");
    let (user, system) = cpu_seconds();
    let started = Instant::now();
    let got = huntbook::remote::tables::log_analytics(body).expect("a well-formed answer");
    let seconds = started.elapsed().as_secs_f64();
    let (user_after, system_after) = cpu_seconds();
    let df = got.value;
    println!(
        "{} rows × {} columns in {seconds:.2} s ({:.0} rows/s, {:.0} MB/s); warnings: {}",
        df.height(),
        df.width(),
        df.height() as f64 / seconds,
        body.len() as f64 / 1_048_576.0 / seconds,
        got.warnings.len()
    );
    println!(
        "CPU time of the read, on all cores: user {:.2} s, system {:.2} s",
        user_after - user,
        system_after - system
    );
    println!(
        "peak resident memory while reading, the answer included: {} (before, with the answer: {before}); answer {:.1} MB",
        status("VmHWM:"),
        body.len() as f64 / 1_048_576.0
    );
    println!(
        "schema: {:?}",
        df.schema().iter().map(|(n, t)| format!("{n}: {t}")).collect::<Vec<_>>()
    );
}

//! What the Rust benchmarks share.

/// A field of `/proc/self/status` (`VmHWM:`, `RssAnon:` …), or "?" where there is none.
pub fn status(field: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .map(|l| l[field.len()..].trim().to_string())
        .unwrap_or_else(|| "?".into())
}

/// The process's CPU time so far, user and system, in seconds (`/proc/self/stat`, in the
/// clock ticks of `getconf CLK_TCK`, 100 a second on Linux); zeros where there is none.
#[allow(dead_code)]
pub fn cpu_seconds() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<f64> = rest.split_whitespace().map(|f| f.parse().unwrap_or(0.0)).collect();
    let tick = |i: usize| fields.get(i).copied().unwrap_or(0.0) / 100.0;
    (tick(11), tick(12))
}

//! A black-box fuzzing loop for the parsers and extractors, run from ignored tests for as
//! long as `HUNTBOOK_FUZZ_SECS` says (see README, "Security"): inputs are real files from
//! `../shared/data` mutated — bits flipped, bytes inserted and deleted, chunks repeated and
//! spliced between files, tokens of the format inserted — and each case must end without a
//! panic and without taking more than [`MAX_CASE_BYTES`] of memory at its peak.
//!
//! The memory check needs [`Counting`] as the test binary's global allocator. There is no
//! coverage feedback (cargo-fuzz needs a nightly toolchain and an instrumented build of
//! polars, which takes longer on this machine than the runs themselves); the mutations are
//! chosen to reach what breaks parsers: nesting, size, truncation and odd bytes.

use std::alloc::{GlobalAlloc, Layout, System};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The most one case may hold at once, over what was live when it started.
pub const MAX_CASE_BYTES: usize = 1 << 30;
/// Inputs are kept below this size.
const MAX_INPUT: usize = 1 << 20;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting live bytes and their peak.
pub struct Counting;

impl Counting {
    fn grew(size: usize) {
        let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
        PEAK.fetch_max(live, Ordering::Relaxed);
        if size > MAX_CASE_BYTES {
            Self::remember_where(size);
        }
    }

    /// Keeps the stack of the first allocation over [`MAX_CASE_BYTES`], so a failing case
    /// says where memory went. Capturing allocates: a flag keeps it from recursing.
    fn remember_where(size: usize) {
        thread_local! {
            static CAPTURING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
        }
        if CAPTURING.with(|c| c.replace(true)) {
            return;
        }
        if let Ok(mut slot) = HUGE.try_lock()
            && slot.is_none()
        {
            *slot = Some(format!(
                "{size} bytes at once, from\n{}",
                std::backtrace::Backtrace::force_capture()
            ));
        }
        CAPTURING.with(|c| c.set(false));
    }
}

/// Where the first allocation over [`MAX_CASE_BYTES`] of the current case was made.
static HUGE: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

// SAFETY: every call is passed to `System` unchanged; only counters are updated.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as the caller promised for `layout`.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            Self::grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as the caller promised for `layout`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            Self::grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` was allocated by `System` with `layout`.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            Self::grew(new_size);
        }
        p
    }
}

/// What a finished run did.
#[derive(Debug)]
pub struct Report {
    pub cases: u64,
    pub elapsed: Duration,
    /// The largest peak of any case, over what was live when it started.
    pub peak_case_bytes: usize,
    pub largest_input: usize,
}

impl Report {
    /// One line of figures for `name`'s run, as the fuzz tests print it.
    pub fn line(&self, name: &str) -> String {
        format!(
            "fuzz {name}: {} cases in {:.0?} ({:.0}/s), largest input {} bytes, largest peak {:.1} MiB, no panic",
            self.cases,
            self.elapsed,
            self.cases as f64 / self.elapsed.as_secs_f64().max(1e-9),
            self.largest_input,
            self.peak_case_bytes as f64 / (1 << 20) as f64
        )
    }
}

/// The case that broke a run.
#[derive(Debug)]
pub struct Failure {
    pub what: String,
    pub input: Vec<u8>,
}

/// How long each fuzz test runs: `HUNTBOOK_FUZZ_SECS`, default 10 seconds.
pub fn duration() -> Duration {
    let secs = std::env::var("HUNTBOOK_FUZZ_SECS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(10);
    Duration::from_secs(secs)
}

/// Runs `target` on mutations of `seeds` (with `tokens` of the format spliced in) for
/// `duration`, stopping at the first case that panics or passes [`MAX_CASE_BYTES`].
pub fn run(
    seeds: &[Vec<u8>],
    tokens: &[&[u8]],
    duration: Duration,
    mut target: impl FnMut(&[u8]),
) -> Result<Report, Failure> {
    assert!(!seeds.is_empty(), "a fuzz run needs at least one seed");
    // Seeded from the clock, so every run tries other cases.
    let clock = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut rng = Rng::new(clock ^ u64::from(std::process::id()));
    let start = Instant::now();
    let mut report = Report {
        cases: 0,
        elapsed: Duration::ZERO,
        peak_case_bytes: 0,
        largest_input: 0,
    };
    while start.elapsed() < duration {
        let input = mutate(seeds, tokens, &mut rng);
        report.cases += 1;
        report.largest_input = report.largest_input.max(input.len());
        let peak = check(input, &mut target).map_err(|mut f| {
            f.what = format!("case {}: {}", report.cases, f.what);
            f
        })?;
        report.peak_case_bytes = report.peak_case_bytes.max(peak);
    }
    report.elapsed = start.elapsed();
    Ok(report)
}

/// Runs `target` on one input: its memory peak over what was live before, or the failure
/// (a panic, or a peak over [`MAX_CASE_BYTES`] with the stack of the largest allocation).
pub fn check(input: Vec<u8>, target: &mut impl FnMut(&[u8])) -> Result<usize, Failure> {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    if let Ok(mut slot) = HUGE.lock() {
        *slot = None;
    }
    let outcome = catch_unwind(AssertUnwindSafe(|| target(&input)));
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(before);
    if let Err(panic) = outcome {
        return Err(Failure {
            what: format!("panicked: {}", crate::error::panic_message(panic.as_ref())),
            input,
        });
    }
    if peak > MAX_CASE_BYTES {
        let huge = HUGE.lock().ok().and_then(|mut s| s.take()).unwrap_or_default();
        return Err(Failure {
            what: format!("took {peak} bytes at its peak; {huge}"),
            input,
        });
    }
    Ok(peak)
}

/// One to eight stacked mutations of a random seed.
fn mutate(seeds: &[Vec<u8>], tokens: &[&[u8]], rng: &mut Rng) -> Vec<u8> {
    let mut data = seeds[rng.below(seeds.len())].clone();
    for _ in 0..1 + rng.below(8) {
        let at = rng.below(data.len() + 1);
        match rng.below(9) {
            0 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] ^= 1 << rng.below(8);
            }
            1 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] = [0, 0xff, b'"', b'\\', b'\n', b'[', b'{', b'=', 0x80][rng.below(9)];
            }
            2 if !data.is_empty() => {
                let end = (at + 1 + rng.below(64)).min(data.len());
                data.drain(at.min(end)..end);
            }
            3 => {
                let token = tokens.get(rng.below(tokens.len().max(1))).copied().unwrap_or(b"\0");
                data.splice(at..at, token.iter().copied());
            }
            4 if !data.is_empty() => {
                // A chunk repeated: deep nesting, long runs, many records.
                let start = rng.below(data.len());
                let end = (start + 1 + rng.below(32)).min(data.len());
                let chunk = data[start..end].to_vec();
                let most = if rng.below(4) == 0 { 4096 } else { 16 };
                let times = 1 + rng.below(most);
                let repeated: Vec<u8> = chunk.iter().copied().cycle().take(chunk.len() * times).collect();
                data.splice(at..at, repeated);
            }
            5 => {
                // Splice the tail of another seed in.
                let other = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len() + 1);
                data.truncate(at);
                data.extend_from_slice(&other[from..]);
            }
            6 => data.truncate(at),
            7 => {
                let n = 1 + rng.below(16);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                data.splice(at..at, bytes);
            }
            _ => {
                // A token repeated many times: nesting and field floods.
                let token = tokens.get(rng.below(tokens.len().max(1))).copied().unwrap_or(b"[");
                let times = 1 + rng.below(2048);
                let repeated: Vec<u8> = token.iter().copied().cycle().take(token.len() * times).collect();
                data.splice(at..at, repeated);
            }
        }
        data.truncate(MAX_INPUT);
    }
    data
}

/// xorshift64*: fast, and enough for choosing mutations.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_target_is_reported_with_its_input() {
        let seeds = vec![b"{\"a\": 1}".to_vec()];
        let failure = run(&seeds, &[b"["], Duration::from_secs(5), |input| {
            assert!(!input.contains(&b'['), "found a bracket");
        })
        .expect_err("some mutation inserts a bracket");
        assert!(failure.what.contains("found a bracket"), "{}", failure.what);
        assert!(failure.input.contains(&b'['));
    }

    #[test]
    fn mutations_stay_under_the_input_limit() {
        let seeds = vec![vec![b'x'; MAX_INPUT]];
        let mut rng = Rng::new(7);
        for _ in 0..200 {
            assert!(mutate(&seeds, &[b"[[[["], &mut rng).len() <= MAX_INPUT);
        }
    }
}

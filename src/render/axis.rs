//! Chart axes: time ticks on round boundaries for any span from milliseconds to years,
//! and value ticks with short numbers (1.5k, 2M).

use chrono::{DateTime, Datelike, TimeZone as _, Utc};

/// A tick step for a time span: (µs, label format).
fn time_step(span_us: i64) -> (i64, &'static str) {
    const S: i64 = 1_000_000;
    let steps: [(i64, &str); 22] = [
        (S / 1000, "%H:%M:%S%.3f"),
        (S / 100, "%H:%M:%S%.3f"),
        (S / 10, "%H:%M:%S%.3f"),
        (S, "%H:%M:%S"),
        (5 * S, "%H:%M:%S"),
        (15 * S, "%H:%M:%S"),
        (30 * S, "%H:%M:%S"),
        (60 * S, "%H:%M"),
        (5 * 60 * S, "%H:%M"),
        (15 * 60 * S, "%H:%M"),
        (30 * 60 * S, "%H:%M"),
        (3600 * S, "%m-%d %H:%M"),
        (3 * 3600 * S, "%m-%d %H:%M"),
        (6 * 3600 * S, "%m-%d %H:%M"),
        (12 * 3600 * S, "%m-%d %H:%M"),
        (86400 * S, "%Y-%m-%d"),
        (2 * 86400 * S, "%Y-%m-%d"),
        (7 * 86400 * S, "%Y-%m-%d"),
        (30 * 86400 * S, "%Y-%m"),
        (91 * 86400 * S, "%Y-%m"),
        (365 * 86400 * S, "%Y"),
        (5 * 365 * 86400 * S, "%Y"),
    ];
    steps
        .iter()
        .copied()
        .find(|(step, _)| span_us / step <= 8)
        .unwrap_or((span_us / 8 + 1, "%Y"))
}

/// Tick times from `start` to `end`: on round boundaries (months and years on the
/// calendar).
pub(super) fn ticks(start: i64, end: i64) -> (Vec<i64>, &'static str) {
    let span = (i128::from(end) - i128::from(start)).min(i128::from(i64::MAX)) as i64;
    let (step, format) = time_step(span);
    const DAY: i64 = 86_400_000_000;
    let mut out = Vec::new();
    if step >= 30 * DAY {
        let months = if step >= 365 * DAY {
            12 * (step / (365 * DAY))
        } else {
            step / (30 * DAY)
        };
        let first = DateTime::<Utc>::from_timestamp_micros(start).unwrap_or_default();
        let (mut y, mut m) = (first.year(), first.month0() as i64);
        m = (m / months + 1) * months;
        loop {
            y += (m / 12) as i32;
            m %= 12;
            let Some(t) = Utc.with_ymd_and_hms(y, m as u32 + 1, 1, 0, 0, 0).single() else {
                break;
            };
            let t = t.timestamp_micros();
            if t > end {
                break;
            }
            if t >= start {
                out.push(t);
            }
            m += months;
        }
    } else {
        // Checked steps: near the ends of the i64 range the next tick may not exist.
        let mut t = start.div_euclid(step).checked_mul(step);
        if let Some(first) = t
            && first < start
        {
            t = first.checked_add(step);
        }
        while let Some(tick) = t
            && tick <= end
        {
            out.push(tick);
            t = tick.checked_add(step);
        }
    }
    (out, format)
}

pub(super) const SECONDS: &str = crate::time::Precision::Seconds.format();

// Tick labels are written by the one time formatter, with the format the span needs.
pub(super) use crate::time::utc_as as utc;

pub(super) fn nice_number(v: f64) -> String {
    let v = if v.abs() < 1e-9 { 0.0 } else { v };
    let a = v.abs();
    let (div, suffix) = if a >= 1e12 {
        (1e12, "T")
    } else if a >= 1e9 {
        (1e9, "G")
    } else if a >= 1e6 {
        (1e6, "M")
    } else if a >= 1e3 {
        (1e3, "k")
    } else {
        (1.0, "")
    };
    let x = v / div;
    if (x - x.round()).abs() < 1e-9 {
        format!("{}{suffix}", x.round())
    } else {
        format!("{x:.2}{suffix}").replace(".00", "")
    }
}

pub(super) fn value_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = (hi - lo).max(f64::EPSILON);
    let raw = span / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| span / s <= 6.0)
        .unwrap_or(10.0 * mag);
    let mut t = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while t <= hi + step * 1e-9 {
        out.push(t);
        t += step;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_labels_suit_the_span() {
        let t0 = Utc.with_ymd_and_hms(2024, 3, 5, 10, 0, 0).unwrap().timestamp_micros();
        for (span_s, format) in [
            (3i64, "%H:%M:%S"),
            (600, "%H:%M"),
            (86_400, "%m-%d %H:%M"),
            (20 * 86_400, "%Y-%m-%d"),
            (400 * 86_400, "%Y-%m"),
            (10 * 365 * 86_400, "%Y"),
        ] {
            let (ticks, f) = ticks(t0, t0 + span_s * 1_000_000);
            assert_eq!(f, format, "span {span_s} s");
            assert!(
                (2..=10).contains(&ticks.len()),
                "span {span_s} s: {} ticks",
                ticks.len()
            );
        }
    }
}

//! Times as analysts write them: absolute (`2019-02-10`, `2019-02-10T06:00`,
//! `2019-02-10 06:00:00`, RFC 3339) or relative to now in msticpy's form
//! `[+|-]N[y|mon|w|d|h|m|s][@unit]` (unit defaults to days; `@d` rounds down to the day for
//! a past offset and up for a future one), and spans like `24h`, `2h30m`, `7d`.
//!
//! Times are shown by one formatter, [`utc`], at the precision the display needs.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};

/// How much of a time a display shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    Minutes,
    Seconds,
    Millis,
}

impl Precision {
    pub const fn format(self) -> &'static str {
        match self {
            Precision::Minutes => "%Y-%m-%d %H:%M",
            Precision::Seconds => "%Y-%m-%d %H:%M:%S",
            Precision::Millis => "%Y-%m-%d %H:%M:%S%.3f",
        }
    }
}

/// A time in µs since the epoch, written in UTC (without the zone: displays say "UTC"
/// once). A value outside chrono's range is written as the number it is.
pub fn utc(micros: i64, precision: Precision) -> String {
    utc_as(micros, precision.format())
}

/// [`utc`] with a strftime `format` of the caller's (a chart axis labels ticks with as
/// little as the span needs: `%H:%M`, `%m-%d`, `%Y`).
pub fn utc_as(micros: i64, format: &str) -> String {
    DateTime::<Utc>::from_timestamp_micros(micros).map_or_else(|| micros.to_string(), |t| t.format(format).to_string())
}

/// A time from text, relative ones against `now`.
pub fn parse_time(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("now") {
        return Ok(now);
    }
    if let Some(abs) = parse_absolute(t) {
        return Ok(abs);
    }
    parse_relative(t, now).ok_or_else(|| {
        format!(
            "{text:?} is not a time: use 2019-02-10, 2019-02-10T06:00, 2019-02-10 06:00:00Z, now, \
             or an offset like -3d, -12h, -3d@d"
        )
    })
}

pub fn parse_absolute(t: &str) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.to_utc());
    }
    let naive = t.trim_end_matches('Z').trim_end_matches(" UTC");
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(naive, format) {
            return Some(Utc.from_utc_datetime(&d));
        }
    }
    NaiveDate::parse_from_str(naive, "%Y-%m-%d")
        .ok()
        .map(|d| Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap()))
}

/// `[+|-]N[unit][@unit]`; a bare number is days.
fn parse_relative(t: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let (offset, round) = match t.split_once('@') {
        Some((o, r)) => (o, Some(r)),
        None => (t, None),
    };
    let (sign, body) = match offset.as_bytes().first()? {
        b'-' => (-1, &offset[1..]),
        b'+' => (1, &offset[1..]),
        _ => (1, offset),
    };
    let digits = body.find(|c: char| !c.is_ascii_digit()).unwrap_or(body.len());
    let n: i64 = body[..digits].parse().ok()?;
    let unit = if digits == body.len() { "d" } else { &body[digits..] };
    let shifted = shift(now, sign * n, unit)?;
    match round {
        None => Some(shifted),
        Some(unit) => round_to(shifted, unit, sign > 0),
    }
}

fn shift(t: DateTime<Utc>, n: i64, unit: &str) -> Option<DateTime<Utc>> {
    Some(match unit {
        "y" => t.with_year(t.year() + n as i32)?,
        "mon" => {
            let months = t.year() as i64 * 12 + t.month0() as i64 + n;
            t.with_day(1)?
                .with_year((months / 12) as i32)?
                .with_month((months % 12) as u32 + 1)?
                .with_day(t.day().min(28))?
        }
        _ => t + Duration::seconds(n.checked_mul(unit_seconds(unit)?)?),
    })
}

fn unit_seconds(unit: &str) -> Option<i64> {
    Some(match unit {
        "w" => 7 * 86400,
        "d" => 86400,
        "h" => 3600,
        "m" => 60,
        "s" => 1,
        _ => return None,
    })
}

fn round_to(t: DateTime<Utc>, unit: &str, up: bool) -> Option<DateTime<Utc>> {
    let floor = match unit {
        "y" => Utc.with_ymd_and_hms(t.year(), 1, 1, 0, 0, 0).single()?,
        "mon" => Utc.with_ymd_and_hms(t.year(), t.month(), 1, 0, 0, 0).single()?,
        "w" => {
            let d = Utc.with_ymd_and_hms(t.year(), t.month(), t.day(), 0, 0, 0).single()?;
            d - Duration::days(d.weekday().num_days_from_monday() as i64)
        }
        "d" => Utc.with_ymd_and_hms(t.year(), t.month(), t.day(), 0, 0, 0).single()?,
        "h" => Utc
            .with_ymd_and_hms(t.year(), t.month(), t.day(), t.hour(), 0, 0)
            .single()?,
        "m" => Utc
            .with_ymd_and_hms(t.year(), t.month(), t.day(), t.hour(), t.minute(), 0)
            .single()?,
        "s" => Utc
            .with_ymd_and_hms(t.year(), t.month(), t.day(), t.hour(), t.minute(), t.second())
            .single()?,
        _ => return None,
    };
    if up && floor != t {
        shift(floor, 1, unit)
    } else {
        Some(floor)
    }
}

/// A span: `24h`, `2h30m`, `7d`, `90s`, `1w` (sums of number-unit pairs).
pub fn parse_span(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let bad = || format!("{text:?} is not a span: use forms like 24h, 7d, 2h30m, 90s, 1w");
    let mut total = Duration::zero();
    let mut rest = t;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        if digits == 0 {
            return Err(bad());
        }
        let n: i64 = rest[..digits].parse().map_err(|_| bad())?;
        let after = &rest[digits..];
        let unit_len = after.find(|c: char| c.is_ascii_digit()).unwrap_or(after.len());
        let secs = unit_seconds(&after[..unit_len]).ok_or_else(bad)?;
        total += Duration::seconds(n.checked_mul(secs).ok_or_else(bad)?);
        rest = &after[unit_len..];
    }
    Ok(total)
}

/// ISO 8601 as msticpy renders datetimes into queries: `2019-02-10T06:00:00Z`, with
/// fractional seconds only when there are any.
pub fn iso(t: DateTime<Utc>) -> String {
    if t.timestamp_subsec_micros() == 0 {
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
    }
}

/// The investigation's time window, as `%time` sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindow {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl TimeWindow {
    /// [`TimeWindow::parse`] against the current time.
    pub fn parse_now(text: &str) -> Result<TimeWindow, String> {
        TimeWindow::parse(text, Utc::now())
    }

    /// `last 24h`, `A .. B` (either side any time `parse_time` reads, e.g. `-3d@d .. now`),
    /// or `around T ±2h` (also `+-2h`, or just `2h`).
    pub fn parse(text: &str, now: DateTime<Utc>) -> Result<TimeWindow, String> {
        let t = text.trim();
        let window = if let Some(span) = t.strip_prefix("last ") {
            TimeWindow {
                start: now - parse_span(span)?,
                end: now,
            }
        } else if let Some(rest) = t.strip_prefix("around ") {
            let (at, span) = rest
                .rsplit_once(' ')
                .ok_or_else(|| format!("{text:?}: write  around TIME ±SPAN,  e.g. around 2019-02-10T06:00 ±2h"))?;
            let span = parse_span(span.trim_start_matches('±').trim_start_matches("+-"))?;
            let at = parse_time(at, now)?;
            TimeWindow {
                start: at - span,
                end: at + span,
            }
        } else if let Some((a, b)) = t.split_once("..") {
            TimeWindow {
                start: parse_time(a, now)?,
                end: parse_time(b, now)?,
            }
        } else {
            return Err(format!(
                "{text:?} is not a time window: write  last 24h,  2019-02-10 .. 2019-02-12T06:00,  or  around TIME ±2h"
            ));
        };
        if window.end < window.start {
            return Err(format!(
                "the window ends ({}) before it starts ({})",
                iso(window.end),
                iso(window.start)
            ));
        }
        Ok(window)
    }
}

impl std::fmt::Display for TimeWindow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let span = self.end - self.start;
        let hours = span.num_minutes() as f64 / 60.0;
        let length = if hours >= 48.0 {
            format!("{:.1} days", hours / 24.0)
        } else {
            format!("{hours:.1} hours")
        };
        write!(f, "{} .. {} ({length})", iso(self.start), iso(self.end))
    }
}

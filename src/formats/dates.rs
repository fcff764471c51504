//! Dates written with slashes (`7/8/2019 16:08`, Sentinel's export `7/8/2019, 4:08:00.000
//! PM`): polars' date inference reads them day first when it reads them at all, while
//! pandas, Sentinel and Excel's US exports mean month first. A column of them is read here
//! month first, or day first when a first field passes 12; a column where neither order
//! fits every value stays text. When no value tells the order, a warning says month first
//! was assumed.

use std::sync::LazyLock;

use chrono::NaiveDate;
use polars::prelude::*;
use regex::Regex;

static SLASHED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*([AaPp][Mm])?)?\s*$",
    )
    .unwrap()
});

/// Whether `text` is a slashed date (and time).
pub fn is_slashed(text: &str) -> bool {
    SLASHED.is_match(text)
}

/// The column's values as µs since the epoch (naive, as polars reads a time without a
/// zone), when every value that is not null is a slashed date and one order of day and
/// month fits them all; and whether the order was a guess (no value told).
pub fn read_slashed(values: &StringChunked) -> Option<(Vec<Option<i64>>, bool)> {
    let mut parts = Vec::with_capacity(values.len());
    let (mut first_is_day, mut second_is_day) = (false, false);
    for v in values.iter() {
        let Some(v) = v else {
            parts.push(None);
            continue;
        };
        let c = SLASHED.captures(v)?;
        let number = |k: usize| c.get(k).map_or(Some(0), |m| m.as_str().parse::<u32>().ok());
        let (a, b, year) = (number(1)?, number(2)?, number(3)? as i32);
        first_is_day |= a > 12;
        second_is_day |= b > 12;
        let (mut hour, minute, second) = (number(4)?, number(5)?, number(6)?);
        if let Some(half) = c.get(8) {
            let pm = half.as_str().eq_ignore_ascii_case("pm");
            if !(1..=12).contains(&hour) {
                return None;
            }
            hour = hour % 12 + if pm { 12 } else { 0 };
        }
        let fraction = c.get(7).map_or(0, |m| {
            let digits = &m.as_str()[..m.as_str().len().min(6)];
            digits.parse::<i64>().unwrap_or(0) * 10i64.pow(6 - digits.len() as u32)
        });
        parts.push(Some((a, b, year, hour, minute, second, fraction)));
    }
    if (first_is_day && second_is_day) || parts.iter().all(Option::is_none) {
        return None;
    }
    let micros = parts
        .into_iter()
        .map(|p| {
            let Some((a, b, year, hour, minute, second, fraction)) = p else {
                return Some(None);
            };
            let (month, day) = if first_is_day { (b, a) } else { (a, b) };
            let t = NaiveDate::from_ymd_opt(year, month, day)?.and_hms_opt(hour, minute, second)?;
            Some(Some(t.and_utc().timestamp_micros() + fraction))
        })
        .collect::<Option<Vec<_>>>()?;
    Some((micros, !first_is_day && !second_is_day))
}

/// Every text column of `df` that is all slashed dates, read as times; a warning for each
/// whose order was assumed.
pub fn read_slashed_columns(df: &mut DataFrame, source: &str) -> PolarsResult<Vec<String>> {
    let mut warnings = Vec::new();
    for name in crate::frame::text_columns(df) {
        let Some((micros, guessed)) = read_slashed(df.column(&name)?.str()?) else {
            continue;
        };
        let times = Int64Chunked::from_iter_options(name.as_str().into(), micros.into_iter())
            .into_datetime(TimeUnit::Microseconds, None)
            .into_column();
        df.with_column(times)?;
        if guessed {
            warnings.push(format!(
                "{source}: {name} holds dates like 7/8/2019 with no day past 12: read month first (8 July), \
                 as pandas and Sentinel's US exports mean them"
            ));
        }
    }
    Ok(warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(values: &[Option<&str>]) -> Option<(Vec<Option<i64>>, bool)> {
        read_slashed(&StringChunked::from_iter_options("t".into(), values.iter().copied()))
    }

    fn at(iso: &str) -> i64 {
        chrono::NaiveDateTime::parse_from_str(iso, "%Y-%m-%d %H:%M:%S%.f")
            .unwrap()
            .and_utc()
            .timestamp_micros()
    }

    #[test]
    fn month_first_unless_a_day_says_otherwise() {
        let (t, guessed) = read(&[Some("7/8/2019 16:08"), None, Some("7/9/2019 16:08:05")]).unwrap();
        assert_eq!(
            t,
            vec![Some(at("2019-07-08 16:08:00")), None, Some(at("2019-07-09 16:08:05"))]
        );
        assert!(guessed);
        let (t, guessed) = read(&[Some("7/13/2019, 4:08:00.250 PM"), Some("7/8/2019, 12:01:00.000 AM")]).unwrap();
        assert_eq!(
            t,
            vec![Some(at("2019-07-13 16:08:00.25")), Some(at("2019-07-08 00:01:00"))]
        );
        assert!(!guessed);
        let (t, _) = read(&[Some("13/7/2019"), Some("7/8/2019")]).unwrap();
        assert_eq!(
            t,
            vec![Some(at("2019-07-13 00:00:00")), Some(at("2019-08-07 00:00:00"))]
        );
        assert_eq!(
            read(&[Some("13/7/2019"), Some("7/13/2019")]),
            None,
            "neither order fits both"
        );
        assert_eq!(
            read(&[Some("7/8/2019"), Some("soon")]),
            None,
            "not every value is a date"
        );
        assert_eq!(read(&[Some("2/30/2019")]), None, "no such day");
        assert_eq!(read(&[None]), None);
    }
}

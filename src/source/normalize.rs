//! Every table the same shape where queries look: a `Computer` column for hosts and a
//! UTC `TimeGenerated` column (see the module note of [`super`]).

use polars::prelude::*;

/// The column every table of a local source has, in UTC, and that time windows apply to.
pub const TIME_COLUMN: &str = "TimeGenerated";

/// Columns a table's [`TIME_COLUMN`] is derived from when it has none, in order of preference.
const TIME_CANDIDATES: &[&str] = &[
    "TimeCreated",
    "@timestamp",
    "timestamp",
    "ts",
    "EventTime",
    "Timestamp",
    "TimeCreatedUtc",
    "StartTimeUtc",
];

/// The column queries filter hosts on, as in Sentinel's tables.
pub const HOST_COLUMN: &str = "Computer";

/// Columns [`HOST_COLUMN`] is copied from when a table has none (OTRF's `Hostname`, MDE's
/// `DeviceName`, …), in order of preference.
const HOST_CANDIDATES: &[&str] = &["Hostname", "hostname", "host", "ComputerName", "DeviceName", "HostName"];

/// Adds [`HOST_COLUMN`] from another host-name column when the table has none, and adds or
/// normalises [`TIME_COLUMN`] (see the module note).
pub fn normalize(mut lf: LazyFrame) -> PolarsResult<LazyFrame> {
    let schema = lf.collect_schema()?;
    if schema.get(HOST_COLUMN).is_none()
        && let Some(host) = HOST_CANDIDATES
            .iter()
            .find(|c| matches!(schema.get(c), Some(DataType::String)))
    {
        lf = lf.with_column(col(*host).alias(HOST_COLUMN));
    }
    let utc = |lf: &LazyFrame, name: &str, dtype: &DataType| -> Option<Expr> {
        let c = col(name);
        match dtype {
            DataType::Datetime(_, Some(_)) => Some(c.dt().convert_time_zone(TimeZone::UTC)),
            DataType::Datetime(_, None) => Some(c.dt().replace_time_zone(
                Some(TimeZone::UTC),
                lit("raise"),
                NonExistent::Raise,
            )),
            DataType::Date => Some(c.cast(DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC)))),
            DataType::String if parses_as_time(lf, name) => Some(c.str().to_datetime(
                Some(TimeUnit::Microseconds),
                Some(TimeZone::UTC),
                StrptimeOptions {
                    strict: false,
                    ..Default::default()
                },
                lit("raise"),
            )),
            _ => None,
        }
    };
    if let Some(dtype) = schema.get(TIME_COLUMN) {
        if matches!(dtype, DataType::Datetime(_, Some(tz)) if tz.as_str() == "UTC") {
            return Ok(lf);
        }
        return Ok(match utc(&lf, TIME_COLUMN, dtype) {
            Some(e) => lf.with_column(e.alias(TIME_COLUMN)),
            None => lf,
        });
    }
    for candidate in TIME_CANDIDATES {
        if let Some(dtype) = schema.get(candidate)
            && let Some(e) = utc(&lf, candidate, dtype)
        {
            return Ok(lf.with_column(e.alias(TIME_COLUMN)));
        }
    }
    Ok(lf)
}

/// Whether a text column's first value is an ISO-8601 time polars will read: text times in
/// other shapes are left as they are rather than turned into nulls.
fn parses_as_time(lf: &LazyFrame, name: &str) -> bool {
    let first = lf.clone().select([col(name)]).drop_nulls(None).limit(1).collect();
    let Ok(df) = first else { return false };
    let Some(value) = df
        .column(name)
        .ok()
        .and_then(|c| c.str().ok().and_then(|s| s.get(0).map(str::to_string)))
    else {
        return false;
    };
    let v = value.trim();
    chrono::DateTime::parse_from_rfc3339(v).is_ok()
        || ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.fZ"]
            .iter()
            .any(|f| chrono::NaiveDateTime::parse_from_str(v, f).is_ok())
}

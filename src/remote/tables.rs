//! Query results of the Microsoft services into frames with typed columns.
//!
//! Log Analytics (`{"tables": [{"name", "columns": [{name, type}], "rows": [[…]]}]}`) is read
//! in one pass, on every core ([`super::rows`]): each row's cells go straight into
//! per-column builders, so a response of a million rows never exists as a tree of JSON
//! values (msticpy's driver builds one, then a pandas frame from it). Azure Data Explorer's v2 frames and Defender's `Schema`/`Results`
//! (both Microsoft Graph's `runHuntingQuery` and the MDE `advancedqueries/run` form) are
//! read into the same builders from the parsed response.
//!
//! Types: `datetime` becomes a UTC datetime (µs); `long`, `int` and their kin 64-bit
//! integers; `real`, `double` and `decimal` floats; `bool` booleans; `dynamic` JSON text
//! (which `%%sql` can take apart); `string`, `guid`, `timespan` and anything else text. A
//! value that does not fit its column's type is null, and the columns where that happened
//! are named in a warning — never dropped in silence.

use chrono::DateTime;
use polars::prelude::*;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::frame::Warned;

/// What a column becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    Datetime,
    Long,
    Real,
    Bool,
    /// JSON kept as its text.
    Dynamic,
}

impl ColumnType {
    /// The column type for a service's type name (Log Analytics, Kusto, Defender, Graph).
    pub fn of(service_type: &str) -> ColumnType {
        match service_type.to_ascii_lowercase().as_str() {
            "datetime" | "date" | "system.datetime" => ColumnType::Datetime,
            "long" | "int" | "int32" | "int64" | "integer" | "short" | "byte" | "sbyte" | "uint" | "system.int32"
            | "system.int64" => ColumnType::Long,
            "real" | "double" | "decimal" | "float" | "single" | "system.double" => ColumnType::Real,
            "bool" | "boolean" | "system.boolean" => ColumnType::Bool,
            "dynamic" | "object" | "system.object" => ColumnType::Dynamic,
            _ => ColumnType::Text,
        }
    }
}

/// One column being filled, with how many of its values did not fit its type. Cells come
/// in as the JSON reader meets them (`push_str` with the text borrowed from the answer),
/// so text goes straight into the column's buffer and times are read without a copy.
pub(super) struct Builder {
    name: String,
    kind: ColumnType,
    text: StringChunkedBuilder,
    ints: PrimitiveChunkedBuilder<Int64Type>,
    reals: PrimitiveChunkedBuilder<Float64Type>,
    bools: BooleanChunkedBuilder,
    rows: usize,
    misfits: usize,
}

impl Builder {
    /// A builder with room for `rows` values in the buffer its type uses.
    fn new(name: String, kind: ColumnType, rows: usize) -> Builder {
        let room = |k: ColumnType| if k == kind { rows } else { 0 };
        let n = || PlSmallStr::from(name.as_str());
        let ints = room(ColumnType::Long).max(room(ColumnType::Datetime));
        Builder {
            text: StringChunkedBuilder::new(n(), room(ColumnType::Text).max(room(ColumnType::Dynamic))),
            ints: PrimitiveChunkedBuilder::new(n(), ints),
            reals: PrimitiveChunkedBuilder::new(n(), room(ColumnType::Real)),
            bools: BooleanChunkedBuilder::new(n(), room(ColumnType::Bool)),
            name,
            kind,
            rows: 0,
            misfits: 0,
        }
    }

    /// A cell already parsed (Kusto's and Defender's answers).
    pub(super) fn push(&mut self, cell: Cell) {
        match cell {
            Cell::Null => self.push_null(),
            Cell::Bool(b) => self.push_bool(b),
            Cell::Int(i) => self.push_int(i),
            Cell::Real(f) => self.push_real(f),
            Cell::Text(s) => self.push_str(&s),
            Cell::Json(s) => self.push_json(&s),
        }
    }

    pub(super) fn push_null(&mut self) {
        self.rows += 1;
        match self.kind {
            ColumnType::Text | ColumnType::Dynamic => self.text.append_null(),
            ColumnType::Datetime | ColumnType::Long => self.ints.append_null(),
            ColumnType::Real => self.reals.append_null(),
            ColumnType::Bool => self.bools.append_null(),
        }
    }

    /// A value of the wrong kind for the column: null, and counted.
    fn push_misfit(&mut self) {
        self.misfits += 1;
        self.push_null();
    }

    pub(super) fn push_str(&mut self, s: &str) {
        if s.is_empty() && !matches!(self.kind, ColumnType::Text | ColumnType::Dynamic) {
            return self.push_null();
        }
        let fitted = match self.kind {
            ColumnType::Text | ColumnType::Dynamic => {
                self.text.append_value(s);
                true
            }
            ColumnType::Datetime => parse_datetime(s).map(|t| self.ints.append_value(t)).is_some(),
            ColumnType::Long => s.trim().parse().ok().map(|v| self.ints.append_value(v)).is_some(),
            // Kusto writes non-finite reals as text.
            ColumnType::Real => s.trim().parse().ok().map(|v| self.reals.append_value(v)).is_some(),
            ColumnType::Bool => {
                let v = if s.eq_ignore_ascii_case("true") {
                    Some(true)
                } else if s.eq_ignore_ascii_case("false") {
                    Some(false)
                } else {
                    None
                };
                v.map(|v| self.bools.append_value(v)).is_some()
            }
        };
        if fitted {
            self.rows += 1;
        } else {
            self.push_misfit();
        }
    }

    pub(super) fn push_int(&mut self, i: i64) {
        match self.kind {
            ColumnType::Text | ColumnType::Dynamic => self.text.append_value(i.to_string()),
            ColumnType::Long => self.ints.append_value(i),
            ColumnType::Real => self.reals.append_value(i as f64),
            ColumnType::Bool if i == 0 || i == 1 => self.bools.append_value(i == 1),
            ColumnType::Bool | ColumnType::Datetime => return self.push_misfit(),
        }
        self.rows += 1;
    }

    pub(super) fn push_real(&mut self, f: f64) {
        match self.kind {
            ColumnType::Text | ColumnType::Dynamic => self.text.append_value(f.to_string()),
            ColumnType::Long if f.fract() == 0.0 && f.abs() < 9.2e18 => self.ints.append_value(f as i64),
            ColumnType::Real => self.reals.append_value(f),
            ColumnType::Long | ColumnType::Bool | ColumnType::Datetime => return self.push_misfit(),
        }
        self.rows += 1;
    }

    pub(super) fn push_bool(&mut self, b: bool) {
        match self.kind {
            ColumnType::Text | ColumnType::Dynamic => self.text.append_value(if b { "true" } else { "false" }),
            ColumnType::Bool => self.bools.append_value(b),
            ColumnType::Long | ColumnType::Real | ColumnType::Datetime => return self.push_misfit(),
        }
        self.rows += 1;
    }

    /// An object or array, as JSON text.
    pub(super) fn push_json(&mut self, json: &str) {
        match self.kind {
            ColumnType::Text | ColumnType::Dynamic => {
                self.text.append_value(json);
                self.rows += 1;
            }
            _ => self.push_misfit(),
        }
    }

    fn len(&self) -> usize {
        self.rows
    }

    fn finish(self) -> Result<Column> {
        Ok(match self.kind {
            ColumnType::Text | ColumnType::Dynamic => self.text.finish().into_column(),
            ColumnType::Long => self.ints.finish().into_column(),
            ColumnType::Real => self.reals.finish().into_column(),
            ColumnType::Bool => self.bools.finish().into_column(),
            ColumnType::Datetime => self
                .ints
                .finish()
                .into_datetime(TimeUnit::Microseconds, Some(polars::prelude::TimeZone::UTC))
                .into_column(),
        })
    }
}

/// A cell as the service wrote it.
pub(super) enum Cell {
    Null,
    Bool(bool),
    Int(i64),
    Real(f64),
    Text(String),
    /// An object or array, as JSON text.
    Json(String),
}

impl Cell {
    fn of(value: Value) -> Cell {
        match value {
            Value::Null => Cell::Null,
            Value::Bool(b) => Cell::Bool(b),
            Value::Number(n) => n
                .as_i64()
                .map(Cell::Int)
                .unwrap_or_else(|| Cell::Real(n.as_f64().unwrap_or(f64::NAN))),
            Value::String(s) => Cell::Text(s),
            other => Cell::Json(other.to_string()),
        }
    }
}

/// `2023-02-20T11:04:02.6371632Z` (seven digits, as the services write) → µs since the epoch.
fn parse_datetime(text: &str) -> Option<i64> {
    let text = text.trim();
    utc_micros(text.as_bytes())
        .or_else(|| DateTime::parse_from_rfc3339(text).ok().map(|t| t.timestamp_micros()))
        .or_else(|| crate::time::parse_absolute(text).map(|t| t.timestamp_micros()))
}

/// The services' own form, `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, read without a parser:
/// µs since the epoch (the fraction truncated, as chrono does), or `None` for anything
/// else — another form, or a date that does not exist — which the full parsers then try.
fn utc_micros(b: &[u8]) -> Option<i64> {
    let digits = |from: usize, to: usize| -> Option<i64> {
        b.get(from..to)?
            .iter()
            .try_fold(0i64, |n, &c| c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0')))
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (year, month, day) = (digits(0, 4)?, digits(5, 7)?, digits(8, 10)?);
    let (hour, minute, second) = (digits(11, 13)?, digits(14, 16)?, digits(17, 19)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&month)
        || day < 1
        || day > month_days[month as usize - 1]
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let (mut micros, mut at) = (0i64, 19);
    if b[at] == b'.' {
        at += 1;
        let start = at;
        while at < b.len() && b[at].is_ascii_digit() {
            if at - start < 6 {
                micros = micros * 10 + i64::from(b[at] - b'0');
            }
            at += 1;
        }
        if at == start || at - start > 9 {
            return None;
        }
        for _ in (at - start)..6 {
            micros *= 10;
        }
    }
    if at + 1 != b.len() || b[at] != b'Z' {
        return None;
    }
    // Days since 1970-01-01 (H. Hinnant's days_from_civil).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    Some((days * 86_400 + hour * 3600 + minute * 60 + second) * 1_000_000 + micros)
}

/// The builders' columns as a frame, with a warning per column that had misfits. The rows
/// may come in parts (read on several cores), each a full set of builders; the frame holds
/// them in order, one chunk each.
fn frame(parts: Vec<Vec<Builder>>, what: &str) -> Result<Warned<DataFrame>> {
    let mut warnings = Vec::new();
    if let Some(first) = parts.first() {
        for (i, b) in first.iter().enumerate() {
            let misfits: usize = parts.iter().map(|p| p[i].misfits).sum();
            if misfits > 0 {
                warnings.push(format!(
                    "{what}: {misfits} value(s) of column {} are not of its type ({:?}) and are null",
                    b.name, b.kind
                ));
            }
        }
    }
    let mut value: Option<DataFrame> = None;
    for part in parts {
        let height = part.first().map_or(0, Builder::len);
        let columns = part.into_iter().map(Builder::finish).collect::<Result<Vec<_>>>()?;
        let df = DataFrame::new(height, columns)?;
        match value.as_mut() {
            Some(v) => {
                v.vstack_mut_owned(df)?;
            }
            None => value = Some(df),
        }
    }
    Ok(Warned {
        value: value.unwrap_or_default(),
        warnings,
    })
}

/// Builders for the columns (name, service type), each with room for `rows` values.
pub(super) fn builders<'a>(columns: impl Iterator<Item = (&'a str, &'a str)>, rows: usize) -> Vec<Builder> {
    columns
        .map(|(name, kind)| Builder::new(name.to_string(), ColumnType::of(kind), rows))
        .collect()
}

pub(super) fn push_row(builders: &mut [Builder], row: Vec<Value>, what: &str) -> Result<()> {
    if row.len() != builders.len() {
        return Err(Error::service(
            what,
            format!("a row has {} cells for {} columns", row.len(), builders.len()),
        ));
    }
    for (b, v) in builders.iter_mut().zip(row) {
        b.push(Cell::of(v));
    }
    Ok(())
}

/// Azure Data Explorer v2 frames: the `PrimaryResult` tables as frames, and the service's
/// own errors (a `DataSetCompletion` with `HasErrors`, `OneApiErrors`) as warnings.
pub fn kusto_v2(body: &[u8]) -> Result<Warned<Vec<DataFrame>>> {
    let frames: Vec<Value> = serde_json::from_slice(body)
        .map_err(|e| Error::service("Kusto v2", format!("the response is not a JSON array of frames: {e}")))?;
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    for f in frames {
        match f.get("FrameType").and_then(Value::as_str) {
            Some("DataTable") if f.get("TableKind").and_then(Value::as_str) == Some("PrimaryResult") => {
                let columns = f.get("Columns").and_then(Value::as_array).cloned().unwrap_or_default();
                let names: Vec<(String, String)> = columns
                    .iter()
                    .map(|c| {
                        let get = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
                        (get("ColumnName"), get("ColumnType"))
                    })
                    .collect();
                let mut b = builders(names.iter().map(|(n, t)| (n.as_str(), t.as_str())), 0);
                let rows = match f.get("Rows") {
                    Some(Value::Array(rows)) => rows.clone(),
                    _ => Vec::new(),
                };
                for row in rows {
                    match row {
                        Value::Array(cells) => push_row(&mut b, cells, "Kusto v2")?,
                        // An error in the middle of a table (a OneApiError object).
                        other => warnings.push(format!("the service reported: {}", service_error(&other))),
                    }
                }
                let table = frame(vec![b], "Kusto v2")?;
                warnings.extend(table.warnings);
                out.push(table.value);
            }
            Some("DataSetCompletion") => {
                if f.get("HasErrors").and_then(Value::as_bool) == Some(true) {
                    let why = f.get("OneApiErrors").map(service_error).unwrap_or_default();
                    warnings.push(format!("the query completed with errors: {why}"));
                }
                if f.get("Cancelled").and_then(Value::as_bool) == Some(true) {
                    warnings.push("the query was cancelled by the service: the result is partial".into());
                }
            }
            _ => {}
        }
    }
    Ok(Warned { value: out, warnings })
}

/// Defender's hunting results: `{"Schema": [{Name, Type}], "Results": [{…}]}` (MDE) or
/// `{"schema": [{name, type}], "results": [{…}]}` (Microsoft Graph).
pub fn defender(body: &[u8]) -> Result<Warned<DataFrame>> {
    let doc: Value = serde_json::from_slice(body)
        .map_err(|e| Error::service("Defender", format!("the response is not JSON: {e}")))?;
    let pick = |a: &str, b: &str| doc.get(a).or_else(|| doc.get(b)).and_then(Value::as_array).cloned();
    let schema =
        pick("Schema", "schema").ok_or_else(|| Error::service("Defender", "the response has no Schema/schema"))?;
    let columns: Vec<(String, String)> = schema
        .iter()
        .map(|c| {
            let get = |a: &str, b: &str| {
                c.get(a)
                    .or_else(|| c.get(b))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            (get("Name", "name"), get("Type", "type"))
        })
        .collect();
    let mut b = builders(columns.iter().map(|(n, t)| (n.as_str(), t.as_str())), 0);
    for row in pick("Results", "results").unwrap_or_default() {
        let Value::Object(mut map) = row else {
            return Err(Error::service("Defender", "a result row is not an object"));
        };
        let cells = columns
            .iter()
            .map(|(n, _)| map.remove(n).unwrap_or(Value::Null))
            .collect();
        push_row(&mut b, cells, "Defender")?;
    }
    frame(vec![b], "Defender")
}

/// The text of a service's error object: its code and message, and the inner ones.
pub fn service_error(error: &Value) -> String {
    match error {
        Value::Array(items) => items.iter().map(service_error).collect::<Vec<_>>().join("; "),
        Value::Object(map) => {
            let inner = map.get("error").or_else(|| map.get("innererror"));
            let text = |k: &str| map.get(k).and_then(Value::as_str).unwrap_or_default();
            let mut out = [text("code"), text("message")]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(": ");
            if let Some(details) = map.get("details").and_then(Value::as_array) {
                for d in details {
                    out.push_str(&format!(" ({})", service_error(d)));
                }
            }
            match inner {
                Some(i) if out.is_empty() => service_error(i),
                Some(i) => format!("{out} — {}", service_error(i)),
                None => out,
            }
        }
        other => other.to_string(),
    }
}

/// A Log Analytics response: its first table as a frame (the others, rare, are named in a
/// warning), and a partial-result `error` as a warning. Rows are read as they stream.
///
/// The fast reader ([`super::rows`]) reads it; where it gives up, the serde reader
/// ([`super::stream`]) reads it again and says what is wrong.
pub fn log_analytics(body: &[u8]) -> Result<Warned<DataFrame>> {
    let response = match super::rows::read(body) {
        Some(response) => response,
        None => super::stream::read(body)?,
    };
    log_analytics_frame(response)
}

pub(super) fn log_analytics_frame(response: super::stream::Response) -> Result<Warned<DataFrame>> {
    let mut tables = response.tables.into_iter();
    let Some((name, first)) = tables.next() else {
        return Err(Error::service("Log Analytics", "the response has no table"));
    };
    let mut result = frame(first, &format!("table {name}"))?;
    let others: Vec<String> = tables.map(|(n, _)| n).collect();
    if !others.is_empty() {
        result.warnings.push(format!(
            "the response has more tables than the first ({name}); not read: {}",
            others.join(", ")
        ));
    }
    if let Some(error) = response.error {
        result.warnings.push(format!(
            "the service returned a partial result with an error: {}",
            service_error(&error)
        ));
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast reader gives chrono's answer on every form it takes, and leaves every
    /// other form (and every impossible date) to the full parsers.
    #[test]
    fn the_services_time_form_reads_as_chrono_reads_it() {
        let mut checked = 0;
        for year in [1, 1600, 1899, 1969, 1970, 1999, 2000, 2023, 2024, 2100, 9999] {
            for (month, day) in [
                (1, 1),
                (2, 28),
                (2, 29),
                (2, 30),
                (3, 1),
                (4, 31),
                (12, 31),
                (13, 1),
                (0, 5),
            ] {
                for fraction in ["", ".5", ".637", ".6371632", ".123456789", ".1234567891", "."] {
                    let text = format!("{year:04}-{month:02}-{day:02}T23:59:07{fraction}Z");
                    let chrono = DateTime::parse_from_rfc3339(&text).ok().map(|t| t.timestamp_micros());
                    match utc_micros(text.as_bytes()) {
                        Some(fast) => assert_eq!(Some(fast), chrono, "{text}"),
                        None => assert!(chrono.is_none() || fraction.len() > 10, "{text}: {chrono:?}"),
                    }
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 11 * 9 * 7);
        for other in [
            "2023-02-20 11:04:02Z",
            "2023-02-20T11:04:02+01:00",
            "2023-02-20T11:04:02",
            "2023-02-20T24:00:00Z",
        ] {
            assert_eq!(utc_micros(other.as_bytes()), None, "{other}");
        }
        assert_eq!(
            parse_datetime("2023-02-20T11:04:02+01:00"),
            Some(
                DateTime::parse_from_rfc3339("2023-02-20T10:04:02Z")
                    .unwrap()
                    .timestamp_micros()
            )
        );
    }
}

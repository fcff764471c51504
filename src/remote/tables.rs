//! Query results of the Microsoft services into frames with typed columns.
//!
//! Log Analytics (`{"tables": [{"name", "columns": [{name, type}], "rows": [[…]]}]}`) is read
//! as it streams: each row's cells go straight into per-column builders, so a response of a
//! million rows never exists as a tree of JSON values (msticpy's driver builds one, then a
//! pandas frame from it). Azure Data Explorer's v2 frames and Defender's `Schema`/`Results`
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
use serde::de::DeserializeSeed;
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

/// One column being filled, with how many of its values did not fit its type.
pub(super) struct Builder {
    name: String,
    kind: ColumnType,
    text: Vec<Option<String>>,
    ints: Vec<Option<i64>>,
    reals: Vec<Option<f64>>,
    bools: Vec<Option<bool>>,
    misfits: usize,
}

impl Builder {
    fn new(name: String, kind: ColumnType) -> Builder {
        Builder {
            name,
            kind,
            text: Vec::new(),
            ints: Vec::new(),
            reals: Vec::new(),
            bools: Vec::new(),
            misfits: 0,
        }
    }

    pub(super) fn push(&mut self, cell: Cell) {
        match self.kind {
            ColumnType::Text | ColumnType::Dynamic => self.text.push(cell.text()),
            ColumnType::Datetime => {
                let t = match &cell {
                    Cell::Null => None,
                    Cell::Text(s) if s.is_empty() => None,
                    Cell::Text(s) => self.fit(parse_datetime(s)),
                    _ => self.fit(None),
                };
                self.ints.push(t);
            }
            ColumnType::Long => {
                let v = match &cell {
                    Cell::Null => None,
                    Cell::Int(i) => Some(*i),
                    Cell::Real(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Some(*f as i64),
                    Cell::Text(s) if s.is_empty() => None,
                    Cell::Text(s) => self.fit(s.trim().parse().ok()),
                    _ => self.fit(None),
                };
                self.ints.push(v);
            }
            ColumnType::Real => {
                let v = match &cell {
                    Cell::Null => None,
                    Cell::Int(i) => Some(*i as f64),
                    Cell::Real(f) => Some(*f),
                    // Kusto writes non-finite reals as text.
                    Cell::Text(s) if s.is_empty() => None,
                    Cell::Text(s) => self.fit(s.trim().parse().ok()),
                    _ => self.fit(None),
                };
                self.reals.push(v);
            }
            ColumnType::Bool => {
                let v = match &cell {
                    Cell::Null => None,
                    Cell::Bool(b) => Some(*b),
                    Cell::Int(0) => Some(false),
                    Cell::Int(1) => Some(true),
                    Cell::Text(s) if s.eq_ignore_ascii_case("true") => Some(true),
                    Cell::Text(s) if s.eq_ignore_ascii_case("false") => Some(false),
                    Cell::Text(s) if s.is_empty() => None,
                    _ => self.fit(None),
                };
                self.bools.push(v);
            }
        }
    }

    /// `value`, counting a value that was there but did not fit.
    fn fit<T>(&mut self, value: Option<T>) -> Option<T> {
        if value.is_none() {
            self.misfits += 1;
        }
        value
    }

    fn len(&self) -> usize {
        match self.kind {
            ColumnType::Text | ColumnType::Dynamic => self.text.len(),
            ColumnType::Datetime | ColumnType::Long => self.ints.len(),
            ColumnType::Real => self.reals.len(),
            ColumnType::Bool => self.bools.len(),
        }
    }

    fn finish(self) -> Result<Column> {
        let name: PlSmallStr = self.name.as_str().into();
        Ok(match self.kind {
            ColumnType::Text | ColumnType::Dynamic => Column::new(name, self.text),
            ColumnType::Long => Column::new(name, self.ints),
            ColumnType::Real => Column::new(name, self.reals),
            ColumnType::Bool => Column::new(name, self.bools),
            ColumnType::Datetime => Column::new(name, self.ints).cast(&DataType::Datetime(
                TimeUnit::Microseconds,
                Some(polars::prelude::TimeZone::UTC),
            ))?,
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
    fn text(self) -> Option<String> {
        match self {
            Cell::Null => None,
            Cell::Bool(b) => Some(b.to_string()),
            Cell::Int(i) => Some(i.to_string()),
            Cell::Real(f) => Some(f.to_string()),
            Cell::Text(s) | Cell::Json(s) => Some(s),
        }
    }

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
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.timestamp_micros())
        .or_else(|| crate::time::parse_absolute(text.trim()).map(|t| t.timestamp_micros()))
}

/// The builders' columns as a frame, with a warning per column that had misfits.
fn frame(builders: Vec<Builder>, what: &str) -> Result<Warned<DataFrame>> {
    let height = builders.first().map_or(0, Builder::len);
    let mut warnings = Vec::new();
    let mut columns = Vec::with_capacity(builders.len());
    for b in builders {
        if b.misfits > 0 {
            warnings.push(format!(
                "{what}: {} value(s) of column {} are not of its type ({:?}) and are null",
                b.misfits, b.name, b.kind
            ));
        }
        columns.push(b.finish()?);
    }
    Ok(Warned {
        value: DataFrame::new(height, columns)?,
        warnings,
    })
}

pub(super) fn builders<'a>(columns: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<Builder> {
    columns
        .map(|(name, kind)| Builder::new(name.to_string(), ColumnType::of(kind)))
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
                let mut b = builders(names.iter().map(|(n, t)| (n.as_str(), t.as_str())));
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
                let table = frame(b, "Kusto v2")?;
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
    let mut b = builders(columns.iter().map(|(n, t)| (n.as_str(), t.as_str())));
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
    frame(b, "Defender")
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
pub fn log_analytics(body: &[u8]) -> Result<Warned<DataFrame>> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let response = super::stream::ResponseSeed
        .deserialize(&mut de)
        .map_err(|e| Error::service("Log Analytics", format!("the response is not readable: {e}")))?;
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

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

use std::fmt;

use chrono::DateTime;
use polars::prelude::*;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
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
struct Builder {
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

    fn push(&mut self, cell: Cell) {
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
enum Cell {
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

fn unreadable(service: &str, message: String) -> Error {
    Error::Service {
        service: service.to_string(),
        message,
    }
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

fn builders<'a>(columns: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<Builder> {
    columns
        .map(|(name, kind)| Builder::new(name.to_string(), ColumnType::of(kind)))
        .collect()
}

fn push_row(builders: &mut [Builder], row: Vec<Value>, what: &str) -> Result<()> {
    if row.len() != builders.len() {
        return Err(unreadable(
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
        .map_err(|e| unreadable("Kusto v2", format!("the response is not a JSON array of frames: {e}")))?;
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
    let doc: Value =
        serde_json::from_slice(body).map_err(|e| unreadable("Defender", format!("the response is not JSON: {e}")))?;
    let pick = |a: &str, b: &str| doc.get(a).or_else(|| doc.get(b)).and_then(Value::as_array).cloned();
    let schema =
        pick("Schema", "schema").ok_or_else(|| unreadable("Defender", "the response has no Schema/schema".into()))?;
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
            return Err(unreadable("Defender", "a result row is not an object".into()));
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
    let response = ResponseSeed
        .deserialize(&mut de)
        .map_err(|e| unreadable("Log Analytics", format!("the response is not readable: {e}")))?;
    let mut tables = response.tables.into_iter();
    let Some((name, first)) = tables.next() else {
        return Err(unreadable("Log Analytics", "the response has no table".into()));
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

struct Response {
    tables: Vec<(String, Vec<Builder>)>,
    error: Option<Value>,
}

struct ResponseSeed;

impl<'de> DeserializeSeed<'de> for ResponseSeed {
    type Value = Response;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Response, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ResponseSeed {
    type Value = Response;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object with tables")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Response, A::Error> {
        let mut response = Response {
            tables: Vec::new(),
            error: None,
        };
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "tables" => response.tables = map.next_value_seed(TablesSeed)?,
                "error" => response.error = Some(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(response)
    }
}

struct TablesSeed;

impl<'de> DeserializeSeed<'de> for TablesSeed {
    type Value = Vec<(String, Vec<Builder>)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for TablesSeed {
    type Value = Vec<(String, Vec<Builder>)>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of tables")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(table) = seq.next_element_seed(TableSeed)? {
            out.push(table);
        }
        Ok(out)
    }
}

#[derive(Deserialize)]
struct ColumnSpec {
    name: String,
    #[serde(rename = "type", default)]
    kind: String,
}

struct TableSeed;

impl<'de> DeserializeSeed<'de> for TableSeed {
    type Value = (String, Vec<Builder>);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TableSeed {
    type Value = (String, Vec<Builder>);
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a table with name, columns and rows")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Self::Value, A::Error> {
        let mut name = String::from("PrimaryResult");
        let mut columns: Option<Vec<Builder>> = None;
        // Rows before their columns (not what the service writes) are held as values.
        let mut early_rows: Option<Vec<Vec<Value>>> = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "name" => name = map.next_value()?,
                "columns" => {
                    let specs: Vec<ColumnSpec> = map.next_value()?;
                    columns = Some(builders(specs.iter().map(|c| (c.name.as_str(), c.kind.as_str()))));
                }
                "rows" => match columns.as_mut() {
                    Some(b) => map.next_value_seed(RowsSeed(b))?,
                    None => early_rows = Some(map.next_value()?),
                },
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let mut columns = columns.ok_or_else(|| de::Error::custom(format!("table {name} has no columns")))?;
        for row in early_rows.unwrap_or_default() {
            push_row(&mut columns, row, &name).map_err(de::Error::custom)?;
        }
        Ok((name, columns))
    }
}

struct RowsSeed<'a>(&'a mut Vec<Builder>);

impl<'de> DeserializeSeed<'de> for RowsSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of rows")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while seq.next_element_seed(RowSeed(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

struct RowSeed<'a>(&'a mut Vec<Builder>);

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a row of cells")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        let width = self.0.len();
        let mut i = 0;
        while let Some(cell) = seq.next_element_seed(CellSeed)? {
            let b = self
                .0
                .get_mut(i)
                .ok_or_else(|| de::Error::custom(format!("a row has more cells than the {width} columns")))?;
            b.push(cell);
            i += 1;
        }
        if i != width {
            return Err(de::Error::custom(format!("a row has {i} cells for {width} columns")));
        }
        Ok(())
    }
}

struct CellSeed;

impl<'de> DeserializeSeed<'de> for CellSeed {
    type Value = Cell;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Cell, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CellSeed {
    type Value = Cell;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a cell")
    }
    fn visit_unit<E>(self) -> std::result::Result<Cell, E> {
        Ok(Cell::Null)
    }
    fn visit_none<E>(self) -> std::result::Result<Cell, E> {
        Ok(Cell::Null)
    }
    fn visit_bool<E>(self, v: bool) -> std::result::Result<Cell, E> {
        Ok(Cell::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> std::result::Result<Cell, E> {
        Ok(Cell::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> std::result::Result<Cell, E> {
        Ok(i64::try_from(v).map_or(Cell::Real(v as f64), Cell::Int))
    }
    fn visit_f64<E>(self, v: f64) -> std::result::Result<Cell, E> {
        Ok(Cell::Real(v))
    }
    fn visit_str<E>(self, v: &str) -> std::result::Result<Cell, E> {
        Ok(Cell::Text(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> std::result::Result<Cell, E> {
        Ok(Cell::Text(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> std::result::Result<Cell, A::Error> {
        let v = Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        Ok(Cell::Json(v.to_string()))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> std::result::Result<Cell, A::Error> {
        let v = Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(Cell::Json(v.to_string()))
    }
}

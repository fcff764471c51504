//! Windows EVTX files to frames, with the `evtx` crate: one row per record, the `System`
//! fields as typed columns and the `EventData`/`UserData` fields flattened into columns of
//! their own, named as Windows names them (`SubjectUserName`, `CommandLine`, …) — the shape
//! Sentinel's `SecurityEvent` and msticpy's process-tree schemas expect.
//!
//! Records the parser rejects (corrupt chunks, zero-size records, broken BinXML) are
//! skipped and counted in a warning that names the file and the first error; a file whose
//! header cannot be read at all is an error.

use std::collections::HashMap;
use std::path::Path;

use evtx::{EvtxParser, ParserSettings};
use polars::prelude::*;
use serde_json::{Map, Value};

use super::{Format, Input};
use crate::error::{Error, Result};
use crate::frame::Warned;

pub const EVTX: Format = Format::new("evtx", "EVTX", &["evtx"], read).table("WindowsEvent");

fn read(input: &Input) -> Result<Warned<DataFrame>> {
    match input {
        Input::File(path) => read_evtx(path, 0),
        Input::Bytes { bytes, name } => read_evtx_from(std::io::Cursor::new(bytes.as_slice()), name, 0),
    }
}

/// The `System` columns, always present and in this order; EventData columns follow in the
/// order first seen.
const SYSTEM: &[&str] = &[
    "TimeCreated",
    "EventID",
    "Computer",
    "Channel",
    "Provider",
    "EventRecordID",
    "Level",
    "Task",
    "Opcode",
    "Keywords",
    "ProcessID",
    "ThreadID",
    "UserID",
    "ActivityID",
];

/// Reads every record of an EVTX file; `threads` 0 uses all cores, 1 keeps to one.
pub fn read_evtx(path: &Path, threads: usize) -> Result<Warned<DataFrame>> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_evtx_bytes(bytes, &path.display().to_string(), threads)
}

/// [`read_evtx`] on the bytes of a file called `name`.
pub fn read_evtx_bytes(bytes: Vec<u8>, name: &str, threads: usize) -> Result<Warned<DataFrame>> {
    read_evtx_from(std::io::Cursor::new(bytes), name, threads)
}

/// [`read_evtx`] from any seekable reader (an archive member's bytes, borrowed).
fn read_evtx_from<T: std::io::Read + std::io::Seek>(
    reader: T,
    name: &str,
    threads: usize,
) -> Result<Warned<DataFrame>> {
    let path = Path::new(name);
    let bad = |message: String| Error::Format {
        path: path.to_path_buf(),
        format: "EVTX",
        message,
    };
    let mut parser = EvtxParser::from_read_seek(reader)
        .map_err(|e| bad(e.to_string()))?
        .with_configuration(ParserSettings::new().num_threads(threads));
    let mut rows = Rows::default();
    let mut failed = 0usize;
    let mut first_error = None;
    for record in parser.records_json_value() {
        match record {
            Ok(r) => rows.push(r.data),
            Err(e) => {
                failed += 1;
                first_error.get_or_insert_with(|| e.to_string());
            }
        }
    }
    let mut warnings = Vec::new();
    if failed > 0 {
        warnings.push(format!(
            "{}: {failed} damaged record{} skipped ({} read); first error: {}",
            path.display(),
            if failed == 1 { " was" } else { "s were" },
            rows.len,
            first_error.unwrap_or_default()
        ));
    }
    Ok(Warned {
        value: rows.finish()?,
        warnings,
    })
}

/// Column-wise accumulation of flattened records.
#[derive(Default)]
struct Rows {
    len: usize,
    time: Vec<Option<i64>>,
    event_id: Vec<Option<i64>>,
    record_id: Vec<Option<i64>>,
    /// Text columns by name, each padded with nulls to `len` when it first appears.
    text: HashMap<String, Vec<Option<String>>>,
    order: Vec<String>,
}

impl Rows {
    fn push(&mut self, record: Value) {
        let mut event = match record {
            Value::Object(mut top) => match top.remove("Event") {
                Some(Value::Object(e)) => e,
                _ => top,
            },
            _ => Map::new(),
        };
        let system = match event.remove("System") {
            Some(Value::Object(s)) => s,
            _ => Map::new(),
        };
        self.time.push(
            attribute(&system, "TimeCreated", "SystemTime")
                .as_deref()
                .and_then(parse_system_time),
        );
        self.event_id
            .push(system.get("EventID").and_then(text_of).and_then(|t| t.parse().ok()));
        self.record_id.push(
            system
                .get("EventRecordID")
                .and_then(text_of)
                .and_then(|t| t.parse().ok()),
        );
        let mut set = |name: &str, value: Option<String>| self.set(name, value);
        for name in ["Computer", "Channel", "Level", "Task", "Opcode", "Keywords"] {
            set(name, system.get(name).and_then(text_of));
        }
        set("Provider", attribute(&system, "Provider", "Name"));
        set("ProcessID", attribute(&system, "Execution", "ProcessID"));
        set("ThreadID", attribute(&system, "Execution", "ThreadID"));
        set("UserID", attribute(&system, "Security", "UserID"));
        set("ActivityID", attribute(&system, "Correlation", "ActivityID"));
        for section in ["EventData", "UserData"] {
            if let Some(data) = event.remove(section) {
                let mut fields = Vec::new();
                flatten(section, data, &mut fields);
                for (name, value) in fields {
                    // System names win: an EventData field called ProcessID keeps its own
                    // column under a prefixed name rather than overwriting the System one.
                    let name = if SYSTEM.contains(&name.as_str()) {
                        format!("{section}.{name}")
                    } else {
                        name
                    };
                    self.set(&name, Some(value));
                }
            }
        }
        self.len += 1;
    }

    fn set(&mut self, name: &str, value: Option<String>) {
        let len = self.len;
        let column = self.text.entry(name.to_string()).or_insert_with(|| {
            self.order.push(name.to_string());
            vec![None; len]
        });
        // Records without this field left it short: pad with nulls. A repeated field name
        // within one record keeps the first value.
        if column.len() < len {
            column.resize(len, None);
        }
        if column.len() == len {
            column.push(value);
        }
    }

    fn finish(mut self) -> Result<DataFrame> {
        let len = self.len;
        let mut columns = Vec::with_capacity(self.order.len() + 3);
        let time = crate::frame::utc_times("TimeCreated", self.time);
        columns.push(time);
        columns.push(Column::new("EventID".into(), self.event_id));
        let mut ordered: Vec<String> = SYSTEM[2..].iter().map(|s| s.to_string()).collect();
        ordered.extend(self.order.iter().filter(|n| !SYSTEM.contains(&n.as_str())).cloned());
        for name in ordered {
            if name == "EventRecordID" {
                columns.push(Column::new("EventRecordID".into(), std::mem::take(&mut self.record_id)));
                continue;
            }
            let mut values = self.text.remove(&name).unwrap_or_default();
            values.resize(len, None);
            columns.push(Column::new(name.as_str().into(), values));
        }
        Ok(DataFrame::new_infer_height(columns)?)
    }
}

/// `System.<element>.#attributes.<name>` as text.
fn attribute(system: &Map<String, Value>, element: &str, name: &str) -> Option<String> {
    system.get(element)?.get("#attributes")?.get(name).and_then(text_of)
}

/// A scalar as text; an element with attributes gives its `#text`.
fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Object(o) => o.get("#text").and_then(text_of),
        Value::Array(a) => Some(a.iter().filter_map(text_of).collect::<Vec<_>>().join(", ")),
    }
}

/// Flattens EventData/UserData into (name, text) pairs: named fields by their name, nested
/// elements (UserData's one wrapper element, or structured data) by their leaf names, and
/// unnamed `<Data>` values as `Data` (several joined with `, `). Attributes of the
/// section itself (e.g. `xmlns`) are dropped.
fn flatten(name: &str, value: Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "#attributes" {
                    continue;
                }
                if key == "#text" {
                    if let Some(t) = text_of(&child) {
                        out.push((name.to_string(), t));
                    }
                    continue;
                }
                match child {
                    Value::Object(ref o) if !o.contains_key("#text") => flatten(&key, child, out),
                    other => {
                        if let Some(t) = text_of(&other) {
                            out.push((key, t));
                        }
                    }
                }
            }
        }
        other => {
            if let Some(t) = text_of(&other) {
                out.push((name.to_string(), t));
            }
        }
    }
}

/// `2019-03-19T23:35:15.3654773Z` (seven fractional digits, as Windows writes it) to
/// microseconds since the epoch.
fn parse_system_time(text: &str) -> Option<i64> {
    let text = text.trim_end_matches(" UTC");
    let parsed = chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.to_utc())
        .or_else(|_| {
            chrono::NaiveDateTime::parse_from_str(text.trim_end_matches('Z'), "%Y-%m-%dT%H:%M:%S%.f")
                .map(|t| t.and_utc())
        })
        .ok()?;
    Some(parsed.timestamp_micros())
}

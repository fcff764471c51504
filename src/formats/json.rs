//! JSON documents (an array of records, or one record) and NDJSON (a record a line).

use std::path::Path;

use polars::prelude::*;

use super::{Format, Input};
use crate::error::Result;
use crate::frame::Warned;

pub const JSON: Format = Format::new("json", "JSON", &["json"], read_document).scan(scan_document);

pub const NDJSON: Format = Format::new("ndjson", "NDJSON", &["ndjson", "jsonl"], read_lines)
    .aliases(&["jsonl"])
    .scan(scan_lines);

fn read_document(input: &Input) -> Result<Warned<DataFrame>> {
    let bad = input.polars(JSON.title);
    let df = match input {
        Input::File(path) => read_json(Input::open(path)?, || Input::open(path).ok()).map_err(bad)?,
        Input::Bytes { bytes, .. } => {
            let cursor = || std::io::Cursor::new(bytes.clone());
            read_json(cursor(), || Some(cursor())).map_err(bad)?
        }
    };
    Ok(Warned::clean(df))
}

fn read_lines(input: &Input) -> Result<Warned<DataFrame>> {
    let bad = input.polars(NDJSON.title);
    let df = match input {
        Input::File(path) => read_ndjson(Input::open(path)?).map_err(bad)?,
        Input::Bytes { bytes, .. } => read_ndjson(std::io::Cursor::new(bytes.clone())).map_err(bad)?,
    };
    Ok(Warned::clean(df))
}

fn scan_lines(path: &Path) -> Option<PolarsResult<LazyFrame>> {
    Some(PlRefPath::try_from_path(path).and_then(|p| {
        LazyJsonLineReader::new(p)
            .with_infer_schema_length(std::num::NonZeroUsize::new(10_000))
            .finish()
    }))
}

/// A `.json` that is one record per line is scanned as NDJSON; a document is read whole.
fn scan_document(path: &Path) -> Option<PolarsResult<LazyFrame>> {
    is_ndjson(path).then(|| scan_lines(path)).flatten()
}

/// A `.json` whose first line is a whole JSON object is one record per line (OTRF and most
/// SIEM exports); anything else is one JSON document.
fn is_ndjson(path: &Path) -> bool {
    use std::io::{BufRead, Read};
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let mut first = String::new();
    let reader = std::io::BufReader::new(file);
    // One record lines are rarely longer; a longer first line is read as a document.
    if reader.take(16 << 20).read_line(&mut first).is_err() {
        return false;
    }
    let first = first.trim();
    first.starts_with('{') && serde_json::from_str::<serde_json::Value>(first).is_ok_and(|v| v.is_object())
}

fn read_ndjson<R: polars::io::mmap::MmapBytesReader>(reader: R) -> PolarsResult<DataFrame> {
    JsonReader::new(reader)
        .with_json_format(JsonFormat::JsonLines)
        .infer_schema_len(std::num::NonZeroUsize::new(10_000))
        .finish()
}

/// JSON documents hold either an array of records or a single record; a single record
/// becomes a one-row frame. A `.json` that is really one record per line (as OTRF
/// Security-Datasets and many SIEM exports name them) is read as NDJSON.
fn read_json<R: polars::io::mmap::MmapBytesReader>(
    reader: R,
    again: impl FnOnce() -> Option<R>,
) -> PolarsResult<DataFrame> {
    let first = JsonReader::new(reader)
        .with_json_format(JsonFormat::Json)
        .infer_schema_len(std::num::NonZeroUsize::new(10_000))
        .finish();
    match first {
        Ok(df) => Ok(df),
        Err(e) => match again() {
            Some(reader) => read_ndjson(reader).map_err(|_| e),
            None => Err(e),
        },
    }
}

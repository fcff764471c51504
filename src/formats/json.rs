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

/// JSON nested deeper than this is refused before polars reads it: its reader recurses,
/// and 100,000 levels overflow the stack — an abort no `catch_unwind` survives — while a
/// thousand levels on one line need gigabytes. Real records nest a handful of levels.
pub const MAX_DEPTH: usize = 100;

/// The byte offset where `bytes` (continuing a scan in `state`) first nests deeper than
/// [`MAX_DEPTH`], counting `[` and `{` outside strings.
fn too_deep(bytes: &[u8], state: &mut (usize, bool, bool), offset: usize) -> Option<usize> {
    let (depth, in_string, escaped) = state;
    for (i, &b) in bytes.iter().enumerate() {
        if *in_string {
            match (b, *escaped) {
                (_, true) => *escaped = false,
                (b'\\', false) => *escaped = true,
                (b'"', false) => *in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => *in_string = true,
            b'[' | b'{' => {
                *depth += 1;
                if *depth > MAX_DEPTH {
                    return Some(offset + i);
                }
            }
            b']' | b'}' => *depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Refuses input nested deeper than [`MAX_DEPTH`], reading a file in 64 KiB pieces.
fn check_depth(input: &Input, title: &'static str) -> Result<()> {
    use std::io::Read;
    let mut state = (0, false, false);
    let found = match input {
        Input::Bytes { bytes, .. } => too_deep(bytes, &mut state, 0),
        Input::File(path) => {
            let mut file = Input::open(path)?;
            let mut buffer = vec![0u8; 1 << 16];
            let mut offset = 0;
            loop {
                let n = file.read(&mut buffer).map_err(|source| crate::error::Error::Io {
                    path: path.to_path_buf(),
                    source,
                })?;
                if n == 0 {
                    break None;
                }
                if let Some(at) = too_deep(&buffer[..n], &mut state, offset) {
                    break Some(at);
                }
                offset += n;
            }
        }
    };
    match found {
        Some(at) => Err(input.bad(
            title,
            format!("nested deeper than {MAX_DEPTH} levels (at byte {at}); not read"),
        )),
        None => Ok(()),
    }
}

fn read_document(input: &Input) -> Result<Warned<DataFrame>> {
    check_depth(input, JSON.title)?;
    let bad = input.polars(JSON.title);
    let df = match input {
        Input::File(path) => read_json(Input::open(path)?, || Input::open(path).ok()).map_err(bad)?,
        Input::Bytes { bytes, .. } => {
            let cursor = || std::io::Cursor::new(bytes.as_slice());
            read_json(cursor(), || Some(cursor())).map_err(bad)?
        }
    };
    odata_records(df).map_err(input.polars(JSON.title))
}

/// An OData page — a Microsoft Graph or Defender answer saved to a file:
/// `{"@odata.context": …, "value": [records]}` — is its records. A `@odata.nextLink` means
/// the file holds one page of a longer answer, which is said.
fn odata_records(df: DataFrame) -> PolarsResult<Warned<DataFrame>> {
    let names = df.get_column_names();
    let envelope = df.height() == 1
        && names.iter().any(|n| n.as_str() == "value")
        && names.iter().all(|n| n.as_str() == "value" || n.starts_with("@odata."));
    let records = envelope
        && df
            .column("value")
            .is_ok_and(|c| matches!(c.dtype(), DataType::List(inner) if matches!(**inner, DataType::Struct(_))));
    if !records {
        if envelope && df.column("value").is_ok_and(|c| matches!(c.dtype(), DataType::List(_))) {
            return Ok(Warned {
                value: DataFrame::empty(),
                warnings: vec!["the OData answer's value holds no records".into()],
            });
        }
        return Ok(Warned::clean(df));
    }
    let more = names.iter().any(|n| n.as_str() == "@odata.nextLink");
    let options = ExplodeOptions {
        empty_as_null: false,
        keep_nulls: false,
    };
    let value = df
        .select(["value"])?
        .explode(["value"], options)?
        .unnest(["value"], None)?;
    let mut warnings = Vec::new();
    if more {
        warnings.push(format!(
            "this file is one page of a longer OData answer ({} records read): its @odata.nextLink points to more, \
             which are not in the file",
            value.height()
        ));
    }
    Ok(Warned { value, warnings })
}

fn read_lines(input: &Input) -> Result<Warned<DataFrame>> {
    check_depth(input, NDJSON.title)?;
    let bad = input.polars(NDJSON.title);
    let df = match input {
        Input::File(path) => read_ndjson(Input::open(path)?).map_err(bad)?,
        Input::Bytes { bytes, .. } => read_ndjson(std::io::Cursor::new(bytes.as_slice())).map_err(bad)?,
    };
    Ok(Warned::clean(df))
}

/// A lazy scan, after the same depth check as a whole read: a file nested too deep is
/// left to [`read_lines`], which refuses it with the reason.
fn scan_lines(path: &Path) -> Option<PolarsResult<LazyFrame>> {
    check_depth(&Input::File(path), NDJSON.title).ok()?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_counted_outside_strings_and_across_pieces() {
        let deep = format!("{}1{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert_eq!(too_deep(deep.as_bytes(), &mut (0, false, false), 0), Some(MAX_DEPTH));
        let ok = format!("{}1{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert_eq!(too_deep(ok.as_bytes(), &mut (0, false, false), 0), None);
        // Brackets in strings, escaped quotes included, do not count.
        let text = format!("{{\"a\": \"{}\\\"{}\"}}", "[".repeat(500), "{".repeat(500));
        assert_eq!(too_deep(text.as_bytes(), &mut (0, false, false), 0), None);
        // A scan split into pieces finds the same place.
        let mut state = (0, false, false);
        let (a, b) = deep.as_bytes().split_at(37);
        assert_eq!(too_deep(a, &mut state, 0), None);
        assert_eq!(too_deep(b, &mut state, 37), Some(MAX_DEPTH));
    }
}

//! CSV and TSV (by the `.tsv` name): polars' reader, dates parsed where they read as
//! dates, and a second try that repairs quotes a hand-edited export left undoubled.

use std::path::Path;

use polars::prelude::*;

use super::{Format, Input};
use crate::error::Result;
use crate::frame::Warned;

pub const CSV: Format = Format::new("csv", "CSV", &["csv", "tsv"], read)
    .aliases(&["tsv"])
    .scan(scan);

fn read(input: &Input) -> Result<Warned<DataFrame>> {
    let tsv = input.has_extension("tsv");
    let first = match input {
        // Opening first gives a clean I/O error for missing or unreadable files.
        Input::File(path) => read_csv(Input::open(path)?, tsv),
        Input::Bytes { bytes, .. } => read_csv(std::io::Cursor::new(bytes.as_slice()), tsv),
    };
    repair_or(first, tsv, &input.name(), || input.bytes().ok()).map_err(input.polars(CSV.title))
}

fn scan(path: &Path) -> Option<PolarsResult<LazyFrame>> {
    let tsv = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
    Some(PlRefPath::try_from_path(path).and_then(|p| {
        LazyCsvReader::new(p)
            .with_has_header(true)
            .with_infer_schema_length(Some(10_000))
            .with_separator(if tsv { b'\t' } else { b',' })
            .with_try_parse_dates(true)
            .finish()
    }))
}

fn read_csv<R: polars::io::mmap::MmapBytesReader>(reader: R, tsv: bool) -> PolarsResult<DataFrame> {
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(10_000))
        .map_parse_options(|o| {
            o.with_separator(if tsv { b'\t' } else { b',' })
                .with_try_parse_dates(true)
        })
        .into_reader_with_file_handle(reader)
        .finish()
}

/// A CSV polars refused, read again after repairing quotes that were not doubled inside
/// quoted fields (`"-c "REDACTED"",` from hand-edited or redacted exports), which Python's
/// csv module and spreadsheet tools accept. The repair is said in a warning; if there was
/// nothing to repair, or the repaired text still does not read, polars' error stands.
fn repair_or<'b>(
    first: PolarsResult<DataFrame>,
    tsv: bool,
    name: &str,
    bytes: impl FnOnce() -> Option<std::borrow::Cow<'b, [u8]>>,
) -> PolarsResult<Warned<DataFrame>> {
    let error = match first {
        Ok(df) => return Ok(Warned::clean(df)),
        Err(e) => e,
    };
    let Some((repaired, lines)) = bytes().and_then(|b| repair_quotes(&b, if tsv { b'\t' } else { b',' })) else {
        return Err(error);
    };
    match read_csv(std::io::Cursor::new(repaired), tsv) {
        Ok(df) => Ok(Warned {
            value: df,
            warnings: vec![format!(
                "{name}: {} line{} (first: line {}) had a quote inside a quoted field that was not doubled; \
                 it was read as a literal quote",
                lines.len(),
                if lines.len() == 1 { "" } else { "s" },
                lines[0]
            )],
        }),
        Err(_) => Err(error),
    }
}

/// Re-writes CSV with every quote inside a quoted field doubled unless it closes the field
/// (followed by the separator, a line end or the end). Returns the text and the 1-based
/// lines repaired, or `None` when nothing needed it.
fn repair_quotes(bytes: &[u8], sep: u8) -> Option<(Vec<u8>, Vec<usize>)> {
    let mut out = Vec::with_capacity(bytes.len() + 64);
    let mut repaired = Vec::new();
    let (mut line, mut quoted, mut at_field_start) = (1usize, false, true);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if quoted {
            if b == b'"' {
                match bytes.get(i + 1) {
                    Some(b'"') => {
                        out.extend_from_slice(b"\"\"");
                        i += 2;
                        continue;
                    }
                    None | Some(b'\n') | Some(b'\r') => quoted = false,
                    Some(&next) if next == sep => quoted = false,
                    Some(_) => {
                        // A stray quote: keep it as a literal.
                        out.push(b'"');
                        if repaired.last() != Some(&line) {
                            repaired.push(line);
                        }
                    }
                }
            } else if b == b'\n' {
                line += 1;
            }
            out.push(b);
        } else {
            if b == b'"' && at_field_start {
                quoted = true;
            }
            if b == b'\n' {
                line += 1;
            }
            out.push(b);
        }
        at_field_start = !quoted && (b == sep || b == b'\n');
        i += 1;
    }
    (!repaired.is_empty()).then_some((out, repaired))
}

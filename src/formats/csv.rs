//! CSV and TSV (by the `.tsv` name): polars' reader, dates parsed where they read as
//! dates, and a second try that repairs quotes a hand-edited export left undoubled.

use std::path::Path;

use polars::prelude::*;

use super::{Format, Input, dates};
use crate::error::Result;
use crate::frame::Warned;

pub const CSV: Format = Format::new("csv", "CSV", &["csv", "tsv"], read)
    .aliases(&["tsv"])
    .scan(scan);

fn read(input: &Input) -> Result<Warned<DataFrame>> {
    let tsv = input.has_extension("tsv");
    let load = |how: How| -> Result<Warned<DataFrame>> {
        let first = match input {
            // Opening first gives a clean I/O error for missing or unreadable files.
            Input::File(path) => read_csv(Input::open(path)?, tsv, how),
            Input::Bytes { bytes, .. } => read_csv(std::io::Cursor::new(bytes.as_slice()), tsv, how),
        };
        repair_or(first, tsv, &input.name(), || input.bytes().ok(), how).map_err(input.polars(CSV.title))
    };
    // Polars reads 7/8/2019 as 7 August: columns of slashed dates are read as text, and
    // their dates as dates::read_slashed reads them. A sample that does not read leaves
    // the whole read to say why.
    let slashed = load(How::Sample).map_or(Vec::new(), |s| slashed_columns(&s.value));
    let mut out = load(How::Whole(&slashed))?;
    let warnings = dates::read_slashed_columns(&mut out.value, &input.name()).map_err(input.polars(CSV.title))?;
    out.warnings.extend(warnings);
    Ok(out)
}

/// The columns of a sample (read as text) that hold slashed dates.
fn slashed_columns(sample: &DataFrame) -> Vec<PlSmallStr> {
    sample
        .columns()
        .iter()
        .filter(|c| c.str().is_ok_and(|s| s.iter().flatten().any(dates::is_slashed)))
        .map(|c| c.name().clone())
        .collect()
}

/// How much of a CSV to read: all of it, with these columns kept as text; or its first
/// rows as text, to see how its dates are written.
#[derive(Clone, Copy)]
enum How<'a> {
    Whole(&'a [PlSmallStr]),
    Sample,
}

fn scan(path: &Path) -> Option<PolarsResult<LazyFrame>> {
    let tsv = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
    // Slashed dates need the whole column to tell day from month: such a file is read whole.
    let sample = std::fs::File::open(path)
        .ok()
        .and_then(|f| read_csv(f, tsv, How::Sample).ok());
    if sample.is_some_and(|df| !slashed_columns(&df).is_empty()) {
        return None;
    }
    Some(PlRefPath::try_from_path(path).and_then(|p| {
        LazyCsvReader::new(p)
            .with_has_header(true)
            .with_infer_schema_length(Some(10_000))
            .with_separator(if tsv { b'\t' } else { b',' })
            .with_try_parse_dates(true)
            .finish()
    }))
}

fn read_csv<R: polars::io::mmap::MmapBytesReader>(reader: R, tsv: bool, how: How) -> PolarsResult<DataFrame> {
    let (text, sample) = match how {
        How::Whole(text) => (text, false),
        How::Sample => (&[][..], true),
    };
    let overwrite = (!text.is_empty()).then(|| {
        Arc::new(Schema::from_iter(
            text.iter().map(|n| Field::new(n.clone(), DataType::String)),
        ))
    });
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(10_000))
        .with_schema_overwrite(overwrite)
        .with_n_rows(sample.then_some(200))
        .map_parse_options(|o| {
            o.with_separator(if tsv { b'\t' } else { b',' })
                .with_try_parse_dates(!sample)
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
    how: How,
) -> PolarsResult<Warned<DataFrame>> {
    let error = match first {
        Ok(df) => return Ok(Warned::clean(df)),
        Err(e) => e,
    };
    let Some((repaired, lines)) = bytes().and_then(|b| repair_quotes(&b, if tsv { b'\t' } else { b',' })) else {
        return Err(error);
    };
    match read_csv(std::io::Cursor::new(repaired), tsv, how) {
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

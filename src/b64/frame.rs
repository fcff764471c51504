//! Decoding over a frame column: one output row per decoded fragment, in row order, built
//! in parallel over rows.

use polars::prelude::*;
use rayon::prelude::*;

use super::{Budget, Decoded, Limits, decode_within};
use crate::error::Result;
use crate::frame::{Warned, text_column};

/// Decodes each value of `column`; rows without Base64 give no output rows. The rows share
/// one output budget (`limits.max_total_bytes`).
pub fn decode_frame(df: &DataFrame, column: &str, utf16: bool, limits: Limits) -> Result<Warned<DataFrame>> {
    let text = text_column(df, column)?;
    let values: Vec<Option<&str>> = text.iter().collect();
    let budget = Budget::new(limits.max_total_bytes);
    let decoded: Vec<Decoded> = values
        .par_iter()
        .map(|v| v.map(|t| decode_within(t, utf16, &limits, &budget)).unwrap_or_default())
        .collect();
    Ok(to_frame(
        decoded.into_iter().enumerate(),
        column,
        limits.max_total_bytes,
    ))
}

/// Decodes one text into the same shape of frame (SourceIndex 0).
pub fn decode_text(text: &str, utf16: bool, limits: Limits) -> Warned<DataFrame> {
    let budget = Budget::new(limits.max_total_bytes);
    let decoded = decode_within(text, utf16, &limits, &budget);
    to_frame(std::iter::once((0, decoded)), "text", limits.max_total_bytes)
}

/// The frame, one row per fragment. Every fragment carries its row's FullDecodedString, as
/// in msticpy, while the copies stay within `repeat_budget` bytes; past that only each
/// row's first fragment carries it (a row of thousands of fragments would otherwise copy
/// its whole text thousands of times), and a warning says so.
fn to_frame(decoded: impl Iterator<Item = (usize, Decoded)>, column: &str, repeat_budget: usize) -> Warned<DataFrame> {
    let mut warnings = Vec::new();
    let mut cols: [Vec<String>; 9] = Default::default();
    let mut full: Vec<Option<String>> = Vec::new();
    let (mut depth, mut index) = (Vec::new(), Vec::new());
    let (mut repeated, mut left_out) = (0usize, 0usize);
    for (row, d) in decoded {
        for w in d.warnings {
            warnings.push(format!("row {row}: {w}"));
        }
        for (k, f) in d.fragments.into_iter().enumerate() {
            if k == 0 {
                full.push(Some(d.full.clone()));
            } else if repeated.saturating_add(d.full.len()) <= repeat_budget {
                repeated += d.full.len();
                full.push(Some(d.full.clone()));
            } else {
                left_out += 1;
                full.push(None);
            }
            let values = [
                f.reference,
                f.original,
                f.file_name,
                f.file_type.name().to_string(),
                f.encoding.to_string(),
                f.decoded,
                f.md5,
                f.sha1,
                f.sha256,
            ];
            for (col, value) in cols.iter_mut().zip(values) {
                col.push(value);
            }
            depth.push(f.depth as u32);
            index.push(row as u64);
        }
    }
    let names = [
        "Reference",
        "OriginalString",
        "FileName",
        "FileType",
        "Encoding",
        "DecodedString",
        "MD5",
        "SHA1",
        "SHA256",
    ];
    let mut columns: Vec<Column> = names
        .iter()
        .zip(cols)
        .map(|(n, v)| Column::new((*n).into(), v))
        .collect();
    columns.insert(1, Column::new("Depth".into(), depth));
    columns.push(Column::new("FullDecodedString".into(), full));
    if left_out > 0 {
        warnings.push(format!(
            "FullDecodedString is empty on {left_out} rows: it is on the first fragment of each \
             source row, and repeated on the others only up to {repeat_budget} bytes in all"
        ));
    }
    columns.push(Column::new("SourceIndex".into(), index.clone()));
    columns.push(Column::new(
        "SourceColumn".into(),
        vec![column.to_string(); index.len()],
    ));
    let df = DataFrame::new_infer_height(columns).expect("columns of equal length");
    Warned { value: df, warnings }
}

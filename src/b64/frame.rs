//! Decoding over a frame column: one output row per decoded fragment, in row order, built
//! in parallel over rows.

use polars::prelude::*;
use rayon::prelude::*;

use super::{Decoded, Limits, decode};
use crate::error::Result;
use crate::frame::{Warned, text_column};

/// Decodes each value of `column`; rows without Base64 give no output rows.
pub fn decode_frame(df: &DataFrame, column: &str, utf16: bool, limits: Limits) -> Result<Warned<DataFrame>> {
    let text = text_column(df, column)?;
    let values: Vec<Option<&str>> = text.iter().collect();
    let decoded: Vec<Decoded> = values
        .par_iter()
        .map(|v| v.map(|t| decode(t, utf16, limits)).unwrap_or_default())
        .collect();
    Ok(to_frame(decoded.into_iter().enumerate(), column))
}

/// Decodes one text into the same shape of frame (SourceIndex 0).
pub fn decode_text(text: &str, utf16: bool, limits: Limits) -> Warned<DataFrame> {
    to_frame(std::iter::once((0, decode(text, utf16, limits))), "text")
}

fn to_frame(decoded: impl Iterator<Item = (usize, Decoded)>, column: &str) -> Warned<DataFrame> {
    let mut warnings = Vec::new();
    let mut cols: [Vec<String>; 10] = Default::default();
    let (mut depth, mut index) = (Vec::new(), Vec::new());
    for (row, d) in decoded {
        for w in d.warnings {
            warnings.push(format!("row {row}: {w}"));
        }
        for f in d.fragments {
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
                d.full.clone(),
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
        "FullDecodedString",
    ];
    let mut columns: Vec<Column> = names
        .iter()
        .zip(cols)
        .map(|(n, v)| Column::new((*n).into(), v))
        .collect();
    columns.insert(1, Column::new("Depth".into(), depth));
    columns.push(Column::new("SourceIndex".into(), index.clone()));
    columns.push(Column::new(
        "SourceColumn".into(),
        vec![column.to_string(); index.len()],
    ));
    let df = DataFrame::new_infer_height(columns).expect("columns of equal length");
    Warned { value: df, warnings }
}

//! Extraction over frame columns: one output row per distinct observable per input row
//! and column, in input order, built in parallel over rows.

use polars::prelude::*;
use rayon::prelude::*;

use std::borrow::Cow;

use super::{Extraction, Extractor, defang};
use crate::error::Result;
use crate::frame::text_column;

/// Output columns, as msticpy's `extract_df` names them plus `SourceColumn`.
pub const COLUMNS: [&str; 5] = ["IoCType", "Observable", "SourceIndex", "SourceColumn", "Input"];

/// Extracts from each named text column of `df`. With `defanged`, observables are given
/// defanged for safe sharing; otherwise refanged (live) as found.
pub fn extract_frame(df: &DataFrame, columns: &[String], extractor: &Extractor, defanged: bool) -> Result<DataFrame> {
    let mut texts = Vec::with_capacity(columns.len());
    for name in columns {
        let values: Vec<Option<&str>> = text_column(df, name)?.iter().collect();
        texts.push((name.as_str(), values));
    }
    // Order-preserving parallel map: results come back in row order.
    let found: Vec<Vec<Extraction>> = texts
        .iter()
        .map(|(_, values)| {
            values
                .par_iter()
                .map(|v| v.map(|t| extractor.extract(t)).unwrap_or_default())
                .collect()
        })
        .collect();
    let (mut kind, mut observable, mut index, mut column, mut input) =
        (Vec::new(), Vec::<Cow<str>>::new(), Vec::new(), Vec::new(), Vec::new());
    for ((name, values), found) in texts.iter().zip(&found) {
        for (row, hits) in found.iter().enumerate() {
            for hit in hits.iter() {
                kind.push(hit.kind);
                observable.push(if defanged {
                    Cow::Owned(defang(hit.observable, hit.kind))
                } else {
                    Cow::Borrowed(hit.observable)
                });
                index.push(row as u64);
                column.push(*name);
                input.push(values[row].unwrap_or_default());
            }
        }
    }
    let observable: Vec<&str> = observable.iter().map(AsRef::as_ref).collect();
    Ok(DataFrame::new_infer_height(vec![
        Column::new(COLUMNS[0].into(), kind),
        Column::new(COLUMNS[1].into(), observable),
        Column::new(COLUMNS[2].into(), index),
        Column::new(COLUMNS[3].into(), column),
        Column::new(COLUMNS[4].into(), input),
    ])?)
}

/// Extracts from one text (a pasted report, say), as a frame of the same shape with one
/// row per distinct indicator: `SourceIndex` is the first line that holds it (counting from
/// 0) and `Input` that line — not the whole text again on every row.
pub fn extract_text(text: &str, extractor: &Extractor, defanged: bool) -> Result<DataFrame> {
    let lines: Vec<&str> = text.lines().collect();
    let df = DataFrame::new_infer_height(vec![Column::new("text".into(), lines)])?;
    let found = extract_frame(&df, &["text".to_string()], extractor, defanged)?;
    let subset = [COLUMNS[0].into(), COLUMNS[1].into()];
    Ok(found.unique_stable(Some(&subset), UniqueKeepStrategy::First, None)?)
}

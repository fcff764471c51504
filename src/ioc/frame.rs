//! Extraction over frame columns: one output row per distinct observable per input row
//! and column, in input order, built in parallel over rows.

use polars::prelude::*;
use rayon::prelude::*;

use super::{Extractor, defang};
use crate::error::Result;
use crate::frame::text_column;

/// Output columns, as msticpy's `extract_df` names them plus `SourceColumn`.
pub const COLUMNS: [&str; 5] = ["IoCType", "Observable", "SourceIndex", "SourceColumn", "Input"];

#[derive(Default)]
struct Rows {
    kind: Vec<std::borrow::Cow<'static, str>>,
    observable: Vec<String>,
    index: Vec<u64>,
    column: Vec<String>,
    input: Vec<String>,
}

/// Extracts from each named text column of `df`. With `defanged`, observables are given
/// defanged for safe sharing; otherwise refanged (live) as found.
pub fn extract_frame(df: &DataFrame, columns: &[String], extractor: &Extractor, defanged: bool) -> Result<DataFrame> {
    let mut rows = Rows::default();
    for name in columns {
        let text = text_column(df, name)?;
        let values: Vec<Option<&str>> = text.iter().collect();
        // Order-preserving parallel map: results come back in row order.
        let found: Vec<Vec<super::Found>> = values
            .par_iter()
            .map(|v| v.map(|t| extractor.extract(t)).unwrap_or_default())
            .collect();
        for (index, hits) in found.into_iter().enumerate() {
            for hit in hits {
                let observable = if defanged {
                    defang(&hit.observable, &hit.kind)
                } else {
                    hit.observable
                };
                rows.kind.push(hit.kind);
                rows.observable.push(observable);
                rows.index.push(index as u64);
                rows.column.push(name.clone());
                rows.input.push(values[index].unwrap_or_default().to_string());
            }
        }
    }
    Ok(DataFrame::new_infer_height(vec![
        Column::new(
            COLUMNS[0].into(),
            rows.kind.iter().map(|k| k.as_ref()).collect::<Vec<&str>>(),
        ),
        Column::new(COLUMNS[1].into(), rows.observable),
        Column::new(COLUMNS[2].into(), rows.index),
        Column::new(COLUMNS[3].into(), rows.column),
        Column::new(COLUMNS[4].into(), rows.input),
    ])?)
}

/// Extracts from one text, as a frame of the same shape (SourceIndex 0).
pub fn extract_text(text: &str, extractor: &Extractor, defanged: bool) -> Result<DataFrame> {
    let df = DataFrame::new_infer_height(vec![Column::new("text".into(), [text])])?;
    extract_frame(&df, &["text".to_string()], extractor, defanged)
}

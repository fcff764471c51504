//! Parquet files, read whole or scanned.

use std::path::Path;

use polars::prelude::*;

use super::{Format, Input};
use crate::error::Result;
use crate::frame::Warned;

pub const PARQUET: Format = Format::new("parquet", "Parquet", &["parquet", "pq"], read)
    .aliases(&["pq"])
    .scan(scan);

fn read(input: &Input) -> Result<Warned<DataFrame>> {
    let bad = input.polars(PARQUET.title);
    let df = match input {
        Input::File(path) => ParquetReader::new(Input::open(path)?).finish().map_err(bad)?,
        Input::Bytes { bytes, .. } => ParquetReader::new(std::io::Cursor::new(bytes.as_slice()))
            .finish()
            .map_err(bad)?,
    };
    Ok(Warned::clean(df))
}

fn scan(path: &Path) -> Option<PolarsResult<LazyFrame>> {
    Some(PlRefPath::try_from_path(path).and_then(|p| LazyFrame::scan_parquet(p, ScanArgsParquet::default())))
}

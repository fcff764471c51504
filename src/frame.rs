//! A [`Frame`] is a polars `DataFrame` plus where it came from.
//!
//! Provenance travels with the data so that every displayed result can say which source,
//! query and parameters produced it; [`Warned`] carries the non-fatal problems met on the
//! way (skipped files, cut rows) so they reach the analyst instead of a log.

use polars::prelude::{DataFrame, StringChunked};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Provenance {
    /// Where the rows came from: a file path, a glob, a source name, or a derivation.
    pub source: String,
    /// The query or statement that produced the rows, when there was one.
    pub query: Option<String>,
    /// The time window the query covered, as `start .. end`, when it had one.
    pub window: Option<String>,
    /// For a query run on a service: where it ran (workspace, database) and the service's
    /// request ids, which its operators ask for when something went wrong.
    pub service: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Frame {
    pub data: DataFrame,
    pub provenance: Provenance,
}

impl Frame {
    pub fn new(data: DataFrame, source: impl Into<String>) -> Self {
        Frame {
            data,
            provenance: Provenance {
                source: source.into(),
                query: None,
                window: None,
                service: None,
            },
        }
    }

    pub fn with_query(mut self, query: impl Into<String>) -> Self {
        self.provenance.query = Some(query.into());
        self
    }

    pub fn with_service(mut self, service: impl Into<String>) -> Self {
        self.provenance.service = Some(service.into());
        self
    }

    pub fn with_window(mut self, window: impl Into<String>) -> Self {
        self.provenance.window = Some(window.into());
        self
    }

    pub fn height(&self) -> usize {
        self.data.height()
    }

    pub fn width(&self) -> usize {
        self.data.width()
    }

    pub fn column_names(&self) -> Vec<String> {
        self.data
            .get_column_names()
            .into_iter()
            .map(|n| n.to_string())
            .collect()
    }
}

/// A value together with the warnings met while producing it.
#[derive(Debug, Clone)]
pub struct Warned<T> {
    pub value: T,
    pub warnings: Vec<String>,
}

impl<T> Warned<T> {
    pub fn clean(value: T) -> Self {
        Warned {
            value,
            warnings: Vec::new(),
        }
    }
}

/// The error for a column `df` lacks, naming the columns it has.
pub fn no_column(df: &DataFrame, name: &str) -> Error {
    Error::NoColumn {
        column: name.to_string(),
        available: df
            .get_column_names()
            .iter()
            .map(|n| n.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// A text column made from records, one value per record (`None` is null): how the
/// enrichment results (threat intel, locations, domain parts) become frames.
pub fn text_column_of<'a, T>(
    name: &str,
    rows: &'a [T],
    value: impl Fn(&'a T) -> Option<&'a str>,
) -> polars::prelude::Column {
    polars::prelude::Column::new(name.into(), rows.iter().map(value).collect::<Vec<_>>())
}

/// A UTC time column from µs since the epoch (`None` is null): how every reader and
/// engine that computes times hands them to polars.
pub fn utc_times(name: &str, micros: impl IntoIterator<Item = Option<i64>>) -> polars::prelude::Column {
    use polars::prelude::*;
    Int64Chunked::from_iter_options(name.into(), micros.into_iter())
        .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
        .into_column()
}

/// The names of `df`'s text columns, in order.
pub fn text_columns(df: &DataFrame) -> Vec<String> {
    df.columns()
        .iter()
        .filter(|c| c.dtype() == &polars::prelude::DataType::String)
        .map(|c| c.name().to_string())
        .collect()
}

/// The text column `name` of `df`, or an error that names what the frame has instead.
pub fn text_column<'a>(df: &'a DataFrame, name: &str) -> Result<&'a StringChunked> {
    let col = df.column(name).map_err(|_| no_column(df, name))?;
    col.str().map_err(|_| Error::NotText {
        column: name.to_string(),
        dtype: col.dtype().to_string(),
    })
}

/// Column `name` as text, whatever its type (numbers and times as text), in one chunk so
/// that reading value `i` is direct: a frame stacked from many parts has many chunks, and
/// reading by index across them costs O(chunks) per value.
pub fn text_values(df: &DataFrame, name: &str) -> Result<StringChunked> {
    use polars::prelude::DataType;
    let column = df.column(name).map_err(|_| no_column(df, name))?;
    Ok(column.cast(&DataType::String)?.str()?.rechunk().into_owned())
}

/// Column `name` as µs since the epoch (UTC). Text is parsed by polars with the format
/// inferred from the data; values that do not read that way are tried one by one, trimmed,
/// in the other ISO and Sentinel shapes. A column of slashed dates is read month first
/// unless a day says otherwise ([`crate::formats::dates`]). Other types are an error that
/// names the type.
pub fn time_values(df: &DataFrame, name: &str) -> Result<Vec<Option<i64>>> {
    use polars::prelude::*;
    let column = df.column(name).map_err(|_| no_column(df, name))?;
    let micros = |c: Column| -> Result<Vec<Option<i64>>> { Ok(c.datetime()?.physical().iter().collect()) };
    match column.dtype() {
        DataType::Datetime(_, tz) => micros(column.cast(&DataType::Datetime(TimeUnit::Microseconds, tz.clone()))?),
        DataType::Date => micros(column.cast(&DataType::Datetime(TimeUnit::Microseconds, None))?),
        DataType::String => {
            // 7/8/2019 is 8 July here too (see formats::dates), which polars reads as 7 August.
            if let Some((micros, _)) = crate::formats::dates::read_slashed(column.str()?) {
                return Ok(micros);
            }
            let parsed = DataFrame::new_infer_height(vec![column.clone()])?
                .lazy()
                .select([col(name).str().to_datetime(
                    Some(TimeUnit::Microseconds),
                    None,
                    StrptimeOptions {
                        strict: false,
                        ..Default::default()
                    },
                    lit("raise"),
                )])
                .collect()
                .ok();
            let fast = match parsed {
                Some(p) => micros(p.column(name)?.clone())?,
                None => vec![None; column.len()],
            };
            Ok(fast
                .into_iter()
                .zip(column.str()?.iter())
                .map(|(t, s)| {
                    t.or_else(|| {
                        s.map(str::trim)
                            .and_then(crate::time::parse_absolute)
                            .map(|t| t.timestamp_micros())
                    })
                })
                .collect())
        }
        other => Err(Error::Sql(format!("column {name:?} holds {other} values, not times"))),
    }
}

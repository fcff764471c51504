//! SQL over named frames, with polars SQL.
//!
//! Every frame in the session is registered under its name, lazily, so a statement that
//! touches two frames does not copy the others. Polars' own error text is kept, because it
//! names the missing table or column, and is prefixed with what the analyst has, because
//! "table not found" is far more useful with the list of tables beside it.
//!
//! msticpy's feature functions are SQL functions here ([`Features`]): `delim_count`,
//! `delim_hash`, `char_ord_score`, `token_count` and `crc32_hash`.

use std::sync::Arc;

use polars::prelude::udf::UserDefinedFunction;
use polars::prelude::*;
use polars::sql::FunctionRegistry;
use polars::sql::SQLContext;

use crate::cluster::features::Feature;
use crate::error::{Error, Result};

/// Runs `statement` with each `(name, frame)` registered as a table.
pub fn run<'a>(tables: impl IntoIterator<Item = (&'a str, &'a DataFrame)>, statement: &str) -> Result<DataFrame> {
    let mut ctx = SQLContext::new().with_function_registry(Arc::new(Features));
    let mut names = Vec::new();
    for (name, df) in tables {
        ctx.register(name, df.clone().lazy());
        names.push(name.to_string());
    }
    let describe = |e: PolarsError| {
        let tables = if names.is_empty() {
            "no frames in the session yet".to_string()
        } else {
            format!("frames: {}", names.join(", "))
        };
        Error::Sql(format!("{} ({tables})", clean_polars_message(&e)))
    };
    let plan = ctx.execute(statement).map_err(describe)?;
    plan.collect().map_err(describe)
}

/// Polars error texts carry a variant prefix and, in debug builds, long context chains;
/// the first line without the prefix is what the analyst needs.
fn clean_polars_message(e: &PolarsError) -> String {
    let text = e.to_string();
    let first = text.lines().next().unwrap_or_default().trim();
    first.to_string()
}

/// msticpy's feature functions as polars SQL functions, by msticpy's names
/// ([`Feature::function`]): each takes a text (any other type is read as its text) and
/// gives an integer, null for null. `token_count` takes the delimiter as a second
/// argument, a space when it is left out.
struct Features;

impl FunctionRegistry for Features {
    fn register(&mut self, name: &str, _: UserDefinedFunction) -> PolarsResult<()> {
        polars_bail!(ComputeError: "functions cannot be added to Huntbook's SQL ({name})")
    }

    fn get_udf(&self, name: &str) -> PolarsResult<Option<UserDefinedFunction>> {
        let Some(feature) = feature(name) else {
            return Ok(None);
        };
        let call = move |columns: &mut [Column]| feature_column(feature, columns);
        let field = |_: &Schema, fields: &[Field]| {
            let name = fields.first().map(|f| f.name().clone()).unwrap_or_default();
            Ok(Field::new(name, DataType::Int64))
        };
        Ok(Some(UserDefinedFunction::new(
            name.into(),
            BaseColumnUdf::new(call, field),
        )))
    }

    fn contains(&self, name: &str) -> bool {
        feature(name).is_some()
    }
}

fn feature(name: &str) -> Option<Feature> {
    Feature::ALL.into_iter().find(|f| f.function() == name)
}

/// One feature function over a column (and, for `token_count`, its delimiter).
fn feature_column(feature: Feature, columns: &mut [Column]) -> PolarsResult<Column> {
    let wanted = if feature == Feature::TokenCount { 1..=2 } else { 1..=1 };
    if !wanted.contains(&columns.len()) {
        polars_bail!(
            InvalidOperation: "{} takes {} argument(s), not {}", feature.function(), wanted.end(), columns.len()
        );
    }
    let text = columns[0].cast(&DataType::String)?;
    let delimiter = match columns.get(1) {
        Some(d) => d.cast(&DataType::String)?.str()?.get(0).unwrap_or(" ").to_string(),
        None => " ".to_string(),
    };
    let out: Int64Chunked = text
        .str()?
        .iter()
        .map(|v| v.map(|v| feature.apply(v, &delimiter)))
        .collect();
    Ok(out.with_name(text.name().clone()).into_column())
}

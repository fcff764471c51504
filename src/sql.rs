//! SQL over named frames, with polars SQL.
//!
//! Every frame in the session is registered under its name, lazily, so a statement that
//! touches two frames does not copy the others. Polars' own error text is kept, because it
//! names the missing table or column, and is prefixed with what the analyst has, because
//! "table not found" is far more useful with the list of tables beside it.

use polars::prelude::*;
use polars::sql::SQLContext;

use crate::error::{Error, Result};

/// Runs `statement` with each `(name, frame)` registered as a table.
pub fn run<'a>(tables: impl IntoIterator<Item = (&'a str, &'a DataFrame)>, statement: &str) -> Result<DataFrame> {
    let mut ctx = SQLContext::new();
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

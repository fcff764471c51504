//! Columns named in arguments: `--time`, `--value`, `--group-by` and the like, checked
//! against a frame with a did-you-mean when they are not there.

use huntbook::Frame;
use polars::prelude::DataType;

use crate::diag::{Diagnostic, column_hint};
use crate::parse::Spanned;
use crate::signature::{Kind, Opt};

/// `--time COLUMN`, shared by the magics that put rows on a time axis.
pub const TIME_OPTION: Opt = Opt::value(
    "time",
    "COLUMN",
    Kind::Text,
    "the time column (default TimeGenerated, else the first time column)",
);

/// The time column to use: named, or TimeGenerated, or the first datetime column.
pub fn time_column(frame: &Frame, named: Option<&Spanned>) -> Result<String, Diagnostic> {
    if let Some(n) = named {
        return named_column(frame, n);
    }
    let names = frame.column_names();
    if names.iter().any(|c| c == "TimeGenerated") {
        return Ok("TimeGenerated".into());
    }
    frame
        .data
        .columns()
        .iter()
        .find(|c| matches!(c.dtype(), DataType::Datetime(..) | DataType::Date))
        .map(|c| c.name().to_string())
        .ok_or_else(|| {
            Diagnostic::new("no-time", "the frame has no time column")
                .hint(format!("name one with --time (columns: {})", names.join(", ")))
        })
}

/// The column `spec` names, or an error with the likely one.
pub fn named_column(frame: &Frame, spec: &Spanned) -> Result<String, Diagnostic> {
    let names = frame.column_names();
    if names.iter().any(|c| c == &spec.text) {
        return Ok(spec.text.clone());
    }
    let d = Diagnostic::new("no-column", format!("no column {:?} in the frame", spec.text)).at(spec.span.clone());
    Err(column_hint(d, &spec.text, &names, ""))
}

/// Every column of a comma-separated list (`--columns A,B`), each checked.
pub fn named_columns(frame: &Frame, spec: &Spanned) -> Result<Vec<String>, Diagnostic> {
    spec.text
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| {
            named_column(
                frame,
                &Spanned {
                    text: c.to_string(),
                    span: spec.span.clone(),
                },
            )
        })
        .collect()
}

/// The numeric column `spec` names.
pub fn numeric_column(frame: &Frame, spec: &Spanned) -> Result<String, Diagnostic> {
    let name = named_column(frame, spec)?;
    let dtype = frame
        .data
        .column(&name)
        .map(|c| c.dtype().clone())
        .unwrap_or(DataType::Null);
    if dtype.is_primitive_numeric() {
        Ok(name)
    } else {
        Err(Diagnostic::new(
            "bad-value",
            format!("column {:?} holds {dtype} values; --value needs numbers", spec.text),
        )
        .at(spec.span.clone()))
    }
}

//! Frames as tables: the engine renders HTML, text and Table Schema; this module makes
//! them a [`Figure`] with the frame's provenance as metadata, so a saved notebook records
//! where each table came from.

use huntbook::Frame;
use huntbook::render::{TableOptions, render_table};
use serde_json::json;

use crate::figure::Figure;

/// Rows shown when a frame is displayed without `%show --rows`.
pub const DEFAULT_ROWS: usize = 20;

/// A frame as a table of at most `rows` rows; `name` is its session name, if it has one.
/// A frame wider than the engine's limit shows the columns that tell the story first.
pub fn table(frame: &Frame, name: Option<&str>, rows: usize) -> Figure {
    table_of(frame, name, rows, huntbook::render::view::MAX_COLUMNS)
}

/// [`table`] with at most `max_columns` columns (every column a user named is shown).
pub fn table_of(frame: &Frame, name: Option<&str>, rows: usize, max_columns: usize) -> Figure {
    let hint = match name {
        Some(n) => format!("%show {n} --rows N shows more"),
        None => "name the result (x = %…) and %show x --rows N to see more".to_string(),
    };
    let options = TableOptions {
        max_rows: rows,
        name: name.map(str::to_string),
        more_hint: Some(hint),
        max_columns,
        columns_hint: Some(format!("%show {} --columns A,B,… shows others", name.unwrap_or("NAME"))),
    };
    let table = render_table(frame, &options);
    Figure::rich(table.html, table.text)
        .form("application/vnd.dataresource+json", table.dataresource)
        .provenance(json!({
            "source": frame.provenance.source,
            "query": frame.provenance.query,
            "window": frame.provenance.window,
            "service": frame.provenance.service,
            "rows": frame.height(),
            "columns": frame.width(),
            "shown_rows": rows.min(frame.height()),
        }))
}

/// A one-line summary of a frame, as shown after `name = %magic`.
pub fn frame_summary(name: &str, frame: &Frame) -> String {
    use huntbook::render::table::thousands;
    format!(
        "{name}: {} rows × {} columns from {}",
        thousands(frame.height()),
        thousands(frame.width()),
        frame.provenance.source
    )
}

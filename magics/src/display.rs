//! Frames and help as MIME bundles.
//!
//! The engine renders HTML, text and Table Schema; this module wraps them into a bundle
//! and attaches provenance as metadata, so a saved notebook records where each table came
//! from.

use huntbook::Frame;
use huntbook::render::{TableOptions, render_table};
use serde_json::json;

use crate::bundle::MimeBundle;

/// Rows shown when a frame is displayed without `%show --rows`.
pub const DEFAULT_ROWS: usize = 20;

pub fn frame_bundle(frame: &Frame, name: Option<&str>, rows: usize, warnings: &[String]) -> MimeBundle {
    let hint = match name {
        Some(n) => format!("%show {n} --rows N shows more"),
        None => "name the result (x = %…) and %show x --rows N to see more".to_string(),
    };
    let options = TableOptions {
        max_rows: rows,
        name: name.map(str::to_string),
        more_hint: Some(hint),
        warnings: warnings.to_vec(),
    };
    let table = render_table(frame, &options);
    MimeBundle::text(table.text)
        .with("text/html", table.html)
        .with("application/vnd.dataresource+json", table.dataresource)
        .with_metadata(
            "huntbook",
            json!({
                "source": frame.provenance.source,
                "query": frame.provenance.query,
                "window": frame.provenance.window,
                "rows": frame.height(),
                "columns": frame.width(),
                "shown_rows": rows.min(frame.height()),
                "warnings": warnings,
            }),
        )
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

//! Renderers: turn engine results into self-contained HTML, SVG and plain text.
//!
//! Every string that came from data passes through [`escape`] before it enters markup,
//! because log data is attacker-controlled and an output must never execute it. Renderers
//! produce strings and JSON values only; wrapping them into display messages is the
//! caller's business.

mod axis;
mod cells;
pub mod chart;
pub mod escape;
pub mod grid;
pub mod lanes;
pub mod map;
pub mod picture;
pub mod table;
pub mod view;
pub mod zoom;

/// Series, lane and category colours, in order (Tableau 10): every chart and tree uses
/// these, so one value has one colour within a display.
pub const PALETTE: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
];

/// Marks above (red) and below (blue) an expected value.
pub const ABOVE: &str = "#e15759";
pub const BELOW: &str = "#4e79a7";

pub use escape::{escape_html, visible_text};

/// A warning as every display shows it: one line, marked, its text escaped. The style is
/// inline so that it survives front ends that drop `<style>` elements.
pub fn warning_html(warning: &str) -> String {
    format!(
        "<div class=\"hb-warn\" style=\"margin:2px 0;padding:2px 6px;border-left:3px solid #d9822b;\
background:rgba(217,130,43,.08)\">⚠ {}</div>",
        escape_html(warning)
    )
}

/// The same warning in a text form.
pub fn warning_text(warning: &str) -> String {
    format!("warning: {warning}")
}
pub use table::{TableOptions, TableRender, render_table};

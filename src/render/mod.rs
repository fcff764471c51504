//! Renderers: turn engine results into self-contained HTML, SVG and plain text.
//!
//! Every string that came from data passes through [`escape`] before it enters markup,
//! because log data is attacker-controlled and an output must never execute it. Renderers
//! produce strings and JSON values only; wrapping them into display messages is the
//! caller's business.

pub mod chart;
pub mod escape;
pub mod map;
pub mod table;

pub use escape::escape_html;
pub use table::{TableOptions, TableRender, render_table};

//! Huntbook's engine: frames, sources, analysis, enrichment and rendering.
//!
//! The engine takes typed inputs and returns typed results — [`Frame`]s, classifications,
//! rendered HTML/SVG strings — and knows nothing of Jupyter. Everything the kernel shows
//! passes through here as plain data, so the same results can be rendered to a notebook,
//! a file export or a test assertion. Partial results are values ([`Warned`]): anything
//! skipped, cut or failed travels beside the result and is shown, never swallowed.

pub mod alerts;
pub mod b64;
pub mod cluster;
pub mod domain;
pub mod error;
pub mod formats;
pub mod frame;
#[doc(hidden)]
pub mod fuzz;
pub mod geo;
pub mod ioc;
pub mod ip;
pub mod linux;
pub mod load;
pub mod mask;
pub mod ptree;
pub mod query;
pub mod remote;
pub mod render;
pub mod sessions;
pub mod source;
pub mod sql;
pub mod ti;
pub mod time;
pub mod timeseries;

pub use error::{Error, Result};
pub use formats::{auditd, evtx, syslog, zeek};
pub use frame::{Frame, Provenance, Warned};

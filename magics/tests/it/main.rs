//! The magics' integration tests, in one binary so the suite links polars once: cells run
//! through an interpreter on the shared data, as a notebook would run them.

mod common;

mod charts;
mod enrich;
mod extract;
mod hostile;
mod magics;
mod ptree;
mod query;

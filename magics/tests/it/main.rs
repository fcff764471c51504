//! The magics' integration tests, in one binary so the suite links polars once: cells run
//! through an interpreter on the shared data, as a notebook would run them.

mod common;

// Counts memory so the fuzz run can check each case's peak (see `huntbook::fuzz`).
#[global_allocator]
static ALLOCATOR: huntbook::fuzz::Counting = huntbook::fuzz::Counting;

mod charts;
mod enrich;
mod extract;
mod fuzz;
mod hostile;
mod linux;
mod magics;
mod mask;
mod ptree;
mod query;
mod remote;
mod values;

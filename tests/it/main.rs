//! The engine's integration tests, in one binary so the suite links polars once: each
//! module tests one part of the engine on the shared data.

mod helpers;

// Counts memory so the fuzz runs can check each case's peak (see `huntbook::fuzz`).
#[global_allocator]
static ALLOCATOR: huntbook::fuzz::Counting = huntbook::fuzz::Counting;

mod alerts;
mod alerts_msgraph;
mod archives;
mod auditd;
mod b64;
mod b64_props;
mod cluster;
mod engine;
mod evtx;
mod fuzz;
mod geo;
mod ioc_corpus;
mod ioc_props;
mod linux;
mod ptree;
mod query;
mod remote;
mod sessions;
mod source;
mod ti;
mod timeseries;

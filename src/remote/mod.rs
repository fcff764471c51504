//! Microsoft's log services as sources: Microsoft Sentinel (the Log Analytics query API),
//! Microsoft Defender (advanced hunting) and Azure Data Explorer. A query runs on the
//! service and only its result comes back.
//!
//! So far: the services' result formats into typed frames ([`tables`]), and signing in
//! with client credentials and Log Analytics queries ([`azure`]). Device code, Defender and
//! Azure Data Explorer requests, and the `%connect` kinds are the next steps of the same issue.

pub mod azure;
pub mod tables;

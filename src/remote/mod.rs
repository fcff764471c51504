//! Microsoft's log services as sources: Microsoft Sentinel (the Log Analytics query API),
//! Microsoft Defender (advanced hunting) and Azure Data Explorer. A query runs on the
//! service and only its result comes back.
//!
//! So far: the services' result formats into typed frames ([`tables`], streamed for Log
//! Analytics), and signing in (client credentials, device code, a given token) and Log
//! Analytics queries ([`azure`]). The Azure CLI token, Defender and Azure Data Explorer
//! requests and the `%connect` kinds are the next steps of the same issue.

pub mod azure;
mod stream;
pub mod tables;

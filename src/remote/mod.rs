//! Microsoft's log services as sources: Microsoft Sentinel (the Log Analytics query API),
//! Microsoft Defender (advanced hunting, through Microsoft Graph or the legacy MDE API)
//! and Azure Data Explorer. A query runs on the service and only its result comes back.
//!
//! [`tables`] reads the services' result formats into typed frames (streamed for Log
//! Analytics); [`azure`] signs in to the Microsoft identity platform and sends requests;
//! [`services`] is one query on one service, with what the service said about its result.

pub mod azure;
mod rows;
mod scan;
pub mod services;
mod signin;
mod stream;
pub mod tables;

pub use azure::{Client, Cloud, Credential, Limits, is_loopback, url_host};
pub use services::{Answered, DefenderApi, Service};

/// What a running request reports to, and asks of, the person waiting for it.
pub trait Watch {
    /// Whether the person asked to stop.
    fn cancelled(&self) -> bool;
    /// Whether [`Watch::tell`] reaches a person, so a flow that needs one does not wait
    /// for nobody.
    fn can_tell(&self) -> bool;
    /// Shows the person something they must act on (the device code).
    fn tell(&mut self, text: &str);
    /// A request has been waiting for the service this long (called about once a second),
    /// so the person sees it is alive.
    fn waiting(&mut self, _for: std::time::Duration) {}
}

/// A bare cancel check: nowhere to tell anything.
impl<F: Fn() -> bool> Watch for F {
    fn cancelled(&self) -> bool {
        self()
    }
    fn can_tell(&self) -> bool {
        false
    }
    fn tell(&mut self, _text: &str) {}
}

//! Engine errors: concrete kinds, each naming the thing that was wrong (a path, a format,
//! a statement), because the analyst reads these messages in a notebook and has to act on
//! them without a stack trace.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What a caught panic said (its `&str` or `String` payload).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown cause".into())
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}: {why}", path.display())]
    Write { path: PathBuf, why: String },
    #[error("{} is not a readable {format} file: {message}", path.display())]
    Format {
        path: PathBuf,
        format: &'static str,
        message: String,
    },
    #[error("no file or folder matches {pattern}")]
    NoMatch { pattern: String },
    #[error("{} has no files Huntbook can read (expected .csv, .tsv, .json, .ndjson, .jsonl, .parquet, .evtx or auditd .log)", path.display())]
    EmptyFolder { path: PathBuf },
    #[error("cannot tell the format of {}: {reason}", path.display())]
    UnknownFormat { path: PathBuf, reason: String },
    #[error("{0}")]
    Sql(String),
    #[error("{0:?} is not an IP address")]
    InvalidIp(String),
    #[error("no column {column:?} in the frame (columns: {available})")]
    NoColumn { column: String, available: String },
    #[error("column {column:?} holds {dtype} values, not text")]
    NotText { column: String, dtype: String },
    /// Input that cannot be used as given (an option value, a configuration entry).
    #[error("{0}")]
    Invalid(String),
    /// A remote service (a threat-intel provider, an RDAP registry) did not answer usably.
    #[error("{service}: {message}")]
    Service { service: String, message: String },
    #[error("stopped: {what}")]
    Cancelled { what: String },
    #[error("{0}")]
    Polars(#[from] polars::error::PolarsError),
}

impl Error {
    /// A remote service that did not answer usably, in its own words.
    pub fn service(service: &str, message: impl Into<String>) -> Error {
        Error::Service {
            service: service.to_string(),
            message: message.into(),
        }
    }

    /// A short stable identifier for the kind of error, used as the error name the
    /// notebook shows and as the diagnostic code.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Io { .. } => "io-error",
            Error::Write { .. } => "write-error",
            Error::Format { .. } => "bad-file",
            Error::NoMatch { .. } => "no-such-file",
            Error::EmptyFolder { .. } => "empty-folder",
            Error::UnknownFormat { .. } => "unknown-format",
            Error::Sql(_) => "sql-error",
            Error::InvalidIp(_) => "invalid-ip",
            Error::NoColumn { .. } => "no-such-column",
            Error::NotText { .. } => "wrong-type",
            Error::Invalid(_) => "invalid-input",
            Error::Service { .. } => "service-error",
            Error::Cancelled { .. } => "interrupted",
            Error::Polars(_) => "data-error",
        }
    }
}

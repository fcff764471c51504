//! Huntbook's magics: the cell language on top of the engine.
//!
//! A cell is split into statements ([`parse`]), each checked against its magic's declared
//! [`Signature`] into validated [`Args`], run against the engine, and turned into MIME
//! bundles ([`bundle`]). The same declarations drive `%help`, `%magic?`, inspection,
//! completion and `is_complete` ([`complete`]). This crate never sees a socket: the
//! kernel hands it an [`Io`] and gets back a [`CellOutcome`].

pub mod args;
pub mod bundle;
pub mod clock;
pub mod cmd;
pub mod code;
pub mod columns;
pub mod complete;
pub mod diag;
pub mod display;
pub mod enrich;
pub mod figure;
pub mod interpreter;
pub mod io;
pub mod manual;
pub mod parse;
pub mod registry;
pub mod secrets;
pub mod session;
pub mod signature;
pub mod sources;
pub mod target;
pub mod values;
pub mod waiting;

pub use args::Args;
pub use bundle::MimeBundle;
pub use complete::{Completion, IsComplete};
pub use diag::Diagnostic;
pub use interpreter::{CellError, CellOutcome, Interpreter};
pub use io::{Io, PromptError, RecordingIo, Stream};
pub use registry::{Context, Magic, Outcome, Registry, Value};
pub use signature::Signature;

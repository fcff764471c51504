//! What the magics' integration tests share: the sample data's paths and running cells
//! through an interpreter with a recording Io.

use std::path::PathBuf;

use huntbook_magics::{CellOutcome, Interpreter, RecordingIo};

/// A path under ../shared/data.
pub fn data(path: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data");
    root.join(path).display().to_string()
}

pub fn run(interp: &mut Interpreter, code: &str) -> (CellOutcome, RecordingIo) {
    let mut io = RecordingIo::default();
    let outcome = interp.execute(code, &mut io);
    (outcome, io)
}

/// Runs `code` and expects it to succeed.
pub fn ok(interp: &mut Interpreter, code: &str) -> CellOutcome {
    let (outcome, _) = run(interp, code);
    if let Some(e) = &outcome.error {
        panic!("{code:?} failed: {}: {}\n{}", e.ename, e.evalue, e.traceback.join("\n"));
    }
    outcome
}

/// Runs `code` and expects the error `ename`; returns the error text.
pub fn fails(interp: &mut Interpreter, code: &str, ename: &str) -> String {
    let (outcome, _) = run(interp, code);
    let error = outcome
        .error
        .unwrap_or_else(|| panic!("{code:?} should fail with {ename}"));
    assert_eq!(error.ename, ename, "{code:?}: {}", error.evalue);
    format!("{}\n{}", error.evalue, error.traceback.join("\n"))
}

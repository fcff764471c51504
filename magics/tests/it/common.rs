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

/// A file called `name` holding `contents`, in a folder that lives as long as the first
/// value returned; the second is its path, ready for a cell.
pub fn written(name: &str, contents: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, contents).unwrap();
    (dir, path.display().to_string())
}

/// Runs `code` and expects it to succeed; returns the result's text/plain.
pub fn ok_text(interp: &mut Interpreter, code: &str) -> String {
    ok(interp, code)
        .result
        .map(|r| r.plain().to_string())
        .unwrap_or_default()
}

/// The height of frame `name`, which must exist.
pub fn height(interp: &Interpreter, name: &str) -> usize {
    interp
        .session()
        .get(name)
        .unwrap_or_else(|| panic!("no frame {name}"))
        .height()
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

/// An interpreter with each (name, path under ../shared/data) loaded as a frame.
#[allow(dead_code)] // each test binary compiles this module; not all of them load frames
pub fn loaded(frames: &[(&str, &str)]) -> Interpreter {
    let mut interp = Interpreter::default();
    for (name, path) in frames {
        ok(&mut interp, &format!("{name} = %load {}", data(path)));
    }
    interp
}

/// msticpy's 363 Windows 4688 events from one host.
#[allow(dead_code)]
pub const PROCS: (&str, &str) = ("procs", "msticpy/process/win4688_processes_on_host.csv");

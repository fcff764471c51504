//! What the engine tests share: where the shared data and the expected outputs are.

use std::path::PathBuf;

/// A path under `../shared/data`, the real data every test reads.
pub fn shared(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(path)
}

/// The text of `tests/expected/NAME`: outputs recorded from msticpy and statsmodels.
pub fn expected_text(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/expected")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// `tests/expected/NAME` as JSON.
pub fn expected_json(name: &str) -> serde_json::Value {
    serde_json::from_str(&expected_text(name)).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"))
}

/// The first value of datetime column `column`, in its unit since the epoch.
pub fn first_time(df: &polars::prelude::DataFrame, column: &str) -> i64 {
    df.column(column)
        .unwrap()
        .datetime()
        .unwrap()
        .physical()
        .get(0)
        .unwrap()
}

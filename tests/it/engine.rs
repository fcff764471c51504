//! The engine on real files from ../shared/data: loading every format, SQL, IP classes.

use crate::helpers::*;

use std::path::PathBuf;

use huntbook::load::{load, read_file};
use huntbook::{Error, ip, sql};

fn data(path: &str) -> PathBuf {
    shared(path)
}

#[test]
fn json_records_with_nested_objects() {
    let df = read_file(&data("msticpy/logons/aad_signin_logs.json"), None)
        .unwrap()
        .value;
    assert_eq!(df.height(), 86);
    assert!(df.get_column_names().iter().any(|c| c.as_str() == "UserPrincipalName"));
}

#[test]
fn ndjson_and_csv_agree_on_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let csv = read_file(&data("msticpy/logons/localdata_failed_logons.csv"), None)
        .unwrap()
        .value;
    let ndjson_path = dir.path().join("failed.ndjson");
    let lines: Vec<String> = (0..csv.height())
        .map(|i| {
            let account = csv.column("Account").unwrap().get(i).unwrap();
            let account = account.get_str().unwrap_or_default().replace('\\', "\\\\");
            format!(r#"{{"Account": "{account}", "Row": {i}}}"#)
        })
        .collect();
    std::fs::write(&ndjson_path, lines.join("\n")).unwrap();
    let ndjson = read_file(&ndjson_path, None).unwrap().value;
    assert_eq!(ndjson.height(), csv.height());
    assert_eq!(
        ndjson.column("Account").unwrap().get(0).unwrap(),
        csv.column("Account").unwrap().get(0).unwrap()
    );
}

#[test]
fn parquet_keeps_its_types() {
    let df = read_file(
        &data("msticpy/process/mde_deviceprocessevents_pub.parquet"),
        huntbook::formats::by_name("parquet"),
    )
    .unwrap()
    .value;
    assert_eq!(df.height(), 200);
    assert!(df.column("Timestamp").unwrap().dtype().is_temporal());
}

#[test]
fn a_folder_load_skips_unreadable_files_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        data("msticpy/logons/localdata_failed_logons.csv"),
        dir.path().join("a.csv"),
    )
    .unwrap();
    std::fs::write(dir.path().join("b.parquet"), b"not parquet").unwrap();
    std::fs::write(dir.path().join("README.md"), b"ignored: not a data file").unwrap();
    let loaded = load(dir.path().to_str().unwrap(), None).unwrap();
    assert_eq!(loaded.value.height(), 4);
    assert_eq!(loaded.warnings.len(), 1);
    assert!(loaded.warnings[0].contains("b.parquet"), "{:?}", loaded.warnings);
}

#[test]
fn missing_and_empty_sources_are_named() {
    let err = load("/nonexistent/evidence", None).unwrap_err();
    assert!(matches!(&err, Error::NoMatch { pattern } if pattern == "/nonexistent/evidence"));
    let dir = tempfile::tempdir().unwrap();
    let err = load(dir.path().to_str().unwrap(), None).unwrap_err();
    assert_eq!(err.code(), "empty-folder");
    let err = load(&format!("{}/*.csv", dir.path().display()), None).unwrap_err();
    assert_eq!(err.code(), "no-such-file");
}

#[test]
fn sql_over_real_frames() {
    let logons = read_file(&data("msticpy/logons/localdata_host_logons.csv"), None)
        .unwrap()
        .value;
    let out = sql::run(
        [("logons", &logons)],
        "SELECT LogonType, COUNT(*) AS n FROM logons GROUP BY LogonType ORDER BY LogonType",
    )
    .unwrap();
    let total: i64 = out.column("n").unwrap().as_materialized_series().sum().unwrap();
    assert_eq!(total, 25);
    let err = sql::run([("logons", &logons)], "SELECT * FROM missing").unwrap_err();
    assert!(err.to_string().contains("frames: logons"), "{err}");
}

#[test]
fn ip_classes_over_a_real_column() {
    let flows = read_file(&data("msticpy/network/az_net_flows.csv"), None)
        .unwrap()
        .value;
    let typed = ip::classify_column(&flows, "AllExtIPs").unwrap();
    let classes = typed.value.column(ip::IP_TYPE_COLUMN).unwrap().str().unwrap().clone();
    let public = classes.iter().filter(|c| *c == Some("Public")).count();
    assert!(public > 400, "{public} public of {}", classes.len());
    let err = ip::classify_column(&flows, "AllowedOutFlows").unwrap_err();
    assert_eq!(err.code(), "wrong-type");
}

#[test]
fn multi_file_loads_report_progress_and_can_be_stopped() {
    use huntbook::load::load_with_progress;
    let glob = format!("{}/*.csv", data("msticpy/logons").display());
    let mut calls = Vec::new();
    let loaded = load_with_progress(&glob, None, &mut |done, total| {
        calls.push((done, total));
        true
    })
    .unwrap();
    assert_eq!(loaded.value.height(), 43);
    assert_eq!(calls, [(0, 3), (1, 3), (2, 3), (3, 3)]);
    let err = load_with_progress(&glob, None, &mut |done, _| done < 1).unwrap_err();
    assert_eq!(err.code(), "interrupted");
    assert!(err.to_string().contains("after 1 of 3 files"), "{err}");
}

#[test]
fn a_single_json_object_is_one_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alert.json");
    std::fs::write(
        &path,
        r#"{"AlertName": "Suspicious PowerShell", "Severity": "High", "Count": 3}"#,
    )
    .unwrap();
    let df = read_file(&path, None).unwrap().value;
    assert_eq!(df.height(), 1);
    assert_eq!(df.column("Severity").unwrap().get(0).unwrap().get_str(), Some("High"));
}

/// msticpy's process-tree demo CSV has a redacted command line whose inner quotes were not
/// doubled (`".\powershell.exe  -c "****REDACTED-MALWARE-SIG****",…`, line 37). Polars
/// refuses the file; Huntbook reads it as Python's csv module does, keeping the quotes as
/// literal text, and says which line it repaired.
#[test]
fn csv_with_undoubled_quotes_is_repaired_with_a_warning() {
    let loaded = read_file(&data("msticpy/process/win4688_process_tree_demo.csv"), None).unwrap();
    assert_eq!(loaded.value.shape(), (117, 23));
    assert_eq!(loaded.warnings.len(), 1);
    assert!(
        loaded.warnings[0].contains("1 line (first: line 37)"),
        "{}",
        loaded.warnings[0]
    );
    let lines = loaded.value.column("CommandLine").unwrap().str().unwrap();
    assert!(
        lines
            .iter()
            .any(|l| l == Some(r#".\powershell.exe  -c "****REDACTED-MALWARE-SIG****"#)),
        "the repaired value keeps its quote"
    );
    // A file with nothing to repair keeps polars' own error.
    let dir = tempfile::tempdir().unwrap();
    let ragged = dir.path().join("ragged.csv");
    std::fs::write(&ragged, "a,b\n1,2\n3,4,5,6\n").unwrap();
    let err = read_file(&ragged, None).unwrap_err().to_string();
    assert!(err.contains("ragged.csv") && err.contains("CSV"), "{err}");
}

/// JSON nested 100,000 deep overflowed the stack (an abort no catch_unwind survives), and
/// an NDJSON line nested 1,000 deep needed gigabytes: both are refused with an error
/// that says why, before polars reads them.
#[test]
fn deeply_nested_json_is_refused_not_parsed() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("deep.json");
    std::fs::write(&doc, format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000))).unwrap();
    let e = read_file(&doc, None).unwrap_err().to_string();
    assert!(e.contains("nested deeper than 100 levels"), "{e}");
    let lines = dir.path().join("deep.ndjson");
    let line = format!("{}1{}", "{\"a\":".repeat(1_000), "}".repeat(1_000));
    std::fs::write(&lines, format!("{{\"ok\": 1}}\n{line}\n")).unwrap();
    let e = read_file(&lines, None).unwrap_err().to_string();
    assert!(e.contains("nested deeper than 100 levels"), "{e}");
    // Ordinary nesting still loads.
    let fine = dir.path().join("fine.json");
    std::fs::write(&fine, r#"[{"a": {"b": {"c": "[[[[{{{{"}}}]"#).unwrap();
    assert_eq!(read_file(&fine, None).unwrap().value.height(), 1);
}

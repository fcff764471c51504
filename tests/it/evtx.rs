//! The EVTX reader on every sample under ../shared/data/evtx: record counts, damaged
//! records, channel and EventID histograms against EXPECTED_SUMMARY.json (computed there
//! with the evtx Python bindings), and the flattened fields of known records.

use crate::helpers::*;

use std::collections::BTreeMap;
use std::path::PathBuf;

use huntbook::evtx::read_evtx;
use huntbook::load::load;
use polars::prelude::*;

fn evtx_dir() -> PathBuf {
    shared("evtx")
}

fn histogram(df: &DataFrame, column: &str) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    let col = df.column(column).unwrap().cast(&DataType::String).unwrap();
    for v in col.str().unwrap().iter() {
        *out.entry(v.unwrap_or("null").to_string()).or_insert(0) += 1;
    }
    out
}

/// A `{value: count}` object of the expected summary.
fn counts(object: &serde_json::Value) -> BTreeMap<String, u64> {
    object
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .collect()
}

#[test]
fn every_sample_matches_the_expected_summary() {
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(evtx_dir().join("EXPECTED_SUMMARY.json")).unwrap()).unwrap();
    let files = expected["files"].as_object().unwrap();
    assert!(files.len() >= 20, "{:?} >= {:?}", files.len(), 20);
    for (name, want) in files {
        let out = read_evtx(&evtx_dir().join(name), 1).unwrap_or_else(|e| panic!("{name}: {e}"));
        let df = out.value;
        assert_eq!(
            df.height() as u64,
            want["records_ok"].as_u64().unwrap(),
            "{name}: records"
        );
        let errors = want["records_err"].as_u64().unwrap();
        if errors > 0 {
            let w = out.warnings.join("\n");
            assert!(w.contains(&format!("{errors} damaged record")), "{name}: {w}");
            assert!(
                w.contains(name.rsplit('/').next().unwrap()),
                "the warning names the file: {w}"
            );
        } else {
            assert!(out.warnings.is_empty(), "{name}: {:?}", out.warnings);
        }
        assert_eq!(
            histogram(&df, "EventID"),
            counts(&want["event_ids"]),
            "{name}: EventID histogram"
        );
        assert_eq!(
            histogram(&df, "Channel"),
            counts(&want["channels"]),
            "{name}: channel histogram"
        );
    }
}

#[test]
fn security_log_fields_are_flattened_and_typed() {
    let df = read_evtx(&evtx_dir().join("omerbenamram-evtx/security.evtx"), 0)
        .unwrap()
        .value;
    assert_eq!(
        df.column("TimeCreated").unwrap().dtype(),
        &DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
    );
    assert_eq!(df.column("EventID").unwrap().dtype(), &DataType::Int64);
    // The upstream test suite: the first record is EventID 4608 (Windows is starting up).
    assert_eq!(df.column("EventID").unwrap().i64().unwrap().get(0), Some(4608));
    assert_eq!(df.column("EventRecordID").unwrap().i64().unwrap().get(0), Some(1));
    assert_eq!(
        df.column("Provider").unwrap().str().unwrap().get(0),
        Some("Microsoft-Windows-Security-Auditing")
    );
    // 4624 logons carry their EventData fields as columns of their own.
    let logons = df
        .clone()
        .lazy()
        .filter(col("EventID").eq(lit(4624)))
        .select([col("TargetUserName"), col("LogonType"), col("IpAddress")])
        .collect()
        .unwrap();
    assert_eq!(logons.height(), 583);
    assert_eq!(logons.column("TargetUserName").unwrap().null_count(), 0);
    let types = histogram(&logons, "LogonType");
    assert!(types.keys().all(|k| k.parse::<u32>().is_ok()), "{types:?}");
}

#[test]
fn sysmon_process_creation_has_the_columns_ptree_needs() {
    let df = read_evtx(&evtx_dir().join("python-evtx/issue_43.evtx"), 0)
        .unwrap()
        .value;
    let procs = df.clone().lazy().filter(col("EventID").eq(lit(1))).collect().unwrap();
    assert_eq!(procs.height(), 356);
    for column in [
        "ProcessGuid",
        "ProcessId",
        "Image",
        "CommandLine",
        "ParentProcessGuid",
        "ParentImage",
        "User",
    ] {
        let c = procs.column(column).unwrap_or_else(|_| panic!("no {column}"));
        assert_eq!(c.null_count(), 0, "{column}");
    }
}

#[test]
fn a_folder_of_evtx_loads_with_damaged_records_reported() {
    let out = load(evtx_dir().join("omerbenamram-evtx").to_str().unwrap(), None).unwrap();
    // 2261 + 358 + 7 + 4 + 126 + 17 + 270 + 335 + 6 + 17 + 1 records; 8 + 2 + 1 damaged.
    assert_eq!(out.value.height(), 3402);
    let w = out.warnings.join("\n");
    assert!(w.contains("sysmon.evtx: 8 damaged records"), "{w}");
    assert!(
        w.contains("sample_with_a_bad_chunk_magic.evtx: 2 damaged records"),
        "{w}"
    );
    assert!(
        w.contains("sample-with-zero-data-size-event.evtx: 1 damaged record"),
        "{w}"
    );
}

#[test]
fn not_an_evtx_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("fake.evtx");
    std::fs::write(&fake, b"this is not an event log").unwrap();
    let e = read_evtx(&fake, 1).unwrap_err().to_string();
    assert!(e.contains("fake.evtx") && e.contains("EVTX"), "{e}");
    let truncated = dir.path().join("truncated.evtx");
    let bytes = std::fs::read(evtx_dir().join("omerbenamram-evtx/new-user-security.evtx")).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    match read_evtx(&truncated, 1) {
        Ok(out) => assert!(out.value.height() < 4 || !out.warnings.is_empty()),
        Err(e) => assert!(e.to_string().contains("truncated.evtx"), "{e}"),
    }
}

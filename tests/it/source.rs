//! Local sources over the real files in ../shared/data: table naming, lazy scans, SQL, the
//! `TimeGenerated` column windows apply to; and the syslog and Zeek readers against the
//! loghub structured CSVs and the OTRF Zeek logs.

use crate::helpers::*;

use std::path::PathBuf;

use huntbook::load::read_file;
use huntbook::source::{LocalConfig, LocalSource, TableKind};
use polars::prelude::*;

fn data() -> PathBuf {
    shared("")
}

fn source(sub: &str) -> LocalSource {
    let config = LocalConfig {
        path: data().join(sub),
        ..LocalConfig::default()
    };
    LocalSource::open("t", &config).unwrap().value
}

/// `root` opened as source `name`, with its tables' names in order.
fn open_folder(name: &str, root: &std::path::Path) -> (huntbook::frame::Warned<LocalSource>, Vec<String>) {
    let config = LocalConfig {
        path: root.to_path_buf(),
        ..LocalConfig::default()
    };
    let opened = LocalSource::open(name, &config).unwrap();
    let names = opened.value.tables().map(|t| t.name.clone()).collect();
    (opened, names)
}

fn count(source: &LocalSource, sql: &str) -> i64 {
    let df = source.query(sql).unwrap().value;
    df.column(df.get_column_names()[0].as_str())
        .unwrap()
        .cast(&DataType::Int64)
        .unwrap()
        .i64()
        .unwrap()
        .get(0)
        .unwrap()
}

#[test]
fn every_file_is_a_table_and_log_formats_make_family_tables() {
    let s = source("");
    // Stems, sanitised; a second file with the same stem gets its folder's name.
    assert!(s.table("win4688_proc_test").is_some());
    let parquet = s.table("process_win4688_proc_test").unwrap();
    assert_eq!(parquet.files.len(), 1);
    assert!(parquet.files[0].0.extension().unwrap() == "parquet" || parquet.files[0].0.extension().unwrap() == "csv");
    assert_eq!(s.table("conn").unwrap().files[0].1.name, "zeek");
    let evtx = s.table("WindowsEvent").unwrap();
    assert_eq!(evtx.kind, TableKind::Format);
    let evtx_files = glob::glob(&format!("{}/**/*.evtx", data().display())).unwrap().count();
    assert_eq!(evtx.files.len(), evtx_files);
    assert_eq!(s.table("AuditdEvents").unwrap().kind, TableKind::Format);
    assert!(
        s.table("Syslog").unwrap().files.len() >= 2,
        "Linux and OpenSSH loghub files"
    );
    // READMEs and licences are not tables, and are listed as ignored.
    assert!(s.ignored.iter().any(|p| p.ends_with("loghub/README.md")));
    assert!(
        s.tables()
            .all(|t| t.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    );
}

#[test]
fn sql_over_evtx_counts_logons_like_the_expected_summary() {
    let s = source("evtx");
    // 6 + 4 (attack samples) + 25 + 583 (omerbenamram) in EXPECTED_SUMMARY.json.
    assert_eq!(count(&s, "SELECT COUNT(*) FROM WindowsEvent WHERE EventID = 4624"), 618);
    let w = s.query("SELECT * FROM WindowsEvent WHERE EventID = 4625").unwrap();
    assert_eq!(w.value.height(), 1);
    // Damaged records in the samples are reported, not hidden.
    assert!(
        w.warnings
            .iter()
            .any(|w| w.contains("damaged") || w.contains("skipped")),
        "{:?}",
        w.warnings
    );
    // TimeGenerated is TimeCreated, in UTC, and windows compare with ISO text.
    let df = w.value;
    assert!(matches!(
        df.column("TimeGenerated").unwrap().dtype(),
        DataType::Datetime(_, Some(_))
    ));
    // The omerbenamram samples are older than 2019; the 10 attack-sample logons are not.
    assert_eq!(
        count(
            &s,
            "SELECT COUNT(*) FROM WindowsEvent WHERE EventID = 4624 \
             AND TimeGenerated >= '2019-01-01 00:00:00' AND TimeGenerated < '2100-01-01 00:00:00'"
        ),
        10
    );
}

#[test]
fn ndjson_tables_are_scanned_with_text_times_made_utc() {
    let s = source("security-datasets");
    let df = s
        .query(
            "SELECT EventID, TimeGenerated, Hostname FROM cmd_mshta_vbscript_execute_psh_2020_10_2202580804 \
             WHERE EventID = 1102",
        )
        .unwrap()
        .value;
    assert_eq!(df.height(), 1);
    assert_eq!(
        df.column("TimeGenerated").unwrap().dtype(),
        &DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
    );
    let t = crate::helpers::first_time(&df, "TimeGenerated");
    // 2020-10-22T02:57:56.178Z
    assert_eq!(t, 1_603_335_476_178_000);
    // A window in ISO text over the text timestamps.
    let n = count(
        &s,
        "SELECT COUNT(*) FROM cmd_mshta_vbscript_execute_psh_2020_10_2202580804 \
         WHERE TimeGenerated BETWEEN '2020-10-22 02:57:00' AND '2020-10-22 02:58:00'",
    );
    assert!(n > 0, "{:?} > {:?}", n, 0);
}

#[test]
fn csv_with_naive_times_is_read_as_utc() {
    let s = source("msticpy/logons");
    let n = count(
        &s,
        "SELECT COUNT(*) FROM localdata_host_logons WHERE TimeGenerated >= '2019-01-01 00:00:00'",
    );
    let all = count(&s, "SELECT COUNT(*) FROM localdata_host_logons");
    assert_eq!(n, all);
    assert!(all > 0, "{:?} > {:?}", all, 0);
}

#[test]
fn missing_tables_and_folders_are_named() {
    let s = source("msticpy/logons");
    let e = s.query("SELECT * FROM nosuch").unwrap_err().to_string();
    assert!(
        e.contains("no table \"nosuch\"") && e.contains("localdata_host_logons"),
        "{e}"
    );
    let e = s.query("SELEKT 1").unwrap_err().to_string();
    assert!(e.contains("does not parse"), "{e}");
    let missing = LocalConfig {
        path: data().join("no-such-folder"),
        ..LocalConfig::default()
    };
    let e = LocalSource::open("x", &missing).unwrap_err().to_string();
    assert!(e.contains("no-such-folder"), "{e}");
    // A CTE is not a missing table.
    assert_eq!(
        count(
            &s,
            "WITH f AS (SELECT * FROM localdata_failed_logons) SELECT COUNT(*) FROM f"
        ),
        count(&s, "SELECT COUNT(*) FROM localdata_failed_logons")
    );
}

#[test]
fn configured_tables_are_globs() {
    let mut config = LocalConfig {
        path: data().join("msticpy"),
        ..LocalConfig::default()
    };
    config
        .tables
        .insert("SecurityAlert".into(), vec!["alerts/localdata_alerts_list.json".into()]);
    config.tables.insert("Nothing".into(), vec!["nowhere/*.csv".into()]);
    let opened = LocalSource::open("m", &config).unwrap();
    assert!(
        opened
            .warnings
            .iter()
            .any(|w| w.contains("Nothing") && w.contains("nowhere/*.csv"))
    );
    let s = opened.value;
    assert_eq!(s.table("SecurityAlert").unwrap().kind, TableKind::Configured);
    assert!(
        count(&s, "SELECT COUNT(*) FROM SecurityAlert") > 0,
        "{:?} > {:?}",
        count(&s, "SELECT COUNT(*) FROM SecurityAlert"),
        0
    );
    // A table of several scanned files counts (polars plans COUNT(*) over a union of scans
    // with a 128-bit sum this build lacks; the source falls back to stacking in memory).
    let mut config = LocalConfig {
        path: data().join("msticpy/logons"),
        ..LocalConfig::default()
    };
    config
        .tables
        .insert("Logons".into(), vec!["localdata_*_logons.csv".into()]);
    let s = LocalSource::open("l", &config).unwrap().value;
    assert_eq!(
        count(&s, "SELECT COUNT(*) FROM Logons"),
        count(&s, "SELECT COUNT(*) FROM localdata_host_logons")
            + count(&s, "SELECT COUNT(*) FROM localdata_failed_logons")
    );
    let df = s.query("SELECT DISTINCT SourceFile FROM Logons").unwrap().value;
    assert_eq!(df.height(), 2);
}

/// The loghub structured CSVs split every line; ours must agree on host, process id and
/// message for all 2,000 lines of each log.
#[test]
fn syslog_matches_loghub_ground_truth() {
    for (log, host_col, pid_col) in [("Linux", "Level", "PID"), ("OpenSSH", "Component", "Pid")] {
        let dir = data().join("loghub").join(log);
        let ours = read_file(&dir.join(format!("{log}_2k.log")), None).unwrap();
        let truth = read_file(&dir.join(format!("{log}_2k.log_structured.csv")), None)
            .unwrap()
            .value;
        let df = ours.value;
        assert!(
            ours.warnings.iter().any(|w| w.contains("no year")),
            "{:?}",
            ours.warnings
        );
        assert_eq!(df.height(), truth.height(), "{log}: every line parsed");
        let text = |df: &DataFrame, c: &str| -> Vec<Option<String>> {
            df.column(c)
                .unwrap()
                .cast(&DataType::String)
                .unwrap()
                .str()
                .unwrap()
                .iter()
                .map(|v| v.map(str::to_string))
                .collect()
        };
        let same = |ours: Vec<Option<String>>, theirs: Vec<Option<String>>, what: &str| {
            let first = (0..ours.len()).find(|&i| ours[i] != theirs[i]);
            assert!(
                first.is_none(),
                "{log} {what} differs first at line {}: {:?} vs {:?}",
                first.unwrap() + 1,
                ours[first.unwrap()],
                theirs[first.unwrap()]
            );
        };
        same(text(&df, "Computer"), text(&truth, host_col), "host");
        same(text(&df, "ProcessID"), text(&truth, pid_col), "pid");
        let messages = text(&df, "SyslogMessage");
        let contents = text(&truth, "Content");
        let differing: Vec<usize> = (0..messages.len())
            .filter(|&i| messages[i].as_deref().map(str::trim) != contents[i].as_deref().map(str::trim))
            .collect();
        assert!(
            differing.is_empty(),
            "{log}: messages differ at lines {:?}",
            &differing[..differing.len().min(5)]
        );
    }
}

#[test]
fn zeek_conn_log_is_typed() {
    let path = data().join("security-datasets/zeek/conn.log");
    let w = read_file(&path, None).unwrap();
    assert!(w.warnings.is_empty(), "{:?}", w.warnings);
    let df = w.value;
    let expected = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .count();
    assert_eq!(df.height(), expected);
    assert!(matches!(
        df.column("ts").unwrap().dtype(),
        DataType::Datetime(_, Some(_))
    ));
    assert_eq!(df.column("id.resp_p").unwrap().dtype(), &DataType::Int64);
    assert_eq!(df.column("duration").unwrap().dtype(), &DataType::Float64);
    assert_eq!(df.column("local_orig").unwrap().dtype(), &DataType::Boolean);
    // `-` is null: the first connection has no duration.
    assert_eq!(df.column("duration").unwrap().f64().unwrap().get(0), None);
    assert_eq!(
        df.column("id.orig_h").unwrap().str().unwrap().get(0),
        Some("192.168.1.41")
    );
}

/// A folder holding links to itself and to its parent is walked once: the links are not
/// followed and are named in a warning, and the files beside them are tables.
#[test]
fn links_to_folders_are_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("case");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(root.join("sub/a.csv"), "TimeGenerated,x\n2024-01-01T00:00:00Z,1\n").unwrap();
    for (name, target) in [
        ("self", root.clone()),
        ("up", dir.path().to_path_buf()),
        ("loop", root.join("sub")),
    ] {
        std::os::unix::fs::symlink(&target, root.join("sub").join(name)).unwrap();
        std::os::unix::fs::symlink(&target, root.join(format!("top-{name}"))).unwrap();
    }
    let (opened, names) = open_folder("case", &root);
    assert_eq!(names, ["a"], "{names:?}");
    let links = opened
        .warnings
        .iter()
        .filter(|w| w.contains("a link to a folder; not followed"))
        .count();
    assert_eq!(links, 6, "{:?}", opened.warnings);
}

/// A walk stops after MAX_ENTRIES files and folders, saying so: connecting a whole disk
/// by mistake returns with a warning instead of holding the cell.
#[test]
fn a_walk_stops_after_its_entry_limit_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("disk");
    std::fs::create_dir_all(root.join("bulk")).unwrap();
    std::fs::write(root.join("a.csv"), "TimeGenerated,x\n2024-01-01T00:00:00Z,1\n").unwrap();
    for i in 0..=huntbook::source::MAX_ENTRIES {
        std::fs::File::create(root.join("bulk").join(format!("f{i}.txt"))).unwrap();
    }
    let (opened, names) = open_folder("disk", &root);
    assert_eq!(names, ["a"], "a folder's own files come before its sub-folders");
    let said = opened.warnings.join("\n");
    assert!(said.contains("more than 200000 files and folders"), "{said}");
}

/// Slashed dates read as pandas and Sentinel's US exports mean them: msticpy's
/// syslog_data.csv (`7/8/2019 16:08`) is 8 July, with a warning that the order was assumed;
/// a day past 12 decides; Sentinel's `7/13/2019, 4:08:00.000 PM` is a time; a column that
/// fits neither order stays text; and a source scanning the folder reads them the same.
#[test]
fn slashed_dates_are_month_first_unless_a_day_says_otherwise() {
    let syslog = read_file(&data().join("msticpy/linux/syslog_data.csv"), None).unwrap();
    let july_8 = chrono::NaiveDate::from_ymd_opt(2019, 7, 8)
        .unwrap()
        .and_hms_opt(16, 8, 0)
        .unwrap();
    assert_eq!(
        first_time(&syslog.value, "TimeGenerated"),
        july_8.and_utc().timestamp_micros()
    );
    assert!(
        syslog
            .warnings
            .iter()
            .any(|w| w.contains("TimeGenerated holds dates like 7/8/2019") && w.contains("month first")),
        "{:?}",
        syslog.warnings
    );
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let sentinel = write(
        "sentinel.csv",
        "TimeGenerated,Account\n\"7/13/2019, 4:08:00.000 PM\",a\n\"7/8/2019, 12:01:00.000 AM\",b\n",
    );
    let read = read_file(&sentinel, None).unwrap();
    let t = read
        .value
        .column("TimeGenerated")
        .unwrap()
        .datetime()
        .unwrap()
        .physical()
        .clone();
    let at = |d: u32, h: u32, m: u32| {
        chrono::NaiveDate::from_ymd_opt(2019, 7, d)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
            .and_utc()
            .timestamp_micros()
    };
    assert_eq!(t.get(0), Some(at(13, 16, 8)));
    assert_eq!(t.get(1), Some(at(8, 0, 1)));
    assert!(
        read.warnings.is_empty(),
        "a day past 12 told the order: {:?}",
        read.warnings
    );
    let european = write("eu.csv", "When,x\n13/7/2019 16:08,1\n7/8/2019 16:08,2\n");
    let read = read_file(&european, None).unwrap().value;
    let t = read.column("When").unwrap().datetime().unwrap().physical().clone();
    assert_eq!(
        t.get(1),
        Some(at(8, 16, 8) + 30 * 86_400_000_000),
        "7/8 is 7 August here"
    );
    let neither = write("mixed.csv", "When,x\n13/7/2019,1\n7/13/2019,2\n");
    let read = read_file(&neither, None).unwrap().value;
    assert_eq!(read.column("When").unwrap().dtype(), &DataType::String);
    // The folder as a source: the slashed file is read whole, with the same dates.
    let folder = tempfile::tempdir().unwrap();
    std::fs::copy(
        data().join("msticpy/linux/syslog_data.csv"),
        folder.path().join("syslog_data.csv"),
    )
    .unwrap();
    let (opened, _) = open_folder("s", folder.path());
    let n = count(
        &opened.value,
        "SELECT COUNT(*) FROM syslog_data WHERE TimeGenerated >= '2019-07-08' AND TimeGenerated < '2019-07-09'",
    );
    assert_eq!(n, 100);
}

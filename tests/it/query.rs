//! The query library: msticpy's own query files load unchanged, and rendering checks
//! parameters (required, typed, aliased, relative times, lists) the way msticpy does.

use crate::helpers::*;

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{TimeZone, Utc};
use huntbook::query::{Library, RenderError, render};
use huntbook::time::{parse_span, parse_time};

fn msticpy_queries() -> PathBuf {
    shared("msticpy-queries")
}

fn args(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn msticpys_query_files_load_unchanged() {
    let (library, errors) = Library::load_dir(&msticpy_queries());
    assert!(errors.is_empty(), "{errors:#?}");
    let distinct: std::collections::BTreeSet<(String, String)> = library
        .queries
        .iter()
        .map(|q| (q.file.display().to_string(), q.name.clone()))
        .collect();
    // The README: 308 parameterised queries in 45 files (some files hold none).
    assert_eq!(distinct.len(), 308, "distinct (file, query) pairs");
    let sentinel = library.environment("MSSentinel");
    let q = sentinel
        .get("WindowsSecurity.list_host_logons")
        .expect("a Sentinel query");
    assert!(
        q.environments.iter().any(|e| e == "LogAnalytics" || e == "MSSentinel"),
        "{:?}",
        q.environments
    );
    assert!(q.required().any(|p| p == "host_name"));
}

#[test]
fn rendering_checks_parameters_and_fills_defaults() {
    let (library, _) = Library::load_dir(&msticpy_queries());
    let sentinel = library.environment("LogAnalytics");
    let q = sentinel.get("WindowsSecurity.list_host_logons").unwrap();
    let now = Utc.with_ymd_and_hms(2019, 2, 12, 10, 30, 0).unwrap();
    let text = render(
        q,
        &args(&[
            ("host_name", "MSTICAlertsWin1"),
            ("start", "-2d@d"),
            ("end", "2019-02-12T06:00"),
        ]),
        now,
    )
    .unwrap();
    assert!(text.contains("MSTICAlertsWin1"), "{text}");
    assert!(
        text.contains("datetime(2019-02-10T00:00:00Z)"),
        "start rounded down to the day: {text}"
    );
    assert!(text.contains("datetime(2019-02-12T06:00:00Z)"), "{text}");
    assert!(!text.contains('{'), "every placeholder filled: {text}");
    assert!(!text.lines().any(|l| l.trim().is_empty()), "blank lines dropped");

    let missing = render(q, &args(&[("start", "-1d"), ("end", "0")]), now).unwrap_err();
    assert!(
        matches!(&missing, RenderError::MissingParameter { param, .. } if param == "host_name"),
        "{missing}"
    );
    assert!(
        missing
            .to_string()
            .contains("WindowsSecurity.list_host_logons needs host_name"),
        "{missing}"
    );

    let wrong = render(q, &args(&[("host_name", "h"), ("start", "last tuesday")]), now).unwrap_err();
    assert!(wrong.to_string().contains("start must be a time"), "{wrong}");
    let unknown = render(q, &args(&[("host_name", "h"), ("hostname_typo", "x")]), now).unwrap_err();
    assert!(unknown.to_string().contains("no parameter hostname_typo"), "{unknown}");
}

#[test]
fn relative_and_absolute_times_and_spans() {
    let now = Utc.with_ymd_and_hms(2019, 2, 12, 10, 30, 15).unwrap();
    let t = |s: &str| parse_time(s, now).unwrap().to_rfc3339();
    assert_eq!(t("-3d@d"), "2019-02-09T00:00:00+00:00");
    assert_eq!(t("+1d@d"), "2019-02-14T00:00:00+00:00", "future offsets round up");
    assert_eq!(t("-12h"), "2019-02-11T22:30:15+00:00");
    assert_eq!(t("2"), "2019-02-14T10:30:15+00:00", "a bare number is days");
    assert_eq!(t("2019-02-10"), "2019-02-10T00:00:00+00:00");
    assert_eq!(t("2019-02-10 06:00:00"), "2019-02-10T06:00:00+00:00");
    assert_eq!(t("2019-02-10T06:00:00+02:00"), "2019-02-10T04:00:00+00:00");
    assert!(parse_time("yesterday-ish", now).unwrap_err().contains("yesterday-ish"));
    assert_eq!(parse_span("2h30m").unwrap().num_minutes(), 150);
    assert_eq!(parse_span("7d").unwrap().num_hours(), 168);
    assert!(parse_span("h").is_err() && parse_span("3 parsecs").is_err());
}

#[test]
fn a_broken_query_file_is_named_and_the_rest_load() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        msticpy_queries().join("localdata/local_data.yaml"),
        dir.path().join("good.yaml"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("bad.yaml"),
        "metadata:\n  version: 1\n  description: x\n  data_families: [Test]\nsources:\n  q:\n    description: d\n    args:\n      query: 'select {missing}'\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("typed.yaml"),
        "metadata:\n  version: one\nsources: {}\n",
    )
    .unwrap();
    let (library, errors) = Library::load_dir(dir.path());
    let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(errors.len(), 2, "{text:?}");
    assert!(
        library.get("SecurityAlert.list_alerts").is_some(),
        "the good file still loads"
    );
    assert!(
        text.iter().any(|e| e.contains("bad.yaml") && e.contains("{missing}")),
        "{text:?}"
    );
    assert!(
        text.iter().any(|e| e.contains("typed.yaml") && e.contains("version")),
        "{text:?}"
    );
}

#[test]
fn time_windows_in_the_three_forms() {
    use huntbook::time::TimeWindow;
    let now = Utc.with_ymd_and_hms(2019, 2, 12, 10, 0, 0).unwrap();
    let w = TimeWindow::parse("last 24h", now).unwrap();
    assert_eq!(
        (w.start.to_rfc3339(), w.end),
        ("2019-02-11T10:00:00+00:00".to_string(), now)
    );
    let w = TimeWindow::parse("2019-02-10 .. 2019-02-12T06:00", now).unwrap();
    assert_eq!(w.to_string(), "2019-02-10T00:00:00Z .. 2019-02-12T06:00:00Z (2.2 days)");
    let w = TimeWindow::parse("around 2019-02-10T06:00 ±2h", now).unwrap();
    assert_eq!(
        w.to_string(),
        "2019-02-10T04:00:00Z .. 2019-02-10T08:00:00Z (4.0 hours)"
    );
    let e = TimeWindow::parse("2019-02-12 .. 2019-02-10", now).unwrap_err();
    assert!(e.contains("ends") && e.contains("before it starts"), "{e}");
    assert!(
        TimeWindow::parse("since forever", now)
            .unwrap_err()
            .contains("not a time window")
    );
}

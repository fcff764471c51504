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

/// The end of the KQL string literal that opens at byte `at` of `text` (its closing
/// quote), following KQL's escapes — none in a verbatim `@"…"`, where a doubled quote is
/// one quote; `None` when it never closes.
fn kql_literal_end(text: &str, at: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let quote = bytes[at];
    let verbatim = at > 0 && bytes[at - 1] == b'@';
    let mut i = at + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if !verbatim => i += 2,
            c if c == quote && verbatim && bytes.get(i + 1) == Some(&quote) => i += 2,
            c if c == quote => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// A value can never change the structure of the KQL it lands in: rendered into every
/// string parameter of every msticpy LogAnalytics query, a hostile value stays inside the
/// string literal its template puts it in — the query reads as the template with a
/// harmless placeholder does, literal for literal.
#[test]
fn kql_values_cannot_leave_their_string() {
    use huntbook::query::{Dialect, ParamType, render_for};
    let (library, _) = Library::load_dir(&msticpy_queries());
    let sentinel = library.environment("LogAnalytics");
    let now = Utc.with_ymd_and_hms(2019, 2, 12, 10, 30, 0).unwrap();
    let hostile = "x\" | union SecurityEvent | where \"1\"==\"1' or 1==1 //\\\n| take 1 /* */ --";
    let mut checked = 0;
    for q in &sentinel.queries {
        for (name, param) in &q.params {
            if param.kind != ParamType::Str || !q.template.contains(&format!("\"{{{name}}}\"")) {
                continue;
            }
            let base: BTreeMap<String, String> = q
                .required()
                .map(|p| {
                    (
                        p.to_string(),
                        if q.params[p].kind == ParamType::Datetime {
                            "-1d".into()
                        } else {
                            "v".into()
                        },
                    )
                })
                .collect();
            let mut with = base.clone();
            with.insert(name.clone(), hostile.to_string());
            let mut plain = base;
            plain.insert(name.clone(), "PLACEHOLDER".to_string());
            let (Ok(evil), Ok(good)) = (
                render_for(q, &with, now, Dialect::Kql),
                render_for(q, &plain, now, Dialect::Kql),
            ) else {
                continue;
            };
            // Every literal of the good rendering has a counterpart in the hostile one,
            // and what lies between literals is the same text.
            let outside = |text: &str| -> Option<String> {
                let mut out = String::new();
                let mut i = 0;
                while i < text.len() {
                    let c = text.as_bytes()[i];
                    if c == b'"' || c == b'\'' {
                        i = kql_literal_end(text, i)? + 1;
                        out.push_str("<lit>");
                    } else {
                        out.push(c as char);
                        i += 1;
                    }
                }
                Some(out)
            };
            // A template this reading cannot follow (msticpy's az_net_analytics writes
            // \" outside strings) is skipped; every other one must read the same.
            let Some(shape) = outside(&good) else { continue };
            assert_eq!(outside(&evil), Some(shape), "{}.{name}:\n{evil}", q.key);
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} parameters checked");
    assert_eq!(huntbook::query::kql_escape("a\"b'c\\d\ne"), "a\\\"b\\'c\\\\d\\ne");
}

/// A list parameter on a local source (polars SQL): each value one standard SQL literal —
/// quotes doubled, a backslash literal — whether the list came as a session column or as
/// comma-separated text; the query finds exactly the rows named.
#[test]
fn list_values_cannot_break_out_of_a_sql_literal() {
    use huntbook::query::{Dialect, render_with_lists};
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("q.yaml"),
        "metadata:\n  version: 1\n  description: x\n  data_families: [Test]\nsources:\n  q:\n    description: d\n    args:\n      query: 'SELECT a FROM t WHERE a IN ({names})'\n    parameters:\n      names:\n        description: n\n        type: list\n",
    )
    .unwrap();
    let (library, errors) = Library::load_dir(dir.path());
    assert!(errors.is_empty(), "{errors:?}");
    let query = library.get("Test.q").unwrap();
    let hostile = ["x' OR '1'='1", "a\\' OR 1=1 --", "plain", "not,split"];
    let t = df!("a" => [hostile[0], hostile[1], hostile[2], hostile[3], "other"]).unwrap();
    let now = Utc::now();
    let run = |sql: &str| huntbook::sql::run([("t", &t)], sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let lists: BTreeMap<String, Vec<String>> =
        [("names".to_string(), hostile.iter().map(|s| s.to_string()).collect())].into();
    let sql = render_with_lists(query, &BTreeMap::new(), &lists, now, Dialect::Sql).unwrap();
    assert_eq!(run(&sql).height(), 4, "{sql}");
    for h in &hostile[..3] {
        let sql = huntbook::query::render_for(query, &args(&[("names", h)]), now, Dialect::Sql).unwrap();
        assert_eq!(run(&sql).height(), 1, "{sql}");
    }
}

//! `%connect`, `%query`, `%%query` and `%time` together, on the real sample data under
//! ../shared/data, through the interpreter the kernel uses.

use huntbook_magics::Interpreter;
use polars::prelude::*;

use crate::common::{data, fails, ok, ok_text, run, written};

fn frame<'a>(interp: &'a Interpreter, name: &str) -> &'a DataFrame {
    &interp
        .session()
        .get(name)
        .unwrap_or_else(|| panic!("no frame {name}"))
        .data
}

#[test]
fn library_queries_run_on_the_sample_source_and_say_where_from() {
    let mut i = Interpreter::default();
    // Nothing connected: the sample source is used.
    ok(&mut i, "logons = %query WindowsSecurity.list_host_logons");
    let df = frame(&i, "logons");
    assert_eq!(
        df.height(),
        618,
        "every 4624 in the sample EVTX files (EXPECTED_SUMMARY.json)"
    );
    assert_eq!(df.get_column_names()[0].as_str(), "TimeGenerated");
    assert!(df.column("TargetUserName").is_ok());
    // Columns no 4624 fills (Sysmon's Image, say) are left out.
    assert!(df.column("Image").is_err());
    let p = &i.session().get("logons").unwrap().provenance;
    assert_eq!(p.source, "sample");
    assert!(p.window.as_deref().unwrap().contains("default"), "{:?}", p.window);
    assert!(
        p.query.as_deref().unwrap().contains("EventID = 4624"),
        "{:?}",
        p.query.as_deref().unwrap()
    );

    // %time narrows every query, and the result says so.
    ok(&mut i, "%time 2019-01-01 .. 2030-01-01");
    ok(&mut i, "recent = %query WindowsSecurity.list_host_logons");
    assert_eq!(
        frame(&i, "recent").height(),
        10,
        "the attack-sample logons are the only ones after 2019"
    );
    let w = i.session().get("recent").unwrap().provenance.window.clone().unwrap();
    assert!(w.starts_with("2019-01-01T00:00:00Z .. 2030-01-01T00:00:00Z"), "{w}");
    // A query's own start= beats the window.
    ok(&mut i, "all = %query WindowsSecurity.list_host_logons start=2000-01-01");
    assert_eq!(frame(&i, "all").height(), 618);
    // Parameters by alias; a host that is not there gives no rows.
    ok(
        &mut i,
        "none = %query WindowsSecurity.list_host_logons host=no-such-host start=2000-01-01",
    );
    assert_eq!(frame(&i, "none").height(), 0);

    // The shown result carries the window and source, in text and in metadata.
    let out = ok(&mut i, "%query Sysmon.list_sysmon_process_creation process_name=whoami");
    let bundle = out.result.unwrap();
    assert!(
        bundle.plain().contains("from sample · window 2019-01-01"),
        "{}",
        bundle.plain()
    );
    let meta = &bundle.metadata["huntbook"];
    assert_eq!(meta["source"], "sample");
    assert!(
        meta["window"].as_str().unwrap().starts_with("2019-01-01"),
        "{:?}",
        meta["window"].as_str().unwrap()
    );
    assert!(
        meta["rows"].as_u64().unwrap() >= 1,
        "{:?} >= {:?}",
        meta["rows"].as_u64().unwrap(),
        1
    );
}

#[test]
fn every_builtin_query_runs_on_the_sample_data_and_finds_rows() {
    let mut i = Interpreter::default();
    for (query, at_least) in [
        ("WindowsSecurity.list_host_logons", 618),
        ("WindowsSecurity.list_host_logon_failures", 1),
        ("WindowsSecurity.list_host_processes", 3),
        ("Sysmon.list_sysmon_process_creation", 700),
        ("PowerShell.list_powershell_script_blocks", 1),
        ("WindowsSecurity.list_host_events event_id=4771", 2),
        ("LinuxAudit.list_host_processes", 146),
        ("LinuxSyslog.list_logon_failures", 100),
        ("LinuxSyslog.list_host_events program=sshd", 100),
        ("Network.list_flows", 100),
        ("Network.list_flows port=53", 1),
        ("Network.list_flow_summary", 1),
        ("SecurityAlert.list_alerts", 1),
    ] {
        ok(&mut i, &format!("r = %query {query}"));
        let n = frame(&i, "r").height();
        assert!(n >= at_least, "{query}: {n} rows, expected at least {at_least}");
    }
}

#[test]
fn list_describe_and_print() {
    let mut i = Interpreter::default();
    ok(&mut i, "q = %query list logon");
    let names: Vec<String> = frame(&i, "q")
        .column("Query")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.unwrap().to_string())
        .collect();
    assert!(
        names.contains(&"WindowsSecurity.list_host_logons".to_string()),
        "{:?}",
        names
    );
    assert!(
        names.contains(&"LinuxSyslog.list_logon_failures".to_string()),
        "{:?}",
        names
    );
    assert!(!names.iter().any(|n| n.contains("flows")));
    let text = ok(&mut i, "%query describe WindowsSecurity.list_host_logons")
        .result
        .unwrap();
    assert!(
        text.plain().contains("host_name (str) = ''") && text.plain().contains("[aliases: host]"),
        "{:?}",
        text.plain()
    );
    // --print renders with the window and does not run.
    ok(&mut i, "%time around 2019-02-10T06:00 ±2h");
    let printed = ok(
        &mut i,
        "%query WindowsSecurity.list_host_logons host_name=\"O'Brien\" --print",
    )
    .result
    .unwrap();
    let p = printed.plain();
    assert!(p.contains("TimeGenerated >= '2019-02-10 04:00:00'"), "{p}");
    assert!(
        p.contains("-- window: 2019-02-10T04:00:00Z .. 2019-02-10T08:00:00Z"),
        "{p}"
    );
    // A quote in a value is doubled, so it cannot end the SQL string.
    assert!(p.contains("'%O''Brien%'"), "{p}");
}

#[test]
fn raw_queries_use_the_window_and_other_sources() {
    let mut i = Interpreter::default();
    fails(
        &mut i,
        "%%query\nSELECT * FROM WindowsEvent WHERE TimeGenerated >= '{start}'",
        "no-time-window",
    );
    ok(&mut i, "%time 2019-01-01 .. 2030-01-01");
    ok(
        &mut i,
        "n = %%query\nSELECT COUNT(*) AS n FROM WindowsEvent WHERE EventID = 4624 AND TimeGenerated BETWEEN '{start}' AND '{end}'",
    );
    assert_eq!(
        frame(&i, "n").column("n").unwrap().get(0).unwrap().extract::<i64>(),
        Some(10)
    );
    // A folder connected under a name becomes current.
    let (outcome, io) = run(
        &mut i,
        &format!("t = %connect otrf --path {}", data("security-datasets")),
    );
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert!(io.stdout().contains("connected otrf"), "{}", io.stdout());
    let tables = frame(&i, "t");
    assert!(tables.height() >= 20, "{:?} >= {:?}", tables.height(), 20);
    ok(
        &mut i,
        "e = %%query\nSELECT EventID, COUNT(*) AS n FROM empire_launcher_vbs_2020_09_04160940 GROUP BY EventID",
    );
    assert!(frame(&i, "e").height() > 3, "{:?} > {:?}", frame(&i, "e").height(), 3);
    assert_eq!(i.session().get("e").unwrap().provenance.source, "otrf");
    // --source reaches another for one query without changing the current one.
    ok(&mut i, "s = %%query --source sample\nSELECT COUNT(*) AS n FROM conn");
    assert_eq!(i.session().get("s").unwrap().provenance.source, "sample");
    ok(
        &mut i,
        "e2 = %%query\nSELECT COUNT(*) AS n FROM empire_launcher_vbs_2020_09_04160940",
    );
}

#[test]
fn bad_input_is_named_and_the_session_survives() {
    let mut i = Interpreter::default();
    ok(&mut i, "keep = %query Network.list_flow_summary");
    let e = fails(&mut i, "%connect x --path /no/such/folder", "source-error");
    assert!(e.contains("/no/such/folder"), "{e}");
    let e = fails(&mut i, "%connect nosuch", "no-such-source");
    assert!(e.contains("--path"), "{e}");
    let e = fails(&mut i, "%query WindowsSecurity.list_host_logonz", "no-such-query");
    assert!(e.contains("did you mean WindowsSecurity.list_host_logons"), "{e}");
    let e = fails(
        &mut i,
        "%query WindowsSecurity.list_host_events event_id=four",
        "bad-parameter",
    );
    assert!(e.contains("event_id") && e.contains("whole number"), "{e}");
    let e = fails(
        &mut i,
        "%query WindowsSecurity.list_host_logons start=yesterday-ish",
        "bad-parameter",
    );
    assert!(e.contains("start"), "{e}");
    let e = fails(
        &mut i,
        "%query WindowsSecurity.list_host_logons hostname=x",
        "unknown-parameter",
    );
    assert!(e.contains("did you mean host_name"), "{e}");
    let e = fails(
        &mut i,
        "%query WindowsSecurity.list_host_logons WORKSTATION5",
        "bad-argument",
    );
    assert!(e.contains("name=value"), "{e}");
    // A table the source does not have: the message names it and the tables there are.
    ok(&mut i, &format!("%connect logons --path {}", data("msticpy/logons")));
    let e = fails(&mut i, "%query SecurityAlert.list_alerts", "sql-error");
    assert!(
        e.contains("SecurityAlert") && e.contains("localdata_host_logons"),
        "{e}"
    );
    let e = fails(
        &mut i,
        "%%query\nSELECT nosuchcolumn FROM localdata_host_logons",
        "sql-error",
    );
    assert!(e.contains("nosuchcolumn"), "{e}");
    let e = fails(&mut i, "%query --source nowhere Network.list_flows", "no-such-source");
    assert!(e.contains("sample"), "{e}");
    assert!(i.session().get("keep").is_some());
}

#[test]
fn huntbook_yaml_names_sources_and_tables() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("huntbook.yaml");
    std::fs::write(
        &config,
        format!(
            "sources:\n  case:\n    kind: local\n    path: {}\n    tables:\n      SecurityAlert: alerts/*.json\n",
            data("msticpy")
        ),
    )
    .unwrap();
    let read = huntbook_magics::sources::Config::read(&config).unwrap();
    let spec = &read.sources["case"];
    assert_eq!(spec.local.tables["SecurityAlert"], vec!["alerts/*.json".to_string()]);
    std::fs::write(&config, "sources:\n  bad:\n    kind: local\n").unwrap();
    let e = huntbook_magics::sources::Config::read(&config).unwrap_err();
    assert!(e.contains("bad") && e.contains("no path"), "{e}");
}

/// `%config` names the file each setting came from and says whether each key is set and
/// from where — never the key itself.
#[test]
fn config_shows_where_each_setting_came_from_and_never_a_key() {
    let (dir, config) = written(
        "huntbook.yaml",
        "ti:\n  providers:\n    otx: {key: env:HUNTBOOK_TEST_UNSET_VARIABLE, url: https://otx.example}\n    virustotal: {key: sup3r-s3cret-value}\n\
         sources:\n  gone: {kind: local, path: /no/such/evidence}\n  \
         soc: {kind: sentinel, workspace: 8ecf8077-cf51-4820-aadd-14040956f35d, auth: secret, client_id: 11111111-2222-3333-4444-555555555555, client_secret: env:HUNTBOOK_TEST_UNSET_SECRET}\n",
    );
    let mut interp = Interpreter::default();
    interp.use_config(std::path::Path::new(&config)).unwrap();
    let shown = ok_text(&mut interp, "%config");
    assert!(shown.contains("ti.providers.otx.key"), "{shown}");
    assert!(
        shown.contains("missing: HUNTBOOK_TEST_UNSET_VARIABLE is not set"),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("env:HUNTBOOK_TEST_UNSET_VARIABLE (named in {config})")),
        "{shown}"
    );
    assert!(shown.contains("https://otx.example"), "{shown}");
    // Each source with what it still needs.
    assert!(
        shown.contains("/no/such/evidence (missing: the folder does not exist)"),
        "{shown}"
    );
    let soc = shown.lines().find(|l| l.contains("sources.soc")).unwrap_or_default();
    assert!(
        soc.contains("sign-in secret") && soc.contains("missing:") && soc.contains("tenant"),
        "{shown}"
    );
    assert!(
        shown.contains("ti.providers.virustotal.key") && !shown.contains("sup3r"),
        "{shown}"
    );
    drop(dir);
}

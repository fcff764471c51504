//! `%timeline`, `%anomalies`, `%ptree`, `%cluster` and `%sessions` outputs: right content on the shared samples,
//! well-formed SVG, and data values that cannot inject markup.

use crate::common::{PROCS, data, fails, loaded, run};
use huntbook_magics::io::Event;
use huntbook_magics::{Interpreter, MimeBundle};

/// Parses `xml` completely; panics with the position of the first error.
fn well_formed(xml: &str) {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut depth = 0i64;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Text(t)) => {
                t.decode().expect("text decodes");
            }
            Ok(_) => {}
            Err(e) => panic!(
                "not well-formed at {}: {e}\n{}",
                reader.buffer_position(),
                &xml[..xml.len().min(400)]
            ),
        }
    }
    assert_eq!(depth, 0, "unbalanced elements");
}

/// Every bundle a cell showed, in order: a chart is an output of its own between the
/// heading and the rest.
fn ok(interp: &mut Interpreter, code: &str) -> Vec<MimeBundle> {
    let (outcome, io) = run(interp, code);
    if let Some(e) = &outcome.error {
        panic!("{code:?} failed: {}: {}", e.ename, e.evalue);
    }
    let mut shown: Vec<MimeBundle> = io
        .events
        .into_iter()
        .filter_map(|e| match e {
            Event::Display(b, _) => Some(b),
            _ => None,
        })
        .collect();
    shown.extend(outcome.result);
    shown
}

/// The first form of `kind` shown; for text, all of it, as a console shows it.
fn mime(shown: &[MimeBundle], kind: &str) -> String {
    if kind == "text/plain" {
        return shown.iter().map(|b| b.plain()).collect::<Vec<_>>().join("\n");
    }
    shown
        .iter()
        .find_map(|b| b.data.get(kind).and_then(|v| v.as_str()))
        .unwrap_or_else(|| panic!("no {kind} in {shown:#?}"))
        .to_string()
}

/// Every HTML output is well-formed, and none holds a picture: charts are outputs of their own.
fn html_well_formed(shown: &[MimeBundle]) {
    for html in shown
        .iter()
        .filter_map(|b| b.data.get("text/html").and_then(|v| v.as_str()))
    {
        well_formed(html);
        assert!(!html.contains("<img") && !html.contains("<svg"), "{html}");
    }
}

#[test]
fn anomalies_flag_msticpys_hours_and_the_dips() {
    let mut interp = Interpreter::default();
    ok(
        &mut interp,
        &format!("traffic = %load {}", data("msticpy/timeseries/time_series.csv")),
    );
    let outcome = ok(&mut interp, "%anomalies traffic --value TotalBytesSent");
    let svg = mime(&outcome, "image/svg+xml");
    well_formed(&svg);
    html_well_formed(&outcome);
    let result = interp.session().get("_").unwrap();
    assert_eq!(result.height(), 840);
    let flags = result.data.column("anomalies").unwrap().i32().unwrap();
    let ups = flags.iter().filter(|f| *f == Some(1)).count();
    assert_eq!(ups, 3, "msticpy's three hours above the pattern");
    let text = mime(&outcome, "text/plain");
    for hour in ["2019-05-13 17:00", "2019-05-17 21:00", "2019-05-26 05:00"] {
        assert!(text.contains(hour), "{hour} listed:\n{text}");
    }
    ok(&mut interp, "p = %anomalies traffic --value TotalBytesSent --periods");
    let periods = interp.session().get("p").unwrap();
    assert!(periods.height() >= 3, "{:?} >= {:?}", periods.height(), 3);
    let err = fails(&mut interp, "%anomalies traffic", "missing-argument");
    assert!(err.contains("TotalBytesSent"), "lists the numeric columns: {err}");
    let err = fails(
        &mut interp,
        "%anomalies traffic --value TotalBytesSent --seasonal 8",
        "bad-value",
    );
    assert!(err.contains("odd"), "{err}");
}

/// The number the heading gives just before `words` (", 176 of them within …").
fn count_before(text: &str, words: &str) -> usize {
    text.split(words)
        .next()
        .filter(|head| head.len() < text.len())
        .and_then(|head| head.rsplit(", ").next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count before {words:?} in {text}"))
}

#[test]
fn timeline_lanes_markers_and_values() {
    let mut interp = loaded(&[PROCS]);
    ok(
        &mut interp,
        &format!("alerts = %load {}", data("msticpy/alerts/localdata_alerts_list.json")),
    );
    let outcome = ok(
        &mut interp,
        "%timeline procs --group-by SubjectUserName --alerts alerts --ref '2019-01-15 05:15=first look' --columns NewProcessName,CommandLine",
    );
    let svg = mime(&outcome, "image/svg+xml");
    well_formed(&svg);
    html_well_formed(&outcome);
    // One mark per event, and the burst at 05:15 (the attack simulation, seconds apart on
    // a 70-minute axis) drawn again in an inset under the whole.
    let text = mime(&outcome, "text/plain");
    let zoomed = count_before(&text, " of them within ");
    assert!(zoomed >= 150, "{text}");
    assert!(
        text.contains("(zoomed below; --around TIME±SPAN picks another window)"),
        "{text}"
    );
    assert_eq!(
        svg.matches("<circle").count(),
        363 + zoomed,
        "one mark per event, in each part"
    );
    let inset = svg
        .split(">zoom: ")
        .nth(1)
        .and_then(|t| t.split('<').next())
        .expect("the inset is titled");
    assert!(inset.contains(" events from 2019-01-15 05:1"), "{inset}");
    // Seconds apart must not read as the same minute.
    assert!(svg.contains("<title>2019-01-15 05:15:14 UTC"), "tooltips give seconds");
    assert!(svg.contains("first look"), "{:?}", svg);
    assert!(
        svg.contains("NewProcessName: C:\\"),
        "tooltips carry the chosen columns"
    );
    let text = mime(&outcome, "text/plain");
    assert!(text.starts_with("timeline: 363 points in "), "{text}");
    let outcome = ok(&mut interp, "%timeline procs --value EventID --kind bar");
    well_formed(&mime(&outcome, "image/svg+xml"));
    let err = fails(&mut interp, "%timeline procs --value CommandLine", "bad-value");
    assert!(err.contains("needs numbers"), "{err}");
    let around = ok(&mut interp, "%timeline procs --around '2019-01-15 05:15:14 ±1s'");
    let text = mime(&around, "text/plain");
    let svg = mime(&around, "image/svg+xml");
    let within = count_before(&text, " within 2019-01-15 05:15:14 ±1s");
    assert!(within > 0 && within < 50, "{text}");
    assert_eq!(svg.matches("<circle").count(), within, "only the window is drawn");
    assert!(!text.contains("zoomed below"), "no inset of a window: {text}");
    let err = fails(&mut interp, "%timeline procs --around '2019-01-15 05:15'", "bad-value");
    assert!(err.contains("±"), "{err}");
    let err = fails(&mut interp, "%timeline procs --ref yesterday-ish", "bad-value");
    assert!(err.contains("not a time"), "{err}");
    let err = fails(&mut interp, "%timeline procs --group-by SubjectUsername", "no-column");
    assert!(err.contains("SubjectUserName"), "{err}");
}

#[test]
fn values_from_data_stay_text() {
    let mut interp = Interpreter::default();
    let evil = "<img src=x onerror=alert(1)>";
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("evil.csv");
    let mut body = String::from(
        "TimeGenerated,Computer,NewProcessName,NewProcessId,ProcessId,ParentProcessName,CommandLine,SubjectUserName,EventID,Bytes\n",
    );
    for i in 0..60 {
        body.push_str(&format!(
            "2024-01-0{}T{:02}:00:00Z,h1,C:\\x\\{evil}.exe,0x{:x},0x4,\"C:\\p\\{evil}\",\"{evil} & co\",\"{evil}\",4688,{}\n",
            1 + i / 24,
            i % 24,
            16 + i,
            1000 + (i % 24) * 10 + if i == 40 { 100_000 } else { 0 }
        ));
    }
    std::fs::write(&csv, body).unwrap();
    ok(&mut interp, &format!("p = %load {}", csv.display()));
    for cell in [
        "%timeline p --group-by SubjectUserName --title '<script>x</script>'",
        "%timeline p --value Bytes --group-by CommandLine",
        "%anomalies p --value Bytes",
        "%ptree p --color-by CommandLine",
    ] {
        let outcome = ok(&mut interp, cell);
        for kind in ["image/svg+xml", "text/html"] {
            let out = mime(&outcome, kind);
            assert!(
                !out.contains("<img") && !out.contains("<script"),
                "{cell}: {kind} lets markup through"
            );
            if kind == "image/svg+xml" {
                well_formed(&out);
            }
        }
    }
}

#[test]
fn many_groups_fold_into_one_lane_and_say_so() {
    let mut interp = loaded(&[PROCS]);
    let outcome = ok(&mut interp, "%timeline procs --group-by NewProcessId");
    let svg = mime(&outcome, "image/svg+xml");
    well_formed(&svg);
    assert!(svg.contains("(other "), "the folded lane is labelled");
    let text = mime(&outcome, "text/plain");
    assert!(text.contains("timeline: 363 points in 30 lanes"), "{text}");
    assert!(text.contains("the 29 largest have lanes"), "{text}");
}

/// Times at the ends of the range a datetime can hold (a crafted CSV of 69 bytes) must
/// draw a chart, not wrap the span arithmetic into a tick loop that fills memory.
#[test]
fn times_at_the_ends_of_the_datetime_range_draw() {
    let (_dir, csv) = crate::common::written(
        "extremes.csv",
        "TimeGenerated,Host\n-262000-01-01T00:00:00Z,a\n+262000-12-31T23:59:59Z,b\n",
    );
    let mut interp = huntbook_magics::Interpreter::default();
    ok(&mut interp, &format!("x = %load {csv}"));
    let frame = interp.session().get("x").unwrap();
    assert!(
        frame.data.column("TimeGenerated").unwrap().dtype().is_temporal(),
        "{:?}",
        frame.data
    );
    let out = ok(&mut interp, "%timeline x --group-by Host");
    let svg = mime(&out, "image/svg+xml");
    assert!(svg.matches("<circle").count() == 2, "{svg}");
}

/// `%cluster` on msticpy's notebook sample: the documented features added on the way,
/// msticpy's counts in the heading, a chart that parses, and the frame kept as `_`.
#[test]
fn cluster_collapses_processes_as_msticpy_and_draws_the_sizes() {
    let mut interp = loaded(&[PROCS]);
    let shown = ok(&mut interp, "%cluster procs --eps 0.0001 --time TimeCreatedUtc");
    let text = mime(&shown, "text/plain");
    assert!(
        text.contains("363 events → 29 clusters (largest 71, 39, 38, 35, 28) and 33 events in none: 62 rows"),
        "{text}"
    );
    assert!(
        text.contains("commandlineTokensFull, pathScore, isSystemSession"),
        "{text}"
    );
    let svg = mime(&shown, "image/svg+xml");
    well_formed(&svg);
    assert!(svg.matches("events, 2019-").count() >= 29, "a tooltip per cluster");
    let last = interp.session().get("_").unwrap();
    assert_eq!(last.height(), 62);
    // Features made by %features give the same clusters.
    ok(&mut interp, "feats = %features procs");
    let again = ok(
        &mut interp,
        "%cluster feats --features commandlineTokensFull,pathScore,isSystemSession --eps 0.0001 --time TimeCreatedUtc",
    );
    assert!(mime(&again, "text/plain").contains("363 events → 29 clusters"));
}

/// What cannot be clustered is named: no numeric feature, text as a feature, eps 0, a
/// column that is not there.
#[test]
fn cluster_names_what_is_wrong() {
    let mut interp = loaded(&[PROCS, ("logons", "msticpy/logons/localdata_host_logons.csv")]);
    let err = fails(&mut interp, "%cluster procs --features CommandLine", "invalid-input");
    assert!(
        err.contains("feature \"CommandLine\" holds str values, not numbers"),
        "{err}"
    );
    let err = fails(&mut interp, "%cluster procs --eps 0", "invalid-input");
    assert!(err.contains("eps must be above 0"), "{err}");
    let err = fails(&mut interp, "%cluster procs --features pathScor", "no-column");
    assert!(err.contains("pathScor"), "{err}");
    ok(&mut interp, "texts = %%sql\nSELECT Account, Computer FROM logons");
    let err = fails(&mut interp, "%cluster texts", "missing-argument");
    assert!(err.contains("no numeric column"), "{err}");
}

/// msticpy's test vector through `%features` on text.
#[test]
fn features_of_text_are_msticpys_test_vector() {
    let mut interp = Interpreter::default();
    ok(
        &mut interp,
        "%features \"The quick & sly (as all foxes might be/or not) fox, jumped over a frog.\"",
    );
    let frame = interp.session().get("_").unwrap();
    let value = |c: &str| frame.data.column(c).unwrap().i64().unwrap().get(0).unwrap();
    assert_eq!(
        [
            value("Value_delimCount"),
            value("Value_tokenCount"),
            value("Value_charOrdScore"),
            value("Value_crc32")
        ],
        [20, 15, 6199, 2011081507]
    );
}

/// `%sessions` on msticpy's Exchange demo: its sessions, the rarest first with the rare
/// window marked, and a command that carries markup shown as text.
#[test]
fn sessions_rank_the_rarest_first_and_escape_the_commands() {
    let mut interp = loaded(&[("ex", "msticpy/sessions/demo_exchange_data.csv")]);
    let shown = ok(
        &mut interp,
        "%sessions ex --user UserId,ClientIP --event Operation --gap 2m --max-length 20m --rows 3",
    );
    let text = mime(&shown, "text/plain");
    assert!(
        text.contains("1,334 events in 400 sessions (per UserId, ClientIP; gap 2m, at most 20m)"),
        "{text}"
    );
    assert!(
        text.contains("likelihood 2.119e-5"),
        "msticpy's rarest session first: {text}"
    );
    assert!(text.contains("showing 3 of 400 sessions"), "{text}");
    let html = mime(&shown, "text/html");
    assert!(html.contains("<mark>"), "the rare window is marked");
    assert_eq!(interp.session().get("_").unwrap().height(), 400);
    ok(
        &mut interp,
        "evil = %%sql\nSELECT UserId, ClientIP, TimeGenerated, '<img src=x onerror=alert(1)>' AS Operation FROM ex",
    );
    let shown = ok(
        &mut interp,
        "%sessions evil --user UserId,ClientIP --event Operation --time TimeGenerated",
    );
    let html = mime(&shown, "text/html");
    assert!(!html.contains("<img") && html.contains("&lt;img src=x"), "escaped");
    let err = fails(
        &mut interp,
        "%sessions ex --user UserName --event Operation",
        "no-column",
    );
    assert!(err.contains("UserName"), "{err}");
    let err = fails(&mut interp, "%sessions ex --event Operation", "missing-argument");
    assert!(err.contains("--user"), "{err}");
}

/// With --params (and --values) the model weighs each command's parameters: msticpy's
/// rarest session in each model comes first, its window's parameters under it; parameters
/// from the data are escaped, and cells that are not parameters are counted, not dropped.
#[test]
fn sessions_weigh_parameters_and_values() {
    let mut interp = loaded(&[("ex", "msticpy/sessions/demo_exchange_data.csv")]);
    let base = "%sessions ex --user UserId,ClientIP --event Operation --gap 2m --max-length 20m --rows 2";
    for (extra, heading, rarest) in [
        (
            "--params Parameters",
            "windows of 3 commands and their Parameters first",
            "likelihood 2.549e-7",
        ),
        (
            "--params Parameters --values",
            "windows of 3 commands, their Parameters and values first",
            "likelihood 3.298e-7",
        ),
    ] {
        let shown = ok(&mut interp, &format!("{base} {extra}"));
        let text = mime(&shown, "text/plain");
        assert!(
            text.contains(heading) && text.contains(rarest),
            "msticpy's rarest: {text}"
        );
        assert!(text.contains("  parameters: "), "{text}");
        html_well_formed(&shown);
        let frame = interp.session().get("_").unwrap();
        assert!(frame.data.column("rarest_window3_parameters").is_ok());
    }
    ok(
        &mut interp,
        "odd = %%sql\nSELECT UserId, ClientIP, TimeGenerated, Operation, \
         CASE WHEN Operation = 'Set-Mailbox' THEN 'not json' \
         ELSE '[{\"Name\": \"<b>Identity</b>\", \"Value\": \"<img src=x>\"}]' END AS Parameters FROM ex",
    );
    let (outcome, io) = run(
        &mut interp,
        &format!("{} --params Parameters --values", base.replace(" ex ", " odd ")),
    );
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let everything = format!("{:?}{:?}", io.events, outcome.result);
    assert!(
        everything.contains("events have a Parameters that is not a list of parameters, and count as having none"),
        "{everything}"
    );
    assert!(everything.contains("not JSON"), "the reason is given: {everything}");
    let shown = ok(
        &mut interp,
        "%sessions odd --user UserId,ClientIP --event Operation --params Parameters --values --rows 400",
    );
    let html = mime(&shown, "text/html");
    assert!(
        html.contains("&lt;b&gt;Identity&lt;/b&gt;=&lt;img src=x&gt;") && !html.contains("<img"),
        "escaped"
    );
    let err = fails(
        &mut interp,
        "%sessions ex --user UserId --event Operation --values",
        "missing-argument",
    );
    assert!(err.contains("--values needs --params"), "{err}");
    let err = fails(
        &mut interp,
        "%sessions ex --user UserId --event Operation --params Params",
        "no-column",
    );
    assert!(err.contains("Params"), "{err}");
}

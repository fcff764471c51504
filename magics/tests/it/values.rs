//! Session values carried from one cell to the next (`{name.Column|first}` and the other
//! forms), through the interpreter, on the sample data: into a library query's parameter,
//! a `%%sql` body, `%time` and a magic's argument; and the errors, each with a caret
//! under the `{…}` that caused it.

use huntbook_magics::Interpreter;

use crate::common::{fails, height, ok, ok_text, written};

#[test]
fn the_top_host_goes_into_the_next_query_without_retyping() {
    let mut i = Interpreter::default();
    ok(
        &mut i,
        "logons = %query WindowsSecurity.list_host_logons start=2000-01-01",
    );
    ok(
        &mut i,
        "top = %%sql\nSELECT Computer, COUNT(*) AS n FROM logons GROUP BY Computer ORDER BY n DESC, Computer LIMIT 1",
    );
    let top = i.session().get("top").unwrap();
    let host = top
        .data
        .column("Computer")
        .unwrap()
        .str()
        .unwrap()
        .get(0)
        .unwrap()
        .to_string();
    let n = top.data.column("n").unwrap().u32().map(|c| c.get(0).unwrap() as usize);
    let n = n.unwrap_or_else(|_| top.data.column("n").unwrap().i64().unwrap().get(0).unwrap() as usize);
    ok(
        &mut i,
        "mine = %query WindowsSecurity.list_host_logons host={top.Computer|first} start=2000-01-01",
    );
    assert_eq!(height(&i, "mine"), n, "every logon of {host}");
    let query = i.session().get("mine").unwrap().provenance.query.clone().unwrap();
    assert!(query.contains(&format!("ILIKE '%{host}%'")), "{query}");

    // The same host through %%sql, and the latest logon's time into %time.
    ok(
        &mut i,
        "again = %%sql\nSELECT * FROM logons WHERE Computer = {top.Computer|first}",
    );
    assert_eq!(height(&i, "again"), n);
    ok(&mut i, "%time around {mine.TimeGenerated|max} ±1h");
    let (_, io) = crate::common::run(&mut i, "%echo {mine.TimeGenerated|max}");
    let latest = io.stdout();
    let latest: chrono::DateTime<chrono::Utc> = latest.trim().parse().unwrap();
    let window = ok_text(&mut i, "%time");
    for t in [latest - chrono::Duration::hours(1), latest + chrono::Duration::hours(1)] {
        assert!(window.contains(&huntbook::time::iso(t)), "{window} around {latest}");
    }
    // A list into IN: every logon of the top two hosts.
    ok(
        &mut i,
        "two = %%sql\nSELECT Computer, COUNT(*) AS n FROM logons GROUP BY Computer ORDER BY n DESC, Computer LIMIT 2",
    );
    ok(
        &mut i,
        "both = %%sql\nSELECT * FROM logons WHERE Computer IN {two.Computer}",
    );
    let both = ok_text(
        &mut i,
        "%%sql\nSELECT COUNT(*) AS n FROM logons WHERE Computer IN {two.Computer}",
    );
    assert!(both.contains(&height(&i, "both").to_string()), "{both}");
    // A magic's argument.
    ok(
        &mut i,
        "ips = %%sql\nSELECT '10.1.2.3' AS ip UNION ALL SELECT '8.8.8.8' AS ip",
    );
    assert_eq!(ok_text(&mut i, "%iptype {ips.ip[1]}").trim(), "Public");
    assert_eq!(ok_text(&mut i, "%iptype {ips.ip|first}").trim(), "Private");
}

/// Values from evidence — quotes, backslashes, newlines, comments — land as one SQL
/// literal each: the query keeps its shape and finds exactly the row it names.
#[test]
fn hostile_values_keep_a_sql_query_as_written() {
    let csv = "Account,Note\n\"O'Brien\",a\n\"x' OR '1'='1\",b\n\"a\\\",c\n\"a\\' OR 1=1 --\",d\n\"two\nlines\",e\n\"*/ --\",f\n";
    let (_dir, path) = written("hostile.csv", csv);
    let mut i = Interpreter::default();
    ok(&mut i, &format!("t = %load {path}"));
    for row in 0..6 {
        ok(
            &mut i,
            &format!("hit = %%sql\nSELECT Note FROM t WHERE Account = {{t.Account[{row}]}}"),
        );
        let note = i
            .session()
            .get("hit")
            .unwrap()
            .data
            .column("Note")
            .unwrap()
            .str()
            .unwrap()
            .get(0)
            .map(str::to_string);
        assert_eq!(height(&i, "hit"), 1, "row {row}");
        assert_eq!(note.as_deref(), Some(["a", "b", "c", "d", "e", "f"][row]));
    }
    ok(&mut i, "all = %%sql\nSELECT * FROM t WHERE Account IN {t.Account}");
    assert_eq!(height(&i, "all"), 6);
}

#[test]
fn what_cannot_be_resolved_is_an_error_under_its_braces() {
    let mut i = Interpreter::default();
    ok(
        &mut i,
        "hosts = %%sql\nSELECT 'WS01' AS Computer UNION ALL SELECT 'WS02' AS Computer",
    );
    for (code, says, hint) in [
        (
            "%iptype {hots.Computer|first}",
            "no frame named \"hots\"",
            "did you mean {hosts}?",
        ),
        (
            "%iptype {hosts.Computr|first}",
            "hosts has no column Computr",
            "did you mean hosts.Computer?",
        ),
        (
            "%iptype {hosts.Computer[2]}",
            "the column has 2 value(s)",
            "the last is {hosts.Computer[1]}",
        ),
        (
            "%iptype {hosts.Computer}",
            "stands for 2 values, and this argument takes one",
            "{hosts.Computer[0]}",
        ),
        (
            "%%sql\nSELECT * FROM hosts WHERE Computer = {hosts.Computer|frist}",
            "|frist is not a function",
            "did you mean |first?",
        ),
    ] {
        let (outcome, _) = crate::common::run(&mut i, code);
        let e = outcome.error.unwrap_or_else(|| panic!("{code} should fail"));
        let text = strip_colour(&e.traceback.join("\n"));
        assert!(text.contains(says) && text.contains(hint), "{code}:\n{text}");
        // The caret line sits under the braces: same column as the `{` in the code line.
        let lines: Vec<&str> = text.lines().collect();
        let code_line = lines.iter().position(|l| l.contains('{') && l.contains(" | ")).unwrap();
        let open = lines[code_line].find('{').unwrap();
        let caret = lines[code_line + 1].find('^').unwrap();
        if code.contains("|frist") {
            assert_eq!(&lines[code_line][caret..caret + 6], "|frist", "{text}");
        } else {
            assert_eq!(caret, open, "{text}");
        }
    }
    // No window, yet {start}.
    let e = fails(
        &mut i,
        "%%sql\nSELECT * FROM hosts WHERE '{start}' < '2020'",
        "no-time-window",
    );
    assert!(e.contains("%time"), "{e}");
    // The session keeps its frames.
    assert_eq!(height(&i, "hosts"), 2);
}

/// The traceback without its terminal colours.
fn strip_colour(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `%time span` takes a column's first and last time; `%time periods` a frame's rows, and
/// then every query runs over each period and stacks the rows.
#[test]
fn the_window_comes_from_results_and_queries_run_over_each_period() {
    let mut i = Interpreter::default();
    ok(&mut i, "%time 2000-01-01 .. 2030-01-01");
    ok(&mut i, "logons = %query WindowsSecurity.list_host_logons");
    let shown = ok_text(&mut i, "%time span logons.TimeGenerated");
    assert!(
        shown.contains("from the span of logons.TimeGenerated (618 times)"),
        "{shown}"
    );
    ok(
        &mut i,
        "edges = %%sql\nSELECT MIN(TimeGenerated) AS a, MAX(TimeGenerated) AS b FROM logons",
    );
    let (_, io) = crate::common::run(&mut i, "%echo {edges.a|first} .. {edges.b|first}");
    assert!(shown.starts_with(io.stdout().trim()), "{shown} vs {}", io.stdout());

    // Three logon times as periods of no length; two are the same time and merge.
    ok(
        &mut i,
        "firsts = %%sql\nSELECT DISTINCT TimeGenerated FROM logons ORDER BY TimeGenerated LIMIT 2",
    );
    ok(
        &mut i,
        "p = %%sql\nSELECT TimeGenerated AS start, TimeGenerated AS \"end\" FROM firsts \
         UNION ALL SELECT TimeGenerated AS start, TimeGenerated AS \"end\" FROM firsts LIMIT 3",
    );
    let (outcome, io) = crate::common::run(&mut i, "%time periods p");
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let shown = format!("{:?}{:?}", io.events, outcome.result);
    assert!(shown.contains("1 of 3 periods overlapped"), "{shown}");
    let shown = ok_text(&mut i, "%time");
    assert!(
        shown.contains("from the periods of p") && shown.contains("2 periods"),
        "{shown}"
    );
    ok(&mut i, "at = %query WindowsSecurity.list_host_logons");
    ok(
        &mut i,
        "want = %%sql\nSELECT * FROM logons WHERE TimeGenerated IN (SELECT TimeGenerated FROM firsts)",
    );
    assert_eq!(height(&i, "at"), height(&i, "want"));
    assert!(height(&i, "at") >= 2);
    let q = i.session().get("at").unwrap().provenance.query.clone().unwrap();
    assert_eq!(q.matches("SELECT").count(), 2, "one statement per period: {q}");
    ok(
        &mut i,
        "n = %%query\nSELECT COUNT(*) AS n FROM WindowsEvent WHERE EventID = 4624 AND TimeGenerated BETWEEN '{start}' AND '{end}'",
    );
    assert_eq!(height(&i, "n"), 2, "one count per period");

    // Bad input names the fault; the window stays.
    let e = fails(&mut i, "%time span logons.TargetUserName", "bad-time-window");
    assert!(e.contains("logons.TargetUserName holds str, not times"), "{e}");
    let e = fails(&mut i, "%time periods logons", "no-such-column");
    assert!(e.contains("logons has no column start"), "{e}");
    let e = fails(&mut i, "%time span logons.Nope", "no-such-column");
    assert!(e.contains("logons has no column Nope"), "{e}");
    assert!(ok_text(&mut i, "%time").contains("2 periods"));
}

/// `%export` in each format, then `%load`: the same frame back. Overwriting needs
/// --force; a missing folder or an unknown extension is a clear error.
#[test]
fn export_round_trips_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let mut i = Interpreter::default();
    ok(&mut i, "%time 2000-01-01 .. 2030-01-01");
    ok(&mut i, "logons = %query WindowsSecurity.list_host_logons");
    ok(
        &mut i,
        "few = %%sql\nSELECT TimeGenerated, Computer, EventID, TargetUserName, LogonType FROM logons ORDER BY TimeGenerated LIMIT 50",
    );
    let original = i.session().get("few").unwrap().data.clone();
    for ext in ["csv", "parquet", "json", "ndjson"] {
        let path = dir.path().join(format!("few.{ext}"));
        let said = ok_text(&mut i, &format!("%export few {}", path.display()));
        let bytes = std::fs::metadata(&path).unwrap().len();
        assert!(
            said.starts_with("wrote 50 rows × 5 columns of few (")
                && said.contains(&format!(
                    "{} bytes)",
                    huntbook::render::table::thousands(bytes as usize)
                )),
            "{said}"
        );
        ok(&mut i, &format!("back = %load {}", path.display()));
        let back = &i.session().get("back").unwrap().data;
        assert_eq!(back.shape(), original.shape(), "{ext}");
        for c in original.columns() {
            let b = back
                .column(c.name())
                .unwrap_or_else(|_| panic!("{ext}: no column {}", c.name()));
            let same = c.cast(b.dtype()).map(|c| c.equals_missing(b)).unwrap_or(false)
                || b.cast(c.dtype()).map(|b| b.equals_missing(c)).unwrap_or(false);
            assert!(
                same,
                "{ext}: column {} changed: {:?} → {:?}",
                c.name(),
                c.head(Some(2)),
                b.head(Some(2))
            );
        }
        // Not twice without --force; with it, replaced.
        let e = fails(&mut i, &format!("%export few {}", path.display()), "write-error");
        assert!(e.contains("the file exists"), "{e}");
        ok(&mut i, &format!("%export few {} --force", path.display()));
    }
    // Parquet keeps where the rows came from.
    let parquet = std::fs::read(dir.path().join("few.parquet")).unwrap();
    let text = String::from_utf8_lossy(&parquet);
    assert!(
        text.contains("huntbook.provenance") && text.contains("%%sql"),
        "no provenance in the Parquet metadata"
    );
    // An extension that says nothing, with --format; a folder that is not there.
    ok(
        &mut i,
        &format!("%export few {} --format csv", dir.path().join("few.txt").display()),
    );
    let e = fails(
        &mut i,
        &format!("%export few {}", dir.path().join("few.txt").display()),
        "unknown-format",
    );
    assert!(e.contains("--format"), "{e}");
    let e = fails(
        &mut i,
        &format!("%export few {}", dir.path().join("nope/few.csv").display()),
        "write-error",
    );
    assert!(e.contains("does not exist"), "{e}");
    // A folder nobody can write in (root included: /proc takes no new files).
    let e = fails(&mut i, "%export few /proc/few.csv", "write-error");
    assert!(e.contains("cannot write /proc/few.csv"), "{e}");
    assert!(
        std::fs::read_dir(dir.path())
            .unwrap()
            .all(|e| !e.unwrap().file_name().to_string_lossy().contains("partial")),
        "no partial file is left behind"
    );
}

/// Completion inside `{…}` offers frames, then columns, then functions; shift-tab on a
/// reference shows what it stands for now.
#[test]
fn completion_and_inspection_know_session_values() {
    let mut i = Interpreter::default();
    ok(
        &mut i,
        "top = %%sql\nSELECT '10.0.0.5' AS DestIP, 3 AS Flows UNION ALL SELECT '10.0.0.6' AS DestIP, 2 AS Flows",
    );
    let at_end = |code: &str| (code.to_string(), code.len());
    let (code, cur) = at_end("%whois {to");
    let c = i.complete(&code, cur);
    assert!(c.matches.contains(&"top".to_string()) && c.start == 8, "{c:?}");
    let (code, cur) = at_end("%whois {top.De");
    let c = i.complete(&code, cur);
    assert_eq!(
        (c.matches.clone(), c.start, c.kinds.clone()),
        (vec!["DestIP".to_string()], 12, vec!["column"])
    );
    let (code, cur) = at_end("%%sql\nSELECT * FROM top WHERE DestIP = {top.DestIP|fi");
    let c = i.complete(&code, cur);
    assert_eq!(c.matches, ["first"]);
    let code = "%whois {top.DestIP|first} and {top.DestIP} and {top.Nope}";
    let shown = |at: usize| i.inspect(code, at).map(|b| b.plain().to_string()).unwrap_or_default();
    assert_eq!(shown(10), "{top.DestIP|first} = \"10.0.0.5\"");
    assert_eq!(
        shown(35),
        "{top.DestIP} = a list of 2 value(s): \"10.0.0.5\", \"10.0.0.6\""
    );
    assert!(shown(50).contains("top has no column Nope"), "{}", shown(50));
}

/// `%alerts` on msticpy's 189 Sentinel alerts: a card for each, worst first, and their
/// entities as a frame the enrichment magics take.
#[test]
fn alerts_show_as_cards_and_give_their_entities() {
    let mut i = Interpreter::default();
    ok(
        &mut i,
        &format!(
            "alerts = %load {}",
            crate::common::data("msticpy/alerts/sentinel_alertlist.csv")
        ),
    );
    let out = ok(&mut i, "%alerts alerts --rows 500");
    let bundle = out.result.unwrap();
    let html = bundle
        .data
        .get("text/html")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string();
    assert_eq!(html.matches("class=\"hb-alert\"").count(), 189);
    assert!(bundle.plain().contains("189 alert(s)"), "{}", &bundle.plain()[..200]);
    let first = html.find("class=\"hb-alert\"").unwrap();
    assert!(
        html[first..first + 400].contains("High"),
        "worst first: {}",
        &html[first..first + 400]
    );
    let out = ok(&mut i, "%alerts alerts --rows 3");
    assert!(out.result.unwrap().plain().contains("showing 3 of 189"));
    ok(&mut i, "ents = %alerts alerts --entities");
    assert_eq!(height(&i, "ents"), 1103);
    ok(
        &mut i,
        "ips = %%sql\nSELECT DISTINCT IpAddress FROM ents WHERE IpAddress IS NOT NULL",
    );
    ok(&mut i, "kinds = %iptype ips.IpAddress");
    assert!(height(&i, "kinds") > 0);
    // The graph: SVG that parses, the same picture twice, the folding said.
    let svg_of = |i: &mut Interpreter| {
        let (outcome, io) = crate::common::run(i, "%alerts alerts --graph");
        assert!(outcome.error.is_none(), "{:?}", outcome.error);
        io.events
            .iter()
            .find_map(|e| match e {
                huntbook_magics::io::Event::Display(b, _) => {
                    b.data.get("image/svg+xml").and_then(|v| v.as_str()).map(str::to_string)
                }
                _ => None,
            })
            .expect("the graph is shown as SVG")
    };
    let svg = svg_of(&mut i);
    assert_eq!(svg, svg_of(&mut i), "the same alerts draw the same picture");
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    assert!(svg.matches("<rect x=").count() >= 150, "alerts drawn");
    let e = fails(&mut i, "%alerts ips", "invalid-input");
    assert!(e.contains("not a list of alerts"), "{e}");
}

/// A saved Microsoft Graph alerts v2 page, loaded and read as alerts: cards, the entities
/// to `%ti`'s input, and a schema named that the frame does not have.
#[test]
fn graph_alerts_load_and_read_like_sentinel_ones() {
    let mut i = Interpreter::default();
    let page = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/graph-alerts-v2.json");
    ok(&mut i, &format!("g = %load {}", page.display()));
    assert_eq!(height(&i, "g"), 4);
    let out = ok(&mut i, "%alerts g");
    let bundle = out.result.unwrap();
    let text = bundle.plain();
    assert!(
        text.contains("4 alert(s) · high 1 · medium 2 · informational 1"),
        "{text}"
    );
    assert!(text.contains("compromised: ws-fin-07.contoso.local"), "{text}");
    ok(&mut i, "ge = %alerts g --entities --schema graph");
    assert_eq!(height(&i, "ge"), 26);
    ok(
        &mut i,
        "hosts = %%sql\nSELECT DISTINCT HostName FROM ge WHERE EntityType = 'process'",
    );
    assert_eq!(height(&i, "hosts"), 1);
    let e = fails(&mut i, "%alerts g --schema sentinel", "invalid-input");
    assert!(
        e.contains("not a list of sentinel alerts: it lacks Entities, AlertName|AlertDisplayName"),
        "{e}"
    );
}

/// msticpy's 189 alerts (`alerts`) and their entities (`ents`), and the processes of the
/// host most of them are about (`procs`), loaded.
fn alerts_and_processes() -> Interpreter {
    let mut i = crate::common::loaded(&[
        ("alerts", "msticpy/alerts/sentinel_alertlist.csv"),
        crate::common::PROCS,
    ]);
    ok(&mut i, "ents = %alerts alerts --entities");
    i
}

/// The entities frame marks its alerts on a timeline of the host's processes.
#[test]
fn the_entities_frame_marks_alerts_on_a_timeline() {
    let mut i = alerts_and_processes();
    let (outcome, io) = crate::common::run(&mut i, "%timeline procs --alerts ents");
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let shown = format!("{:?}", io.events);
    assert!(shown.contains("Suspicious"), "alert names are the markers' labels");
}

/// An alert's process found in the host's process tree by its id, carried from the
/// entities frame: no retyping.
#[test]
fn an_alerts_process_is_found_in_the_process_tree() {
    let mut i = alerts_and_processes();
    ok(
        &mut i,
        "p = %%sql\nSELECT HostName, ProcessId, CommandLine FROM ents\nWHERE EntityType = 'process' AND AlertName = 'Suspicious system process executed' AND ProcessId = '0x1684'",
    );
    assert!(height(&i, "p") >= 1);
    let (outcome, io) = crate::common::run(&mut i, "%ptree procs --ancestors-of {p.ProcessId|first}");
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let shown = format!("{:?}{:?}", outcome.result, io.events);
    assert!(shown.contains("0x1684"), "the alert's process is in the tree");
}

/// `%ptree --alerts`: the entities frame's processes found in the host's tree by host and
/// PID, drawn in their branches and marked by alert; what is not in the tree is said.
#[test]
fn ptree_takes_the_entities_frame_and_marks_the_alerts_processes() {
    let mut i = alerts_and_processes();
    let (outcome, io) = crate::common::run(&mut i, "marked = %ptree procs --alerts ents");
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let said = format!("{:?}{:?}", outcome.result, io.events);
    assert!(said.contains("alert process(es) in ents"), "{said}");
    assert!(
        said.contains("not in the tree: "),
        "alerts about other hosts are said: {said}"
    );
    ok(
        &mut i,
        "hit = %%sql\nSELECT NewProcessId, Alert FROM marked WHERE Alert IS NOT NULL",
    );
    assert!(height(&i, "hit") >= 1);
    ok(
        &mut i,
        "susp = %%sql\nSELECT * FROM hit WHERE NewProcessId = '0x1684' AND Alert LIKE '%Suspicious system process executed%'",
    );
    assert_eq!(height(&i, "susp"), 1, "the alert's process, marked with its alert");
    assert!(
        height(&i, "marked") < height(&i, "procs"),
        "only the branches of the alerts' processes"
    );
    let e = fails(
        &mut i,
        "%ptree procs --alerts ents --color-by SubjectUserName",
        "conflicting-options",
    );
    assert!(e.contains("--color-by"), "{e}");
    ok(
        &mut i,
        "elsewhere = %%sql\nSELECT * FROM ents WHERE EntityType = 'process' AND HostName IS NOT NULL AND lower(HostName) NOT LIKE 'msticalertswin1%'",
    );
    let e = fails(&mut i, "%ptree procs --alerts elsewhere", "not-found");
    assert!(e.contains("is in the tree"), "{e}");
}

//! The magics against real data from ../shared/data, through the same interpreter the
//! kernel uses. Each area has one `check`-style helper; nothing touches the network.

use huntbook_magics::io::Event;
use huntbook_magics::signature::{Forms, Signature};
use huntbook_magics::{
    Args, Context, Diagnostic, Interpreter, IsComplete, Magic, Outcome, RecordingIo, Registry, Stream, Value,
};

use crate::common::{PROCS, data, fails, height, loaded, ok_text, run};

#[test]
fn examples_with_expected_output_give_it() {
    let mut interp = Interpreter::default();
    let sigs: Vec<&'static Signature> = interp.registry().signatures().collect();
    let mut checked = 0;
    for sig in sigs {
        for example in sig.examples {
            if let Some(expect) = example.expect {
                assert_eq!(ok_text(&mut interp, example.code), expect, "example of %{}", sig.name);
                checked += 1;
            }
        }
    }
    assert!(checked >= 3, "{:?} >= {:?}", checked, 3);
}

#[test]
fn every_example_parses_against_its_own_signature() {
    let interp = Interpreter::default();
    for sig in interp.registry().signatures() {
        assert!(!sig.examples.is_empty(), "%{} has no example", sig.name);
        for example in sig.examples {
            assert_ne!(
                interp.is_complete(&format!("{}\n\n", example.code)),
                IsComplete::Invalid,
                "{}",
                example.code
            );
        }
    }
}

#[test]
fn load_csv_and_parquet_from_the_shared_data() {
    let mut interp = Interpreter::default();
    let (outcome, io) = run(
        &mut interp,
        &format!("logons = %load {}", data("msticpy/logons/localdata_host_logons.csv")),
    );
    assert!(outcome.error.is_none());
    assert_eq!(height(&interp, "logons"), 25);
    assert!(matches!(&io.events[0], Event::Stream(Stream::Stdout, s) if s.starts_with("logons: 25 rows × 20 columns")));
    // `_` follows the last frame result.
    assert_eq!(height(&interp, "_"), 25);
    ok_text(
        &mut interp,
        &format!("procs = %load {}", data("msticpy/process/win4688_proc_test.parquet")),
    );
    assert_eq!(height(&interp, "procs"), 1000);
    assert_eq!(height(&interp, "_"), 1000);
    // Timestamps in CSV are parsed, so they sort and filter as times.
    let logons = interp.session().get("logons").unwrap();
    assert!(logons.data.column("TimeGenerated").unwrap().dtype().is_temporal());
}

#[test]
fn load_a_glob_stacks_files_with_different_columns() {
    let mut interp = Interpreter::default();
    let (outcome, io) = run(&mut interp, &format!("all = %load {}", data("msticpy/logons/*.csv")));
    assert!(outcome.error.is_none());
    // 25 + 4 + 14 rows from three exports with different columns.
    assert_eq!(height(&interp, "all"), 43);
    // Progress: shown once with an id, then updated in place, ending with a summary.
    let Event::Display(first, Some(id)) = &io.events[0] else {
        panic!("{:?}", io.events[0])
    };
    assert!(first.plain().contains("file 1 of 3"), "{}", first.plain());
    let updates: Vec<&str> = io
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Update(b, uid) if uid == id => Some(b.plain()),
            _ => None,
        })
        .collect();
    assert_eq!(updates.len(), 3);
    assert!(updates[2].starts_with("loaded 3 files"), "{updates:?}");
    let frame = interp.session().get("all").unwrap();
    assert!(
        frame.column_names().contains(&"SourceFile".to_string()),
        "{:?}",
        frame.column_names()
    );
}

#[test]
fn load_errors_name_the_file() {
    let mut interp = Interpreter::default();
    let text = fails(&mut interp, "%load /no/such/file.csv", "no-such-file");
    assert!(text.contains("/no/such/file.csv"), "{:?}", text);
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("corrupt.parquet");
    std::fs::write(&bad, b"PAR1 this is not really parquet").unwrap();
    let text = fails(&mut interp, &format!("%load {}", bad.display()), "bad-file");
    assert!(text.contains("corrupt.parquet") && text.contains("Parquet"), "{text}");
    let unknown = dir.path().join("notes.txt");
    std::fs::write(&unknown, "hello").unwrap();
    let text = fails(&mut interp, &format!("%load {}", unknown.display()), "unknown-format");
    assert!(text.contains("--format"), "{text}");
    fails(&mut interp, "%load x.csv --format xml", "bad-value");
}

#[test]
fn sql_joins_frames_and_reports_bad_statements() {
    let mut interp = Interpreter::default();
    ok_text(
        &mut interp,
        &format!("logons = %load {}", data("msticpy/logons/localdata_host_logons.csv")),
    );
    ok_text(
        &mut interp,
        &format!("failed = %load {}", data("msticpy/logons/localdata_failed_logons.csv")),
    );
    let text = ok_text(
        &mut interp,
        "top = %%sql\nSELECT TargetUserName, COUNT(*) AS n FROM logons GROUP BY TargetUserName ORDER BY n DESC, TargetUserName",
    );
    assert_eq!(text, "");
    // SYSTEM has 16 of the 25 logons (counted independently with Python's csv module).
    let top = interp.session().get("top").unwrap();
    assert_eq!(
        top.data.column("TargetUserName").unwrap().get(0).unwrap().get_str(),
        Some("SYSTEM")
    );
    assert_eq!(top.data.column("n").unwrap().get(0).unwrap().extract::<i64>(), Some(16));
    // Every frame is a table; joins work across them.
    ok_text(
        &mut interp,
        "%%sql\nSELECT l.Computer FROM logons l JOIN failed f ON l.Computer = f.Computer",
    );
    // A bad statement is an error that names the tables there are, and loses nothing.
    let text = fails(&mut interp, "%%sql\nSELEC nonsense FROM", "sql-error");
    assert!(text.contains("logons"), "{text}");
    let text = fails(&mut interp, "%%sql\nSELECT * FROM nosuchtable", "sql-error");
    assert!(text.contains("nosuchtable"), "{text}");
    assert_eq!(height(&interp, "logons"), 25);
}

#[test]
fn iptype_on_literals_and_columns() {
    let mut interp = Interpreter::default();
    assert_eq!(ok_text(&mut interp, "%iptype 8.8.8.8"), "Public");
    assert_eq!(ok_text(&mut interp, "%iptype 192.168.0.4"), "Private");
    assert_eq!(ok_text(&mut interp, "%iptype 224.0.0.1"), "Multicast");
    let text = fails(&mut interp, "%iptype 300.1.1.1", "invalid-ip");
    assert!(text.contains("300.1.1.1"), "{:?}", text);
    ok_text(
        &mut interp,
        &format!("flows = %load {}", data("msticpy/network/az_net_flows.csv")),
    );
    ok_text(&mut interp, "typed = %iptype flows.VMIPAddress");
    let typed = interp.session().get("typed").unwrap();
    assert_eq!(typed.height(), 460);
    let classes = typed.data.column("IpType").unwrap().str().unwrap().clone();
    let private = classes.iter().filter(|c| *c == Some("Private")).count();
    assert!(private > 0, "{:?} > {:?}", private, 0);
    let text = fails(&mut interp, "%iptype flows.VMIPAdress", "no-such-column");
    assert!(text.contains("did you mean flows.VMIPAddress"), "{text}");
    fails(&mut interp, "%iptype nosuch.Column", "no-such-frame");
}

#[test]
fn frames_display_as_escaped_tables_with_visible_limits() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("evil.csv");
    let mut csv = String::from("CommandLine,Host\n");
    for i in 0..30 {
        csv.push_str(&format!("\"<img src=x onerror=alert({i})>\",host{i}\n"));
    }
    std::fs::write(&file, csv).unwrap();
    let mut interp = Interpreter::default();
    let (outcome, _) = run(&mut interp, &format!("%load {}", file.display()));
    let result = outcome.result.expect("an unnamed frame is the cell's result");
    let html = result.data["text/html"].as_str().unwrap();
    assert!(!html.contains("<img"), "data reached the markup unescaped");
    assert!(html.contains("&lt;img src=x onerror=alert(0)&gt;"), "{:?}", html);
    assert!(html.contains("showing 20 of 30 rows"), "{:?}", html);
    assert!(result.plain().contains("showing 20 of 30 rows"), "{:?}", result.plain());
    assert!(result.data.contains_key("application/vnd.dataresource+json"));
    ok_text(&mut interp, &format!("evil = %load {}", file.display()));
    let shown = ok_text(&mut interp, "%show evil --rows 30");
    assert!(!shown.contains("showing"), "{:?}", shown);
    fails(&mut interp, "%show evil --rows many", "bad-value");
    fails(&mut interp, "%show nosuch", "no-such-frame");
}

#[test]
fn diagnostics_point_at_the_mistake_and_suggest() {
    let mut interp = Interpreter::default();
    let text = fails(&mut interp, "%iptpye 8.8.8.8", "unknown-magic");
    assert!(text.contains("did you mean %iptype"), "{text}");
    let text = fails(&mut interp, "%load x.csv --fromat csv", "unknown-option");
    assert!(text.contains("did you mean --format"), "{text}");
    assert!(text.contains("^^^^^^^^"), "{text}");
    fails(&mut interp, "%load", "missing-argument");
    fails(&mut interp, "%sql SELECT 1", "not-a-line-magic");
    fails(&mut interp, "%%sql\n", "missing-body");
    fails(&mut interp, "let x = 1;", "not-a-magic");
    fails(&mut interp, "%vars extra", "unexpected-argument");
    fails(&mut interp, "_ = %load x.csv", "reserved-name");
    fails(&mut interp, "x = %iptype 8.8.8.8", "not-a-frame");
}

struct Boom;
static BOOM: Signature = Signature {
    name: "boom",
    summary: "panics",
    description: "",
    forms: Forms::Line,
    params: &[],
    options: &[],
    body: None,
    returns: "nothing",
    examples: &[],
};
impl Magic for Boom {
    fn signature(&self) -> &'static Signature {
        &BOOM
    }
    fn run(&self, _: &Args, _: &mut Context) -> Result<Outcome, Diagnostic> {
        panic!("index out of bounds in a magic")
    }
}

#[test]
fn a_panicking_magic_is_an_error_and_the_session_survives() {
    let mut interp = Interpreter::new(Registry::standard().with(Box::new(Boom)));
    ok_text(
        &mut interp,
        &format!("logons = %load {}", data("msticpy/logons/localdata_host_logons.csv")),
    );
    let text = fails(&mut interp, "%boom", "internal-error");
    assert!(text.contains("index out of bounds in a magic"), "{text}");
    assert_eq!(height(&interp, "logons"), 25);
    assert_eq!(ok_text(&mut interp, "%iptype 8.8.8.8"), "Public");
}

#[test]
fn interrupt_stops_a_running_magic() {
    let mut interp = Interpreter::default();
    // Uninterrupted, the sleep would end without an error.
    let mut io = RecordingIo {
        interrupt: true,
        ..RecordingIo::default()
    };
    let outcome = interp.execute("%sleep 30", &mut io);
    assert_eq!(outcome.error.unwrap().ename, "interrupted");
}

#[test]
fn several_statements_show_every_result_and_stop_at_the_first_error() {
    let mut interp = Interpreter::default();
    let (outcome, io) = run(&mut interp, "%iptype 8.8.8.8\n%echo between\n%iptype 127.0.0.1");
    assert_eq!(outcome.result.unwrap().plain(), "Loopback");
    assert!(matches!(&io.events[0], Event::Display(b, None) if b.plain() == "Public"));
    let (outcome, io) = run(&mut interp, "%echo one\n%nosuch\n%echo never");
    assert!(outcome.error.is_some());
    assert_eq!(io.events.len(), 1);
}

#[test]
fn help_pager_and_lsmagic_come_from_the_signatures() {
    let mut interp = Interpreter::default();
    let (outcome, _) = run(&mut interp, "%load?");
    let page = &outcome.pages[0];
    assert!(
        page.plain()
            .contains("%load PATH [--format csv|json|ndjson|parquet|evtx|auditd|syslog|zeek|archive]"),
        "{}",
        page.plain()
    );
    let (_, io) = run(&mut interp, "%help");
    let Event::Display(overview, _) = &io.events[0] else {
        panic!("%help displays")
    };
    for sig in interp.registry().signatures() {
        assert!(overview.plain().contains(sig.name), "{:?}", overview.plain());
    }
    let text = ok_text(&mut interp, "%lsmagic");
    assert!(text.contains("%%sql") && text.contains("%iptype"), "{:?}", text);
}

#[test]
fn completion_knows_magics_options_frames_and_columns() {
    let mut interp = Interpreter::default();
    ok_text(
        &mut interp,
        &format!("logons = %load {}", data("msticpy/logons/localdata_host_logons.csv")),
    );
    let matches = |interp: &Interpreter, code: &str| interp.complete(code, code.len()).matches;
    assert_eq!(matches(&interp, "%ipt"), ["%iptype"]);
    assert_eq!(matches(&interp, "x = %lo"), ["%load"]);
    assert_eq!(matches(&interp, "%%s"), ["%%sql"]);
    assert_eq!(matches(&interp, "%show lo"), ["logons"]);
    assert_eq!(matches(&interp, "%show logons --r"), ["--rows"]);
    assert_eq!(matches(&interp, "%iptype logons.Ip"), ["logons.IpAddress"]);
    assert!(matches(&interp, "%%sql\nSELECT Target").contains(&"TargetUserName".to_string()));
    let c = interp.complete("%show lo", 8);
    assert_eq!((c.start, c.end), (6, 8));
}

#[test]
fn inspection_explains_magics_frames_and_columns() {
    let mut interp = Interpreter::default();
    ok_text(
        &mut interp,
        &format!("logons = %load {}", data("msticpy/logons/localdata_host_logons.csv")),
    );
    assert!(interp.inspect("%load", 2).unwrap().plain().starts_with("%load — "));
    assert!(
        interp
            .inspect("%show logons", 8)
            .unwrap()
            .plain()
            .starts_with("logons: 25 rows")
    );
    let column = interp.inspect("%iptype logons.LogonType", 20).unwrap();
    assert!(
        column.plain().contains("logons.LogonType: i64, 25 values"),
        "{}",
        column.plain()
    );
    assert!(interp.inspect("nothing here", 3).is_none());
}

#[test]
fn is_complete_follows_the_signatures() {
    let interp = Interpreter::default();
    let check = |code: &str| interp.is_complete(code);
    assert_eq!(check("%iptype 8.8.8.8"), IsComplete::Complete);
    assert_eq!(check("%%sql"), IsComplete::Incomplete(String::new()));
    assert_eq!(check("%%sql\nSELECT 1"), IsComplete::Incomplete(String::new()));
    assert_eq!(check("%%sql\nSELECT 1\n\n"), IsComplete::Complete);
    assert_eq!(check("%%sql\nSELECT 1;"), IsComplete::Complete);
    assert_eq!(check("%nosuch"), IsComplete::Invalid);
    assert_eq!(check("%echo 'open"), IsComplete::Incomplete(String::new()));
    assert_eq!(check("fn main() {"), IsComplete::Incomplete("    ".into()));
    assert_eq!(check("fn main() }"), IsComplete::Invalid);
}

#[test]
fn a_value_magic_result_is_text() {
    let mut interp = Interpreter::default();
    let mut io = RecordingIo::default();
    let outcome = interp.execute("%echo --stderr careful", &mut io);
    assert!(outcome.result.is_none());
    assert_eq!(io.events, [Event::Stream(Stream::Stderr, "careful\n".into())]);
    let _ = Value::Nothing;
}

#[test]
fn secrets_are_asked_for_and_never_shown() {
    let mut interp = Interpreter::default();
    let mut io = RecordingIo {
        answers: vec!["s3cr3t-api-key".into()],
        ..RecordingIo::default()
    };
    let outcome = interp.execute("%secret virustotal", &mut io);
    assert!(outcome.error.is_none());
    assert_eq!(interp.secrets().get("virustotal").unwrap().expose(), "s3cr3t-api-key");
    assert!(!format!("{:?}", io.events).contains("s3cr3t"));
    let listed = ok_text(&mut interp, "%secret");
    assert!(
        listed.contains("virustotal") && !listed.contains("s3cr3t"),
        "{:?}",
        listed
    );
    // Without a front end that can prompt, the error says what to do instead.
    let text = fails(&mut interp, "%secret otx", "no-prompt");
    assert!(text.contains("environment variable"), "{text}");
    ok_text(&mut interp, "%secret virustotal --forget");
    assert!(interp.secrets().get("virustotal").is_none());
}

#[test]
fn time_window_is_set_shown_and_bad_input_keeps_the_old_one() {
    let mut interp = Interpreter::default();
    assert!(ok_text(&mut interp, "%time").contains("no window set"));
    assert_eq!(
        ok_text(&mut interp, "%time 2019-02-10 .. 2019-02-12T06:00"),
        "2019-02-10T00:00:00Z .. 2019-02-12T06:00:00Z (2.2 days)"
    );
    let (outcome, _) = run(&mut interp, "%time 2019-02-12 .. yesterday-ish");
    let e = outcome.error.expect("a bad window is an error");
    assert!(e.evalue.contains("yesterday-ish"), "{}", e.evalue);
    assert_eq!(
        ok_text(&mut interp, "%time"),
        "2019-02-10T00:00:00Z .. 2019-02-12T06:00:00Z (2.2 days)\nfrom %time 2019-02-10 .. 2019-02-12T06:00"
    );
    assert!(ok_text(&mut interp, "%time last 24h").ends_with("(24.0 hours)"));
}

/// The parser fills in declared defaults, so no magic restates them; each default must
/// itself be a valid value of its option.
#[test]
fn declared_defaults_are_applied_and_valid() {
    use huntbook_magics::parse::{Statement, split_cell};
    let parse = |sig: &Signature, code: &str| {
        let Statement::Magic(call) = split_cell(code).unwrap().remove(0) else {
            panic!("{code} is not a magic")
        };
        Args::parse(sig, &call).unwrap_or_else(|e| panic!("{code}: {}", e.message))
    };
    let interp = Interpreter::default();
    let mut checked = 0;
    for sig in interp.registry().signatures() {
        let required: String = sig.params.iter().filter(|p| p.required).map(|_| " x").collect();
        for opt in sig.options {
            let Some(default) = opt.default else { continue };
            // Given explicitly, the default is a valid value of its kind…
            let args = parse(sig, &format!("%{}{required} --{} {default}", sig.name, opt.long));
            assert!(args.given(opt.long));
            // …and left out, the parser supplies it.
            let args = parse(sig, &format!("%{}{required}", sig.name));
            assert_eq!(
                args.option(opt.long).map(|v| v.text.as_str()),
                Some(default),
                "%{} --{}",
                sig.name,
                opt.long
            );
            assert!(!args.given(opt.long));
            checked += 1;
        }
    }
    assert!(checked >= 9, "{checked} defaults checked");
    // %show's --rows default (20) cuts a long frame.
    let mut interp = loaded(&[PROCS]);
    let text = ok_text(&mut interp, "%show procs");
    assert!(text.contains("showing 20 of"), "{text}");
}

/// `%vars` lists the frames the analyst named; `_` (the last result again) is said below
/// the table, not listed as one more frame.
#[test]
fn vars_lists_named_frames_and_says_what_underscore_holds() {
    let mut interp = loaded(&[PROCS]);
    let text = ok_text(&mut interp, "%vars");
    assert!(text.contains("procs"), "{text}");
    // A table row is its index, then the name.
    assert!(
        !text.lines().any(|l| l.split_whitespace().nth(1) == Some("_")),
        "{text}"
    );
    assert!(text.contains("_ holds the last result"), "{text}");
}

/// `%show --columns` shows the columns named, in that order; a wrong name is a
/// did-you-mean diagnostic; the frame itself keeps every column.
#[test]
fn show_columns_picks_and_orders_columns() {
    let mut interp = loaded(&[PROCS]);
    let text = ok_text(&mut interp, "%show procs --rows 2 --columns CommandLine,Account");
    let header = text.lines().nth(1).unwrap_or_default();
    assert!(header.contains("CommandLine") && header.contains("Account"), "{text}");
    assert!(header.find("CommandLine") < header.find("Account"), "{text}");
    assert!(!text.contains("NewProcessName"), "{text}");
    assert!(text.starts_with("procs: 363 rows × 2 columns"), "{text}");
    let e = fails(&mut interp, "%show procs --columns Acount", "no-column");
    assert!(e.contains("Account"), "{e}");
    assert_eq!(interp.session().get("procs").unwrap().data.width(), 19);
}

/// A Sysmon frame (dozens of columns from every event type) shows the columns that tell
/// the story first, names the ones left out, and keeps them all in the frame; naming
/// columns with %show --columns shows every one named, however many.
#[test]
fn wide_frames_show_the_story_first_and_name_what_is_left_out() {
    let mut interp = huntbook_magics::Interpreter::default();
    let path = data("evtx/evtx-attack-samples/LM_sysmon_psexec_smb_meterpreter.evtx");
    crate::common::ok(&mut interp, &format!("sysmon = %load {path}"));
    let width = interp.session().get("sysmon").unwrap().data.width();
    assert!(width > huntbook::render::view::MAX_COLUMNS, "{width} columns");
    let text = ok_text(&mut interp, "%show sysmon --rows 3");
    let header: Vec<&str> = text.lines().nth(1).unwrap_or_default().split_whitespace().collect();
    assert_eq!(header.len(), huntbook::render::view::MAX_COLUMNS, "{text}");
    assert_eq!(header[..3], ["TimeCreated", "UtcTime", "Computer"], "{text}");
    let at = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("{name}: {text}"))
    };
    assert!(
        at("Image") < at("CommandLine") && at("CommandLine") < at("DestinationIp"),
        "{text}"
    );
    let line = text
        .lines()
        .find(|l| {
            l.starts_with(&format!(
                "{} of {width} columns shown",
                huntbook::render::view::MAX_COLUMNS
            ))
        })
        .unwrap_or_else(|| panic!("no line naming the columns left out:\n{text}"));
    assert!(
        line.contains("not shown: ") && line.ends_with("%show sysmon --columns A,B,… shows others"),
        "{line}"
    );
    let html = crate::common::ok(&mut interp, "%show sysmon --rows 3")
        .result
        .unwrap()
        .data["text/html"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        html.contains("columns shown, the ones that tell the story first; not shown: "),
        "in HTML too"
    );
    let names = interp.session().get("sysmon").unwrap().data.get_column_names_owned();
    let all = names.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(",");
    let text = ok_text(&mut interp, &format!("%show sysmon --rows 1 --columns {all}"));
    assert!(
        !text.contains("columns shown, the ones"),
        "every named column is shown:\n{text}"
    );
    assert_eq!(
        interp.session().get("sysmon").unwrap().data.width(),
        width,
        "the frame keeps them all"
    );
}

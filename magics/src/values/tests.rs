//! Every form of reference on real column types (text, numbers, booleans, times, nulls,
//! an empty frame), and hostile values in SQL bodies run by polars and in KQL text: the
//! query's structure never changes.

use chrono::TimeZone as _;
use polars::prelude::*;

use super::render::{Word, in_word};
use super::*;
use huntbook::Frame;

const HOSTILE: &[&str] = &[
    "O'Brien",
    "x' OR '1'='1",
    "a\\",
    "a\\' OR 1=1 --",
    "line\nbreak",
    "-- comment",
    "*/ DROP TABLE t; /*",
    "| take 1",
    "\" | take 1 //",
    "}}{{start}}",
    "\u{202e}bidi",
];

fn session() -> Session {
    let mut s = Session::default();
    let t = |h: u32| Utc.with_ymd_and_hms(2019, 2, 10, h, 0, 0).unwrap().timestamp_micros();
    let hosts = df!(
        "Computer" => [Some("WS01"), Some("WS02"), None, Some("WS01")],
        "Count" => [Some(5i64), Some(17), Some(2), None],
        "Score" => [0.5f64, 2.25, -1.0, 9.0],
        "Seen" => [t(1), t(3), t(2), t(0)],
        "Admin" => [true, false, false, true],
    )
    .unwrap()
    .lazy()
    .with_column(col("Seen").cast(DataType::Datetime(
        TimeUnit::Microseconds,
        Some(polars::prelude::TimeZone::UTC),
    )))
    .collect()
    .unwrap();
    s.insert("hosts", Frame::new(hosts, "test"));
    s.insert("top", Frame::new(df!("DestIP" => ["10.0.0.5"]).unwrap(), "test"));
    s.insert(
        "none",
        Frame::new(df!("Account" => Vec::<String>::new()).unwrap(), "test"),
    );
    let hostile: Vec<&str> = HOSTILE.to_vec();
    s.insert("evil", Frame::new(df!("Account" => hostile).unwrap(), "test"));
    s
}

fn window() -> TimeWindow {
    TimeWindow {
        start: Utc.with_ymd_and_hms(2019, 2, 10, 0, 0, 0).unwrap(),
        end: Utc.with_ymd_and_hms(2019, 2, 12, 0, 0, 0).unwrap(),
    }
}

fn got(s: &Session, text: &str) -> Result<Got, Diagnostic> {
    let v = Values {
        session: s,
        window: Some(window()),
    };
    let r = refs(text).pop().unwrap_or_else(|| panic!("no reference in {text}"));
    v.resolve(&r, 0..text.len())
}

fn text(v: &str) -> Val {
    Val::Text(v.into())
}

#[test]
fn scanning_finds_references_and_leaves_everything_else() {
    assert_eq!(
        scan("a {{x}} {hosts.Computer|first} \\d{3} {\"k\": 1} {x.} }}", 0).unwrap(),
        [
            Seg::Lit("a {x} ".into()),
            Seg::Ref(Ref {
                at: 8..30,
                name: "hosts".into(),
                column: Some("Computer".into()),
                pick: Pick::First
            }),
            Seg::Lit(" \\d{3} {\"k\": 1} {x.} }}".into()),
        ]
    );
    // JSON in a KQL body keeps its braces; `{{…}}` is the escape for a reference's text.
    assert_eq!(
        scan("x = dynamic({\"a\": {\"b\": 1}}) {{start}} }}", 0).unwrap(),
        [Seg::Lit("x = dynamic({\"a\": {\"b\": 1}}) {start} }}".into())]
    );
    let r = &refs("{hosts.Count[12]}")[0];
    assert_eq!(r.pick, Pick::Index(12));
    let e = scan("x {hosts.Count|frist}", 100).unwrap_err();
    assert_eq!((e.code, e.span), ("bad-value", Some(114..120)));
    assert!(e.hint.unwrap().contains("did you mean |first?"));
}

#[test]
fn every_form_on_every_kind_of_column() {
    let s = session();
    let t = |h| Val::Time(Utc.with_ymd_and_hms(2019, 2, 10, h, 0, 0).unwrap());
    let cases: &[(&str, Got)] = &[
        ("{top}", Got::One(text("10.0.0.5"))),
        ("{top.DestIP|first}", Got::One(text("10.0.0.5"))),
        (
            "{hosts.Computer}",
            Got::Many(vec![text("WS01"), text("WS02"), Val::Null, text("WS01")]),
        ),
        ("{hosts.Computer[2]}", Got::One(Val::Null)),
        ("{hosts.Computer|last}", Got::One(text("WS01"))),
        ("{hosts.Computer|unique}", Got::Many(vec![text("WS01"), text("WS02")])),
        ("{hosts.Computer|count}", Got::One(Val::Int(3))),
        ("{hosts.Computer|min}", Got::One(text("WS01"))),
        ("{hosts.Count|max}", Got::One(Val::Int(17))),
        ("{hosts.Count|min}", Got::One(Val::Int(2))),
        ("{hosts.Score|min}", Got::One(Val::Real(-1.0))),
        ("{hosts.Seen|min}", Got::One(t(0))),
        ("{hosts.Seen|max}", Got::One(t(3))),
        ("{hosts.Seen[1]}", Got::One(t(3))),
        ("{hosts.Admin|first}", Got::One(Val::Bool(true))),
        ("{hosts|count}", Got::One(Val::Int(4))),
        ("{none.Account}", Got::Many(vec![])),
        ("{none.Account|unique}", Got::Many(vec![])),
        ("{none.Account|count}", Got::One(Val::Int(0))),
        ("{start}", Got::One(Val::Time(window().start))),
        ("{end}", Got::One(Val::Time(window().end))),
    ];
    for (form, want) in cases {
        assert_eq!(&got(&s, form).unwrap(), want, "{form}");
    }
}

#[test]
fn what_cannot_be_resolved_names_the_fault_and_points_at_it() {
    let s = session();
    for (form, code, says, hint) in [
        (
            "{hots.Computer}",
            "no-such-frame",
            "no frame named \"hots\"",
            "did you mean {hosts}?",
        ),
        (
            "{hosts.Computr}",
            "no-such-column",
            "hosts has no column Computr",
            "did you mean hosts.Computer?",
        ),
        (
            "{hosts.Count[4]}",
            "bad-value",
            "the column has 4 value(s)",
            "the last is {hosts.Count[3]}",
        ),
        ("{none.Account|first}", "bad-value", "none has no rows", "|count} is 0"),
        ("{none.Account|max}", "bad-value", "none has no rows", "|count} is 0"),
        (
            "{hosts}",
            "bad-value",
            "4 row(s) × 5 column(s)",
            "{hosts.Computer|first}",
        ),
    ] {
        let e = got(&s, form).unwrap_err();
        assert_eq!(e.code, code, "{form}");
        assert!(e.message.contains(says), "{form}: {}", e.message);
        assert!(
            e.hint.as_deref().unwrap_or_default().contains(hint),
            "{form}: {:?}",
            e.hint
        );
        assert_eq!(e.span, Some(0..form.len()));
    }
    let v = Values {
        session: &s,
        window: None,
    };
    let e = v.resolve(&refs("{start}")[0], 3..10).unwrap_err();
    assert_eq!((e.code, e.span), ("no-time-window", Some(3..10)));
}

#[test]
fn a_word_takes_one_value_and_a_trailing_list_stays_a_list() {
    let s = session();
    let v = Values {
        session: &s,
        window: Some(window()),
    };
    let word = |t: &str| in_word(t, &(10..10 + t.len()), true, &v);
    assert_eq!(word("{top.DestIP|first}").unwrap(), Word::Text("10.0.0.5".into()));
    assert_eq!(
        word("host={hosts.Computer[1]}").unwrap(),
        Word::Text("host=WS02".into())
    );
    assert_eq!(
        word("{hosts.Seen|max}").unwrap(),
        Word::Text("2019-02-10T03:00:00Z".into())
    );
    assert_eq!(
        word("{start}..{end}").unwrap(),
        Word::Text("2019-02-10T00:00:00Z..2019-02-12T00:00:00Z".into())
    );
    let Word::List { prefix, items, refused } = word("hosts={hosts.Computer|unique}").unwrap() else {
        panic!("not a list")
    };
    assert_eq!(
        (prefix.as_str(), items),
        ("hosts=", vec!["WS01".to_string(), "WS02".to_string()])
    );
    assert!(refused.message.contains("stands for 2 values"), "{}", refused.message);
    let e = word("{hosts.Count}x").unwrap_err();
    assert!(e.message.contains("stands for 4 values"), "{}", e.message);
    assert_eq!(
        e.hint.as_deref(),
        Some("pick one: {hosts.Count[0]} or {hosts.Count|first}")
    );
    assert_eq!(e.span, Some(10..23));
    let e = word("{hosts.Computer}").unwrap_err();
    assert!(e.message.contains("1 null value(s)"), "{}", e.message);
    let e = word("a{hosts.Computer[2]}").unwrap_err();
    assert!(e.message.contains("{hosts.Computer[2]} is null"), "{}", e.message);
    assert_eq!(e.span, Some(11..30));
}

/// Each hostile value, alone and in a list, in a SQL body run by polars: the query keeps
/// its shape — one row per value it names, the value back exactly as it was.
#[test]
fn hostile_values_cannot_change_a_sql_query() {
    let s = session();
    let v = Values {
        session: &s,
        window: Some(window()),
    };
    let frames = || s.iter().map(|(n, f)| (n, &f.data));
    for (i, hostile) in HOSTILE.iter().enumerate() {
        let sql = body(
            &format!("SELECT Account FROM evil WHERE Account = {{evil.Account[{i}]}}"),
            0,
            &v,
            Lands::Sql,
        )
        .unwrap();
        let out = huntbook::sql::run(frames(), &sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        let got: Vec<Option<&str>> = out.column("Account").unwrap().str().unwrap().iter().collect();
        assert_eq!(got, [Some(*hostile)], "{sql}");
    }
    let sql = body(
        "SELECT COUNT(*) AS n FROM evil WHERE Account IN {evil.Account}",
        0,
        &v,
        Lands::Sql,
    )
    .unwrap();
    let out = huntbook::sql::run(frames(), &sql).unwrap();
    assert_eq!(
        out.column("n").unwrap().get(0).unwrap().extract::<i64>(),
        Some(HOSTILE.len() as i64)
    );
    let sql = body(
        "SELECT COUNT(*) AS n FROM evil WHERE Account IN {none.Account}",
        0,
        &v,
        Lands::Sql,
    )
    .unwrap();
    let out = huntbook::sql::run(frames(), &sql).unwrap();
    assert_eq!(out.column("n").unwrap().get(0).unwrap().extract::<i64>(), Some(0));
}

#[test]
fn times_numbers_and_booleans_are_sql_literals_polars_reads() {
    let s = session();
    let v = Values {
        session: &s,
        window: Some(window()),
    };
    let frames = || s.iter().map(|(n, f)| (n, &f.data));
    for (query, rows) in [
        ("SELECT * FROM hosts WHERE Seen = {hosts.Seen|max}", 1),
        ("SELECT * FROM hosts WHERE Seen > {hosts.Seen|min}", 3),
        ("SELECT * FROM hosts WHERE Seen >= '{start}' AND Seen < '{end}'", 4),
        ("SELECT * FROM hosts WHERE Count = {hosts.Count|max}", 1),
        ("SELECT * FROM hosts WHERE Score < {hosts.Score[1]}", 2),
        ("SELECT * FROM hosts WHERE Admin = {hosts.Admin[1]}", 2),
        ("SELECT * FROM hosts WHERE Count IN {hosts.Count}", 3),
    ] {
        let sql = body(query, 0, &v, Lands::Sql).unwrap();
        let out = huntbook::sql::run(frames(), &sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        assert_eq!(out.height(), rows, "{sql}");
    }
}

/// KQL cannot be run here: the rendered text is checked token by token — each hostile
/// value is one string literal whose unescaping gives the value back.
#[test]
fn hostile_values_are_one_kql_string_literal_each() {
    let s = session();
    let v = Values {
        session: &s,
        window: Some(window()),
    };
    let kql = body(
        "T | where Account in {evil.Account} | where TimeGenerated > {start}",
        0,
        &v,
        Lands::Kql,
    )
    .unwrap();
    let list = kql.strip_prefix("T | where Account in (").unwrap();
    let (list, rest) = list.split_once(") | where").unwrap();
    assert_eq!(rest, " TimeGenerated > datetime(2019-02-10T00:00:00Z)");
    let mut items = Vec::new();
    let mut chars = list.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                let mut s = String::new();
                loop {
                    match chars.next().expect("the literal is closed") {
                        '"' => break,
                        '\\' => s.push(match chars.next().unwrap() {
                            'n' => '\n',
                            'r' => '\r',
                            't' => '\t',
                            other => other,
                        }),
                        '\n' => panic!("a raw newline in a literal: {kql}"),
                        other => s.push(other),
                    }
                }
                items.push(s);
            }
            ',' | ' ' => {}
            other => panic!("{other:?} outside a literal in {kql}"),
        }
    }
    assert_eq!(items, HOSTILE);
    assert_eq!(
        body(
            "T | where t between (datetime({start}) .. datetime({end}))",
            0,
            &v,
            Lands::Kql
        )
        .unwrap(),
        "T | where t between (datetime(2019-02-10T00:00:00Z) .. datetime(2019-02-12T00:00:00Z))"
    );
}

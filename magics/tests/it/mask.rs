//! `%mask` on real data: addresses keep their class and their /24, values keep joining
//! across frames under one key, and no original identifying value is left anywhere in
//! what the masked frame shows.

use std::collections::BTreeSet;
use std::net::IpAddr;

use huntbook::ip::classify;
use huntbook_magics::Interpreter;
use polars::prelude::*;

use crate::common::{data, fails, height, ok};

fn column(i: &Interpreter, frame: &str, name: &str) -> Vec<Option<String>> {
    let df = &i
        .session()
        .get(frame)
        .unwrap_or_else(|| panic!("no frame {frame}"))
        .data;
    let c = df.column(name).unwrap().cast(&DataType::String).unwrap();
    c.str().unwrap().iter().map(|v| v.map(str::to_string)).collect()
}

#[test]
fn addresses_keep_their_class_and_their_subnet() {
    let mut i = Interpreter::default();
    let ips = [
        "10.0.3.5",
        "10.0.3.9",
        "10.0.4.1",
        "192.168.1.10",
        "192.168.1.11",
        "172.16.5.4",
        "172.31.0.9",
        "8.8.8.8",
        "8.8.8.9",
        "13.67.143.117",
        "131.107.147.209",
        "127.0.0.1",
        "224.0.0.251",
        "169.254.1.1",
        "100.64.1.1",
        "0.0.0.0",
        "2001:db8::1",
        "fe80::1",
        "::1",
    ];
    let sql = ips
        .iter()
        .map(|ip| format!("SELECT '{ip}' AS IpAddress"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    ok(&mut i, &format!("a = %%sql\n{sql}"));
    ok(&mut i, "m = %mask a");
    let masked: Vec<String> = column(&i, "m", "IpAddress").into_iter().map(Option::unwrap).collect();
    let original = column(&i, "a", "IpAddress");
    for (o, m) in original.iter().map(|o| o.clone().unwrap()).zip(&masked) {
        let (oi, mi): (IpAddr, IpAddr) = (o.parse().unwrap(), m.parse().unwrap());
        assert_eq!(classify(oi), classify(mi), "{o} → {m}");
        let same = ["0.0.0.0", "::1"].contains(&o.as_str());
        assert_eq!(o == *m, same, "{o} → {m}");
    }
    let slash24 = |s: &str| s.rsplit_once('.').map(|p| p.0.to_string()).unwrap_or_default();
    let pos = |ip: &str| original.iter().position(|o| o.as_deref() == Some(ip)).unwrap();
    for (a, b, together) in [
        ("10.0.3.5", "10.0.3.9", true),
        ("10.0.3.5", "10.0.4.1", false),
        ("8.8.8.8", "8.8.8.9", true),
        ("192.168.1.10", "192.168.1.11", true),
    ] {
        assert_eq!(
            slash24(&masked[pos(a)]) == slash24(&masked[pos(b)]),
            together,
            "{a} {b}: {masked:?}"
        );
    }
    assert_eq!(
        masked.iter().collect::<BTreeSet<_>>().len(),
        masked.len(),
        "distinct stay distinct"
    );
    assert!(masked[pos("10.0.3.5")].starts_with("10."));
    assert!(masked[pos("172.16.5.4")].starts_with("172.") && masked[pos("192.168.1.10")].starts_with("192.168."));
}

#[test]
fn masked_frames_still_join_and_show_no_original_value() {
    let mut i = Interpreter::default();
    ok(
        &mut i,
        &format!("logons = %load {}", data("msticpy/logons/localdata_host_logons.csv")),
    );
    ok(
        &mut i,
        &format!(
            "procs = %load {}",
            data("msticpy/process/win4688_processes_on_host.csv")
        ),
    );
    let (outcome, _) = crate::common::run(&mut i, "ml = %mask logons");
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    ok(&mut i, "mp = %mask procs");
    // The same join, before and after: the accounts and computers still line up.
    let join = |l: &str, p: &str| {
        format!(
            "%%sql\nSELECT COUNT(*) AS n FROM {l} JOIN {p} ON {l}.Computer = {p}.Computer AND {l}.TargetUserName = {p}.SubjectUserName"
        )
    };
    ok(&mut i, &format!("before = {}", join("logons", "procs")));
    ok(&mut i, &format!("after = {}", join("ml", "mp")));
    let n = |f: &str| column(&i, f, "n")[0].clone();
    assert_eq!(n("before"), n("after"));
    assert_ne!(n("before").as_deref(), Some("0"), "the join finds rows");

    // Everything the masked frame shows, as HTML and text.
    let (outcome, _) = crate::common::run(&mut i, "%show ml --rows 1000");
    let shown = format!("{:?}", outcome.result);
    let identifying = |v: &str| {
        v.len() >= 4
            && ![
                "SYSTEM",
                "NT AUTHORITY",
                "WORKGROUP",
                "LOCAL SERVICE",
                "NETWORK SERVICE",
                "ANONYMOUS LOGON",
                "Window Manager",
                "Font Driver Host",
            ]
            .iter()
            .any(|w| v.eq_ignore_ascii_case(w))
            && (!v.starts_with("S-1-") || v.starts_with("S-1-5-21-"))
            && !v.starts_with("DWM-")
            && !v.starts_with("UMFD-")
    };
    let mut checked = 0;
    for c in [
        "Account",
        "Computer",
        "SubjectUserName",
        "TargetUserName",
        "TargetDomainName",
        "IpAddress",
        "WorkstationName",
        "TargetUserSid",
        "TenantId",
    ] {
        for v in column(&i, "logons", c).into_iter().flatten().collect::<BTreeSet<_>>() {
            if identifying(&v) {
                assert!(!shown.contains(&v), "{c} value {v:?} is still shown");
                checked += 1;
            }
        }
    }
    assert!(checked > 10, "{checked}");
    // The original is untouched, and keyed masking is stable across sessions.
    assert!(
        column(&i, "logons", "Computer")
            .iter()
            .any(|c| c.as_deref() == Some("MSTICAlertsWin1"))
    );
    unsafe { std::env::set_var("HUNTBOOK_TEST_MASK_KEY", "a shared key") };
    ok(&mut i, "k1 = %mask logons --key env:HUNTBOOK_TEST_MASK_KEY");
    let mut j = Interpreter::default();
    ok(
        &mut j,
        &format!("logons = %load {}", data("msticpy/logons/localdata_host_logons.csv")),
    );
    ok(&mut j, "k2 = %mask logons --key env:HUNTBOOK_TEST_MASK_KEY");
    assert_eq!(column(&i, "k1", "Computer"), column(&j, "k2", "Computer"));
    assert_ne!(
        column(&i, "k1", "Computer"),
        column(&i, "ml", "Computer"),
        "the session key is another key"
    );
    assert_eq!(height(&i, "ml"), height(&i, "logons"));
}

#[test]
fn bad_mask_requests_say_what_is_wrong() {
    let mut i = Interpreter::default();
    ok(&mut i, "n = %%sql\nSELECT 1 AS a, 'x' AS b");
    let e = fails(&mut i, "%mask n", "nothing-to-mask");
    assert!(e.contains("--columns"), "{e}");
    let e = fails(&mut i, "%mask n --columns c", "no-such-column");
    assert!(e.contains("no column c"), "{e}");
    let e = fails(&mut i, "%mask n --columns b=colour", "bad-value");
    assert!(e.contains("kinds: ip, account"), "{e}");
    let e = fails(&mut i, "%mask n --columns b --key nokey", "missing-key");
    assert!(e.contains("%secret nokey"), "{e}");
    ok(&mut i, "t = %mask n --columns b=text");
    assert!(column(&i, "t", "b")[0].as_deref().unwrap().starts_with("text-"));
}

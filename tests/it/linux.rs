//! Linux sessions and risky commands against msticpy 3.0.2 on its own test data
//! (tests/expected/linux_msticpy.json, written by tests/tools/linux_msticpy.py).

use huntbook::formats::read_file;
use huntbook::linux::{self, Rules};
use polars::prelude::DataFrame;
use serde_json::Value;

use crate::helpers::{expected_json, shared};

/// One of msticpy's Linux files. syslog_data.csv writes its times `7/8/2019 16:08`, which
/// pandas reads month first, as the loader does (formats::dates).
fn linux_file(name: &str) -> DataFrame {
    read_file(&shared(&format!("msticpy/linux/{name}")), None)
        .unwrap()
        .value
}

fn micros(iso: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(iso).unwrap().timestamp_micros()
}

fn columns(df: &DataFrame) -> linux::Columns {
    linux::default_columns(df, "TimeGenerated".into(), None).unwrap()
}

/// The custom rules msticpy's tests use.
fn custom_rules() -> Rules {
    let text = std::fs::read_to_string(shared("msticpy/linux/risky_cmd_rules_custom.json")).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    let patterns: Vec<&str> = json["Syslog"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    Rules::new(&patterns).unwrap()
}

#[test]
fn pam_sessions_are_msticpys() {
    let expected = expected_json("linux_msticpy.json");
    for (name, want) in expected["sessions"].as_object().unwrap() {
        let df = linux_file(name);
        let ours = linux::pam_sessions(&df, &columns(&df)).unwrap();
        let want = want.as_array().unwrap();
        assert_eq!(ours.len(), want.len(), "{name}: sessions");
        for (i, (s, w)) in ours.iter().zip(want).enumerate() {
            let span = (micros(w["Start"].as_str().unwrap()), micros(w["End"].as_str().unwrap()));
            assert_eq!((s.start, s.end), span, "{name} session {i}");
            match w["User"].as_str() {
                Some(user) => assert_eq!(s.user.as_deref(), Some(user), "{name} session {i}"),
                // msticpy says "Unknown" with no User or Sudoer column; the message names one.
                None => assert_eq!(s.user.as_deref(), Some("root"), "{name} session {i}"),
            }
        }
    }
}

#[test]
fn risky_commands_and_bursts_are_msticpys() {
    let expected = expected_json("linux_msticpy.json");
    let df = linux_file("sudo_data.csv");
    let commands = linux::commands(&df, &columns(&df)).unwrap();
    for (rules, which) in [(Rules::defaults(), "default"), (custom_rules(), "custom")] {
        let mut ours: Vec<(i64, String)> = linux::risky(&commands, &rules)
            .into_iter()
            .map(|r| (r.time, r.command))
            .collect();
        ours.sort();
        let want: Vec<(i64, String)> = expected["risky"][which]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (micros(p[0].as_str().unwrap()), p[1].as_str().unwrap().to_string()))
            .collect();
        assert_eq!(ours, want, "{which} rules");
    }
    let df = linux_file("sudo_data_speed.csv");
    let commands = linux::commands(&df, &columns(&df)).unwrap();
    let bursts = linux::bursts(&commands, 5, 5_000_000);
    let want = expected["speed"].as_array().unwrap();
    assert_eq!(bursts.len(), want.len());
    for (b, w) in bursts.iter().zip(want) {
        let texts: Vec<String> = b
            .rows
            .iter()
            .map(|&r| commands.iter().find(|c| c.0 == r).unwrap().2.clone())
            .collect();
        let want_texts: Vec<String> = w["commands"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().into())
            .collect();
        assert_eq!(texts, want_texts);
        assert_eq!(b.span as f64 / 1e6, w["span_s"].as_f64().unwrap());
    }
}

#[test]
fn sessions_are_flagged_as_msticpy_flags_them() {
    let expected = expected_json("linux_msticpy.json");
    let df = linux_file("sudo_session_test.csv");
    let columns = columns(&df);
    let sessions = linux::pam_sessions(&df, &columns).unwrap();
    let commands = linux::commands(&df, &columns).unwrap();
    let risky = linux::risky(&commands, &custom_rules());
    let bursts = linux::bursts(&commands, 5, 5_000_000);
    let flags = linux::flag(&sessions, &risky, &bursts);
    let risky_at: Vec<u64> = (0..flags.len())
        .filter(|&i| !flags[i].0.is_empty())
        .map(|i| i as u64)
        .collect();
    let burst_at: Vec<u64> = (0..flags.len()).filter(|&i| flags[i].1).map(|i| i as u64).collect();
    let want = |k: &str| -> Vec<u64> {
        expected["flagged"][k]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect()
    };
    assert_eq!(risky_at, want("risky"));
    assert_eq!(burst_at, want("burst"));
    assert!(!risky.is_empty());
}

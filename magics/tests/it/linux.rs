//! %pam on msticpy's Linux syslog data: sessions, risky commands from every place rules
//! come from, bursts, and bad rules named.

use huntbook_magics::Interpreter;

use crate::common::{data, fails, loaded, ok, ok_text, run};

fn column(interp: &Interpreter, name: &str) -> Vec<String> {
    let frame = interp.session().get("_").unwrap();
    let c = frame
        .data
        .column(name)
        .unwrap()
        .cast(&polars::prelude::DataType::String)
        .unwrap();
    c.str().unwrap().iter().map(|v| v.unwrap_or("").to_string()).collect()
}

#[test]
fn sessions_and_risky_commands_from_every_rule_source() {
    let mut interp = loaded(&[("sudo", "msticpy/linux/sudo_session_test.csv")]);
    let text = ok_text(&mut interp, "%pam sudo");
    assert!(
        text.contains("5 sessions from PAM messages (user: Sudoer)") && text.contains("msticpy's 5 default rules"),
        "{text}"
    );
    assert_eq!(column(&interp, "User"), vec!["peteb"; 5]);
    // msticpy's custom rules flag the first three sessions (tests/tools/linux_msticpy.py).
    let custom = data("msticpy/linux/risky_cmd_rules_custom.json");
    let text = ok_text(&mut interp, &format!("%pam sudo --rules {custom}"));
    assert!(text.contains("3 rules from"), "{text}");
    let risky: Vec<bool> = column(&interp, "Risky").iter().map(|r| !r.is_empty()).collect();
    assert_eq!(risky, vec![true, true, true, false, false]);
    ok(&mut interp, &format!("%pam sudo --rules {custom} --commands"));
    let flags = column(&interp, "Flag");
    assert!(
        !flags.is_empty() && flags.iter().all(|f| f.starts_with(".*")),
        "{flags:?}"
    );
    let sessions = column(&interp, "Session");
    assert!(
        sessions.iter().all(|s| !s.is_empty()),
        "each risky command is in a session: {sessions:?}"
    );
    // A burst: 5 commands within 10 minutes is every session here.
    let text = ok_text(&mut interp, "%pam sudo --burst 3 --within 10m");
    assert!(!text.contains(" 0 runs of 3"), "{text}");
    assert!(column(&interp, "Burst").iter().any(|b| b == "true"));
    // Rules from huntbook.yaml.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("huntbook.yaml");
    std::fs::write(&file, "linux:\n  risky_commands: ['.*squid.*']\n").unwrap();
    interp.use_config(&file).unwrap();
    let text = ok_text(&mut interp, "%pam sudo");
    assert!(text.contains("1 rules from huntbook.yaml"), "{text}");
    assert!(column(&interp, "Risky").iter().any(|r| r.contains("squid")));
}

#[test]
fn raw_syslog_and_bad_input() {
    // A raw auth log: PAM in the process tag, users from the messages.
    let mut interp = loaded(&[("auth", "loghub/Linux/Linux_2k.log")]);
    let text = ok_text(&mut interp, "%pam auth");
    assert!(text.contains("user: as the message names it"), "{text}");
    let users = column(&interp, "User");
    assert!(users.len() > 10 && users.iter().all(|u| !u.is_empty()), "{users:?}");
    let mut interp = loaded(&[("sudo", "msticpy/linux/sudo_session_test.csv")]);
    let (dir, bad) = crate::common::written("rules.json", r#"{"Syslog": ["(?<=x)y"]}"#);
    let err = fails(&mut interp, &format!("%pam sudo --rules {bad}"), "bad-rules");
    assert!(err.contains("(?<=x)y"), "{err}");
    drop(dir);
    let err = fails(&mut interp, "%pam sudo --message Msg", "no-column");
    assert!(err.contains("Msg"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("huntbook.yaml");
    std::fs::write(&file, "linux:\n  risky_commands: ['(?<=x)y']\n").unwrap();
    let e = interp.use_config(&file).unwrap_err();
    assert!(e.contains("linux.risky_commands"), "{e}");
    let (outcome, _) = run(&mut interp, "%pam sudo");
    assert!(outcome.error.is_none(), "the session keeps working");
}

//! %sessions against msticpy 3.0.2 on its Exchange demo data (tests/expected/
//! sessions_msticpy.json, written by tests/tools/sessions_msticpy.py): the same sessions,
//! and each one's rarest windows of 2 and 3 commands with their likelihoods to 1e-9.

use huntbook::formats::read_file;
use huntbook::sessions::{self, Model, Params};
use serde_json::Value;

use crate::helpers::{expected_json, shared};

fn demo_params() -> Params {
    Params {
        users: vec!["UserId".into(), "ClientIP".into()],
        time: "TimeGenerated".into(),
        event: "Operation".into(),
        gap: 2 * 60 * 1_000_000,
        max_length: 20 * 60 * 1_000_000,
    }
}

fn micros(iso: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(iso).unwrap().timestamp_micros()
}

#[test]
fn sessions_and_rarest_windows_are_msticpys() {
    let expected = expected_json("sessions_msticpy.json");
    let df = read_file(&shared("msticpy/sessions/demo_exchange_data.csv"), None)
        .unwrap()
        .value;
    assert_eq!(df.height() as u64, expected["events"].as_u64().unwrap());
    let found = sessions::sessionize(&df, &demo_params()).unwrap();
    assert!(found.warnings.is_empty(), "{:?}", found.warnings);
    let ours = found.value;
    let theirs = expected["sessions"].as_array().unwrap();
    assert_eq!(ours.len(), theirs.len(), "sessions");
    let lists: Vec<Vec<String>> = ours.iter().map(|s| s.commands.clone()).collect();
    let model = Model::train(&lists);
    for (i, (s, want)) in ours.iter().zip(theirs).enumerate() {
        let text = |v: &Value| v.as_str().map(str::to_string);
        assert_eq!(
            s.user,
            vec![text(&want["UserId"]), text(&want["ClientIP"])],
            "session {i}: user"
        );
        assert_eq!(
            (s.start, s.end),
            (
                micros(want["start"].as_str().unwrap()),
                micros(want["end"].as_str().unwrap())
            ),
            "session {i}"
        );
        let commands: Vec<String> = want["commands"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| text(c).unwrap())
            .collect();
        assert_eq!(s.commands, commands, "session {i}: commands");
        for w in [2usize, 3] {
            let rarest = model.rarest_window(&s.commands, w);
            let window: Vec<String> = want[format!("rarest_window{w}")]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| text(c).unwrap())
                .collect();
            assert_eq!(rarest.commands, window, "session {i}: window of {w}");
            match want[format!("rarest_window{w}_likelihood")].as_f64() {
                Some(l) => assert!(
                    (rarest.likelihood - l).abs() <= 1e-9 * l.abs().max(1e-300),
                    "session {i}: {} vs {l}",
                    rarest.likelihood
                ),
                None => assert!(rarest.likelihood.is_nan(), "session {i}: {}", rarest.likelihood),
            }
        }
    }
}

#[test]
fn the_frame_is_rarest_first_and_bad_input_is_named() {
    let df = read_file(&shared("msticpy/sessions/demo_exchange_data.csv"), None)
        .unwrap()
        .value;
    let found = sessions::sessionize(&df, &demo_params()).unwrap().value;
    let (frame, ranked) = sessions::scored_frame(&found, &demo_params(), 3).unwrap();
    assert_eq!(frame.height(), found.len());
    let scores: Vec<f64> = ranked
        .iter()
        .map(|(_, r)| r.likelihood)
        .filter(|l| !l.is_nan())
        .collect();
    assert!(scores.windows(2).all(|p| p[0] <= p[1]), "rarest first");
    assert_eq!(scores[0], 2.1190391428910476e-05, "msticpy's rarest session");
    let mut wrong = demo_params();
    wrong.users = vec!["UserName".into()];
    let e = sessions::sessionize(&df, &wrong).unwrap_err().to_string();
    assert!(e.contains("no column \"UserName\""), "{e}");
}

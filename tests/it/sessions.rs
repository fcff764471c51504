//! %sessions against msticpy 3.0.2 on its Exchange demo data (tests/expected/
//! sessions_msticpy.json, written by tests/tools/sessions_msticpy.py): the same sessions,
//! and in each of msticpy's three models (commands; with parameters; with values) each
//! session's rarest windows of 2 and 3 commands with their likelihoods to 1e-9.

use huntbook::formats::read_file;
use huntbook::sessions::{self, Kind, Model, Params};
use serde_json::Value;

use crate::helpers::{expected_json, shared};

fn demo_params() -> Params {
    Params {
        users: vec!["UserId".into(), "ClientIP".into()],
        time: "TimeGenerated".into(),
        event: "Operation".into(),
        parameters: Some("Parameters".into()),
        values: true,
        gap: 2 * 60 * 1_000_000,
        max_length: 20 * 60 * 1_000_000,
    }
}

fn micros(iso: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(iso).unwrap().timestamp_micros()
}

fn texts(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect()
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
    let mut compared = 0;
    for (kind, prefix) in [
        (Kind::Commands, ""),
        (Kind::Parameters, "params_"),
        (Kind::Values, "values_"),
    ] {
        let model = Model::train(&ours, kind);
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
            assert_eq!(s.commands, texts(&want["commands"]), "session {i}: commands");
            assert_eq!(s.parameters.len(), s.commands.len(), "session {i}: parameters");
            for w in [2usize, 3] {
                let rarest = model.rarest_window(s, w);
                let what = format!("session {i}, {kind:?}, window of {w}");
                assert_eq!(
                    rarest.commands,
                    texts(&want[format!("{prefix}rarest_window{w}")]),
                    "{what}"
                );
                match want[format!("{prefix}rarest_window{w}_likelihood")].as_f64() {
                    Some(l) => {
                        assert!(
                            (rarest.likelihood - l).abs() <= 1e-9 * l.abs().max(1e-300),
                            "{what}: {} vs {l}",
                            rarest.likelihood
                        );
                        compared += 1;
                    }
                    None => assert!(rarest.likelihood.is_nan(), "{what}: {}", rarest.likelihood),
                }
            }
        }
    }
    // 400 sessions, two windows, three models: every likelihood that is not NaN.
    assert_eq!(compared, 1662, "likelihoods compared");
}

/// The three models rank differently: parameters and values change which sessions are rare.
#[test]
fn parameters_and_values_change_the_ranking() {
    let df = read_file(&shared("msticpy/sessions/demo_exchange_data.csv"), None)
        .unwrap()
        .value;
    let found = sessions::sessionize(&df, &demo_params()).unwrap().value;
    let rarest = |kind| {
        let (frame, ranked) = sessions::scored_frame(&found, &demo_params(), 3, kind).unwrap();
        (frame, ranked.iter().take(10).map(|(i, _)| *i).collect::<Vec<_>>())
    };
    let (commands, by_commands) = rarest(Kind::Commands);
    let (params, by_params) = rarest(Kind::Parameters);
    let (values, by_values) = rarest(Kind::Values);
    assert_ne!(by_commands, by_params);
    assert_ne!(by_params, by_values);
    assert!(commands.column("rarest_window3_parameters").is_err());
    let given = params
        .column("rarest_window3_parameters")
        .unwrap()
        .str()
        .unwrap()
        .get(0)
        .unwrap()
        .to_string();
    assert!(!given.is_empty() && !given.contains('='), "names only: {given}");
    let valued = values.column("rarest_window3_parameters").unwrap().str().unwrap();
    assert!(
        valued.iter().flatten().any(|v| v.contains("Identity=")),
        "values are shown"
    );
    let mut no_column = demo_params();
    no_column.parameters = None;
    let e = sessions::scored_frame(&found, &no_column, 3, Kind::Values)
        .unwrap_err()
        .to_string();
    assert!(e.contains("needs the column of each event's parameters"), "{e}");
}

#[test]
fn the_frame_is_rarest_first_and_bad_input_is_named() {
    let df = read_file(&shared("msticpy/sessions/demo_exchange_data.csv"), None)
        .unwrap()
        .value;
    let found = sessions::sessionize(&df, &demo_params()).unwrap().value;
    let (frame, ranked) = sessions::scored_frame(&found, &demo_params(), 3, Kind::Commands).unwrap();
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

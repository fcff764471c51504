//! %features and %cluster against msticpy 3.0.2 on the shared Windows process samples
//! (tests/expected/cluster_msticpy.json, written by tests/tools/cluster_msticpy.py): every
//! feature of every row, and every row's DBSCAN label.

use huntbook::cluster::features::{ProcessColumns, process_features};
use huntbook::cluster::{self, Params, dbscan::NOISE};
use huntbook::formats::read_file;
use polars::prelude::*;
use serde_json::Value;

use crate::helpers::{expected_json, shared};

fn sample(name: &str) -> DataFrame {
    read_file(&shared(&format!("msticpy/process/{name}")), None)
        .unwrap()
        .value
}

fn documented(time: Option<&str>) -> Params {
    Params {
        features: ["commandlineTokensFull", "pathScore", "isSystemSession"]
            .map(String::from)
            .to_vec(),
        time: time.map(String::from),
        eps: 0.0001,
        min_samples: 2,
        normalize: true,
    }
}

/// The process columns as pandas read them for msticpy.
fn inputs(sample: &Value) -> DataFrame {
    let column = |name: &str| {
        let values: Vec<Option<&str>> = sample["inputs"][name]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str())
            .collect();
        Column::new(name.into(), values)
    };
    DataFrame::new_infer_height(vec![
        column("NewProcessName"),
        column("CommandLine"),
        column("SubjectLogonId"),
    ])
    .unwrap()
}

#[test]
fn process_features_are_msticpys_on_every_row() {
    let expected = expected_json("cluster_msticpy.json");
    for (name, sample_expected) in expected["samples"].as_object().unwrap() {
        let df = process_features(&inputs(sample_expected), &ProcessColumns::default()).unwrap();
        for (feature, values) in sample_expected["features"].as_object().unwrap() {
            let column = df.column(feature).unwrap_or_else(|_| panic!("{name}: no {feature}"));
            let values = values.as_array().unwrap();
            assert_eq!(column.len(), values.len(), "{name} {feature}");
            for (i, want) in values.iter().enumerate() {
                let got = column.get(i).unwrap();
                let same = match (want, &got) {
                    (Value::String(w), AnyValue::String(g)) => w == g,
                    (Value::Bool(w), AnyValue::Boolean(g)) => w == g,
                    (Value::Number(w), AnyValue::Int64(g)) => w.as_i64() == Some(*g),
                    (Value::Number(w), AnyValue::Float64(g)) => (w.as_f64().unwrap() - g).abs() <= 1e-12,
                    _ => false,
                };
                assert!(same, "{name} row {i} {feature}: msticpy {want}, Huntbook {got:?}");
            }
        }
    }
}

/// Huntbook's loader reads the samples as pandas does, but for one malformed field
/// (`".\powershell.exe  -c "****…****"`: a quote inside a quoted field), which pandas
/// ends at the inner quote and Huntbook keeps whole up to the last one.
#[test]
fn the_loader_reads_the_process_columns_as_pandas_but_one_malformed_field() {
    let expected = expected_json("cluster_msticpy.json");
    let mut differ = Vec::new();
    for (name, sample_expected) in expected["samples"].as_object().unwrap() {
        let ours = sample(name);
        let theirs = inputs(sample_expected);
        for column in ["NewProcessName", "CommandLine", "SubjectLogonId"] {
            let a = ours.column(column).unwrap().cast(&DataType::String).unwrap();
            let b = theirs.column(column).unwrap();
            for i in 0..ours.height() {
                if a.str().unwrap().get(i) != b.str().unwrap().get(i) {
                    differ.push(format!("{name} row {i} {column}"));
                }
            }
        }
    }
    assert_eq!(differ, ["win4688_process_tree_demo.csv row 35 CommandLine"]);
}

#[test]
fn clusters_are_msticpys_with_its_documented_parameters() {
    let expected = expected_json("cluster_msticpy.json");
    for (name, want) in expected["samples"].as_object().unwrap() {
        let df = process_features(&sample(name), &ProcessColumns::default()).unwrap();
        let found = cluster::cluster(&df, &documented(Some("TimeCreatedUtc"))).unwrap();
        assert!(found.warnings.is_empty(), "{name}: {:?}", found.warnings);
        let clusters = found.value;
        let labels: Vec<i64> = clusters.labels.iter().map(|l| l.unwrap()).collect();
        let want_labels: Vec<i64> = want["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_i64().unwrap())
            .collect();
        assert_eq!(labels, want_labels, "{name}: labels");
        let mut sizes = clusters.sizes.clone();
        sizes.sort_unstable();
        let want_sizes: Vec<usize> = want["cluster_sizes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(sizes, want_sizes, "{name}: cluster sizes");
        assert_eq!(
            clusters.noise() as u64,
            want["noise"].as_u64().unwrap(),
            "{name}: noise"
        );
        let out = cluster::frame(&df, &clusters, false).unwrap();
        assert_eq!(
            out.height() as u64,
            want["output_rows"].as_u64().unwrap(),
            "{name}: output rows"
        );
    }
}

#[test]
fn the_exemplar_frame_has_msticpys_columns_and_spans() {
    let df = process_features(&sample("win4688_processes_on_host.csv"), &ProcessColumns::default()).unwrap();
    let clusters = cluster::cluster(&df, &documented(Some("TimeCreatedUtc")))
        .unwrap()
        .value;
    let out = cluster::frame(&df, &clusters, false).unwrap();
    // msticpy's golden: 363 events → 62 rows, 29 clusters, 33 noise.
    assert_eq!((out.height(), clusters.sizes.len(), clusters.noise()), (62, 29, 33));
    let ids: Vec<i64> = out
        .column("ClusterId")
        .unwrap()
        .i64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    assert!(ids[..33].iter().all(|&i| i == NOISE) && ids[33..] == (0..29).collect::<Vec<_>>()[..]);
    let size: i64 = out
        .column("ClusterSize")
        .unwrap()
        .i64()
        .unwrap()
        .into_no_null_iter()
        .skip(33)
        .sum();
    assert_eq!(size + 33, 363);
    let first = out
        .column("FirstEventTime")
        .unwrap()
        .datetime()
        .unwrap()
        .physical()
        .clone();
    let last = out
        .column("LastEventTime")
        .unwrap()
        .datetime()
        .unwrap()
        .physical()
        .clone();
    assert!(
        first
            .into_no_null_iter()
            .zip(last.into_no_null_iter())
            .all(|(f, l)| f <= l)
    );
    let all = cluster::frame(&df, &clusters, true).unwrap();
    assert_eq!(all.height(), 363);
}

#[test]
fn missing_features_are_kept_and_named_and_bad_parameters_refused() {
    let df = df!(
        "a" => [Some(1.0), None, Some(1.0), Some(f64::NAN)],
        "b" => [1i64, 1, 1, 1],
        "text" => ["x", "y", "z", "w"],
    )
    .unwrap();
    let params = |features: &[&str], eps: f64| Params {
        features: features.iter().map(|s| s.to_string()).collect(),
        time: None,
        eps,
        min_samples: 2,
        normalize: false,
    };
    let found = cluster::cluster(&df, &params(&["a", "b"], 0.5)).unwrap();
    assert_eq!(found.value.labels, vec![Some(0), None, Some(0), None]);
    assert!(
        found.warnings[0].starts_with("2 of 4 rows have a feature missing"),
        "{:?}",
        found.warnings
    );
    let out = cluster::frame(&df, &found.value, false).unwrap();
    assert_eq!(out.height(), 3, "one exemplar and the two rows left out");
    let err = |features: &[&str], eps: f64| cluster::cluster(&df, &params(features, eps)).unwrap_err().to_string();
    assert!(err(&["a"], 0.0).contains("eps must be above 0"));
    assert!(
        err(&["text"], 0.5).contains("feature \"text\" holds str values, not numbers"),
        "{}",
        err(&["text"], 0.5)
    );
    assert!(err(&["nope"], 0.5).contains("no column \"nope\""));
    let nulls = df!("a" => [None::<f64>, None]).unwrap();
    let e = cluster::cluster(&nulls, &params(&["a"], 0.5)).unwrap_err().to_string();
    assert!(e.contains("every row has a feature missing"), "{e}");
}

/// The feature functions in SQL give msticpy's process features on every row with a value
/// (null stays null), and its test sentence's five values.
#[test]
fn feature_functions_in_sql_are_msticpys() {
    let expected = expected_json("cluster_msticpy.json");
    let statement = "SELECT char_ord_score(NewProcessName) AS pathScore, crc32_hash(NewProcessName) AS pathHash, \
        delim_count(CommandLine) AS commandlineTokensFull, char_ord_score(CommandLine) AS commandlineScore, \
        DELIM_HASH(CommandLine) AS commandlineTokensHash FROM procs";
    let mut compared = 0;
    for (name, sample_expected) in expected["samples"].as_object().unwrap() {
        let df = inputs(sample_expected);
        let out = huntbook::sql::run([("procs", &df)], statement).unwrap();
        for (feature, input) in [
            ("pathScore", "NewProcessName"),
            ("pathHash", "NewProcessName"),
            ("commandlineTokensFull", "CommandLine"),
            ("commandlineScore", "CommandLine"),
            ("commandlineTokensHash", "CommandLine"),
        ] {
            let want = sample_expected["features"][feature].as_array().unwrap();
            let got = out.column(feature).unwrap().i64().unwrap();
            let given = df.column(input).unwrap().str().unwrap();
            for (i, w) in want.iter().enumerate() {
                match given.get(i) {
                    Some(_) => {
                        assert_eq!(got.get(i), w.as_i64(), "{name} row {i} {feature}");
                        compared += 1;
                    }
                    None => assert_eq!(got.get(i), None, "{name} row {i} {feature}: null stays null"),
                }
            }
        }
    }
    assert!(compared > 5000, "{compared} values compared");
    let vector = &expected["test_vector"];
    let text = DataFrame::new_infer_height(vec![Column::new("t".into(), [vector["text"].as_str().unwrap()])]).unwrap();
    let out = huntbook::sql::run(
        [("v", &text)],
        "SELECT token_count(t) AS token_count, token_count(t, ',') AS commas, char_ord_score(t) AS char_ord_score, \
         delim_count(t) AS delim_count, delim_hash(t) AS delim_hash, crc32_hash(t) AS crc32_hash FROM v",
    )
    .unwrap();
    for feature in [
        "token_count",
        "char_ord_score",
        "delim_count",
        "delim_hash",
        "crc32_hash",
    ] {
        let got = out.column(feature).unwrap().i64().unwrap().get(0);
        assert_eq!(got, vector[feature].as_i64(), "{feature}");
    }
    assert_eq!(out.column("commas").unwrap().i64().unwrap().get(0), Some(2));
    let e = huntbook::sql::run([("v", &text)], "SELECT delim_count(t, t) FROM v")
        .unwrap_err()
        .to_string();
    assert!(e.contains("delim_count takes 1 argument(s), not 2"), "{e}");
}

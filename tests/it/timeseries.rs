//! STL against statsmodels and anomalies against msticpy, on msticpy's hourly traffic
//! series (expected values in tests/expected/stl_statsmodels.csv, written by
//! tests/tools/stl_statsmodels.py).

use crate::helpers::*;

use huntbook::load::read_file;
use huntbook::timeseries::{Stl, detect, series};

fn expected() -> Vec<Vec<String>> {
    expected_text("stl_statsmodels.csv")
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

fn relative(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1.0)
}

#[test]
fn stl_matches_statsmodels_and_anomalies_match_msticpy() {
    let path = shared("msticpy/timeseries/time_series.csv");
    let df = read_file(&path, None).unwrap().value;
    let points = series(&df, "TimeGenerated", "TotalBytesSent").unwrap();
    assert!(points.warnings.is_empty(), "{:?}", points.warnings);
    let (time, value) = points.value;
    let found = detect(time, value, &Stl::new(24, 7).unwrap(), 3.0).unwrap();
    let want = expected();
    assert_eq!(want.len(), found.value.len());
    let mut worst = 0.0f64;
    for (i, row) in want.iter().enumerate() {
        let num = |c: usize| row[c].parse::<f64>().unwrap();
        let d = &found.decomposition;
        for (ours, theirs) in [(d.trend[i], num(2)), (d.seasonal[i], num(3)), (d.residual[i], num(4))] {
            worst = worst.max(relative(ours, theirs));
        }
    }
    // Relative to the magnitude of the values (~1e9 bytes), every component agrees to 1e-6.
    assert!(worst < 1e-6, "largest relative difference {worst:e}");

    let ups: Vec<&str> = want
        .iter()
        .zip(&found.flag)
        .filter(|(_, f)| **f == 1)
        .map(|(r, _)| r[0].as_str())
        .collect();
    let msticpy: Vec<&str> = want.iter().filter(|r| r[5] == "1").map(|r| r[0].as_str()).collect();
    assert_eq!(ups, msticpy, "the hours above the pattern are msticpy's");
    assert_eq!(
        msticpy,
        ["2019-05-13T17:00:00Z", "2019-05-17T21:00:00Z", "2019-05-26T05:00:00Z"]
    );
}

#[test]
fn too_short_or_gappy_series_are_refused_with_a_reason() {
    let stl = Stl::new(24, 7).unwrap();
    let err = stl.fit(&[1.0; 30]).unwrap_err();
    assert!(err.contains("fewer than two periods"), "{err}");
    let mut y = vec![1.0; 100];
    y[7] = f64::NAN;
    let err = stl.fit(&y).unwrap_err();
    assert!(err.contains("position 7"), "{err}");
    assert!(Stl::new(24, 8).is_err(), "an even seasonal smoother is refused");
}

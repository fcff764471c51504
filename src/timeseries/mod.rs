//! Time-series anomalies: STL decomposition, residual z-scores, and the periods that break
//! the seasonal pattern — msticpy's `ts_anomalies_stl` (reference catalog §14) with its
//! quirks fixed:
//!
//! - Components stay real numbers (msticpy casts the whole frame to int64, truncating the
//!   residual before it scores it).
//! - Dips count: a score below −threshold is an anomaly (−1), as a score above +threshold
//!   is (+1). msticpy flags only scores above the threshold, and signs them by the seasonal
//!   component instead of by the direction of the anomaly.

pub mod stl;

use polars::prelude::*;

pub use stl::{Decomposition, Stl};

use crate::error::{Error, Result};
use crate::frame::{Warned, no_column, time_values};

/// What `%anomalies` computes for one series.
#[derive(Debug, Clone)]
pub struct Anomalies {
    pub time: Vec<i64>,
    pub value: Vec<f64>,
    pub decomposition: Decomposition,
    pub baseline: Vec<f64>,
    pub score: Vec<f64>,
    /// +1 above the pattern, −1 below, 0 within it.
    pub flag: Vec<i8>,
}

/// Population z-scores (scipy's `zscore`, ddof 0).
pub fn zscore(values: &[f64]) -> Vec<f64> {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    values
        .iter()
        .map(|v| if sd > 0.0 { (v - mean) / sd } else { 0.0 })
        .collect()
}

/// Decomposes `value` (equally spaced, in time order) and scores its residuals.
pub fn detect(time: Vec<i64>, value: Vec<f64>, stl: &Stl, threshold: f64) -> Result<Anomalies> {
    let decomposition = stl.fit(&value).map_err(Error::Sql)?;
    let baseline = decomposition
        .seasonal
        .iter()
        .zip(&decomposition.trend)
        .map(|(s, t)| s + t)
        .collect();
    let score = zscore(&decomposition.residual);
    let flag = score
        .iter()
        .map(|&s| {
            if s > threshold {
                1
            } else if s < -threshold {
                -1
            } else {
                0
            }
        })
        .collect();
    Ok(Anomalies {
        time,
        value,
        decomposition,
        baseline,
        score,
        flag,
    })
}

/// The numbers of column `name` as f64 (integers and floats; nulls are an error, because
/// STL needs every point).
fn numbers(df: &DataFrame, name: &str) -> Result<Vec<f64>> {
    let column = df.column(name).map_err(|_| no_column(df, name))?;
    if !column.dtype().is_primitive_numeric() {
        return Err(Error::Sql(format!(
            "column {name:?} holds {} values; --value needs numbers",
            column.dtype()
        )));
    }
    let values = column.cast(&DataType::Float64)?;
    let values = values.f64()?;
    if values.null_count() > 0 {
        return Err(Error::Sql(format!(
            "column {name:?} has {} missing values; STL needs a value at every time step (fill them first, e.g. with 0 in %sql)",
            values.null_count()
        )));
    }
    Ok(values.iter().map(|v| v.unwrap_or(0.0)).collect())
}

/// The series of `df` in time order, checked for equal spacing (reported, not refused:
/// STL assumes it).
pub fn series(df: &DataFrame, time: &str, value: &str) -> Result<Warned<(Vec<i64>, Vec<f64>)>> {
    let times = time_values(df, time)?;
    let values = numbers(df, value)?;
    let mut warnings = Vec::new();
    let mut points: Vec<(i64, f64)> = Vec::with_capacity(values.len());
    let mut unreadable = 0;
    for (t, v) in times.into_iter().zip(values) {
        match t {
            Some(t) => points.push((t, v)),
            None => unreadable += 1,
        }
    }
    if unreadable > 0 {
        warnings.push(format!("{unreadable} rows have no readable {time} and were left out"));
    }
    points.sort_by_key(|p| p.0);
    let mut steps: Vec<i64> = points.windows(2).map(|w| w[1].0 - w[0].0).collect();
    steps.sort_unstable();
    if let (Some(first), Some(last)) = (steps.first(), steps.last())
        && first != last
    {
        warnings.push(format!(
            "the points are not equally spaced (steps from {} to {} s); STL treats them as if they were — resample first for a true seasonal fit",
            first / 1_000_000,
            last / 1_000_000
        ));
    }
    Ok(Warned {
        value: points.into_iter().unzip(),
        warnings,
    })
}

impl Anomalies {
    /// The output frame: time, value, baseline, trend, seasonal, residual, weights, score,
    /// anomalies.
    pub fn frame(&self, time: &str, value: &str) -> Result<DataFrame> {
        let time_col = crate::frame::utc_times(time, self.time.iter().copied().map(Some));
        let d = &self.decomposition;
        Ok(DataFrame::new_infer_height(vec![
            time_col,
            Column::new(value.into(), self.value.clone()),
            Column::new("baseline".into(), self.baseline.clone()),
            Column::new("trend".into(), d.trend.clone()),
            Column::new("seasonal".into(), d.seasonal.clone()),
            Column::new("residual".into(), d.residual.clone()),
            Column::new("weights".into(), d.weights.clone()),
            Column::new("score".into(), self.score.clone()),
            Column::new(
                "anomalies".into(),
                self.flag.iter().map(|&f| i32::from(f)).collect::<Vec<_>>(),
            ),
        ])?)
    }

    /// Anomalous periods as msticpy's `extract_anomaly_periods`: each anomalous point
    /// padded by one step either side, periods closer than two steps merged. Both
    /// directions, with the direction and the largest score of each.
    pub fn periods(&self) -> Result<DataFrame> {
        let mut steps: Vec<i64> = self.time.windows(2).map(|w| w[1] - w[0]).collect();
        steps.sort_unstable();
        let step = steps.get(steps.len() / 2).copied().unwrap_or(3_600_000_000);
        let mut out: Vec<(i64, i64, i8, f64, usize)> = Vec::new();
        for (i, &f) in self.flag.iter().enumerate() {
            if f == 0 {
                continue;
            }
            let (start, end) = (self.time[i] - step, self.time[i] + step);
            match out.last_mut() {
                Some(last) if last.2 == f && start - last.1 <= 2 * step => {
                    last.1 = end;
                    last.3 = if f > 0 {
                        last.3.max(self.score[i])
                    } else {
                        last.3.min(self.score[i])
                    };
                    last.4 += 1;
                }
                _ => out.push((start, end, f, self.score[i], 1)),
            }
        }
        Ok(DataFrame::new_infer_height(vec![
            crate::frame::utc_times("start", out.iter().map(|p| Some(p.0))),
            crate::frame::utc_times("end", out.iter().map(|p| Some(p.1))),
            Column::new(
                "direction".into(),
                out.iter()
                    .map(|p| if p.2 > 0 { "above" } else { "below" })
                    .collect::<Vec<_>>(),
            ),
            Column::new("peak_score".into(), out.iter().map(|p| p.3).collect::<Vec<_>>()),
            Column::new("points".into(), out.iter().map(|p| p.4 as u32).collect::<Vec<_>>()),
        ])?)
    }
}

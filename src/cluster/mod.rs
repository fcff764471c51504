//! Event clustering as msticpy's `dbcluster_events`: DBSCAN over numeric feature columns
//! (made by [`features`] from command lines and paths), one exemplar row per cluster with
//! its size and time span, and every row in no cluster kept.

pub mod dbscan;
pub mod features;

use polars::prelude::*;

use crate::frame::{Warned, no_column, time_values, utc_times};
use crate::{Error, Result};

/// How to cluster: msticpy's defaults are eps 0.01, min_samples 2, normalised rows.
#[derive(Debug, Clone)]
pub struct Params {
    pub features: Vec<String>,
    /// The events' time column: the clusters' first and last times.
    pub time: Option<String>,
    pub eps: f64,
    pub min_samples: usize,
    pub normalize: bool,
}

/// The labels of a frame's rows and what they add up to.
#[derive(Debug, Clone)]
pub struct Clusters {
    /// Per row: the cluster (0, 1, …), `dbscan::NOISE`, or `None` for a row with a
    /// feature missing (left out of the clustering, kept in the output).
    pub labels: Vec<Option<i64>>,
    /// Per cluster: rows in it.
    pub sizes: Vec<usize>,
    /// Per cluster: its first and last time (µs), when there is a time column.
    pub spans: Vec<Option<(i64, i64)>>,
    /// Per row, its time.
    pub times: Option<Vec<Option<i64>>>,
}

impl Clusters {
    pub fn noise(&self) -> usize {
        self.labels.iter().filter(|l| **l == Some(dbscan::NOISE)).count()
    }

    pub fn left_out(&self) -> usize {
        self.labels.iter().filter(|l| l.is_none()).count()
    }
}

/// The feature columns as numbers, row-major, for the rows that have all of them
/// (integers, floats and booleans as 0/1), and which rows those are: a row with a null or
/// a NaN in any feature is left out.
fn feature_rows(df: &DataFrame, names: &[String]) -> Result<(Vec<f64>, Vec<usize>)> {
    if names.is_empty() {
        return Err(Error::Invalid("no feature columns given".into()));
    }
    let mut columns = Vec::with_capacity(names.len());
    for name in names {
        let column = df.column(name).map_err(|_| no_column(df, name))?;
        let numeric = column.dtype().is_primitive_numeric() || column.dtype() == &DataType::Boolean;
        if !numeric {
            return Err(Error::Invalid(format!(
                "feature {name:?} holds {} values, not numbers: cluster on numeric columns (%features FRAME adds \
                 msticpy's process features: commandlineTokensFull, pathScore, isSystemSession …)",
                column.dtype()
            )));
        }
        let values = column.cast(&DataType::Float64)?;
        columns.push(values.f64()?.rechunk().into_owned());
    }
    let n = df.height();
    let mut rows = Vec::with_capacity(n * names.len());
    let mut kept = Vec::with_capacity(n);
    for i in 0..n {
        let before = rows.len();
        rows.extend(columns.iter().map_while(|c| c.get(i).filter(|x| x.is_finite())));
        if rows.len() - before == columns.len() {
            kept.push(i);
        } else {
            rows.truncate(before);
        }
    }
    Ok((rows, kept))
}

/// Clusters `df`'s rows on `params.features` (DBSCAN, scikit-learn's labels).
pub fn cluster(df: &DataFrame, params: &Params) -> Result<Warned<Clusters>> {
    if !(params.eps > 0.0 && params.eps.is_finite()) {
        return Err(Error::Invalid(format!("eps must be above 0 (got {})", params.eps)));
    }
    if params.min_samples == 0 {
        return Err(Error::Invalid("min-samples must be at least 1".into()));
    }
    let dims = params.features.len();
    let (mut rows, kept) = feature_rows(df, &params.features)?;
    if kept.is_empty() && df.height() > 0 {
        return Err(Error::Invalid(format!(
            "every row has a feature missing (null or not a number) in {}",
            params.features.join(", ")
        )));
    }
    let mut warnings = Vec::new();
    if kept.len() < df.height() {
        warnings.push(format!(
            "{} of {} rows have a feature missing (null or not a number) and are in no cluster (ClusterId null)",
            df.height() - kept.len(),
            df.height()
        ));
    }
    if params.normalize {
        dbscan::l2_normalise(&mut rows, dims);
    }
    let found = dbscan::dbscan(&rows, dims, params.eps, params.min_samples);
    let mut labels = vec![None; df.height()];
    for (&row, &label) in kept.iter().zip(&found) {
        labels[row] = Some(label);
    }
    let count = found.iter().max().map_or(0, |m| (m + 1).max(0) as usize);
    let mut sizes = vec![0usize; count];
    for &l in found.iter().filter(|l| **l >= 0) {
        sizes[l as usize] += 1;
    }
    let times = match &params.time {
        Some(name) => Some(time_values(df, name)?),
        None => None,
    };
    let mut spans: Vec<Option<(i64, i64)>> = vec![None; count];
    if let Some(times) = &times {
        for (label, time) in labels.iter().zip(times) {
            if let (Some(l), Some(t)) = (label, time)
                && *l >= 0
            {
                let span = &mut spans[*l as usize];
                *span = Some(span.map_or((*t, *t), |(a, b)| (a.min(*t), b.max(*t))));
            }
        }
    }
    Ok(Warned {
        value: Clusters {
            labels,
            sizes,
            spans,
            times,
        },
        warnings,
    })
}

/// The result as msticpy's `dbcluster_events` gives it: every row in no cluster, then one
/// exemplar per cluster (its first row), with `Clustered`, `ClusterId`, `ClusterSize`,
/// `FirstEventTime` and `LastEventTime` (a row in no cluster has its own time as both;
/// msticpy gives them the span of all such rows). With `all`, every row in its order.
/// Rows with a feature missing come last, with a null `ClusterId`.
pub fn frame(df: &DataFrame, clusters: &Clusters, all: bool) -> Result<DataFrame> {
    let rows: Vec<usize> = if all {
        (0..df.height()).collect()
    } else {
        let mut first = vec![None; clusters.sizes.len()];
        for (i, l) in clusters.labels.iter().enumerate() {
            if let Some(l) = l.filter(|l| *l >= 0) {
                first[l as usize].get_or_insert(i);
            }
        }
        let noise = (0..df.height()).filter(|&i| clusters.labels[i] == Some(dbscan::NOISE));
        let missing = (0..df.height()).filter(|&i| clusters.labels[i].is_none());
        noise.chain(first.into_iter().flatten()).chain(missing).collect()
    };
    let idx: IdxCa = rows.iter().map(|&i| Some(i as IdxSize)).collect();
    let mut out = df.take(&idx)?;
    let label = |i: usize| clusters.labels[i];
    let size = |i: usize| -> Option<i64> {
        match label(i)? {
            dbscan::NOISE => Some(1),
            l => Some(clusters.sizes[l as usize] as i64),
        }
    };
    out.with_column(Column::new(
        "Clustered".into(),
        rows.iter().map(|&i| label(i).map(|l| l >= 0)).collect::<Vec<_>>(),
    ))?;
    out.with_column(Column::new(
        "ClusterId".into(),
        rows.iter().map(|&i| label(i)).collect::<Vec<_>>(),
    ))?;
    out.with_column(Column::new(
        "ClusterSize".into(),
        rows.iter().map(|&i| size(i)).collect::<Vec<_>>(),
    ))?;
    if let Some(times) = &clusters.times {
        let span = |i: usize| -> Option<(i64, i64)> {
            match label(i) {
                Some(l) if l >= 0 => clusters.spans[l as usize],
                _ => times[i].map(|t| (t, t)),
            }
        };
        out.with_column(utc_times("FirstEventTime", rows.iter().map(|&i| span(i).map(|s| s.0))))?;
        out.with_column(utc_times("LastEventTime", rows.iter().map(|&i| span(i).map(|s| s.1))))?;
    }
    Ok(out)
}

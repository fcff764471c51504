//! Frames into chart lanes: one lane per frame, or per value of a group column, with a
//! tooltip per mark; too many groups fold into one lane, and rows without a time (or a
//! value, for value charts) are counted in a warning, never dropped in silence.

use std::collections::HashMap;

use polars::prelude::*;

use super::chart::{Lane, POINT_BUDGET};
use crate::Result;
use crate::frame::{Warned, text_values, time_values};
use crate::time::{Precision, utc};

/// One frame's rows, as the chart should read them. The columns must exist (the caller
/// has said which are missing); `value` must be numeric.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// The frame's name: its lane's label without `group`, and the warnings' subject.
    pub name: &'a str,
    pub data: &'a DataFrame,
    pub time: &'a str,
    pub group: Option<&'a str>,
    pub value: Option<&'a str>,
    /// Columns shown in each mark's tooltip.
    pub tips: &'a [String],
}

/// The lanes of every source, at most `max_lanes` of them (at least 2).
pub fn lanes(sources: &[Source], max_lanes: usize) -> Result<Warned<Vec<Lane>>> {
    let mut warnings = Vec::new();
    // Each lane with the (source, row) of every mark, so that tooltips are made only for
    // lanes drawn mark by mark.
    let mut lanes: Vec<(Lane, Vec<(usize, usize)>)> = Vec::new();
    for (index, source) in sources.iter().enumerate() {
        let (found, skipped) = source_lanes(source, index)?;
        if skipped > 0 {
            warnings.push(format!(
                "{}: {skipped} rows without a readable time or value were left out",
                source.name
            ));
        }
        lanes.extend(found);
    }
    let max_lanes = max_lanes.max(2);
    if lanes.len() > max_lanes {
        lanes.sort_by_key(|(l, _)| std::cmp::Reverse(l.times.len()));
        let rest = lanes.split_off(max_lanes - 1);
        let mut other = Lane {
            label: format!("(other {} groups)", rest.len()),
            ..Default::default()
        };
        let mut other_rows = Vec::new();
        for (l, rows) in &rest {
            other.times.extend(&l.times);
            other.values.extend(&l.values);
            other_rows.extend(rows);
        }
        warnings.push(format!(
            "{} groups: the {} largest have lanes, the other {} share the last one",
            max_lanes - 1 + rest.len(),
            max_lanes - 1,
            rest.len()
        ));
        lanes.push((other, other_rows));
    }
    let labelled = sources.len() > 1 || sources.iter().any(|s| s.group.is_some());
    let precision = tip_precision(lanes.iter().flat_map(|(l, _)| l.times.iter().copied()));
    let tip_values: Vec<Vec<(&str, StringChunked)>> = sources
        .iter()
        .map(|s| {
            s.tips
                .iter()
                .map(|c| Ok((c.as_str(), text_values(s.data, c)?)))
                .collect::<Result<_>>()
        })
        .collect::<Result<_>>()?;
    let lanes = lanes
        .into_iter()
        .map(|(mut lane, rows)| {
            if rows.len() <= POINT_BUDGET {
                lane.tips = rows
                    .iter()
                    .enumerate()
                    .map(|(k, &(s, i))| tip(&lane, k, labelled, precision, &tip_values[s], i))
                    .collect();
            }
            lane
        })
        .collect();
    Ok(Warned { value: lanes, warnings })
}

/// One source's lanes in order of first appearance, and how many rows it left out.
#[allow(clippy::type_complexity)]
fn source_lanes(source: &Source, index: usize) -> Result<(Vec<(Lane, Vec<(usize, usize)>)>, usize)> {
    let df = source.data;
    let times = time_values(df, source.time)?;
    let groups = source.group.map(|g| text_values(df, g)).transpose()?;
    let values: Option<Vec<Option<f64>>> = match source.value {
        Some(v) => {
            let column = df.column(v).map_err(|_| crate::frame::no_column(df, v))?;
            Some(column.cast(&DataType::Float64)?.f64()?.iter().collect())
        }
        None => None,
    };
    let mut lanes: Vec<(Lane, Vec<(usize, usize)>)> = Vec::new();
    let mut lane_of: HashMap<String, usize> = HashMap::new();
    let mut skipped = 0usize;
    for (i, t) in times.iter().enumerate() {
        // A row needs a time, and a value when the chart draws values.
        let value = values.as_ref().map(|v| v[i]);
        let (Some(t), None | Some(Some(_))) = (*t, value) else {
            skipped += 1;
            continue;
        };
        let value = value.flatten();
        let label = match &groups {
            Some(g) => g.get(i).unwrap_or("(none)"),
            None => source.name,
        };
        let at = *lane_of.entry(label.to_string()).or_insert_with(|| {
            lanes.push((
                Lane {
                    label: label.to_string(),
                    ..Default::default()
                },
                Vec::new(),
            ));
            lanes.len() - 1
        });
        let (lane, rows) = &mut lanes[at];
        lane.times.push(t);
        if let Some(v) = value {
            lane.values.push(v);
        }
        rows.push((index, i));
    }
    Ok((lanes, skipped))
}

/// How precisely tooltips give times: to the millisecond over a couple of minutes, to the
/// second over a couple of days (events seconds apart must not read as one minute), else
/// to the minute.
fn tip_precision(times: impl Iterator<Item = i64>) -> Precision {
    let (first, last) = times.fold((i64::MAX, i64::MIN), |(a, b), t| (a.min(t), b.max(t)));
    let span = i128::from(last) - i128::from(first);
    match span {
        s if s <= 120_000_000 => Precision::Millis,
        s if s <= 2 * 86_400_000_000 => Precision::Seconds,
        _ => Precision::Minutes,
    }
}

/// The tooltip of mark `k` of `lane`, which is row `row` of its source.
fn tip(
    lane: &Lane,
    k: usize,
    labelled: bool,
    precision: Precision,
    columns: &[(&str, StringChunked)],
    row: usize,
) -> String {
    let mut tip = format!("{} UTC", utc(lane.times[k], precision));
    if labelled {
        tip.push_str(&format!(" · {}", lane.label));
    }
    if let Some(v) = lane.values.get(k) {
        tip.push_str(&format!(" · {v}"));
    }
    for (c, values) in columns {
        tip.push_str(&format!("\n{c}: {}", values.get(row).unwrap_or("")));
    }
    tip
}

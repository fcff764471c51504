//! Zooming a timeline: to a window the analyst names (`--around TIME ±SPAN`), and to the
//! burst where most events are when they crowd into a sliver of the axis — 160 process
//! starts within seconds on a 70-minute axis are one dot, so the chart draws an inset of
//! that burst under the whole.

use super::chart::{Chart, Lane};
use super::picture::size;

/// A burst: at least this share of all events…
const BURST_SHARE: f64 = 0.3;
/// …and at least this many…
const BURST_MIN_EVENTS: usize = 20;
/// …within this share of the whole span.
const BURST_WIDTH: f64 = 0.02;

/// The part of `chart` between `start` and `end` (µs, inclusive): marks, values, tooltips
/// and markers inside it; lanes left empty are kept, so lanes line up with the whole.
pub fn window(chart: &Chart, start: i64, end: i64, title: String) -> Chart {
    let inside = |t: i64| t >= start && t <= end;
    let lanes = chart
        .lanes
        .iter()
        .map(|lane| {
            let keep: Vec<usize> = (0..lane.times.len()).filter(|&k| inside(lane.times[k])).collect();
            Lane {
                label: lane.label.clone(),
                times: keep.iter().map(|&k| lane.times[k]).collect(),
                values: keep.iter().filter_map(|&k| lane.values.get(k).copied()).collect(),
                tips: keep.iter().filter_map(|&k| lane.tips.get(k).cloned()).collect(),
            }
        })
        .collect();
    Chart {
        title,
        lanes,
        kind: chart.kind,
        value_label: chart.value_label.clone(),
        markers: chart.markers.iter().filter(|m| inside(m.time)).cloned().collect(),
        highlights: chart.highlights.iter().filter(|h| inside(h.time)).cloned().collect(),
    }
}

/// The densest burst of `chart`'s events, when one holds most of them in a sliver of the
/// span: its first and last time and how many events it holds.
pub fn burst(chart: &Chart) -> Option<(i64, i64, usize)> {
    let mut times: Vec<i64> = chart.lanes.iter().flat_map(|l| l.times.iter().copied()).collect();
    times.sort_unstable();
    let (first, last) = (*times.first()?, *times.last()?);
    let span = i128::from(last) - i128::from(first);
    if span <= 0 {
        return None;
    }
    let width = (span as f64 * BURST_WIDTH) as i128;
    // Two pointers: for each start, the events within `width` after it.
    let (mut best, mut at, mut j) = (0usize, 0usize, 0usize);
    for i in 0..times.len() {
        while j < times.len() && i128::from(times[j]) - i128::from(times[i]) <= width {
            j += 1;
        }
        if j - i > best {
            (best, at) = (j - i, i);
        }
    }
    let enough = best >= BURST_MIN_EVENTS && best as f64 >= BURST_SHARE * times.len() as f64;
    // A burst that is the whole chart needs no inset.
    (enough && best < times.len()).then(|| (times[at], times[at + best - 1], best))
}

/// Several SVG charts one above the other, as one picture.
pub fn stack(svgs: &[String]) -> String {
    let width = svgs.iter().map(|s| size(s).0).fold(0.0, f64::max);
    let mut y = 0.0;
    let mut body = String::new();
    for svg in svgs {
        // A nested <svg> is placed by its x and y; the opening tag gains a y.
        body.push_str(&svg.replacen("<svg ", &format!("<svg y=\"{y}\" "), 1));
        y += size(svg).1;
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{y}\" viewBox=\"0 0 {width} {y}\">{body}</svg>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000;

    fn chart(times: Vec<i64>) -> Chart {
        Chart {
            title: "t".into(),
            lanes: vec![Lane {
                label: "a".into(),
                tips: times.iter().map(|t| format!("tip {t}")).collect(),
                times,
                ..Lane::default()
            }],
            ..Chart::default()
        }
    }

    #[test]
    fn a_burst_in_a_sliver_of_the_axis_is_found() {
        // 40 events spread over 70 minutes, 160 within 10 seconds at minute 60.
        let mut times: Vec<i64> = (0..40).map(|i| i * 105 * S).collect();
        times.extend((0..160).map(|i| 3600 * S + i * S / 16));
        let (start, end, n) = burst(&chart(times.clone())).expect("a burst");
        assert!((160..=162).contains(&n), "the burst and at most its neighbours: {n}");
        assert!(start >= 3600 * S - 2 * 105 * S && end <= 3610 * S, "{start} {end}");
        let zoomed = window(&chart(times), start, end, "zoom".into());
        assert_eq!(zoomed.lanes[0].times.len(), zoomed.lanes[0].tips.len());
        assert!(zoomed.lanes[0].times.len() >= 160);
    }

    #[test]
    fn evenly_spread_events_have_no_burst() {
        assert_eq!(burst(&chart((0..500).map(|i| i * 60 * S).collect())), None);
        assert_eq!(burst(&chart(vec![5 * S; 50])), None, "one instant is the whole chart");
        assert_eq!(burst(&chart(Vec::new())), None);
    }

    #[test]
    fn stacked_charts_are_one_picture() {
        let a = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"100\"><rect/></svg>".to_string();
        let b = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"50\"><circle/></svg>".to_string();
        let s = stack(&[a, b]);
        assert!(
            s.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"150\""),
            "{s}"
        );
        assert!(
            s.contains("<svg y=\"0\" xmlns") && s.contains("<svg y=\"100\" xmlns"),
            "{s}"
        );
    }
}

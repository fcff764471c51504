//! Time charts as standalone SVG: event lanes (one per group), value series (line, bar or
//! point), reference lines and markers, with a time axis labelled sensibly for any span
//! from seconds to years. No script: tooltips are SVG `<title>` elements. Every string
//! from data is escaped. Lanes with more events than the point budget are drawn as a
//! density strip, and the chart says so.

use std::fmt::Write as _;

use super::axis::{SECONDS, nice_number, ticks, utc, value_ticks};
use super::escape::escape_html;
use super::table::thousands;

pub use super::PALETTE;

const WIDTH: f64 = 900.0;
const LEFT: f64 = 150.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 34.0;
const AXIS: f64 = 42.0;
const LANE: f64 = 28.0;
/// Events per lane drawn one by one; above it, a lane is a density strip.
pub const POINT_BUDGET: usize = 5_000;
const BINS: usize = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Line,
    Bar,
    Point,
}

/// One lane of events, or one series of values.
#[derive(Debug, Clone, Default)]
pub struct Lane {
    pub label: String,
    /// µs since the epoch.
    pub times: Vec<i64>,
    /// Values, for value charts (same length as `times`).
    pub values: Vec<f64>,
    /// Tooltip per point.
    pub tips: Vec<String>,
}

/// A vertical line at a time (a `--ref`, an alert).
#[derive(Debug, Clone)]
pub struct Marker {
    pub time: i64,
    pub label: String,
    pub colour: &'static str,
}

/// Points to ring on a value chart (anomalies), with their own colour and tooltip.
#[derive(Debug, Clone)]
pub struct Highlight {
    pub time: i64,
    pub value: f64,
    pub colour: &'static str,
    pub tip: String,
}

#[derive(Debug, Clone, Default)]
pub struct Chart {
    pub title: String,
    pub lanes: Vec<Lane>,
    /// `Some` for a value chart (one y axis, all series on it); `None` for event lanes.
    pub kind: Option<Kind>,
    pub value_label: String,
    pub markers: Vec<Marker>,
    pub highlights: Vec<Highlight>,
}

/// Where things go: the time span shown and the plot's size.
struct Geometry {
    start: i64,
    end: i64,
    /// The padding added on each side of the data's span.
    pad: i64,
    plot_w: f64,
    plot_h: f64,
    height: f64,
}

impl Geometry {
    fn of(chart: &Chart) -> Geometry {
        let all_times = chart
            .lanes
            .iter()
            .flat_map(|l| l.times.iter().copied())
            .chain(chart.markers.iter().map(|m| m.time));
        let (mut start, mut end) = all_times.fold((i64::MAX, i64::MIN), |(a, b), t| (a.min(t), b.max(t)));
        if start > end {
            (start, end) = (0, 1);
        }
        if start == end {
            start = start.saturating_sub(1_000_000);
            end = end.saturating_add(1_000_000);
        }
        // Times from data can lie at the ends of what an i64 of µs holds: the span and
        // the padding are worked out wider, then clamped.
        let pad = ((i128::from(end) - i128::from(start)) / 50) as i64;
        let value_chart = chart.kind.is_some();
        let plot_h = if value_chart {
            260.0
        } else {
            LANE * chart.lanes.len().max(1) as f64
        };
        let legend_h = if value_chart && chart.lanes.len() > 1 {
            18.0
        } else {
            0.0
        };
        Geometry {
            start: start.saturating_sub(pad),
            end: end.saturating_add(pad),
            pad,
            plot_w: WIDTH - LEFT - RIGHT,
            plot_h,
            height: TOP + plot_h + AXIS + legend_h,
        }
    }

    fn x(&self, t: i64) -> f64 {
        LEFT + self.fraction(t) * self.plot_w
    }

    /// Where `t` lies between the start and the end, 0 to 1.
    fn fraction(&self, t: i64) -> f64 {
        (i128::from(t) - i128::from(self.start)) as f64 / (i128::from(self.end) - i128::from(self.start)) as f64
    }

    fn axis_y(&self) -> f64 {
        TOP + self.plot_h
    }
}

/// Renders the chart. Returns the SVG and notes about how it was drawn (density lanes).
pub fn render(chart: &Chart) -> (String, Vec<String>) {
    let g = Geometry::of(chart);
    let mut notes = Vec::new();
    let height = g.height;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" font-family=\"sans-serif\" font-size=\"11\">"
    );
    let _ = write!(
        out,
        "<text x=\"{LEFT}\" y=\"18\" font-size=\"14\" font-weight=\"bold\">{}</text>",
        escape_html(&chart.title)
    );
    time_axis(&mut out, &g);
    if chart.kind.is_some() {
        value_series(&mut out, &g, chart);
    } else {
        event_lanes(&mut out, &g, chart, &mut notes);
    }
    markers(&mut out, &g, chart, &mut notes);
    out.push_str("</svg>");
    (out, notes)
}

/// The time axis, its grid lines and the span shown.
fn time_axis(out: &mut String, g: &Geometry) {
    let (tick_times, format) = ticks(g.start, g.end);
    let axis_y = g.axis_y();
    let _ = write!(
        out,
        "<line x1=\"{LEFT}\" y1=\"{axis_y}\" x2=\"{}\" y2=\"{axis_y}\" stroke=\"#333\"/>",
        WIDTH - RIGHT
    );
    for t in &tick_times {
        let tx = g.x(*t);
        let label = utc(*t, format);
        let _ = write!(
            out,
            "<line x1=\"{tx:.1}\" y1=\"{TOP}\" x2=\"{tx:.1}\" y2=\"{axis_y}\" stroke=\"#eee\"/><line x1=\"{tx:.1}\" y1=\"{axis_y}\" x2=\"{tx:.1}\" y2=\"{}\" stroke=\"#333\"/><text x=\"{tx:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            axis_y + 4.0,
            axis_y + 16.0,
            escape_html(&label)
        );
    }
    let span_label = format!(
        "{} – {} UTC",
        utc(g.start.saturating_add(g.pad), SECONDS),
        utc(g.end.saturating_sub(g.pad), SECONDS)
    );
    let _ = write!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#666\">{}</text>",
        WIDTH - RIGHT,
        axis_y + 32.0,
        escape_html(&span_label)
    );
}

/// Series of values on one value axis: lines, bars or points, the highlighted points, and
/// a legend when there are several series.
fn value_series(out: &mut String, g: &Geometry, chart: &Chart) {
    let (plot_w, plot_h, height) = (g.plot_w, g.plot_h, g.height);
    let x = |t: i64| g.x(t);
    let values = chart
        .lanes
        .iter()
        .flat_map(|l| l.values.iter().copied())
        .filter(|v| v.is_finite());
    let (mut lo, mut hi) = values.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    if lo > hi {
        (lo, hi) = (0.0, 1.0);
    }
    if chart.kind == Some(Kind::Bar) {
        lo = lo.min(0.0);
    }
    if lo == hi {
        hi = lo + 1.0;
    }
    let margin = (hi - lo) * 0.05;
    let (lo, hi) = (lo - margin, hi + margin);
    let y = |v: f64| TOP + plot_h - (v - lo) / (hi - lo) * plot_h;
    for v in value_ticks(lo, hi) {
        let ty = y(v);
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" y1=\"{ty:.1}\" x2=\"{}\" y2=\"{ty:.1}\" stroke=\"#eee\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            WIDTH - RIGHT,
            LEFT - 6.0,
            ty + 4.0,
            nice_number(v)
        );
    }
    let _ = write!(
        out,
        "<text x=\"14\" y=\"{:.1}\" transform=\"rotate(-90 14 {:.1})\" text-anchor=\"middle\">{}</text>",
        TOP + plot_h / 2.0,
        TOP + plot_h / 2.0,
        escape_html(&chart.value_label)
    );
    for (i, lane) in chart.lanes.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let mut order: Vec<usize> = (0..lane.times.len()).collect();
        order.sort_by_key(|&k| lane.times[k]);
        match chart.kind {
            Some(Kind::Line) => {
                let d: Vec<String> = order
                    .iter()
                    .filter(|&&k| lane.values[k].is_finite())
                    .map(|&k| format!("{:.1},{:.1}", x(lane.times[k]), y(lane.values[k])))
                    .collect();
                let _ = write!(
                    out,
                    "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\" points=\"{}\"><title>{}</title></polyline>",
                    d.join(" "),
                    escape_html(&lane.label)
                );
            }
            Some(Kind::Bar) => {
                let w = (plot_w / lane.times.len().max(1) as f64 * 0.8).clamp(1.0, 20.0);
                for &k in &order {
                    let (bx, by) = (x(lane.times[k]), y(lane.values[k]));
                    let base = y(0.0_f64.max(lo));
                    let _ = write!(
                        out,
                        "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{colour}\"><title>{}</title></rect>",
                        bx - w / 2.0,
                        by.min(base),
                        (base - by).abs(),
                        escape_html(lane.tips.get(k).map_or("", String::as_str))
                    );
                }
            }
            _ => {}
        }
        if matches!(chart.kind, Some(Kind::Point)) || (chart.kind == Some(Kind::Line) && lane.times.len() <= 400) {
            for &k in &order {
                let _ = write!(
                    out,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" fill=\"{colour}\"><title>{}</title></circle>",
                    x(lane.times[k]),
                    y(lane.values[k]),
                    escape_html(lane.tips.get(k).map_or("", String::as_str))
                );
            }
        }
    }
    for h in &chart.highlights {
        let _ = write!(
            out,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"6\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"><title>{}</title></circle>",
            x(h.time),
            y(h.value),
            h.colour,
            escape_html(&h.tip)
        );
    }
    if chart.lanes.len() > 1 {
        let mut lx = LEFT;
        for (i, lane) in chart.lanes.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            let _ = write!(
                out,
                "<rect x=\"{lx:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{colour}\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                height - 14.0,
                lx + 14.0,
                height - 5.0,
                escape_html(&lane.label)
            );
            lx += 24.0 + 7.0 * lane.label.chars().count() as f64;
        }
    }
}

/// One lane per group, a mark per event, or a density strip for a lane past the budget.
fn event_lanes(out: &mut String, g: &Geometry, chart: &Chart, notes: &mut Vec<String>) {
    let plot_w = g.plot_w;
    let x = |t: i64| g.x(t);
    for (i, lane) in chart.lanes.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let top = TOP + i as f64 * LANE;
        let mid = top + LANE / 2.0;
        if i % 2 == 1 {
            let _ = write!(
                out,
                "<rect x=\"{LEFT}\" y=\"{top}\" width=\"{plot_w}\" height=\"{LANE}\" fill=\"#f7f7f7\"/>"
            );
        }
        let label: String = lane.label.chars().take(22).collect();
        let label = if label.chars().count() < lane.label.chars().count() {
            format!("{label}…")
        } else {
            label
        };
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\"><title>{} ({} events)</title>{}</text>",
            LEFT - 6.0,
            mid + 4.0,
            escape_html(&lane.label),
            thousands(lane.times.len()),
            escape_html(&label)
        );
        if lane.times.len() > POINT_BUDGET {
            let mut bins = vec![0usize; BINS];
            for &t in &lane.times {
                let b = (g.fraction(t) * BINS as f64) as usize;
                bins[b.min(BINS - 1)] += 1;
            }
            let peak = *bins.iter().max().unwrap_or(&1) as f64;
            let bw = plot_w / BINS as f64;
            for (b, &count) in bins.iter().enumerate() {
                if count == 0 {
                    continue;
                }
                let opacity = 0.15 + 0.85 * (count as f64).ln_1p() / peak.ln_1p();
                let _ = write!(
                    out,
                    "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.2}\" height=\"{:.1}\" fill=\"{colour}\" fill-opacity=\"{opacity:.2}\"><title>{} events</title></rect>",
                    LEFT + b as f64 * bw,
                    top + 4.0,
                    bw + 0.2,
                    LANE - 8.0,
                    thousands(count)
                );
            }
            notes.push(format!(
                "lane {:?}: {} events drawn as density ({BINS} bins), not one mark each",
                lane.label,
                thousands(lane.times.len())
            ));
        } else {
            for (k, &t) in lane.times.iter().enumerate() {
                let _ = write!(
                    out,
                    "<circle cx=\"{:.1}\" cy=\"{mid:.1}\" r=\"4\" fill=\"{colour}\" fill-opacity=\"0.6\"><title>{}</title></circle>",
                    x(t),
                    escape_html(lane.tips.get(k).map_or("", String::as_str))
                );
            }
        }
    }
}

/// Markers: every one drawn, labelled where the label has room (the rest carry their
/// label as a tooltip, and the notes say how many).
fn markers(out: &mut String, g: &Geometry, chart: &Chart, notes: &mut Vec<String>) {
    let axis_y = g.axis_y();
    let mut markers: Vec<&Marker> = chart.markers.iter().collect();
    markers.sort_by_key(|m| m.time);
    let mut free_from = f64::MIN;
    let mut unlabelled = 0;
    for m in markers {
        let mx = g.x(m.time);
        let text: String = m.label.chars().take(30).collect();
        let text_w = 6.0 * text.chars().count() as f64;
        let labelled = mx >= free_from;
        let _ = write!(
            out,
            "<g><title>{}</title><line x1=\"{mx:.1}\" y1=\"{}\" x2=\"{mx:.1}\" y2=\"{axis_y}\" stroke=\"{}\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>",
            escape_html(&format!("{} UTC: {}", utc(m.time, SECONDS), m.label)),
            TOP - 6.0,
            m.colour,
        );
        if labelled {
            // Near the right edge the label runs leftwards.
            let (tx, anchor) = if mx + 3.0 + text_w > WIDTH {
                (mx - 3.0, "end")
            } else {
                (mx + 3.0, "start")
            };
            let _ = write!(
                out,
                "<text x=\"{tx:.1}\" y=\"{}\" fill=\"{}\" text-anchor=\"{anchor}\">{}</text>",
                TOP - 8.0,
                m.colour,
                escape_html(&text)
            );
            free_from = mx + text_w + 8.0;
        } else {
            unlabelled += 1;
        }
        out.push_str("</g>");
    }
    if unlabelled > 0 {
        notes.push(format!(
            "{unlabelled} markers sit too close to others for a label; hover them for theirs"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_lanes_become_density_and_say_so() {
        let lane = Lane {
            label: "<b>x</b>".into(),
            times: (0..POINT_BUDGET as i64 + 10).map(|i| i * 1_000_000).collect(),
            ..Default::default()
        };
        let (svg, notes) = render(&Chart {
            title: "t".into(),
            lanes: vec![lane],
            ..Default::default()
        });
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains("density"));
        assert!(svg.matches("<circle").count() == 0 && svg.contains("&lt;b&gt;x&lt;/b&gt;"));
    }
}

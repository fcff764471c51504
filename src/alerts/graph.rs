//! The alert/entity graph as SVG: alerts (squares, coloured by severity) and their
//! entities (circles, coloured by type), one node per entity however many alerts share it,
//! edges from each alert to its entities and between entities (a process to its image
//! file, host, account and parent). Shared entities are larger, and the layout pulls them
//! between their alerts.
//!
//! The layout is a force-directed one (Fruchterman–Reingold, written here: a few dozen
//! lines, where a layout crate would bring a graph library for one function) started from
//! positions hashed from each node's key and run a fixed number of rounds, so the same
//! alerts always draw the same picture. Beyond [`MOST_NODES`] nodes, the entities seen by
//! fewest alerts are folded away, and the figure says how many of each type.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use super::{Alert, SEVERITY_COLOUR, key, main_value, severity_rank};
use crate::render::PALETTE;
use crate::render::escape::escape_html as esc;
use crate::render::table::shorten;

pub const MOST_NODES: usize = 300;
const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 640.0;

struct Node {
    key: String,
    label: String,
    /// `alert`, or the entity's type.
    kind: String,
    tip: String,
    severity: u8,
    /// How many alerts it belongs to (entities).
    alerts: usize,
    /// An alert added as related (drawn with a purple outline).
    related: bool,
}

/// The graph's SVG and what was folded away (one line per type, empty when nothing was).
pub fn svg(alerts: &[Alert]) -> (String, Vec<String>) {
    let (nodes, edges, folded) = build(alerts);
    let at = layout(&nodes, &edges);
    let types: Vec<&str> = {
        let mut t: Vec<&str> = nodes
            .iter()
            .filter(|n| n.kind != "alert")
            .map(|n| n.kind.as_str())
            .collect();
        t.sort_unstable();
        t.dedup();
        t
    };
    let colour = |kind: &str| PALETTE[types.iter().position(|t| *t == kind).unwrap_or(0) % PALETTE.len()];
    let legend_h = 24.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{}\" viewBox=\"0 0 {WIDTH} {}\" font-family=\"sans-serif\" font-size=\"10\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>",
        HEIGHT + legend_h,
        HEIGHT + legend_h
    );
    for &(a, b) in &edges {
        let _ = write!(
            s,
            "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#bbb\" stroke-width=\"1\"/>",
            at[a].0, at[a].1, at[b].0, at[b].1
        );
    }
    // Labels where they can be read: every alert when there are few, and the entities
    // shared by most alerts (the rest say what they are in their tooltips).
    let alert_labels = nodes.iter().filter(|n| n.kind == "alert").count() <= 40;
    let labelled: Vec<usize> = {
        let mut shared: Vec<usize> = (0..nodes.len())
            .filter(|&i| nodes[i].kind != "alert" && nodes[i].alerts > 1)
            .collect();
        shared.sort_by(|&a, &b| nodes[b].alerts.cmp(&nodes[a].alerts).then(a.cmp(&b)));
        shared.truncate(20);
        shared
    };
    for (i, n) in nodes.iter().enumerate() {
        let (x, y) = at[i];
        if n.kind == "alert" {
            let _ = write!(
                s,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{}\"{}><title>{}</title></rect>",
                x - 5.0,
                y - 5.0,
                SEVERITY_COLOUR[n.severity as usize],
                if n.related {
                    " stroke=\"#6a1b9a\" stroke-width=\"2.5\""
                } else {
                    ""
                },
                esc(&n.tip),
            );
            if alert_labels {
                let _ = write!(
                    s,
                    "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#333\">{}</text>",
                    x + 7.0,
                    y + 3.0,
                    esc(&shorten(&n.label, 28).0)
                );
            }
        } else {
            let r = 3.5 + 2.0 * (n.alerts as f64).sqrt();
            let _ = write!(
                s,
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r:.1}\" fill=\"{}\" stroke=\"#fff\"><title>{}</title></circle>",
                colour(&n.kind),
                esc(&n.tip)
            );
            if labelled.contains(&i) {
                let _ = write!(
                    s,
                    "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#111\" font-weight=\"bold\">{}</text>",
                    x + r + 2.0,
                    y + 3.0,
                    esc(&shorten(&n.label, 24).0)
                );
            }
        }
    }
    // Legend: alerts by severity, entities by type.
    let mut x = 8.0;
    let y = HEIGHT + 14.0;
    let _ = write!(
        s,
        "<rect x=\"{x}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/>",
        y - 8.0,
        SEVERITY_COLOUR[0]
    );
    let _ = write!(s, "<text x=\"{}\" y=\"{y}\">alert (colour: severity)</text>", x + 14.0);
    x += 150.0;
    if nodes.iter().any(|n| n.related) {
        let _ = write!(
            s,
            "<rect x=\"{x}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"#fff\" stroke=\"#6a1b9a\" stroke-width=\"2.5\"/>",
            y - 8.0
        );
        let _ = write!(s, "<text x=\"{}\" y=\"{y}\">related alert</text>", x + 14.0);
        x += 100.0;
    }
    for t in &types {
        let _ = write!(
            s,
            "<circle cx=\"{}\" cy=\"{}\" r=\"5\" fill=\"{}\"/>",
            x + 5.0,
            y - 3.0,
            colour(t)
        );
        let _ = write!(s, "<text x=\"{}\" y=\"{y}\">{}</text>", x + 14.0, esc(t));
        x += 24.0 + 7.0 * t.len() as f64;
    }
    s.push_str("</svg>");
    (s, folded)
}

type Built = (Vec<Node>, Vec<(usize, usize)>, Vec<String>);

/// Nodes and edges; entities of few alerts folded beyond [`MOST_NODES`].
fn build(alerts: &[Alert]) -> Built {
    let mut nodes: Vec<Node> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut edges: Vec<(usize, usize)> = Vec::new();
    // Entities: how many alerts each belongs to, first.
    let mut belongs: HashMap<String, usize> = HashMap::new();
    for a in alerts {
        let mut keys: Vec<String> = a.entities.entities.iter().map(|e| key(e, &a.entities)).collect();
        keys.sort();
        keys.dedup();
        for k in keys {
            *belongs.entry(k).or_default() += 1;
        }
    }
    let mut ordered: Vec<&Alert> = alerts.iter().collect();
    ordered.sort_by_key(|a| severity_rank(&a.severity));
    let alert_room = ordered.len().min(MOST_NODES / 2);
    let mut entity_keys: Vec<(&String, &usize)> = belongs.iter().collect();
    entity_keys.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let kept: std::collections::HashSet<&String> = entity_keys
        .iter()
        .take(MOST_NODES - alert_room)
        .map(|(k, _)| *k)
        .collect();
    let mut folded: BTreeMap<String, usize> = BTreeMap::new();
    for k in belongs.keys().filter(|k| !kept.contains(k)) {
        *folded
            .entry(k.split(':').next().unwrap_or_default().to_string())
            .or_default() += 1;
    }
    for (ai, a) in ordered.iter().enumerate() {
        if ai >= alert_room {
            *folded.entry("alert".into()).or_default() += 1;
            continue;
        }
        let alert_node = nodes.len();
        nodes.push(Node {
            key: format!("alert:{ai}:{}", a.id),
            label: a.name.clone(),
            kind: "alert".into(),
            tip: format!(
                "{} [{}]\n{} → {}\n{}{}",
                a.name,
                a.severity,
                a.start,
                a.end,
                a.compromised,
                if a.shares.is_empty() {
                    String::new()
                } else {
                    format!("\nrelated: shares {}", a.shares.join(", "))
                }
            ),
            severity: severity_rank(&a.severity),
            alerts: 1,
            related: !a.shares.is_empty(),
        });
        let read = &a.entities;
        let mut local: HashMap<String, usize> = HashMap::new();
        for e in &read.entities {
            let k = key(e, read);
            if !kept.contains(&k) {
                continue;
            }
            let node = *index.entry(k.clone()).or_insert_with(|| {
                let label = main_value(e, read);
                nodes.push(Node {
                    tip: format!("{}: {label}\nin {} alert(s)", e.kind, belongs[&k]),
                    key: k.clone(),
                    label,
                    kind: e.kind.clone(),
                    severity: 4,
                    alerts: belongs[&k],
                    related: false,
                });
                nodes.len() - 1
            });
            edges.push((alert_node, node));
            if let Some(id) = &e.id {
                local.insert(id.clone(), node);
            }
        }
        for e in &read.entities {
            let (Some(id), true) = (&e.id, kept.contains(&key(e, read))) else {
                continue;
            };
            for (_, target) in &e.links {
                if let (Some(&a), Some(&b)) = (local.get(id), local.get(target)) {
                    edges.push((a, b));
                }
            }
        }
    }
    edges.sort_unstable();
    edges.dedup();
    let folded = if folded.is_empty() {
        Vec::new()
    } else {
        let parts: Vec<String> = folded.iter().map(|(t, n)| format!("{n} {t}")).collect();
        vec![format!(
            "the graph shows at most {MOST_NODES} nodes: folded away (those of fewest alerts): {}",
            parts.join(", ")
        )]
    };
    (nodes, edges, folded)
}

/// Each connected part laid out on its own, then the parts packed in rows, biggest first,
/// each in a square whose side grows with the square root of its size.
fn layout(nodes: &[Node], edges: &[(usize, usize)]) -> Vec<(f64, f64)> {
    let n = nodes.len();
    let mut part: Vec<usize> = (0..n).collect();
    fn root(part: &mut [usize], mut x: usize) -> usize {
        while part[x] != x {
            part[x] = part[part[x]];
            x = part[x];
        }
        x
    }
    for &(a, b) in edges {
        let (ra, rb) = (root(&mut part, a), root(&mut part, b));
        if ra != rb {
            part[ra.max(rb)] = ra.min(rb);
        }
    }
    let mut parts: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        let r = root(&mut part, i);
        parts.entry(r).or_default().push(i);
    }
    let mut parts: Vec<Vec<usize>> = parts.into_values().collect();
    parts.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    let total: f64 = parts.iter().map(|p| p.len() as f64).sum::<f64>().max(1.0);
    let (w, h) = (WIDTH - 200.0, HEIGHT - 40.0);
    // Sides so the squares would fill the canvas, shrunk until the rows fit.
    let mut scale = (w * h / total).sqrt();
    let mut boxes;
    loop {
        boxes = Vec::with_capacity(parts.len());
        let (mut x, mut y, mut row) = (0.0f64, 0.0f64, 0.0f64);
        for p in &parts {
            let side = (scale * (p.len() as f64).sqrt()).min(w).min(h).max(16.0);
            if x + side > w && x > 0.0 {
                x = 0.0;
                y += row;
                row = 0.0;
            }
            boxes.push((x, y, side));
            x += side;
            row = row.max(side);
        }
        if y + row <= h || scale < 1.0 {
            break;
        }
        scale *= 0.9;
    }
    let mut at = vec![(0.0, 0.0); n];
    for (p, &(bx, by, side)) in parts.iter().zip(&boxes) {
        let local: HashMap<usize, usize> = p.iter().enumerate().map(|(i, &g)| (g, i)).collect();
        let sub_edges: Vec<(usize, usize)> = edges
            .iter()
            .filter_map(|(a, b)| Some((*local.get(a)?, *local.get(b)?)))
            .collect();
        let sub_nodes: Vec<&Node> = p.iter().map(|&g| &nodes[g]).collect();
        let unit = forces(&sub_nodes, &sub_edges);
        let pad = side * 0.1;
        for (i, &g) in p.iter().enumerate() {
            at[g] = (
                30.0 + bx + pad + unit[i].0 * (side - 2.0 * pad),
                20.0 + by + pad + unit[i].1 * (side - 2.0 * pad),
            );
        }
    }
    at
}

/// Fruchterman–Reingold from hashed starting points, scaled into the unit square.
fn forces(nodes: &[&Node], edges: &[(usize, usize)]) -> Vec<(f64, f64)> {
    let n = nodes.len();
    if n == 1 {
        return vec![(0.5, 0.5)];
    }
    let hash = |s: &str, salt: u64| {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ salt;
        for b in s.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        (h >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut p: Vec<(f64, f64)> = nodes.iter().map(|v| (hash(&v.key, 1), hash(&v.key, 2))).collect();
    let k = (1.0 / n as f64).sqrt();
    let rounds = 300;
    for round in 0..rounds {
        let t = 0.1 * (1.0 - round as f64 / rounds as f64) + 0.002;
        let mut d = vec![(0.0f64, 0.0f64); n];
        for i in 0..n {
            for j in (i + 1)..n {
                let (dx, dy) = (p[i].0 - p[j].0, p[i].1 - p[j].1);
                let dist2 = (dx * dx + dy * dy).max(1e-9);
                let f = k * k / dist2;
                d[i].0 += dx * f;
                d[i].1 += dy * f;
                d[j].0 -= dx * f;
                d[j].1 -= dy * f;
            }
        }
        for &(a, b) in edges {
            let (dx, dy) = (p[a].0 - p[b].0, p[a].1 - p[b].1);
            let dist = (dx * dx + dy * dy).sqrt().max(1e-9);
            let f = dist / k;
            d[a].0 -= dx * f;
            d[a].1 -= dy * f;
            d[b].0 += dx * f;
            d[b].1 += dy * f;
        }
        for i in 0..n {
            let len = (d[i].0 * d[i].0 + d[i].1 * d[i].1).sqrt().max(1e-9);
            p[i].0 += d[i].0 / len * len.min(t);
            p[i].1 += d[i].1 / len * len.min(t);
        }
    }
    let (minx, maxx) = p
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), q| (a.min(q.0), b.max(q.0)));
    let (miny, maxy) = p
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), q| (a.min(q.1), b.max(q.1)));
    let (sx, sy) = ((maxx - minx).max(1e-9), (maxy - miny).max(1e-9));
    p.iter().map(|q| ((q.0 - minx) / sx, (q.1 - miny) / sy)).collect()
}

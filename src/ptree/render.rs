//! Process trees as plain text, as HTML (native `<details>` collapse, no script) and as SVG.
//! Every string from the data is escaped; large trees are cut at a node budget and the
//! output says how many processes were not drawn.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::Tree;
use crate::render::escape::escape_html;
use crate::render::grid::{Cell, Grid};
use crate::render::table::thousands;
use crate::time::Precision;

/// Colours for `--color-by` values, in order of first appearance.
use crate::render::PALETTE;

fn when(time: Option<i64>) -> String {
    time.map_or_else(|| "time unknown".into(), |t| crate::time::utc(t, Precision::Millis))
}

/// The colour of each process by the value of its `color_by` entry; values past the
/// palette share grey, and the legend says so.
struct Colours {
    of: Vec<&'static str>,
    legend: Vec<(String, &'static str, usize)>,
    folded: usize,
}

fn colours(values: Option<&[Option<String>]>, len: usize) -> Option<Colours> {
    let values = values?;
    let mut order: BTreeMap<String, usize> = BTreeMap::new();
    let mut counts: Vec<(String, usize)> = Vec::new();
    for v in values.iter().take(len) {
        let v = v.clone().unwrap_or_else(|| "(none)".into());
        match order.get(&v) {
            Some(&i) => counts[i].1 += 1,
            None => {
                order.insert(v.clone(), counts.len());
                counts.push((v, 1));
            }
        }
    }
    let colour = |i: usize| if i < PALETTE.len() { PALETTE[i] } else { "#999999" };
    let of = values
        .iter()
        .map(|v| colour(order[&v.clone().unwrap_or_else(|| "(none)".into())]))
        .collect();
    let folded = counts.len().saturating_sub(PALETTE.len());
    let legend = counts
        .into_iter()
        .enumerate()
        .take(PALETTE.len())
        .map(|(i, (v, n))| (v, colour(i), n))
        .collect();
    Some(Colours { of, legend, folded })
}

/// Plain text: one line per process, indented by depth, with PID, user, time and the
/// command line.
pub fn render_text(tree: &Tree, order: &[usize], max_nodes: usize) -> String {
    let mut out = String::new();
    let base = order.iter().map(|&k| tree.procs[k].depth).min().unwrap_or(0);
    for &k in order.iter().take(max_nodes) {
        let p = &tree.procs[k];
        let indent = "  ".repeat((p.depth - base) as usize);
        let marker = if p.inferred() { "? " } else { "" };
        let _ = write!(out, "{indent}{marker}{} [{}]", p.short_name(), p.pid);
        if let Some(u) = tree.user(k) {
            let _ = write!(out, " {u}");
        }
        let _ = write!(out, " {}", when(p.time));
        if let Some(c) = tree.cmd_line(k) {
            let _ = write!(out, "  {}", c.replace(['\n', '\r'], " "));
        }
        out.push('\n');
    }
    if order.len() > max_nodes {
        let _ = writeln!(
            out,
            "… {} more processes not drawn (the frame holds all {})",
            thousands(order.len() - max_nodes),
            thousands(order.len())
        );
    }
    out
}

/// HTML: nested `<details open>` per process with children, so any branch folds with a
/// click in every front end, and no script runs. Inferred parents are marked.
pub fn render_html(
    tree: &Tree,
    order: &[usize],
    max_nodes: usize,
    color_by: Option<(&str, &[Option<String>])>,
) -> String {
    let colours = colours(color_by.map(|(_, v)| v), tree.procs.len());
    let drawn: Vec<usize> = order.iter().take(max_nodes).copied().collect();
    let in_drawn: std::collections::HashSet<usize> = drawn.iter().copied().collect();
    let mut out = String::from(
        "<div class=\"hb-ptree\" style=\"font-family:var(--jp-code-font-family,monospace);font-size:12px;line-height:1.5\">",
    );
    if let (Some(c), Some((column, _))) = (&colours, color_by) {
        legend_html(&mut out, column, c);
    }
    // Walk the drawn processes in order, opening and closing <details> by depth.
    let mut open: Vec<usize> = Vec::new();
    for &k in &drawn {
        let p = &tree.procs[k];
        while let Some(&top) = open.last() {
            if tree.procs[top].depth >= p.depth || !is_ancestor(tree, top, k) {
                out.push_str("</div></details>");
                open.pop();
            } else {
                break;
            }
        }
        let title = tree.cmd_line(k).unwrap_or(if p.inferred() {
            "inferred parent: no event for this process"
        } else {
            ""
        });
        let line = process_html(tree, k, colours.as_ref().map(|c| c.of[k]));
        let has_drawn_children = p.children.iter().any(|c| in_drawn.contains(c));
        if has_drawn_children {
            let _ = write!(
                out,
                "<details open style=\"margin-left:14px\"><summary title=\"{}\">{line}</summary><div>",
                escape_html(title)
            );
            open.push(k);
        } else {
            let _ = write!(
                out,
                "<div style=\"margin-left:28px\" title=\"{}\">{line}</div>",
                escape_html(title)
            );
        }
    }
    for _ in open {
        out.push_str("</div></details>");
    }
    table_html(&mut out, tree, &drawn);
    if order.len() > drawn.len() {
        let _ = write!(
            out,
            "<div style=\"margin-top:4px\"><b>… {} more processes not drawn</b> (the frame holds all {}; narrow with --descendants-of, --depth or a filter)</div>",
            thousands(order.len() - drawn.len()),
            thousands(order.len())
        );
    }
    out.push_str("</div>");
    out
}

/// The legend of `--color-by`: each value's swatch and count.
fn legend_html(out: &mut String, column: &str, c: &Colours) {
    let _ = write!(
        out,
        "<div style=\"margin-bottom:4px\">colour: <b>{}</b> ",
        escape_html(column)
    );
    for (value, colour, n) in &c.legend {
        let _ = write!(
            out,
            "<span style=\"white-space:nowrap;margin-right:10px\"><span style=\"display:inline-block;width:10px;height:10px;background:{colour};margin-right:3px\"></span>{} ({})</span>",
            escape_html(value),
            thousands(*n)
        );
    }
    if c.folded > 0 {
        let _ = write!(out, "<span>and {} more values in grey</span>", thousands(c.folded));
    }
    out.push_str("</div>");
}

/// One process's line: swatch, name, PID, user, time, host (for a root), command line.
fn process_html(tree: &Tree, k: usize, colour: Option<&str>) -> String {
    let p = &tree.procs[k];
    let swatch = colour
        .map(|c| {
            format!(
                "<span style=\"display:inline-block;width:10px;height:10px;background:{c};margin-right:4px\"></span>"
            )
        })
        .unwrap_or_default();
    let mut line = format!(
        "{swatch}<b>{}</b> <span style=\"opacity:.7\">[{}]</span>",
        escape_html(p.short_name()),
        escape_html(&p.pid)
    );
    if p.inferred() {
        line.push_str(" <i style=\"opacity:.7\">inferred parent</i>");
    }
    if let Some(u) = tree.user(k) {
        let _ = write!(line, " <span style=\"opacity:.7\">{}</span>", escape_html(u));
    }
    let _ = write!(
        line,
        " <span style=\"opacity:.7\">{}</span>",
        escape_html(&when(p.time))
    );
    if !p.host.is_empty() && p.parent.is_none() {
        let _ = write!(line, " <span style=\"opacity:.7\">on {}</span>", escape_html(&p.host));
    }
    if let Some(c) = tree.cmd_line(k) {
        let _ = write!(
            line,
            "<br><code style=\"margin-left:14px;white-space:pre-wrap;word-break:break-all\">{}</code>",
            escape_html(c)
        );
    }
    line
}

/// The drawn processes as an aligned table (folded): command lines side by side, easy to
/// scan and to copy.
fn table_html(out: &mut String, tree: &Tree, drawn: &[usize]) {
    let base = drawn.iter().map(|&k| tree.procs[k].depth).min().unwrap_or(0);
    let mut grid = Grid::new(["process", "PID", "user", "time (UTC)", "command line"]);
    for &k in drawn {
        let p = &tree.procs[k];
        let name = format!("{}{}", if p.inferred() { "? " } else { "" }, p.short_name());
        grid.row([
            Cell::Indented(name, (p.depth - base) as usize),
            Cell::from(p.pid.to_string()),
            Cell::from(tree.user(k).unwrap_or("")),
            Cell::from(when(p.time)),
            Cell::Code(tree.cmd_line(k).unwrap_or("").to_string()),
        ]);
    }
    let _ = write!(
        out,
        "<details style=\"margin-top:6px\"><summary>table of the {} processes drawn</summary>{}</details>",
        thousands(drawn.len()),
        grid.html()
    );
}

fn is_ancestor(tree: &Tree, a: usize, k: usize) -> bool {
    let mut at = tree.procs[k].parent;
    while let Some(p) = at {
        if p == a {
            return true;
        }
        at = tree.procs[p].parent;
    }
    false
}

/// SVG: one row per process, indented by depth, with elbow connectors to the parent, the
/// command line in each node's `<title>`.
pub fn render_svg(
    tree: &Tree,
    order: &[usize],
    max_nodes: usize,
    color_by: Option<(&str, &[Option<String>])>,
) -> String {
    const ROW: usize = 18;
    const INDENT: usize = 18;
    let colours = colours(color_by.map(|(_, v)| v), tree.procs.len());
    let drawn: Vec<usize> = order.iter().take(max_nodes).copied().collect();
    let base = drawn.iter().map(|&k| tree.procs[k].depth).min().unwrap_or(0);
    let row_of: std::collections::HashMap<usize, usize> = drawn.iter().enumerate().map(|(i, &k)| (k, i)).collect();
    let max_depth = drawn.iter().map(|&k| tree.procs[k].depth - base).max().unwrap_or(0) as usize;
    let more = order.len() - drawn.len();
    let rows = drawn.len() + usize::from(more > 0);
    let width = 40 + max_depth * INDENT + 560;
    let height = rows * ROW + 10;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"monospace\" font-size=\"11\">"
    );
    for (i, &k) in drawn.iter().enumerate() {
        let p = &tree.procs[k];
        let x = 10 + (p.depth - base) as usize * INDENT;
        let y = 5 + i * ROW + ROW / 2;
        if let Some(parent) = p.parent
            && let Some(&pi) = row_of.get(&parent)
        {
            let px = 10 + (tree.procs[parent].depth - base) as usize * INDENT + 4;
            let py = 5 + pi * ROW + ROW / 2;
            let _ = write!(out, "<path d=\"M{px} {py} V{y} H{x}\" fill=\"none\" stroke=\"#999\"/>");
        }
        let fill = colours.as_ref().map_or("#4e79a7", |c| c.of[k]);
        let dash = if p.inferred() {
            " stroke-dasharray=\"2 2\" fill-opacity=\"0.3\""
        } else {
            ""
        };
        let _ = write!(out, "<g><title>{}</title>", escape_html(&node_title(tree, k)));
        let _ = write!(
            out,
            "<rect x=\"{x}\" y=\"{}\" width=\"8\" height=\"8\" fill=\"{fill}\" stroke=\"{fill}\"{dash}/>",
            y - 4
        );
        let mut label = format!("{} [{}]", p.short_name(), p.pid);
        if let Some(u) = tree.user(k) {
            let _ = write!(label, " {u}");
        }
        let _ = write!(label, " {}", when(p.time));
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\">{}</text></g>",
            x + 12,
            y + 4,
            escape_html(&label)
        );
    }
    if more > 0 {
        let _ = write!(
            out,
            "<text x=\"10\" y=\"{}\" font-weight=\"bold\">… {} more processes not drawn (the frame holds all {})</text>",
            5 + drawn.len() * ROW + ROW / 2 + 4,
            thousands(more),
            thousands(order.len())
        );
    }
    out.push_str("</svg>");
    out
}

fn node_title(tree: &Tree, k: usize) -> String {
    let p = &tree.procs[k];
    let mut t = format!("{} [{}] {}", p.name, p.pid, when(p.time));
    if !p.host.is_empty() {
        let _ = write!(t, " on {}", p.host);
    }
    if let Some(u) = tree.user(k) {
        let _ = write!(t, "\nuser: {u}");
    }
    match tree.cmd_line(k) {
        Some(c) => {
            let _ = write!(t, "\n{c}");
        }
        None if p.inferred() => t.push_str("\ninferred parent: no event for this process"),
        None => {}
    }
    t
}

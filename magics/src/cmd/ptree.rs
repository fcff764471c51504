//! `%ptree FRAME`: process trees from process-creation events, drawn as a collapsible tree,
//! and questions about them (roots, descendants, ancestors, children, siblings) as frames.

use huntbook::Frame;
use huntbook::ptree::{Schema, Tree, render_html, render_svg, render_text};

use crate::args::Args;
use crate::diag::{Diagnostic, column_hint};
use crate::figure::Figure;
use crate::parse::Spanned;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Kind, Opt, Param, Signature};

pub struct Ptree;

const SCHEMA_CHOICES: &[&str] = &[
    "auto",
    "win4688",
    "sysmon",
    "mde",
    "mde-internal",
    "auditd",
    "osquery",
    "volatility",
];

static SIGNATURE: Signature = Signature {
    name: "ptree",
    summary: "Process trees from process-creation events: draw them, or ask what a process started and where it came from",
    description: "Builds the process trees of 4688, Sysmon 1, auditd execve, Defender for Endpoint or osquery events, or of a Volatility pslist (the \
schema is recognised from the columns, or named with --schema). A parent is the latest process with the parent's PID and \
name at or before the child, on the same host; a child whose parent has no event gets an inferred parent. The result is a \
frame of the processes (the event columns plus proc_key, parent_key, IsRoot, IsLeaf, IsBranch, Inferred, Depth, path), \
drawn as a tree that folds with a click. --roots, --descendants-of, --ancestors-of, --children-of and --siblings-of select \
processes (by proc_key, path index or PID); --summary counts them.",
    forms: Forms::Line,
    params: &[Param::new("frame", Kind::Frame, "a frame of process-creation events").required()],
    options: &[
        Opt::value("schema", "SCHEMA", Kind::Choice(SCHEMA_CHOICES), "the event schema")
            .short('s')
            .default("auto"),
        Opt::flag("roots", "only the root processes"),
        Opt::value(
            "descendants-of",
            "PROCESS",
            Kind::Text,
            "the process and everything it started, level after level",
        ),
        Opt::value(
            "ancestors-of",
            "PROCESS",
            Kind::Text,
            "the process and its parent, grandparent … up to the root",
        ),
        Opt::value(
            "children-of",
            "PROCESS",
            Kind::Text,
            "the processes it started directly",
        ),
        Opt::value(
            "siblings-of",
            "PROCESS",
            Kind::Text,
            "the other processes its parent started",
        ),
        Opt::flag(
            "summary",
            "counts: processes, roots, leaves, branches, isolated, deepest tree, inferred parents, hosts",
        ),
        Opt::value(
            "depth",
            "N",
            Kind::Int { min: 0 },
            "at most N levels below the top of what is shown",
        )
        .short('d'),
        Opt::value(
            "color-by",
            "COLUMN",
            Kind::Text,
            "colour processes by the value of an event column, with a legend",
        )
        .short('c'),
        Opt::value(
            "max-nodes",
            "N",
            Kind::Int { min: 1 },
            "draw at most N processes, the branches of the rarest first (the frame always holds all of them)",
        )
        .default("100"),
        Opt::value(
            "alerts",
            "ENTITIES",
            Kind::Frame,
            "the processes of alerts (an %alerts --entities frame) in their branches, marked by alert",
        )
        .short('a'),
    ],
    body: None,
    returns: "a frame of processes, drawn as a tree",
    examples: &[
        Example::new("%ptree procs", "the process trees of procs"),
        Example::new(
            "%ptree procs --descendants-of 0x1684 --color-by SubjectUserName",
            "what process 0x1684 started, coloured by user",
        ),
        Example::new("%ptree procs --summary", "how many processes, roots and levels"),
        Example::new(
            "%ptree procs --alerts ents",
            "the alerts' processes in their branches, coloured by alert",
        ),
    ],
};

/// What `--descendants-of` and its kin select.
#[derive(Clone, Copy)]
enum Relation {
    Descendants,
    Ancestors,
    Children,
    Siblings,
}

const SELECTORS: [(&str, Relation); 4] = [
    ("descendants-of", Relation::Descendants),
    ("ancestors-of", Relation::Ancestors),
    ("children-of", Relation::Children),
    ("siblings-of", Relation::Siblings),
];

/// Which processes are shown.
enum Selection<'a> {
    All,
    Roots,
    Related(Relation, &'a Spanned),
}

/// The call, read once from its arguments.
struct Plan<'a> {
    frame: &'a Spanned,
    schema: Option<&'static Schema>,
    summary: bool,
    selection: Selection<'a>,
    depth: Option<u32>,
    color_by: Option<&'a Spanned>,
    alerts: Option<&'a Spanned>,
    max_nodes: usize,
}

impl<'a> Plan<'a> {
    fn from_args(args: &'a Args) -> Result<Self, Diagnostic> {
        let schema = match args.choice(&SIGNATURE, "schema") {
            None | Some("auto") => None,
            Some(name) => Some(Schema::named(name).ok_or_else(|| {
                Diagnostic::internal(format!("the signature lists schema {name} that does not exist"))
            })?),
        };
        let mut chosen: Vec<Selection> = SELECTORS
            .iter()
            .filter_map(|&(long, relation)| args.option(long).map(|spec| Selection::Related(relation, spec)))
            .collect();
        if args.flag("roots") {
            chosen.push(Selection::Roots);
        }
        if chosen.len() > 1 {
            return Err(Diagnostic::new(
                "conflicting-options",
                "give one of --roots, --descendants-of, --ancestors-of, --children-of, --siblings-of",
            )
            .at(args.call_span.clone()));
        }
        if let (Some(_), Some(alerts)) = (args.option("color-by"), args.option("alerts")) {
            return Err(Diagnostic::new(
                "conflicting-options",
                "--alerts colours the processes by alert; give it or --color-by",
            )
            .at(alerts.span.clone()));
        }
        Ok(Plan {
            frame: args.required("frame")?,
            schema,
            summary: args.flag("summary"),
            selection: chosen.pop().unwrap_or(Selection::All),
            depth: args.int("depth").map(|d| u32::try_from(d).unwrap_or(u32::MAX)),
            color_by: args.option("color-by"),
            alerts: args.option("alerts"),
            max_nodes: args.count("max-nodes")?,
        })
    }
}

impl Magic for Ptree {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let plan = Plan::from_args(args)?;
        let arg = plan.frame;
        let frame = ctx.session.frame(arg)?;
        let built = Tree::build(&frame.data, plan.schema).map_err(|e| Diagnostic::engine(e, Some(arg.span.clone())))?;
        let mut warnings = built.warnings;
        let tree = built.value;
        let origin = format!("%ptree {} ({} schema)", arg.text, tree.schema.name);

        if plan.summary {
            let df = tree.summary().frame().map_err(|e| Diagnostic::engine(e, None))?;
            return Ok(Outcome::warned(Value::Frame(Frame::new(df, origin)), warnings));
        }
        let mut selection: Vec<usize> = match plan.selection {
            Selection::All => tree.preorder(&tree.roots),
            Selection::Roots => tree.roots.clone(),
            Selection::Related(relation, spec) => {
                let found = find(&tree, spec)?;
                if found.len() > 1 {
                    warnings.push(format!(
                        "{} processes have PID {}; the selection covers all of them (give a proc_key to pick one)",
                        found.len(),
                        spec.text
                    ));
                }
                let mut picked = Vec::new();
                for &k in &found {
                    match relation {
                        Relation::Descendants => {
                            picked.push(k);
                            picked.extend(tree.descendants(k, None));
                        }
                        Relation::Ancestors => {
                            let mut up = tree.ancestors(k);
                            up.reverse();
                            picked.extend(up);
                            picked.push(k);
                        }
                        Relation::Children => picked.extend(tree.procs[k].children.iter().copied()),
                        Relation::Siblings => picked.extend(tree.siblings(k)),
                    }
                }
                let mut seen = std::collections::HashSet::new();
                picked.retain(|k| seen.insert(*k));
                picked
            }
        };
        let marks = match plan.alerts {
            Some(spec) => {
                let (marks, mut said) = alert_marks(&tree, &ctx.session.frame(spec)?.data, spec)?;
                warnings.append(&mut said);
                if matches!(plan.selection, Selection::All) {
                    selection = branches(&tree, &marks);
                }
                Some(marks)
            }
            None => None,
        };
        if let Some(depth) = plan.depth {
            let top = selection.iter().map(|&k| tree.procs[k].depth).min().unwrap_or(0);
            selection.retain(|&k| tree.procs[k].depth - top <= depth);
        }
        let mut df = tree.frame(&selection).map_err(|e| Diagnostic::engine(e, None))?;
        if let Some(marks) = &marks {
            let column: Vec<Option<&str>> = selection.iter().map(|&k| marks[k].as_deref()).collect();
            df.with_column(polars::prelude::Column::new("Alert".into(), column))
                .map_err(|e| Diagnostic::engine(e.into(), None))?;
        }
        let result = Frame::new(df, origin);

        let color_values = match (plan.color_by, marks) {
            (Some(column), _) => Some((column.text.as_str(), color_values(&tree, &column.text, column)?)),
            (None, Some(marks)) => Some(("alert", marks)),
            (None, None) => None,
        };
        let color = color_values.as_ref().map(|(c, v)| (*c, v.as_slice()));
        let max_nodes = plan.max_nodes;
        let summary = tree.summary();
        // What is drawn, said as it is: --max-nodes cuts the drawing, not the selection,
        // and the drawing keeps the rarest branches rather than the first in file order.
        let first: Vec<bool> = match &color_values {
            Some(("alert", marks)) if plan.color_by.is_none() => marks.iter().map(Option::is_some).collect(),
            _ => Vec::new(),
        };
        let drawn = huntbook::ptree::relevant_first(&tree, &selection, max_nodes, &first);
        let shown = if drawn.len() < selection.len() {
            format!(
                "{} processes drawn of the {} selected: the branches of {} (--max-nodes {max_nodes}; all are in the result frame), {} in all",
                drawn.len(),
                selection.len(),
                if first.is_empty() {
                    "the rarest processes"
                } else {
                    "the alerts' processes first, the rarest first among them"
                },
                summary.processes
            )
        } else {
            format!("{} processes drawn of {}", selection.len(), summary.processes)
        };
        let heading = format!(
            "{shown} ({} roots, {} inferred parents, deepest tree {} levels, {} host{}) — {}",
            summary.roots,
            summary.inferred,
            summary.depth,
            summary.hosts,
            if summary.hosts == 1 { "" } else { "s" },
            result.provenance.source
        );
        let figure = Figure::rich(
            render_html(&tree, &drawn, drawn.len(), color),
            render_text(&tree, &drawn, drawn.len()),
        )
        .heading(heading)
        .form("image/svg+xml", render_svg(&tree, &drawn, drawn.len(), color).into())
        .provenance(serde_json::json!({"schema": tree.schema.name, "processes": selection.len()}));
        Ok(Outcome::warned(Value::Shown(result, figure), warnings))
    }
}

fn find(tree: &Tree, spec: &Spanned) -> Result<Vec<usize>, Diagnostic> {
    let found = tree.find(&spec.text);
    if found.is_empty() {
        return Err(
            Diagnostic::new("not-found", format!("no process {:?} in the tree", spec.text))
                .at(spec.span.clone())
                .hint("give a proc_key, a path index such as 00012, or a PID (0x1a4 or 420)"),
        );
    }
    Ok(found)
}

/// The `--color-by` column's value for every process of the tree (inferred parents have
/// none).
fn color_values(tree: &Tree, column: &str, spec: &Spanned) -> Result<Vec<Option<String>>, Diagnostic> {
    if tree.events.column(column).is_err() {
        let names: Vec<String> = tree.events.get_column_names().iter().map(|n| n.to_string()).collect();
        let d = Diagnostic::new("no-column", format!("no column {column:?} to colour by")).at(spec.span.clone());
        return Err(column_hint(d, column, &names, ""));
    }
    let values = huntbook::frame::text_values(&tree.events, column)
        .map_err(|e| Diagnostic::engine(e, Some(spec.span.clone())))?;
    Ok(tree
        .procs
        .iter()
        .map(|p| p.row.and_then(|r| values.get(r).map(str::to_string)))
        .collect())
}

/// For every process of the tree, the alerts that name it in the entities frame `ents`
/// (by host and PID, and where the PID was reused, the process running at the alert's
/// start); and what is said about the alert processes not found.
fn alert_marks(
    tree: &Tree,
    ents: &polars::prelude::DataFrame,
    spec: &Spanned,
) -> Result<(Vec<Option<String>>, Vec<String>), Diagnostic> {
    let text = |col: &str| huntbook::frame::text_values(ents, col).ok();
    let (Some(pids), Some(kinds)) = (text("ProcessId"), text("EntityType")) else {
        return Err(Diagnostic::new(
            "no-column",
            format!(
                "{} is not an entities frame: it needs EntityType and ProcessId",
                spec.text
            ),
        )
        .at(spec.span.clone())
        .hint(format!("make one with: {} = %alerts ALERTS --entities", spec.text)));
    };
    let hosts = text("HostName");
    let names = text("AlertName");
    let starts = text("StartTime");
    let mut marks: Vec<Option<String>> = vec![None; tree.procs.len()];
    let (mut wanted, mut missing) = (0, Vec::new());
    for row in 0..ents.height() {
        let pid = pids.get(row).unwrap_or_default();
        if kinds.get(row) != Some("process") || pid.is_empty() {
            continue;
        }
        wanted += 1;
        let host = hosts.as_ref().and_then(|h| h.get(row)).unwrap_or_default();
        let when = starts
            .as_ref()
            .and_then(|t| t.get(row))
            .and_then(huntbook::time::parse_absolute)
            .map(|t| t.timestamp_micros());
        let found = tree.find_on_host(host, pid, when);
        if found.is_empty() {
            missing.push(if host.is_empty() {
                pid.to_string()
            } else {
                format!("{pid} on {host}")
            });
        }
        let name = names.as_ref().and_then(|n| n.get(row)).unwrap_or("alert");
        // A process several alerts name carries all their names.
        for k in found {
            match &mut marks[k] {
                Some(m) if !m.split("; ").any(|n| n == name) => {
                    m.push_str("; ");
                    m.push_str(name);
                }
                Some(_) => {}
                None => marks[k] = Some(name.to_string()),
            }
        }
    }
    let found = marks.iter().filter(|m| m.is_some()).count();
    if found == 0 {
        return Err(Diagnostic::new(
            "not-found",
            format!(
                "none of the {wanted} alert process(es) of {} is in the tree (by host and PID)",
                spec.text
            ),
        )
        .at(spec.span.clone())
        .hint("the alerts may be about other hosts or another time than these events"));
    }
    let mut said = vec![format!(
        "{found} process(es) of the tree named by {} of the {wanted} alert process(es) in {}",
        wanted - missing.len(),
        spec.text
    )];
    missing.sort();
    missing.dedup();
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(10).map(String::as_str).collect();
        let more = missing.len().saturating_sub(10);
        said.push(format!(
            "not in the tree: {}{}",
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ));
    }
    Ok((marks, said))
}

/// The branches of the marked processes: their ancestors, themselves and their
/// descendants, in tree order.
fn branches(tree: &Tree, marks: &[Option<String>]) -> Vec<usize> {
    let mut keep = vec![false; tree.procs.len()];
    for k in (0..marks.len()).filter(|&k| marks[k].is_some()) {
        keep[k] = true;
        for a in tree.ancestors(k).into_iter().chain(tree.descendants(k, None)) {
            keep[a] = true;
        }
    }
    tree.preorder(&tree.roots).into_iter().filter(|&k| keep[k]).collect()
}

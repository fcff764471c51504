//! `%ptree FRAME`: process trees from process-creation events, drawn as a collapsible tree,
//! and questions about them (roots, descendants, ancestors, children, siblings) as frames.

use huntbook::Frame;
use huntbook::ptree::{Schema, Tree, render_html, render_svg, render_text};

use crate::bundle::MimeBundle;
use crate::diag::{Diagnostic, column_hint};
use crate::parse::{Args, Spanned};
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
    params: &[Param {
        name: "frame",
        help: "a frame of process-creation events",
        kind: Kind::Frame,
        required: true,
        rest: false,
    }],
    options: &[
        Opt {
            long: "schema",
            short: Some('s'),
            value: Some(("SCHEMA", Kind::Choice(SCHEMA_CHOICES))),
            help: "the event schema",
            default: Some("auto"),
        },
        Opt {
            long: "roots",
            short: None,
            value: None,
            help: "only the root processes",
            default: None,
        },
        Opt {
            long: "descendants-of",
            short: None,
            value: Some(("PROCESS", Kind::Text)),
            help: "the process and everything it started, level after level",
            default: None,
        },
        Opt {
            long: "ancestors-of",
            short: None,
            value: Some(("PROCESS", Kind::Text)),
            help: "the process and its parent, grandparent … up to the root",
            default: None,
        },
        Opt {
            long: "children-of",
            short: None,
            value: Some(("PROCESS", Kind::Text)),
            help: "the processes it started directly",
            default: None,
        },
        Opt {
            long: "siblings-of",
            short: None,
            value: Some(("PROCESS", Kind::Text)),
            help: "the other processes its parent started",
            default: None,
        },
        Opt {
            long: "summary",
            short: None,
            value: None,
            help: "counts: processes, roots, leaves, branches, isolated, deepest tree, inferred parents, hosts",
            default: None,
        },
        Opt {
            long: "depth",
            short: Some('d'),
            value: Some(("N", Kind::Int { min: 0 })),
            help: "at most N levels below the top of what is shown",
            default: None,
        },
        Opt {
            long: "color-by",
            short: Some('c'),
            value: Some(("COLUMN", Kind::Text)),
            help: "colour processes by the value of an event column, with a legend",
            default: None,
        },
        Opt {
            long: "max-nodes",
            short: None,
            value: Some(("N", Kind::Int { min: 1 })),
            help: "draw at most N processes (the frame always holds all of them)",
            default: Some("1000"),
        },
    ],
    body: None,
    returns: "a frame of processes, drawn as a tree",
    examples: &[
        Example {
            code: "%ptree procs",
            about: "the process trees of procs",
            expect: None,
        },
        Example {
            code: "%ptree procs --descendants-of 0x1234 --color-by SubjectUserName",
            about: "what process 0x1234 started, coloured by user",
            expect: None,
        },
        Example {
            code: "%ptree procs --summary",
            about: "how many processes, roots and levels",
            expect: None,
        },
    ],
};

impl Magic for Ptree {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let arg = args.param("frame").expect("required by the signature");
        let frame = ctx.session.frame(arg)?;
        let schema = match args.option("schema").map(|s| s.text.as_str()) {
            None | Some("auto") => None,
            Some(name) => Some(Schema::named(name).expect("the signature lists only known schemas")),
        };
        let built = Tree::build(&frame.data, schema).map_err(|e| Diagnostic::engine(e, Some(arg.span.clone())))?;
        let mut warnings = built.warnings;
        let tree = built.value;
        let origin = format!("%ptree {} ({} schema)", arg.text, tree.schema.name);

        if args.flag("summary") {
            let df = tree.summary().frame().map_err(|e| Diagnostic::engine(e, None))?;
            return Ok(Outcome::warned(Value::Frame(Frame::new(df, origin)), warnings));
        }

        let selectors = ["descendants-of", "ancestors-of", "children-of", "siblings-of"];
        let chosen: Vec<&str> = selectors.iter().copied().filter(|s| args.option(s).is_some()).collect();
        if chosen.len() + usize::from(args.flag("roots")) > 1 {
            return Err(Diagnostic::new(
                "conflicting-options",
                "give one of --roots, --descendants-of, --ancestors-of, --children-of, --siblings-of",
            )
            .at(args.call_span.clone()));
        }
        let mut selection: Vec<usize> = if args.flag("roots") {
            tree.roots.clone()
        } else if let Some(&which) = chosen.first() {
            let spec = args.option(which).expect("chosen above");
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
                match which {
                    "descendants-of" => {
                        picked.push(k);
                        picked.extend(tree.descendants(k, None));
                    }
                    "ancestors-of" => {
                        let mut up = tree.ancestors(k);
                        up.reverse();
                        picked.extend(up);
                        picked.push(k);
                    }
                    "children-of" => picked.extend(tree.procs[k].children.iter().copied()),
                    _ => picked.extend(tree.siblings(k)),
                }
            }
            let mut seen = std::collections::HashSet::new();
            picked.retain(|k| seen.insert(*k));
            picked
        } else {
            tree.preorder(&tree.roots)
        };
        if let Some(depth) = args.int("depth") {
            let top = selection.iter().map(|&k| tree.procs[k].depth).min().unwrap_or(0);
            selection.retain(|&k| tree.procs[k].depth - top <= depth as u32);
        }
        let df = tree.frame(&selection).map_err(|e| Diagnostic::engine(e, None))?;
        let result = Frame::new(df, origin);

        let color_values = match args.option("color-by") {
            Some(column) => Some((column.text.as_str(), color_values(&tree, &column.text, column)?)),
            None => None,
        };
        let color = color_values.as_ref().map(|(c, v)| (*c, v.as_slice()));
        let max_nodes = args.int("max-nodes").map_or(1000, |n| n as usize);
        let summary = tree.summary();
        let heading = format!(
            "{} processes shown of {} ({} roots, {} inferred parents, deepest tree {} levels, {} host{}) — {}",
            selection.len(),
            summary.processes,
            summary.roots,
            summary.inferred,
            summary.depth,
            summary.hosts,
            if summary.hosts == 1 { "" } else { "s" },
            result.provenance.source
        );
        let mut html = format!(
            "<div style=\"margin-bottom:4px;opacity:.8\">{}</div>",
            huntbook::render::escape::escape_html(&heading)
        );
        for w in &warnings {
            html.push_str(&format!(
                "<div style=\"color:#a15c00\">warning: {}</div>",
                huntbook::render::escape::escape_html(w)
            ));
        }
        html.push_str(&render_html(&tree, &selection, max_nodes, color));
        let notes: String = warnings.iter().map(|w| format!("warning: {w}\n")).collect();
        let bundle = MimeBundle::text(format!(
            "{heading}\n{notes}{}",
            render_text(&tree, &selection, max_nodes)
        ))
        .with("text/html", html)
        .with("image/svg+xml", render_svg(&tree, &selection, max_nodes, color))
        .with_metadata(
            "huntbook",
            serde_json::json!({"schema": tree.schema.name, "processes": selection.len()}),
        );
        Ok(Outcome::warned(Value::Shown(result, bundle), warnings))
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

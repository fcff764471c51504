//! `%vars`: the frames of the session.

use crate::display::table;
use crate::figure::Figure;
use huntbook::Frame;
use polars::prelude::*;

use crate::args::Args;
use crate::diag::Diagnostic;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Signature};

pub struct Vars;

static SIGNATURE: Signature = Signature {
    name: "vars",
    summary: "List the session's frames with their shape and columns",
    description: "One row per frame: its name, rows, columns, column names and types, and where it came from. \
_ is the last frame result.",
    forms: Forms::Line,
    params: &[],
    options: &[],
    body: None,
    returns: "a table display",
    examples: &[Example::new("%vars", "what is loaded so far")],
};

impl Magic for Vars {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, _args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        if ctx.session.is_empty() {
            return Ok(Outcome::new(Value::Result(Figure::text(
                "no frames yet: load one with  name = %load PATH",
            ))));
        }
        let mut names = Vec::new();
        let mut rows = Vec::new();
        let mut widths = Vec::new();
        let mut columns = Vec::new();
        let mut sources = Vec::new();
        let mut last = None;
        for (name, frame) in ctx.session.iter() {
            // `_` is not a frame of its own but the last result again: said below the
            // table instead of listed as one more frame.
            if name == crate::session::LAST {
                last = Some(frame.height());
                continue;
            }
            names.push(name.to_string());
            rows.push(frame.height() as u64);
            widths.push(frame.width() as u64);
            columns.push(
                frame
                    .data
                    .columns()
                    .iter()
                    .map(|c| format!("{}: {}", c.name(), c.dtype()))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            sources.push(frame.provenance.source.clone());
        }
        let df = DataFrame::new_infer_height(vec![
            Column::new("Name".into(), names),
            Column::new("Rows".into(), rows),
            Column::new("Columns".into(), widths),
            Column::new("ColumnTypes".into(), columns),
            Column::new("Source".into(), sources),
        ])
        .map_err(|e| Diagnostic::engine(e.into(), None))?;
        let frame = Frame::new(df, "session");
        let mut figure = table(&frame, Some("frames"), usize::MAX);
        if let Some(rows) = last {
            figure = figure.footer(format!("_ holds the last result ({rows} rows)"));
        }
        Ok(Outcome::new(Value::Result(figure)))
    }
}

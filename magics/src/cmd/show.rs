//! `%show FRAME [--rows N] [--columns COL,…]`: a frame with an explicit row limit, and
//! the columns asked for.

use crate::args::Args;
use crate::diag::Diagnostic;
use crate::display::{table, table_of};
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Kind, Opt, Param, Signature};

pub struct Show;

static SIGNATURE: Signature = Signature {
    name: "show",
    summary: "Show a frame as a table, with as many rows as asked for",
    description: "Displays a session frame: a table with column types, a note of how many rows are shown out of how many, \
and where the frame came from. --columns shows only the columns named, in that order (the frame is unchanged).",
    forms: Forms::Line,
    params: &[Param::new("frame", Kind::Frame, "the name of a session frame").required()],
    options: &[
        Opt::value("rows", "N", Kind::Int { min: 0 }, "how many rows to show")
            .short('n')
            .default("20"),
        Opt::value("columns", "COL, …", Kind::Text, "only these columns, in this order").short('c'),
    ],
    body: None,
    returns: "a table display",
    examples: &[
        Example::new("%show procs --rows 100", "the first 100 rows of procs"),
        Example::new(
            "%show procs --columns TimeGenerated,Computer,NewProcessName,CommandLine",
            "the columns that tell the story, first",
        ),
    ],
};

impl Magic for Show {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let name = args.required("frame")?;
        let rows = args.count("rows")?;
        let frame = ctx.session.frame(name)?;
        let Some(spec) = args.option("columns") else {
            return Ok(Outcome::new(Value::Result(table(frame, Some(&name.text), rows))));
        };
        let columns = crate::columns::named_columns(frame, spec)?;
        let picked = frame
            .data
            .select(columns.iter().map(|c| c.as_str()))
            .map_err(|e| Diagnostic::engine(e.into(), Some(spec.span.clone())))?;
        let view = huntbook::Frame {
            data: picked,
            provenance: frame.provenance.clone(),
        };
        Ok(Outcome::new(Value::Result(table_of(
            &view,
            Some(&name.text),
            rows,
            usize::MAX,
        ))))
    }
}

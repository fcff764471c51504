//! `%show FRAME [--rows N]`: a frame with an explicit row limit.

use crate::diag::Diagnostic;
use crate::display::{DEFAULT_ROWS, frame_bundle};
use crate::parse::Args;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Kind, Opt, Param, Signature};

pub struct Show;

static SIGNATURE: Signature = Signature {
    name: "show",
    summary: "Show a frame as a table, with as many rows as asked for",
    description: "Displays a session frame: a table with column types, a note of how many rows are shown out of how many, \
and where the frame came from.",
    forms: Forms::Line,
    params: &[Param {
        name: "frame",
        help: "the name of a session frame",
        kind: Kind::Frame,
        required: true,
        rest: false,
    }],
    options: &[Opt {
        long: "rows",
        short: Some('n'),
        value: Some(("N", Kind::Int { min: 0 })),
        help: "how many rows to show",
        default: Some("20"),
    }],
    body: None,
    returns: "a table display",
    examples: &[Example {
        code: "%show procs --rows 100",
        about: "the first 100 rows of procs",
        expect: None,
    }],
};

impl Magic for Show {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let name = args.param("frame").expect("required by the signature");
        let frame = ctx.session.frame(name)?;
        let rows = args.int("rows").map_or(DEFAULT_ROWS, |n| n as usize);
        Ok(Outcome::new(Value::Result(frame_bundle(
            frame,
            Some(&name.text),
            rows,
            &[],
        ))))
    }
}

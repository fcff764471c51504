//! `%clear [--wait]`: clear the cell's output.

use crate::args::Args;
use crate::diag::Diagnostic;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Opt, Signature};

pub struct Clear;

static SIGNATURE: Signature = Signature {
    name: "clear",
    summary: "Clear the output of the running cell",
    description: "Removes what the cell has shown so far. With --wait the output is cleared only when new output arrives, \
which avoids flicker when a cell redraws.",
    forms: Forms::Line,
    params: &[],
    options: &[Opt::flag("wait", "clear when the next output arrives rather than now").short('w')],
    body: None,
    returns: "nothing",
    examples: &[Example::new(
        "%echo draft\n%clear\n%echo final",
        "only 'final' remains in the output",
    )],
};

impl Magic for Clear {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        ctx.io.clear_output(args.flag("wait"));
        Ok(Outcome::new(Value::Nothing))
    }
}

//! `%echo [--stderr] TEXT`: print text.

use crate::args::Args;
use crate::diag::Diagnostic;
use crate::io::Stream;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Kind, Opt, Param, Signature};

pub struct Echo;

static SIGNATURE: Signature = Signature {
    name: "echo",
    summary: "Print text on standard output or standard error",
    description: "Prints the rest of the line as it was typed (quotes around a single word are removed). \
Useful for notes in a notebook's output and in scheduled runs.",
    forms: Forms::Line,
    params: &[Param::new("text", Kind::Text, "the text to print").rest()],
    options: &[Opt::flag("stderr", "print on standard error instead").short('e')],
    body: None,
    returns: "nothing (prints)",
    examples: &[Example::new("%echo hello, world", "prints hello, world")],
};

impl Magic for Echo {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let text = args.param("text").map(|t| t.text.as_str()).unwrap_or_default();
        let stream = if args.flag("stderr") {
            Stream::Stderr
        } else {
            Stream::Stdout
        };
        ctx.io.stream(stream, &format!("{text}\n"));
        Ok(Outcome::new(Value::Nothing))
    }
}

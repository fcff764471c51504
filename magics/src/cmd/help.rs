//! `%help [MAGIC]`: the help pages of [`crate::manual`].

use crate::args::Args;
use crate::diag::{Diagnostic, did_you_mean};
use crate::manual;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Kind, Param, Signature};

pub struct Help;

static SIGNATURE: Signature = Signature {
    name: "help",
    summary: "Show what every magic does, or the full help of one",
    description: "Without an argument, an overview of all magics. With a magic's name, its usage, options and examples \
(the same page as %name? and shift-tab).",
    forms: Forms::Line,
    params: &[Param::new(
        "magic",
        Kind::MagicName,
        "a magic's name, with or without %",
    )],
    options: &[],
    body: None,
    returns: "a help display",
    examples: &[Example::new("%help load", "how %load is used")],
};

impl Magic for Help {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let Some(arg) = args.param("magic") else {
            return Ok(Outcome::new(Value::Display(manual::overview(ctx.registry))));
        };
        let name = arg.text.trim_start_matches('%');
        match ctx.registry.get(name) {
            Some(magic) => Ok(Outcome::new(Value::Display(manual::page(magic.signature())))),
            None => {
                let d = Diagnostic::new("unknown-magic", format!("there is no magic %{name}")).at(arg.span.clone());
                Err(match did_you_mean(name, ctx.registry.signatures().map(|s| s.name)) {
                    Some(s) => d.hint(format!("did you mean {s}?")),
                    None => d.hint("%help alone lists every magic"),
                })
            }
        }
    }
}

//! `%lsmagic`: the names of all magics, line and cell.

use crate::args::Args;
use crate::diag::Diagnostic;
use crate::figure::Figure;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Signature};

pub struct LsMagic;

static SIGNATURE: Signature = Signature {
    name: "lsmagic",
    summary: "List the available line and cell magics",
    description: "The names of every magic, grouped as line magics (%name) and cell magics (%%name).",
    forms: Forms::Line,
    params: &[],
    options: &[],
    body: None,
    returns: "text",
    examples: &[Example::new("%lsmagic", "all magic names")],
};

impl Magic for LsMagic {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, _args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let line: Vec<String> = ctx
            .registry
            .signatures()
            .filter(|s| s.forms.line())
            .map(|s| format!("%{}", s.name))
            .collect();
        let cell: Vec<String> = ctx
            .registry
            .signatures()
            .filter(|s| s.forms.cell())
            .map(|s| format!("%%{}", s.name))
            .collect();
        let text = format!(
            "Line magics:\n  {}\n\nCell magics:\n  {}\n\n%help NAME or %NAME? shows one in full.",
            line.join("  "),
            cell.join("  ")
        );
        Ok(Outcome::new(Value::Result(Figure::text(text))))
    }
}

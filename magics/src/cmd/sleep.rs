//! `%sleep SECONDS`: wait, interruptibly.

use std::time::{Duration, Instant};

use crate::args::Args;
use crate::diag::Diagnostic;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Kind, Param, Signature};

pub struct Sleep;

static SIGNATURE: Signature = Signature {
    name: "sleep",
    summary: "Wait for a number of seconds; the kernel's interrupt stops it",
    description: "Pauses the notebook, for example between polls of a service in a scheduled run. \
It checks for an interrupt every 10 ms, so stopping the cell takes effect at once.",
    forms: Forms::Line,
    params: &[Param::new("seconds", Kind::Seconds, "how long to wait; fractions allowed").required()],
    options: &[],
    body: None,
    returns: "nothing",
    examples: &[Example::new("%sleep 0.5", "wait half a second")],
};

impl Magic for Sleep {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let seconds = args.required("seconds")?;
        let seconds = args
            .number("seconds")
            .ok_or_else(|| Diagnostic::new("bad-value", "SECONDS must be a number").at(seconds.span.clone()))?;
        let until = Instant::now() + Duration::from_secs_f64(seconds);
        while Instant::now() < until {
            ctx.check_interrupt()?;
            std::thread::sleep(
                until
                    .saturating_duration_since(Instant::now())
                    .min(Duration::from_millis(10)),
            );
        }
        Ok(Outcome::new(Value::Nothing))
    }
}

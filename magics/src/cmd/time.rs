//! `%time [WINDOW]`: set or show the investigation's time window.

use huntbook::time::TimeWindow;

use crate::args::Args;
use crate::diag::Diagnostic;
use crate::figure::Figure;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Kind, Param, Signature};

pub struct Time;

static SIGNATURE: Signature = Signature {
    name: "time",
    summary: "Set or show the time window every query uses",
    description: "Sets the window once for the whole investigation: queries take their start and end from it unless \
given start=/end= themselves. Forms: `last SPAN` (24h, 7d, 2h30m), `FROM .. TO` (each a date, a date and time, `now`, \
or an offset like -3d or -3d@d), `around TIME ±SPAN`. Times are UTC. With no argument, shows the window.",
    forms: Forms::Line,
    params: &[Param::new("window", Kind::Text, "last SPAN | FROM .. TO | around TIME ±SPAN").rest()],
    options: &[],
    body: None,
    returns: "the window, as text",
    examples: &[
        Example::new("%time last 24h", "the last day, up to now"),
        Example::new("%time 2019-02-10 .. 2019-02-12T06:00", "a fixed window")
            .expect("2019-02-10T00:00:00Z .. 2019-02-12T06:00:00Z (2.2 days)"),
        Example::new("%time around 2019-02-10T06:00 ±2h", "two hours either side of an alert")
            .expect("2019-02-10T04:00:00Z .. 2019-02-10T08:00:00Z (4.0 hours)"),
    ],
};

impl Magic for Time {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let Some(text) = args.param("window") else {
            let shown = match ctx.window.as_ref() {
                Some(w) => w.to_string(),
                None => "no window set: queries use their own defaults (set one with  %time last 24h)".to_string(),
            };
            return Ok(Outcome::new(Value::Result(Figure::text(shown))));
        };
        let window = TimeWindow::parse_now(&text.text).map_err(|e| {
            Diagnostic::new("bad-time-window", e).at(text.span.clone()).hint(
                "e.g.  %time last 24h  ·  %time 2019-02-10 .. 2019-02-12T06:00  ·  %time around 2019-02-10T06:00 ±2h",
            )
        })?;
        let shown = window.to_string();
        *ctx.window = Some(window);
        Ok(Outcome::new(Value::Result(Figure::text(shown))))
    }
}

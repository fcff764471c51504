//! `%time [WINDOW]`: set or show the investigation's time window — typed, taken from a
//! frame's times (`span FRAME.Column`), or cut into a frame's periods (`periods FRAME`).

use huntbook::time::{TimeWindow, iso};
use polars::prelude::DataType;

use crate::args::Args;
use crate::clock::MOST_PERIODS;
use crate::diag::{Diagnostic, Span, column_hint};
use crate::figure::Figure;
use crate::parse::Spanned;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Kind, Param, Signature};

pub struct Time;

static SIGNATURE: Signature = Signature {
    name: "time",
    summary: "Set or show the time window every query uses",
    description: "Sets the window once for the whole investigation: queries take their start and end from it unless \
given start=/end= themselves. Forms: `last SPAN` (24h, 7d, 2h30m), `FROM .. TO` (each a date, a date and time, `now`, \
or an offset like -3d or -3d@d), `around TIME ±SPAN` (TIME may be a session value: {alert.StartTime|first}), \
`span FRAME.Column` (from the column's first time to its last), `periods FRAME` (the rows' start and end, as \
%anomalies --periods gives them: every query then runs over each period and the rows are stacked). Times are UTC. \
With no argument, shows the window and where it came from.",
    forms: Forms::Line,
    params: &[Param::new(
        "window",
        Kind::Text,
        "last SPAN | FROM .. TO | around TIME ±SPAN | span FRAME.Column | periods FRAME",
    )
    .rest()],
    options: &[],
    body: None,
    returns: "the window, as text",
    examples: &[
        Example::new("%time last 24h", "the last day, up to now"),
        Example::new("%time 2019-02-10 .. 2019-02-12T06:00", "a fixed window")
            .expect("2019-02-10T00:00:00Z .. 2019-02-12T06:00:00Z (2.2 days)"),
        Example::new("%time around 2019-02-10T06:00 ±2h", "two hours either side of an alert")
            .expect("2019-02-10T04:00:00Z .. 2019-02-10T08:00:00Z (4.0 hours)"),
        Example::new("%time span logons.TimeGenerated", "from the first logon to the last"),
        Example::new(
            "%time periods spikes",
            "each anomalous period of  spikes = %anomalies … --periods",
        ),
    ],
};

impl Magic for Time {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let Some(text) = args.param("window") else {
            return Ok(Outcome::new(Value::Result(Figure::text(shown(ctx)))));
        };
        let words: Vec<&str> = text.text.split_whitespace().collect();
        match words.as_slice() {
            ["span", target] => {
                let (window, values) = span(ctx, target, &text.span)?;
                ctx.clock.set(window, format!("the span of {target} ({values} times)"));
            }
            ["periods", frame] => {
                let periods = periods(ctx, frame, &text.span)?;
                let given = periods.len();
                let merged = ctx.clock.set_periods(periods, format!("the periods of {frame}"));
                if merged > 0 {
                    let note = format!("{merged} of {given} periods overlapped others and were merged into them");
                    return Ok(Outcome::warned(Value::Result(Figure::text(shown(ctx))), vec![note]));
                }
            }
            _ => {
                let window = TimeWindow::parse_now(&text.text).map_err(|e| {
                    Diagnostic::new("bad-time-window", e).at(text.span.clone()).hint(
                        "e.g.  %time last 24h  ·  %time 2019-02-10 .. 2019-02-12T06:00  ·  %time around 2019-02-10T06:00 ±2h  \
                         ·  %time span logons.TimeGenerated  ·  %time periods spikes",
                    )
                })?;
                ctx.clock.set(window, format!("%time {}", text.text.trim()));
                // What was typed needs no origin line.
                return Ok(Outcome::new(Value::Result(Figure::text(window.to_string()))));
            }
        }
        Ok(Outcome::new(Value::Result(Figure::text(shown(ctx)))))
    }
}

/// The window, its periods and where it came from.
fn shown(ctx: &Context) -> String {
    let Some(w) = ctx.clock.window else {
        return "no window set: queries use their own defaults (set one with  %time last 24h)".to_string();
    };
    let mut out = format!("{w}\nfrom {}", ctx.clock.from);
    if !ctx.clock.periods.is_empty() {
        out.push_str(&format!(
            "\n{} periods; each query runs over each and the rows are stacked:",
            ctx.clock.periods.len()
        ));
        for p in &ctx.clock.periods {
            out.push_str(&format!("\n  {p}"));
        }
    }
    out
}

/// `FRAME.Column`'s first and last time, and how many times it holds.
fn span(ctx: &Context, target: &str, at: &Span) -> Result<(TimeWindow, usize), Diagnostic> {
    let Some((name, column)) = target.split_once('.') else {
        return Err(
            Diagnostic::new("bad-time-window", format!("{target:?} is not FRAME.Column"))
                .at(at.clone())
                .hint("e.g.  %time span logons.TimeGenerated"),
        );
    };
    let frame = ctx.session.frame(&Spanned {
        text: name.to_string(),
        span: at.clone(),
    })?;
    if frame.data.column(column).is_err() {
        let names: Vec<String> = frame.data.get_column_names().iter().map(|c| c.to_string()).collect();
        let d = Diagnostic::new("no-such-column", format!("{name} has no column {column}")).at(at.clone());
        return Err(column_hint(d, column, &names, &format!("{name}.")));
    }
    let times = times(&frame.data, column, &format!("{name}.{column}"), at)?;
    let values = times.iter().flatten().count();
    let (Some(start), Some(end)) = (times.iter().flatten().min(), times.iter().flatten().max()) else {
        return Err(Diagnostic::new("bad-time-window", format!("{name}.{column} holds no time")).at(at.clone()));
    };
    let window = TimeWindow {
        start: *start,
        end: *end,
    };
    Ok((window, values))
}

/// The periods of a frame with `start` and `end` columns, one per row.
fn periods(ctx: &Context, name: &str, at: &Span) -> Result<Vec<TimeWindow>, Diagnostic> {
    let frame = ctx.session.frame(&Spanned {
        text: name.to_string(),
        span: at.clone(),
    })?;
    let column = |c: &str| {
        let found = frame
            .data
            .get_column_names()
            .into_iter()
            .find(|n| n.eq_ignore_ascii_case(c))
            .ok_or_else(|| {
                Diagnostic::new(
                    "no-such-column",
                    format!("{name} has no column {c}: a period has a start and an end"),
                )
                .at(at.clone())
                .hint("%anomalies FRAME --value COLUMN --periods gives such a frame")
            })?;
        times(&frame.data, found, &format!("{name}.{c}"), at)
    };
    let (starts, ends) = (column("start")?, column("end")?);
    if starts.is_empty() {
        return Err(Diagnostic::new("bad-time-window", format!("{name} has no periods (no rows)")).at(at.clone()));
    }
    if starts.len() > MOST_PERIODS {
        return Err(Diagnostic::new(
            "bad-time-window",
            format!(
                "{name} has {} periods; at most {MOST_PERIODS} (each is a query of its own)",
                starts.len()
            ),
        )
        .at(at.clone())
        .hint("keep the strongest with %%sql (ORDER BY score DESC LIMIT 20), or use  %time span"));
    }
    let mut out = Vec::with_capacity(starts.len());
    for (row, (s, e)) in starts.iter().zip(&ends).enumerate() {
        let (Some(start), Some(end)) = (s, e) else {
            return Err(
                Diagnostic::new("bad-time-window", format!("row {row} of {name} has no start or no end"))
                    .at(at.clone()),
            );
        };
        if end < start {
            return Err(Diagnostic::new(
                "bad-time-window",
                format!(
                    "row {row} of {name} ends ({}) before it starts ({})",
                    iso(*end),
                    iso(*start)
                ),
            )
            .at(at.clone()));
        }
        out.push(TimeWindow {
            start: *start,
            end: *end,
        });
    }
    Ok(out)
}

/// A column of times (datetime or date) as UTC times, nulls kept; any other column is
/// refused (text is not read as times here: the window must come from times).
fn times(
    df: &polars::prelude::DataFrame,
    column: &str,
    what: &str,
    at: &Span,
) -> Result<Vec<Option<chrono::DateTime<chrono::Utc>>>, Diagnostic> {
    let dtype = df
        .column(column)
        .map_err(|e| Diagnostic::engine(e.into(), Some(at.clone())))?
        .dtype();
    if !matches!(dtype, DataType::Datetime(..) | DataType::Date) {
        return Err(
            Diagnostic::new("bad-time-window", format!("{what} holds {dtype}, not times"))
                .at(at.clone())
                .hint("a column of datetimes (TimeGenerated, StartTime, …)"),
        );
    }
    let micros = huntbook::frame::time_values(df, column).map_err(|e| Diagnostic::engine(e, Some(at.clone())))?;
    Ok(micros
        .into_iter()
        .map(|m| m.and_then(chrono::DateTime::from_timestamp_micros))
        .collect())
}

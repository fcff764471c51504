//! `%%sql`: polars SQL over every frame in the session.

use huntbook::sql;

use crate::args::Args;
use crate::diag::Diagnostic;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Signature};
use crate::values::{self, Lands, Values};

pub struct Sql;

static SIGNATURE: Signature = Signature {
    name: "sql",
    summary: "Query the session's frames with SQL",
    description: "Runs one SQL statement (polars SQL) with every frame of the session available as a table of the same name. \
Use it to filter, join and group frames without writing code. The result is a frame. \
{name.Column} and the other session values become SQL literals (a list in parentheses, for IN); {start} and {end} are the \
%time window's bare time, to quote:  WHERE TimeGenerated >= '{start}'. msticpy's feature functions are SQL \
functions: delim_count(x), delim_hash(x), char_ord_score(x), token_count(x[, delimiter]) and crc32_hash(x) (see %features).",
    forms: Forms::Cell,
    params: &[],
    options: &[],
    body: Some("a SQL statement over the session's frames"),
    returns: "a frame",
    examples: &[Example::new(
        "%%sql\nSELECT TargetUserName, COUNT(*) AS Logons FROM logons GROUP BY TargetUserName ORDER BY Logons DESC",
        "count logons per account in the frame logons",
    )],
};

impl Magic for Sql {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let body = args.body()?;
        let values = Values {
            session: ctx.session,
            window: ctx.clock.window,
        };
        let statement = values::body(&body.text, body.span.start, &values, Lands::Sql)?;
        let statement = statement.trim().trim_end_matches(';');
        let tables = ctx.session.iter().map(|(name, frame)| (name, &frame.data));
        let df = sql::run(tables, statement).map_err(|e| {
            Diagnostic::engine(e, Some(body.span.clone())).hint("%vars lists the frames and their columns")
        })?;
        let frame = huntbook::Frame::new(df, "%%sql").with_query(statement);
        Ok(Outcome::new(Value::Frame(frame)))
    }
}

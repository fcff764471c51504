//! `%features FRAME | FRAME.COLUMN | TEXT`: msticpy's feature functions — the process
//! features `add_process_features` adds, or the string features of one column — so that
//! `%cluster` (and `%%sql`) can use them.

use huntbook::Frame;
use huntbook::cluster::features::{self, Feature, ProcessColumns};
use polars::prelude::{Column, DataFrame};

use crate::args::Args;
use crate::columns::named_column;
use crate::diag::Diagnostic;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Kind, Opt, Param, Signature};
use crate::target::{Accepts, Target, resolve};

pub struct FeaturesMagic;

static SIGNATURE: Signature = Signature {
    name: "features",
    summary: "Add msticpy's clustering features: process features of a frame, or string features of a column",
    description: "Given a frame of process events, adds msticpy's add_process_features columns, with msticpy's \
values: processName, pathScore (sum of the path's code points), pathLogScore, pathHash (CRC32), commandlineLen, \
commandlineLogLen, commandlineTokensFull (delimiters in the command line), commandlineScore, commandlineTokensHash \
and isSystemSession (logon id 0x3e7 or -1). The columns read are NewProcessName, CommandLine and SubjectLogonId \
unless --path, --cmdline and --logon-id name others (Sysmon: Image, CommandLine, LogonId). Given FRAME.COLUMN, adds \
COLUMN_delimCount, _delimHash, _charOrdScore, _tokenCount (space-separated) and _crc32, or those --only names; given \
text, gives its features as one row. The same functions work in %%sql: delim_count(x), delim_hash(x), \
char_ord_score(x), token_count(x[, delimiter]) and crc32_hash(x).",
    forms: Forms::Line,
    params: &[Param::new(
        "target",
        Kind::ValueOrColumn,
        "a frame of process events, FRAME.COLUMN, or text",
    )
    .required()],
    options: &[
        Opt::value("path", "COLUMN", Kind::Text, "the process path column").default("NewProcessName"),
        Opt::value("cmdline", "COLUMN", Kind::Text, "the command-line column").default("CommandLine"),
        Opt::value(
            "logon-id",
            "COLUMN",
            Kind::Text,
            "the logon id column (isSystemSession); absent: no isSystemSession",
        )
        .default("SubjectLogonId"),
        Opt::value(
            "only",
            "NAMES",
            Kind::Text,
            "for a column: some of delimCount,delimHash,charOrdScore,tokenCount,crc32",
        ),
    ],
    body: None,
    returns: "a frame",
    examples: &[
        Example::new(
            "procs = %features procs",
            "msticpy's process features added to the frame procs",
        ),
        Example::new(
            "%features procs.CommandLine --only delimCount,crc32",
            "two features of each command line",
        ),
        Example::new(
            "%features \"The quick & sly (as all foxes might be/or not) fox, jumped over a frog.\"",
            "msticpy's test vector: 20 delimiters, 15 tokens, score 6199",
        ),
    ],
};

impl Magic for FeaturesMagic {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let arg = args.required("target")?;
        let engine = |e| Diagnostic::engine(e, Some(arg.span.clone()));
        let origin = format!("%features {}", arg.text);
        let target = resolve(
            args,
            "target",
            ctx.session,
            Accepts {
                frame: true,
                columns: false,
            },
        )?;
        let df = match target {
            Some(Target::Frame(frame)) => {
                let columns = process_columns(frame, args)?;
                features::process_features(&frame.data, &columns).map_err(engine)?
            }
            Some(Target::Columns { frame, columns }) => {
                let only = chosen(args)?;
                features::column_features(&frame.data, &columns[0], &only).map_err(engine)?
            }
            Some(Target::Text(text)) => {
                let one = DataFrame::new_infer_height(vec![Column::new("Value".into(), [text])])
                    .map_err(|e| engine(e.into()))?;
                features::column_features(&one, "Value", &chosen(args)?).map_err(engine)?
            }
            None => {
                return Err(Diagnostic::new(
                    "missing-argument",
                    "%features needs a frame, FRAME.COLUMN or text",
                ));
            }
        };
        Ok(Outcome::new(Value::Frame(Frame::new(df, origin))))
    }
}

/// The process columns to read, each checked when named (the defaults are msticpy's).
fn process_columns(frame: &Frame, args: &Args) -> Result<ProcessColumns, Diagnostic> {
    let mut columns = ProcessColumns::default();
    if let Some(p) = args.option("path") {
        columns.path = named_column(frame, p)?;
    }
    if let Some(c) = args.option("cmdline") {
        columns.command_line = named_column(frame, c)?;
    }
    if let Some(l) = args.option("logon-id") {
        columns.logon_id = l.text.clone();
    }
    Ok(columns)
}

/// The string features `--only` names (all of them by default).
fn chosen(args: &Args) -> Result<Vec<Feature>, Diagnostic> {
    let Some(only) = args.option("only") else {
        return Ok(Feature::ALL.to_vec());
    };
    only.text
        .split(',')
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(|w| {
            Feature::parse(w).ok_or_else(|| {
                Diagnostic::new("bad-value", format!("no feature {w:?}"))
                    .at(only.span.clone())
                    .hint("features: delimCount, delimHash, charOrdScore, tokenCount, crc32")
            })
        })
        .collect()
}

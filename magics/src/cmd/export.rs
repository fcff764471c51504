//! `%export FRAME PATH`: a frame written to a file, to share or to keep.

use std::path::Path;

use huntbook::formats::export::{ExportFormat, export};
use huntbook::render::table::thousands;

use crate::args::Args;
use crate::diag::Diagnostic;
use crate::figure::Figure;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Kind, Opt, Param, Signature};

pub struct Export;

static SIGNATURE: Signature = Signature {
    name: "export",
    summary: "Write a frame to a CSV, Parquet, JSON or NDJSON file",
    description: "Writes the frame to PATH in the format its extension names (.csv, .parquet, .json, .ndjson or \
.jsonl), or the one --format gives. An existing file is replaced only with --force; the file appears whole or not \
at all. A Parquet file keeps the frame's provenance (source, query, window) in its metadata. %load reads every one \
of these back.",
    forms: Forms::Line,
    params: &[
        Param::new("frame", Kind::Frame, "the frame to write").required(),
        Param::new("path", Kind::Path, "the file to write").required(),
    ],
    options: &[
        Opt::value(
            "format",
            "FORMAT",
            Kind::Choice(ExportFormat::NAMES),
            "the format, when the extension does not say",
        ),
        Opt::flag("force", "replace the file if it exists"),
    ],
    body: None,
    returns: "what was written, as text",
    examples: &[
        Example::new(
            "%export logons logons.parquet",
            "the frame and its provenance, in Parquet",
        ),
        Example::new(
            "%export logons findings.txt --format csv --force",
            "CSV under another name, replacing it",
        ),
    ],
};

impl Magic for Export {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let name = args.required("frame")?;
        let frame = ctx.session.frame(name)?;
        let path_arg = args.required("path")?;
        let path = Path::new(&path_arg.text);
        let format = match args.option("format") {
            Some(f) => ExportFormat::named(&f.text).expect("the signature checked it"),
            None => ExportFormat::of_path(path).ok_or_else(|| {
                Diagnostic::new(
                    "unknown-format",
                    format!("{} does not say its format by its extension", path_arg.text),
                )
                .at(path_arg.span.clone())
                .hint(format!(
                    "end it in .csv, .parquet, .json or .ndjson, or give --format ({})",
                    ExportFormat::NAMES.join(", ")
                ))
            })?,
        };
        let written = export(frame, path, format, args.flag("force")).map_err(|e| {
            let d = Diagnostic::engine(e, Some(path_arg.span.clone()));
            if path.exists() && !args.flag("force") {
                d.hint("--force replaces it, or choose another name")
            } else {
                d
            }
        })?;
        let extra = if format == ExportFormat::Parquet {
            ", with the frame's provenance in its metadata"
        } else {
            ""
        };
        let text = format!(
            "wrote {} rows × {} columns of {} ({} bytes) to {} as {}{extra}",
            thousands(written.rows),
            written.columns,
            name.text,
            thousands(written.bytes as usize),
            path_arg.text,
            format.name()
        );
        Ok(Outcome::new(Value::Result(Figure::text(text))))
    }
}

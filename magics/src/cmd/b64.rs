//! `%b64 FRAME.COLUMN | %%b64`: decode Base64, unpack archives, and decode again.

use huntbook::Frame;
use huntbook::b64::{Limits, decode_frame, decode_text};

use crate::args::Args;
use crate::diag::Diagnostic;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Kind, Opt, Param, Signature};
use crate::target::resolve_column;

pub struct B64;

static SIGNATURE: Signature = Signature {
    name: "b64",
    summary: "Decode Base64 in a column or text, unpacking gzip/bzip2/zip/tar payloads, level after level",
    description: "Finds runs of Base64 (30 characters or more), decodes them, unpacks gzip, bzip2, zip and tar payloads, and \
decodes what comes out again, up to --max-depth levels. PowerShell -EncodedCommand (UTF-16LE) is recognised without asking. \
Gives one row per decoded fragment: Reference (depth.index), Depth, the original Base64, file name and type, encoding, the \
decoded text (hex bytes for binary), MD5/SHA1/SHA256 of the bytes, and the whole input with every fragment decoded in place. \
Output is budgeted (members per archive, bytes per member, bytes in all) so zip bombs stop with a warning.",
    forms: Forms::Both,
    params: &[Param::new(
        "source",
        Kind::ValueOrColumn,
        "FRAME.COLUMN, or one piece of text (quote it, or use %%b64)",
    )],
    options: &[
        Opt::value(
            "max-depth",
            "N",
            Kind::Int { min: 1 },
            "how many levels to decode at most",
        )
        .short('d')
        .default("20"),
        Opt::flag("utf16", "try UTF-16LE first for every fragment"),
    ],
    body: Some("text holding Base64"),
    returns: "a frame",
    examples: &[
        Example::new(
            "dec = %b64 procs.CommandLine",
            "decode the Base64 in every command line of procs",
        ),
        Example::new(
            "%%b64\nH4sIAAAAAAAC/yvIL08tKs5IzclR0E1WyEyt0MgsL1LIKCkpsNLXTy3LzNFLrUjMLchJ1UvOz9Wv0AQAzmQwMjAAAAA=",
            "a gzip payload pasted as text",
        ),
    ],
};

impl Magic for B64 {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let limits = Limits {
            max_depth: args.count("max-depth")?,
            ..Limits::default()
        };
        let utf16 = args.flag("utf16");
        if let Some(body) = &args.body {
            let out = decode_text(&body.text, utf16, limits);
            return Ok(Outcome::warned(
                Value::Frame(Frame::new(out.value, "%%b64 cell text")),
                out.warnings,
            ));
        }
        let Some(source) = args.param("source") else {
            return Err(Diagnostic::new("missing-argument", "%b64 needs FRAME.COLUMN or text")
                .at(args.call_span.clone())
                .hint("e.g.  %b64 procs.CommandLine  — or use %%b64 and paste text below"));
        };
        let out = match resolve_column(args, "source", ctx.session)? {
            Some((frame, column)) => decode_frame(&frame.data, &column, utf16, limits)
                .map_err(|e| Diagnostic::engine(e, Some(source.span.clone())))?,
            None => decode_text(&source.text, utf16, limits),
        };
        let origin = format!("%b64 {}", source.text.chars().take(60).collect::<String>());
        Ok(Outcome::warned(
            Value::Frame(Frame::new(out.value, origin)),
            out.warnings,
        ))
    }
}

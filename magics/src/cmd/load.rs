//! `%load PATH [--format F]`: local files into a frame.

use std::time::Instant;

use huntbook::formats::{self, FileFormat};
use huntbook::load::load_with_progress;

use crate::args::Args;
use crate::diag::Diagnostic;
use crate::io::Progress;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Kind, Opt, Param, Signature};

pub struct Load;

static SIGNATURE: Signature = Signature {
    name: "load",
    summary: "Load CSV, JSON, NDJSON, Parquet, EVTX, auditd, syslog or Zeek logs, or archives of them, into a frame",
    description: "Reads local files into a frame. The format comes from the extension unless --format says otherwise: \
.csv/.tsv, .json (an array, or one record per line), .ndjson/.jsonl, .parquet, .evtx (one row per record, System and \
EventData fields as columns), a .log of Linux auditd records (grouped into events; SYSCALL+EXECVE gives cmdline), of \
RFC 3164/5424 syslog lines, or a Zeek TSV log (the content decides), and \
.zip/.tar/.tar.gz archives of any of these (read member by member, as OTRF Security-Datasets ships them). \
A folder or a glob pattern loads every matching file and stacks them, adding a SourceFile column; \
files, records or lines that cannot be read are skipped and counted in a warning.",
    forms: Forms::Line,
    params: &[Param::new("path", Kind::Path, "a file, a folder, or a glob such as logs/*.csv").required()],
    options: &[Opt::value(
        "format",
        "FORMAT",
        Kind::Choice(&formats::NAMES),
        "read the files as this format whatever their extension",
    )
    .short('f')],
    body: None,
    returns: "a frame",
    examples: &[
        Example::new(
            "procs = %load ../shared/data/msticpy/process/win4688_processes_on_host.csv",
            "load a CSV export of 4688 process events into the frame procs",
        ),
        Example::new(
            "logs = %load ../shared/data/loghub/Linux/Linux_2k.log --format syslog",
            "read a file as syslog, whatever its name says",
        ),
    ],
};

struct Plan {
    path: String,
    format: Option<FileFormat>,
}

impl Plan {
    fn from_args(args: &Args) -> Self {
        Plan {
            path: args.param("path").map(|p| p.text.clone()).unwrap_or_default(),
            // The choice was validated against formats::NAMES while parsing.
            format: args.option("format").and_then(|f| formats::by_name(&f.text)),
        }
    }
}

impl Magic for Load {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let plan = Plan::from_args(args);
        let span = args.param("path").map(|p| p.span.clone());
        // A folder or glob reports each file as it goes, and stops between files when the
        // user interrupts; a single file is one step and shows no progress.
        let mut progress = Progress::new("load");
        let started = Instant::now();
        let io = &mut *ctx.io;
        let loaded = load_with_progress(&plan.path, plan.format, &mut |done, total| {
            let text = if done < total {
                format!("loading {}: file {} of {total}…", plan.path, done + 1)
            } else {
                format!(
                    "loaded {total} files from {} in {:.2} s",
                    plan.path,
                    started.elapsed().as_secs_f64()
                )
            };
            progress.show(io, &text);
            !io.interrupted()
        })
        .map_err(|e| Diagnostic::engine(e, span))?;
        Ok(Outcome::warned(Value::Frame(loaded.value), loaded.warnings))
    }
}

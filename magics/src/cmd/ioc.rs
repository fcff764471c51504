//! `%ioc SOURCE | %%ioc`: indicators of compromise out of a frame, columns or text.

use huntbook::Frame;
use huntbook::ioc::{CustomType, Extractor, IocType, extract_frame, extract_text};

use crate::args::Args;
use crate::diag::{Diagnostic, did_you_mean};
use crate::parse::Spanned;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::session::Session;
use crate::signature::{Example, Forms, Kind, Opt, Param, Signature};
use crate::target::{Accepts, Target, resolve};

pub struct Ioc;

static SIGNATURE: Signature = Signature {
    name: "ioc",
    summary: "Extract indicators (IPs, domains, URLs, hashes, e-mails, CVEs …) from a frame, columns or text",
    description: "Finds indicators of compromise, defanged ones included (hxxp, [.], [at] …), and gives one row per distinct \
indicator per input row and column: IoCType, Observable, SourceIndex, SourceColumn, Input. Types: ipv4, ipv6, dns, url, \
email, md5_hash, sha1_hash, sha256_hash, sha512_hash, cve, mac_address, asn, registry_key, bitcoin_address, and with \
--include-paths windows_path and linux_path. Domains must end in a public suffix; IPv6 candidates must parse (clock times \
are not IPv6). SOURCE is a frame (every text column), FRAME.COLUMN[,COLUMN…], or quoted text; %%ioc reads the cell body.",
    forms: Forms::Both,
    params: &[Param::new(
        "source",
        Kind::ValueOrColumn,
        "FRAME, FRAME.COLUMN[,COLUMN…], or one piece of text (quote text with spaces, or use %%ioc)",
    )],
    options: &[
        Opt::value(
            "types",
            "TYPE, …",
            Kind::Text,
            "only these types (comma-separated names, e.g. ipv4,dns,url)",
        )
        .short('t'),
        Opt::flag("include-paths", "also extract Windows and Linux file paths").short('p'),
        Opt::value(
            "custom",
            "NAME=REGEX",
            Kind::Text,
            "also extract a type of your own; the regex's first group (or whole match) is the observable",
        )
        .short('c'),
        Opt::flag("defang", "give observables defanged (hxxp, [.]) for sharing"),
        Opt::flag("refang", "give observables live, as they would be used (the default)"),
    ],
    body: Some("text to extract indicators from, such as a pasted report"),
    returns: "a frame",
    examples: &[
        Example::new(
            "iocs = %ioc procs.CommandLine",
            "indicators in the command lines of the frame procs",
        ),
        Example::new(
            "%ioc --types dns,url 'beacon to hxxps://update[.]example-cdn[.]com/a.php'",
            "domains and URLs in a line of text",
        ),
        Example::new(
            "%%ioc --defang\nC2: 45[.]77[.]12[.]3 and evil@phish[.]example[.]org",
            "indicators in pasted report text, defanged for sharing",
        ),
    ],
};

enum Source<'a> {
    Columns(&'a Frame, Vec<String>),
    Text(&'a str, &'static str),
}

/// The call, read once from its arguments.
struct Plan<'a> {
    extractor: Extractor,
    defanged: bool,
    source: Source<'a>,
    /// Where the source was named, for errors about it.
    at: Option<std::ops::Range<usize>>,
}

impl<'a> Plan<'a> {
    fn from_args(args: &'a Args, session: &'a Session) -> Result<Self, Diagnostic> {
        if args.flag("defang") && args.flag("refang") {
            return Err(
                Diagnostic::new("conflicting-options", "--defang and --refang ask for opposite forms")
                    .at(args.call_span.clone())
                    .hint("give one of them; observables are refanged by default"),
            );
        }
        Ok(Plan {
            extractor: build_extractor(args)?,
            defanged: args.flag("defang"),
            source: resolve_source(args, session)?,
            at: args.param("source").map(|p| p.span.clone()),
        })
    }
}

impl Magic for Ioc {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let plan = Plan::from_args(args, ctx.session)?;
        let (df, origin) = match plan.source {
            Source::Columns(frame, columns) => {
                let df = extract_frame(&frame.data, &columns, &plan.extractor, plan.defanged)
                    .map_err(|e| Diagnostic::engine(e, plan.at.clone()))?;
                (df, format!("%ioc over {}", columns.join(", ")))
            }
            Source::Text(text, origin) => {
                let df = extract_text(text, &plan.extractor, plan.defanged).map_err(|e| Diagnostic::engine(e, None))?;
                (df, origin.to_string())
            }
        };
        Ok(Outcome::new(Value::Frame(Frame::new(df, origin))))
    }
}

fn build_extractor(args: &Args) -> Result<Extractor, Diagnostic> {
    let mut types = IocType::default_set(args.flag("include-paths"));
    if let Some(list) = args.option("types") {
        types = parse_types(list)?;
    }
    let mut custom = Vec::new();
    if let Some(spec) = args.option("custom") {
        let Some((name, pattern)) = spec.text.split_once('=') else {
            return Err(Diagnostic::new("bad-value", "--custom takes NAME=REGEX").at(spec.span.clone()));
        };
        // A size limit keeps a pathological pattern from exhausting memory.
        let regex = regex::RegexBuilder::new(pattern)
            .size_limit(1 << 22)
            .build()
            .map_err(|e| {
                Diagnostic::new("bad-value", format!("the --custom regex does not compile: {e}")).at(spec.span.clone())
            })?;
        custom.push(CustomType {
            name: name.trim().to_string(),
            regex,
        });
    }
    Ok(Extractor::new(types, custom))
}

fn parse_types(list: &Spanned) -> Result<Vec<IocType>, Diagnostic> {
    let mut types = Vec::new();
    for name in list.text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        match IocType::from_name(name) {
            Some(t) => types.push(t),
            None => {
                let d =
                    Diagnostic::new("bad-value", format!("{name:?} is not an indicator type")).at(list.span.clone());
                return Err(match did_you_mean(name, IocType::ALL.iter().map(|t| t.name())) {
                    Some(s) => d.hint(format!("did you mean {s}?")),
                    None => d.hint(format!(
                        "types: {}",
                        IocType::ALL.iter().map(|t| t.name()).collect::<Vec<_>>().join(", ")
                    )),
                });
            }
        }
    }
    Ok(types)
}

fn resolve_source<'a>(args: &'a Args, session: &'a Session) -> Result<Source<'a>, Diagnostic> {
    if let Some(body) = &args.body {
        return Ok(Source::Text(&body.text, "%%ioc cell text"));
    }
    let Some(target) = resolve(args, "source", session, Accepts::ANY)? else {
        return Err(
            Diagnostic::new("missing-argument", "%ioc needs a frame, FRAME.COLUMN or text")
                .at(args.call_span.clone())
                .hint("e.g.  %ioc procs.CommandLine  — or use %%ioc and paste text below"),
        );
    };
    Ok(match target {
        Target::Frame(frame) => Source::Columns(frame, huntbook::frame::text_columns(&frame.data)),
        Target::Columns { frame, columns } => Source::Columns(frame, columns),
        Target::Text(text) => Source::Text(text, "%ioc text"),
    })
}

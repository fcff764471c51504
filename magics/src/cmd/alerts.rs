//! `%alerts FRAME`: security alerts as readable cards, worst first; `--entities` gives
//! their entities as a frame for the enrichment magics.

use huntbook::Frame;
use huntbook::alerts::{SCHEMAS, cards, entity_frame, read_alerts_as};

use crate::args::Args;
use crate::diag::Diagnostic;
use crate::figure::Figure;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Kind, Opt, Param, Signature};

pub struct Alerts;

static SIGNATURE: Signature = Signature {
    name: "alerts",
    summary: "Show security alerts as cards, or their entities as a frame",
    description: "Reads Microsoft Sentinel SecurityAlert rows (the Entities and ExtendedProperties JSON included; \
$id/$ref references resolved, nested entities such as a process's image file and host found) and shows each alert as \
a card, worst severity first: time span, product, tactics and techniques (ATT&CK ids as links), the compromised \
entity, the description, the entities grouped by type, extended properties and remediation folded. With --entities \
the result is a frame of one row per alert and entity (EntityKey, EntityType, Entity, HostName, Account, IpAddress, \
FilePath, FileHash, ProcessId, CommandLine, Url) for %ti, %whois, %geoip and %%sql. An alert whose Entities cannot be \
read is shown with a warning; the others are unaffected. --graph draws alerts and entities as one graph (an entity \
shared by several alerts is one node, larger, between them; a deterministic force-directed layout; at most 300 nodes, \
the entities of fewest alerts folded beyond). Defender's AlertEvidence (AlertInfo joined or not) is read too, rows \
grouped by AlertId, and Microsoft Graph's alerts v2 (a saved /security/alerts_v2 answer loaded with %load; each piece \
of evidence an entity, a process with its image, parent and account). The schema is recognised from the columns; \
--schema names it.",
    forms: Forms::Line,
    params: &[Param::new(
        "frame",
        Kind::Frame,
        "a frame of alerts (Sentinel's SecurityAlert, Defender's AlertEvidence, Graph's alerts v2)",
    )
    .required()],
    options: &[
        Opt::flag("entities", "give the alerts' entities as a frame instead of cards").short('e'),
        Opt::flag("graph", "draw the alert/entity graph (SVG) instead of cards").short('g'),
        Opt::value(
            "related",
            "FRAME",
            Kind::Frame,
            "add the alerts of FRAME that share a host, account, address or file with these",
        ),
        Opt::value("rows", "N", Kind::Int { min: 1 }, "how many cards to show").default("20"),
        Opt::value(
            "schema",
            "SCHEMA",
            Kind::Choice(SCHEMAS),
            "read the frame as this schema rather than recognise it",
        ),
    ],
    body: None,
    returns: "cards, or a frame with --entities",
    examples: &[
        Example::new("%alerts alerts --rows 5", "the five worst alerts as cards"),
        Example::new(
            "ents = %alerts alerts --entities",
            "every alert's entities, one row each",
        ),
        Example::new(
            "%alerts alerts --graph",
            "which alerts share hosts, accounts, processes and addresses",
        ),
        Example::new(
            "%alerts alerts --graph --related alerts",
            "with the alerts of another list that share an entity",
        ),
    ],
};

impl Magic for Alerts {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let name = args.required("frame")?;
        let frame = ctx.session.frame(name)?;
        let schema = args.option("schema").map(|s| s.text.as_str());
        let mut read = read_alerts_as(&frame.data, schema).map_err(|e| {
            Diagnostic::engine(e, Some(name.span.clone()))
                .hint("load Sentinel's SecurityAlert table, e.g. %query SecurityAlert.list_alerts")
        })?;
        if let Some(other) = args.option("related") {
            let more = read_alerts_as(&ctx.session.frame(other)?.data, None)
                .map_err(|e| Diagnostic::engine(e, Some(other.span.clone())))?;
            let found = huntbook::alerts::related(&read.value, more.value);
            read.warnings.push(format!(
                "{} related alert(s) from {} share a host, an account, an address or a file with these (marked \"related\")",
                found.len(),
                other.text
            ));
            read.value.extend(found);
        }
        if args.flag("entities") {
            let df = entity_frame(&read.value).map_err(|e| Diagnostic::engine(e, Some(name.span.clone())))?;
            let out = Frame::new(df, format!("%alerts {} --entities", name.text));
            return Ok(Outcome::warned(Value::Frame(out), read.warnings));
        }
        if args.flag("graph") {
            let (svg, folded) = huntbook::alerts::graph::svg(&read.value);
            let mut warnings = read.warnings;
            warnings.extend(folded);
            let summary = huntbook::alerts::cards::summary(&read.value);
            let figure = Figure::text(format!("alert/entity graph of {}: {summary}", name.text))
                .image(svg)
                .heading(format!(
                    "alerts and their entities in {} — shared entities are larger and central",
                    name.text
                ));
            return Ok(Outcome::warned(Value::Result(figure), warnings));
        }
        let rows = args.count("rows")?;
        let (html, text) = cards::cards(&read.value, rows);
        Ok(Outcome::new(Value::Result(
            Figure::rich(html, text)
                .heading(format!("alerts in {}", name.text))
                .warn(read.warnings),
        )))
    }
}

//! `%geoip IP | FRAME.COLUMN`: where addresses are, from MaxMind databases.

use huntbook::Frame;
use huntbook::geo::{ATTRIBUTION, GeoDb, GeoPaths};

use crate::args::Args;
use crate::diag::Diagnostic;
use crate::display::{DEFAULT_ROWS, table};
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Kind, Opt, Param, Signature};
use crate::target::resolve_column;

pub struct GeoIp;

static SIGNATURE: Signature = Signature {
    name: "geoip",
    summary: "Locate IP addresses (country, state, city, coordinates, ASN) with MaxMind GeoLite2/GeoIP2 databases",
    description: "Looks addresses up in local MaxMind databases — City (or Country) and ASN — and gives CountryCode, \
CountryName, State, City, Latitude, Longitude, ASN and ASOrganization, with IpType. Addresses that are not global are \
labelled as msticpy labels them (CountryName \"Private address\", City \"location unknown\") instead of being looked up. \
The databases are set in huntbook.yaml (geoip: folder: or city:/country:/asn:), else looked for in \
~/.local/share/huntbook/geoip and ~/.msticpy under MaxMind's file names. Nothing is downloaded. --map draws the \
located addresses on an offline world map.",
    forms: Forms::Line,
    params: &[Param::new(
        "ip",
        Kind::ValueOrColumn,
        "an IP address, or FRAME.COLUMN to locate a whole column",
    )
    .required()],
    options: &[Opt::flag("map", "also draw the located addresses on a world map (SVG, offline)").short('m')],
    body: None,
    returns: "a frame",
    examples: &[
        Example::new("%geoip 81.2.69.142", "one address"),
        Example::new("flows = %geoip flows.RemoteIP --map", "locate a column and map it"),
    ],
};

/// The databases: configured, else under MaxMind's names in the usual folders.
fn paths(ctx: &mut Context) -> Option<GeoPaths> {
    if let Some(p) = &ctx.sources.config().geoip {
        return Some(p.clone());
    }
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from)?;
    [home.join(".local/share/huntbook/geoip"), home.join(".msticpy")]
        .iter()
        .map(|f| GeoPaths::in_folder(f))
        .find(|p| !p.is_empty())
}

impl Magic for GeoIp {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let arg = args.required("ip")?;
        let column = resolve_column(args, "ip", ctx.session)?;
        let Some(paths) = paths(ctx) else {
            return Err(Diagnostic::new("no-database", "no MaxMind database is configured")
                .at(args.call_span.clone())
                .hint("download GeoLite2-City.mmdb (and GeoLite2-ASN.mmdb) from maxmind.com and set in huntbook.yaml\n  geoip:\n    folder: /path/to/the/folder"));
        };
        let db = GeoDb::open(&paths).map_err(|e| Diagnostic::engine(e, None))?;
        let text = arg.text.trim();
        let (df, origin, warnings) = if let Some((frame, column)) = &column {
            let located = db
                .locate_column(&frame.data, column)
                .map_err(|e| Diagnostic::engine(e, Some(arg.span.clone())))?;
            (located.value, format!("%geoip {text}"), located.warnings)
        } else {
            // One address: an error if it is not one, rather than an Invalid row.
            text.parse::<std::net::IpAddr>().map_err(|_| {
                Diagnostic::engine(huntbook::Error::InvalidIp(text.to_string()), Some(arg.span.clone()))
                    .hint("give an IPv4 or IPv6 address, or FRAME.COLUMN")
            })?;
            let located = db
                .locate_all(&[text.to_string()])
                .map_err(|e| Diagnostic::engine(e, None))?;
            (located.value, "%geoip".to_string(), located.warnings)
        };
        let mut frame = Frame::new(df, origin);
        frame.provenance.query = Some(format!("MaxMind databases: {}", db.describe().join("; ")));
        let mut figure = table(&frame, None, DEFAULT_ROWS).footer(ATTRIBUTION);
        let mut warnings = warnings;
        if args.flag("map") {
            let (svg, notes) = huntbook::render::map::render(&frame.data).map_err(|e| Diagnostic::engine(e, None))?;
            figure = figure.image(svg);
            warnings.extend(notes.into_iter().map(|n| format!("map: {n}")));
        }
        Ok(Outcome::warned(Value::Shown(frame, figure), warnings))
    }
}

//! `%geoip IP | FRAME.COLUMN`: where addresses are, from MaxMind databases.

use huntbook::Frame;
use huntbook::geo::{ATTRIBUTION, GeoDb, GeoPaths};

use crate::diag::Diagnostic;
use crate::display::{DEFAULT_ROWS, frame_bundle};
use crate::parse::{Args, is_column_not_ip};
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Kind, Opt, Param, Signature};

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
    params: &[Param {
        name: "ip",
        help: "an IP address, or FRAME.COLUMN to locate a whole column",
        kind: Kind::ValueOrColumn,
        required: true,
        rest: false,
    }],
    options: &[Opt {
        long: "map",
        short: Some('m'),
        value: None,
        help: "also draw the located addresses on a world map (SVG, offline)",
        default: None,
    }],
    body: None,
    returns: "a frame",
    examples: &[
        Example {
            code: "%geoip 81.2.69.142",
            about: "one address",
            expect: None,
        },
        Example {
            code: "flows = %geoip flows.RemoteIP --map",
            about: "locate a column and map it",
            expect: None,
        },
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
        let arg = args.param("ip").expect("required by the signature");
        let Some(paths) = paths(ctx) else {
            return Err(Diagnostic::new("no-database", "no MaxMind database is configured")
                .at(args.call_span.clone())
                .hint("download GeoLite2-City.mmdb (and GeoLite2-ASN.mmdb) from maxmind.com and set in huntbook.yaml\n  geoip:\n    folder: /path/to/the/folder"));
        };
        let db = GeoDb::open(&paths).map_err(|e| Diagnostic::engine(e, None))?;
        let text = arg.text.trim();
        let column = is_column_not_ip(text);
        let (df, origin, warnings) = if column {
            let (frame, column) = ctx.session.column(arg)?;
            let located = db
                .locate_column(&frame.data, &column)
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
        let mut bundle = frame_bundle(&frame, None, DEFAULT_ROWS, &warnings);
        let mut html = bundle
            .data
            .get("text/html")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string();
        let mut plain = bundle.plain().to_string();
        if args.flag("map") {
            let (svg, notes) = huntbook::render::map::render(&frame.data).map_err(|e| Diagnostic::engine(e, None))?;
            html = format!("{svg}{html}");
            for n in notes {
                plain.push_str(&format!("\nmap: {n}"));
            }
            bundle = bundle.with("image/svg+xml", svg);
        }
        html.push_str(&format!(
            "<p class=\"hb-attribution\">{}</p>",
            huntbook::render::escape_html(ATTRIBUTION)
        ));
        plain.push('\n');
        plain.push_str(ATTRIBUTION);
        let bundle = bundle.with("text/html", html).with("text/plain", plain);
        Ok(Outcome::new(Value::Shown(frame, bundle)))
    }
}

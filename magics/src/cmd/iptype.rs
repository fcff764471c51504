//! `%iptype IP | FRAME.COLUMN`: the class of an IP address, as msticpy's `get_ip_type`.

use huntbook::Frame;
use huntbook::ip::{classify_column, classify_str};

use crate::args::Args;
use crate::diag::Diagnostic;
use crate::figure::Figure;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Kind, Param, Signature};
use crate::target::resolve_column;

pub struct IpType;

static SIGNATURE: Signature = Signature {
    name: "iptype",
    summary: "Classify an IP address (Public, Private, Loopback, Multicast, Link Local, Reserved, Unspecified)",
    description: "Gives the class of one IP address, IPv4 or IPv6, as msticpy's get_ip_type does. \
Given FRAME.COLUMN it classifies every value of the column and gives the frame with an IpType column added; \
values that are not IP addresses are classed Invalid and counted in a warning.",
    forms: Forms::Line,
    params: &[Param::new(
        "ip",
        Kind::ValueOrColumn,
        "an IP address, or FRAME.COLUMN to classify a whole column",
    )
    .required()],
    options: &[],
    body: None,
    returns: "text, or a frame for a column",
    examples: &[
        Example::new("%iptype 8.8.8.8", "a public DNS resolver").expect("Public"),
        Example::new("%iptype 10.1.2.3", "an RFC 1918 address").expect("Private"),
        Example::new("%iptype fe80::1", "an IPv6 link-local address").expect("Link Local"),
        Example::new(
            "flows = %iptype flows.RemoteIP",
            "add an IpType column to the frame flows",
        ),
    ],
};

impl Magic for IpType {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let arg = args.required("ip")?;
        match resolve_column(args, "ip", ctx.session)? {
            None => {
                let text = arg.text.as_str();
                let class = classify_str(text).map_err(|e| {
                    Diagnostic::engine(e, Some(arg.span.clone())).hint("give an IPv4 or IPv6 address, or FRAME.COLUMN")
                })?;
                Ok(Outcome::new(Value::Result(Figure::text(class.as_str()))))
            }
            Some((frame, column)) => {
                let classified =
                    classify_column(&frame.data, &column).map_err(|e| Diagnostic::engine(e, Some(arg.span.clone())))?;
                let mut out = Frame::new(classified.value, frame.provenance.source.clone());
                out.provenance.query = Some(format!("%iptype {}", arg.text));
                Ok(Outcome::warned(Value::Frame(out), classified.warnings))
            }
        }
    }
}

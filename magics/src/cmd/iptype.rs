//! `%iptype IP | FRAME.COLUMN`: the class of an IP address, as msticpy's `get_ip_type`.

use huntbook::Frame;
use huntbook::ip::{classify_column, classify_str};

use crate::bundle::MimeBundle;
use crate::diag::Diagnostic;
use crate::parse::{Args, is_column_not_ip};
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Kind, Param, Signature};

pub struct IpType;

static SIGNATURE: Signature = Signature {
    name: "iptype",
    summary: "Classify an IP address (Public, Private, Loopback, Multicast, Link Local, Reserved, Unspecified)",
    description: "Gives the class of one IP address, IPv4 or IPv6, as msticpy's get_ip_type does. \
Given FRAME.COLUMN it classifies every value of the column and gives the frame with an IpType column added; \
values that are not IP addresses are classed Invalid and counted in a warning.",
    forms: Forms::Line,
    params: &[Param {
        name: "ip",
        help: "an IP address, or FRAME.COLUMN to classify a whole column",
        kind: Kind::ValueOrColumn,
        required: true,
        rest: false,
    }],
    options: &[],
    body: None,
    returns: "text, or a frame for a column",
    examples: &[
        Example {
            code: "%iptype 8.8.8.8",
            about: "a public DNS resolver",
            expect: Some("Public"),
        },
        Example {
            code: "%iptype 10.1.2.3",
            about: "an RFC 1918 address",
            expect: Some("Private"),
        },
        Example {
            code: "%iptype fe80::1",
            about: "an IPv6 link-local address",
            expect: Some("Link Local"),
        },
        Example {
            code: "flows = %iptype flows.RemoteIP",
            about: "add an IpType column to the frame flows",
            expect: None,
        },
    ],
};

enum Plan<'a> {
    Literal(&'a str),
    Column(&'a Frame, String),
}

impl Magic for IpType {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let arg = args.param("ip").expect("required by the signature");
        let plan = if is_column_not_ip(&arg.text) {
            let (frame, column) = ctx.session.column(arg)?;
            Plan::Column(frame, column)
        } else {
            Plan::Literal(&arg.text)
        };
        match plan {
            Plan::Literal(text) => {
                let class = classify_str(text).map_err(|e| {
                    Diagnostic::engine(e, Some(arg.span.clone())).hint("give an IPv4 or IPv6 address, or FRAME.COLUMN")
                })?;
                Ok(Outcome::new(Value::Result(MimeBundle::text(class.as_str()))))
            }
            Plan::Column(frame, column) => {
                let classified =
                    classify_column(&frame.data, &column).map_err(|e| Diagnostic::engine(e, Some(arg.span.clone())))?;
                let mut out = Frame::new(classified.value, frame.provenance.source.clone());
                out.provenance.query = Some(format!("%iptype {}", arg.text));
                Ok(Outcome::warned(Value::Frame(out), classified.warnings))
            }
        }
    }
}

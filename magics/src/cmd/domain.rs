//! `%domain NAME | FRAME.COLUMN`: the parts of domain names and URLs.

use huntbook::Frame;
use huntbook::domain::{frame, parts};

use crate::args::Args;
use crate::diag::Diagnostic;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Kind, Param, Signature};
use crate::target::resolve_column;

pub struct Domain;

static SIGNATURE: Signature = Signature {
    name: "domain",
    summary: "Split domain names and URLs into their parts on the public suffix list",
    description: "Gives, for a domain name or URL (defanged forms too), its host, subdomain, registrable domain, public \
suffix and whether that suffix is on the public suffix list (msticpy's validate_tld), and for a URL its scheme, user, \
port, path, query and fragment. The suffix list is bundled, so nothing is downloaded. Given FRAME.COLUMN it splits \
every value; values that are neither are counted in a warning.",
    forms: Forms::Line,
    params: &[Param::new("name", Kind::ValueOrColumn, "a domain name or URL, or FRAME.COLUMN").required()],
    options: &[],
    body: None,
    returns: "a frame",
    examples: &[
        Example::new(
            "%domain www.mail.example.co.uk",
            "subdomain www.mail, domain example.co.uk, suffix co.uk",
        ),
        Example::new(
            "%domain hxxps://evil[.]example[.]com:8443/a.php?x=1",
            "a defanged URL's parts",
        ),
        Example::new("%domain iocs.Observable", "every value of a column"),
    ],
};

impl Magic for Domain {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let arg = args.required("name")?;
        let text = arg.text.trim();
        let column = resolve_column(args, "name", ctx.session)?;
        let (values, origin): (Vec<String>, String) = if let Some((frame, column)) = &column {
            let values = huntbook::frame::text_values(&frame.data, column)
                .map_err(|e| Diagnostic::engine(e, Some(arg.span.clone())))?;
            (
                values.iter().flatten().map(str::to_string).collect(),
                format!("%domain {text}"),
            )
        } else {
            (vec![text.to_string()], "%domain".into())
        };
        let mut rows = Vec::with_capacity(values.len());
        let mut bad = Vec::new();
        for v in &values {
            match parts(v) {
                Ok(p) => rows.push(p),
                Err(e) if column.is_none() => {
                    return Err(Diagnostic::engine(e, Some(arg.span.clone()))
                        .hint("give a domain name (example.com) or a URL with its scheme (https://example.com/a)"));
                }
                Err(_) => bad.push(v.as_str()),
            }
        }
        let df = frame(&rows).map_err(|e| Diagnostic::engine(e.into(), None))?;
        let mut warnings = Vec::new();
        if !bad.is_empty() {
            warnings.push(format!(
                "{} value{} neither domain names nor URLs and {} left out, e.g. {:?}",
                bad.len(),
                if bad.len() == 1 { " is" } else { "s are" },
                if bad.len() == 1 { "is" } else { "are" },
                bad[0]
            ));
        }
        Ok(Outcome::warned(Value::Frame(Frame::new(df, origin)), warnings))
    }
}

//! `%mask FRAME`: a copy of a frame with its users, hosts, domains, addresses, e-mail
//! addresses, SIDs and GUIDs replaced by stable pseudonyms, for sharing.

use huntbook::Frame;
use huntbook::mask::{MaskKind, Masker, kind_of, mask_frame};
use polars::prelude::DataType;

use crate::args::Args;
use crate::diag::{Diagnostic, column_hint};
use crate::registry::{Context, Magic, Outcome, Value};
use crate::secrets::Secret;
use crate::signature::{Example, Forms, Kind, Opt, Param, Signature};

pub struct Mask;

/// Where this session's masking key is kept (drawn at random on first use).
const SESSION_KEY: &str = "%mask session key";

static SIGNATURE: Signature = Signature {
    name: "mask",
    summary: "Replace users, hosts, domains, IP addresses, e-mails, SIDs and GUIDs with stable pseudonyms",
    description: "Gives a masked copy of the frame to share (the frame itself is untouched). Columns are chosen by \
name (Account, TargetUserName, Computer, IpAddress, …) and by content (addresses, SIDs, GUIDs, e-mails), or named with \
--columns (NAME or NAME=KIND, KIND one of ip, account, host, domain, email, sid, guid, text). A value gets the same \
pseudonym wherever it appears, so masked frames still join; IPv4 addresses keep their class and their /24 grouping. \
The pseudonyms are keyed: by a key drawn at random for this session, or with --key NAME by the %secret NAME (or \
env:VARIABLE), for the same pseudonyms across sessions. Empty values, well-known accounts and SIDs, 0.0.0.0 and ::1 \
identify no one and stay as they are.",
    forms: Forms::Line,
    params: &[Param::new("frame", Kind::Frame, "the frame to mask").required()],
    options: &[
        Opt::value(
            "columns",
            "COL[=KIND], …",
            Kind::Text,
            "only these columns, each as KIND (else as it looks)",
        )
        .short('c'),
        Opt::value(
            "key",
            "NAME",
            Kind::Text,
            "the %secret NAME (or env:VARIABLE) to key the pseudonyms with",
        ),
    ],
    body: None,
    returns: "a frame",
    examples: &[
        Example::new("shared = %mask logons", "every identifying column of logons"),
        Example::new(
            "shared = %mask procs --columns Account,Computer,CommandLine=text",
            "these columns only",
        ),
    ],
};

impl Magic for Mask {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let name = args.required("frame")?;
        let frame = ctx.session.frame(name)?;
        let columns = match args.option("columns") {
            Some(spec) => named_columns(frame, spec)?,
            None => chosen_columns(frame),
        };
        if columns.is_empty() {
            return Err(Diagnostic::new(
                "nothing-to-mask",
                format!(
                    "no column of {} looks like users, hosts, domains, addresses, e-mails, SIDs or GUIDs",
                    name.text
                ),
            )
            .at(name.span.clone())
            .hint("name them:  --columns COL=KIND, …  (KIND: ip, account, host, domain, email, sid, guid, text)"));
        }
        let masker = masker(args, ctx)?;
        let masked_frame =
            mask_frame(&frame.data, &columns, &masker).map_err(|e| Diagnostic::engine(e, Some(name.span.clone())))?;
        let masked: Vec<String> = columns.iter().map(|(c, k)| format!("{c} ({})", k.name())).collect();
        let kept: Vec<String> = frame
            .data
            .get_column_names()
            .iter()
            .map(|c| c.to_string())
            .filter(|c| !columns.iter().any(|(m, _)| m == c))
            .collect();
        let mut warnings = vec![format!("masked: {}", masked.join(", "))];
        if !masked_frame.mentions.is_empty() {
            let where_: Vec<String> = masked_frame
                .mentions
                .iter()
                .map(|(c, n)| format!("{n} in {c}"))
                .collect();
            warnings.push(format!(
                "masked values found in other columns and masked there too: {}",
                where_.join(", ")
            ));
        }
        if !kept.is_empty() {
            warnings.push(format!("not masked (check them before sharing): {}", kept.join(", ")));
        }
        // The original's query text may name hosts and users: the copy does not carry it.
        let mut out = Frame::new(masked_frame.frame, format!("%mask {}", name.text));
        if let Some(w) = &frame.provenance.window {
            out = out.with_window(w.clone());
        }
        Ok(Outcome::warned(Value::Frame(out), warnings))
    }
}

/// The key: `--key` (a session secret, or env:VARIABLE), else this session's own.
fn masker(args: &Args, ctx: &mut Context) -> Result<Masker, Diagnostic> {
    let Some(key) = args.option("key") else {
        if ctx.secrets.get(SESSION_KEY).is_none() {
            ctx.secrets.set(SESSION_KEY, Secret::new(huntbook::mask::random_hex()));
        }
        let secret = ctx.secrets.get(SESSION_KEY).expect("set above");
        return Ok(Masker::new(secret.expose().as_bytes()));
    };
    let value = match key.text.strip_prefix("env:") {
        Some(var) => std::env::var(var).ok().filter(|v| !v.is_empty()).ok_or_else(|| {
            Diagnostic::new("missing-key", format!("the environment has no {var}")).at(key.span.clone())
        })?,
        None => ctx
            .secrets
            .get(&key.text)
            .map(|s| s.expose().to_string())
            .ok_or_else(|| {
                Diagnostic::new("missing-key", format!("no secret named {} is set", key.text))
                    .at(key.span.clone())
                    .hint(format!("set it first at a hidden prompt:  %secret {}", key.text))
            })?,
    };
    Ok(Masker::new(value.as_bytes()))
}

/// The text columns whose name or values say what they hold.
fn chosen_columns(frame: &Frame) -> Vec<(String, MaskKind)> {
    let df = &frame.data;
    df.columns()
        .iter()
        .filter(|c| c.dtype() == &DataType::String)
        .filter_map(|c| {
            let sample: Vec<&str> = c
                .str()
                .ok()?
                .iter()
                .flatten()
                .filter(|v| !v.trim().is_empty())
                .take(200)
                .collect();
            kind_of(c.name(), &sample).map(|k| (c.name().to_string(), k))
        })
        .collect()
}

/// `--columns A,B=kind`: each named column, as its kind or as it looks.
fn named_columns(frame: &Frame, spec: &crate::parse::Spanned) -> Result<Vec<(String, MaskKind)>, Diagnostic> {
    let df = &frame.data;
    let names: Vec<String> = df.get_column_names().iter().map(|c| c.to_string()).collect();
    let mut out = Vec::new();
    for item in spec.text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (column, kind) = match item.split_once('=') {
            Some((c, k)) => (c.trim(), Some(k.trim())),
            None => (item, None),
        };
        let Ok(col) = df.column(column) else {
            let d = Diagnostic::new("no-such-column", format!("no column {column}")).at(spec.span.clone());
            return Err(column_hint(d, column, &names, ""));
        };
        let kind = match kind {
            Some(k) => MaskKind::named(k).ok_or_else(|| {
                Diagnostic::new("bad-value", format!("{k:?} is not a kind of value to mask"))
                    .at(spec.span.clone())
                    .hint(format!("kinds: {}", MaskKind::NAMES.join(", ")))
            })?,
            None => {
                let text = col.cast(&DataType::String).ok();
                let sample: Vec<&str> = text
                    .as_ref()
                    .and_then(|t| t.str().ok())
                    .map(|s| s.iter().flatten().take(200).collect())
                    .unwrap_or_default();
                kind_of(column, &sample).unwrap_or(MaskKind::Text)
            }
        };
        out.push((column.to_string(), kind));
    }
    Ok(out)
}

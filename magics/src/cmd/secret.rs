//! `%secret [NAME] [--forget]`: ask for a credential at a hidden prompt.

use crate::args::Args;
use crate::diag::Diagnostic;
use crate::figure::Figure;
use crate::io::PromptError;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::secrets::Secret;
use crate::signature::{Example, Forms, Kind, Opt, Param, Signature};

pub struct SecretMagic;

static SIGNATURE: Signature = Signature {
    name: "secret",
    summary: "Ask for an API key or password at a hidden prompt and keep it for this session",
    description: "Prompts for the value of NAME with the input hidden (Jupyter's password prompt) and keeps it in memory \
for this kernel session only: it is never written to the notebook, shown in an output, or logged. \
Without NAME, lists the names of the secrets held. --forget removes one.",
    forms: Forms::Line,
    params: &[Param::new(
        "name",
        Kind::Text,
        "what the secret is for, e.g. virustotal",
    )],
    options: &[Opt::flag("forget", "remove the secret NAME instead of asking for it")],
    body: None,
    returns: "nothing (asks at a prompt)",
    examples: &[
        Example::new("%secret virustotal", "asks for the VirusTotal API key"),
        Example::new("%secret", "the names of the secrets held"),
    ],
};

impl Magic for SecretMagic {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let Some(name) = args.param("name") else {
            let names: Vec<&str> = ctx.secrets.names().collect();
            let text = if names.is_empty() {
                "no secrets held; %secret NAME asks for one".to_string()
            } else {
                format!("secrets held (values hidden): {}", names.join(", "))
            };
            return Ok(Outcome::new(Value::Result(Figure::text(text))));
        };
        if !crate::parse::is_identifier(&name.text) {
            return Err(
                Diagnostic::new("bad-value", format!("{:?} is not a usable secret name", name.text))
                    .at(name.span.clone())
                    .hint("use letters, digits and _, e.g. virustotal or otx_key"),
            );
        }
        if args.flag("forget") {
            let text = if ctx.secrets.remove(&name.text) {
                format!("forgot the secret {}", name.text)
            } else {
                format!("there was no secret {}", name.text)
            };
            return Ok(Outcome::new(Value::Result(Figure::text(text))));
        }
        let value = ctx.io.prompt(&format!("{} (input hidden): ", name.text), true).map_err(|e| match e {
            PromptError::NotSupported => Diagnostic::new("no-prompt", "this front end cannot answer prompts")
                .at(name.span.clone())
                .hint("run the cell in JupyterLab, Notebook or VS Code, or give the credential in huntbook.yaml or an environment variable"),
            PromptError::Cancelled => Diagnostic::new("interrupted", "the prompt was cancelled"),
        })?;
        if value.is_empty() {
            return Err(
                Diagnostic::new("bad-value", format!("no value was entered for {}", name.text)).at(name.span.clone()),
            );
        }
        ctx.secrets.set(&name.text, Secret::new(value));
        ctx.io.stream(
            crate::io::Stream::Stdout,
            &format!("secret {} kept for this session\n", name.text),
        );
        Ok(Outcome::new(Value::Nothing))
    }
}

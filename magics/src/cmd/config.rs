//! `%config`: what the kernel is configured with, and where each setting came from.

use std::path::{Path, PathBuf};

use huntbook::render::grid::Grid;

use crate::args::Args;
use crate::diag::Diagnostic;
use crate::enrich::KeyFrom;
use crate::figure::Figure;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Signature};
use crate::sources::Config;

pub struct ConfigMagic;

static SIGNATURE: Signature = Signature {
    name: "config",
    summary: "Show the configuration in effect and where each setting came from",
    description: "Where huntbook.yaml was looked for (HUNTBOOK_CONFIG, the working folder, the user's config folder — \
never a parent folder) and which file is obeyed; then every source, threat-intel provider, the cache and the GeoIP \
databases, each with the file it came from. Keys are never shown: only whether each is set, and whether it comes from \
the file, an environment variable (env:NAME) or %secret.",
    forms: Forms::Line,
    params: &[],
    options: &[],
    body: None,
    returns: "a table display",
    examples: &[Example::new("%config", "what is configured, and from where")],
};

impl Magic for ConfigMagic {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, _args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let start = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let (places, chosen) = Config::places(&start);
        let mut looked = Grid::new(["looked in", "file", "state"]);
        for (what, path) in &places {
            let state = match (&chosen, path.is_file()) {
                (Some(c), _) if c == path => "obeyed",
                (_, true) => "present, not read (an earlier place wins)",
                (_, false) => "absent",
            };
            looked.row([what.to_string(), path.display().to_string(), state.to_string()]);
        }
        let config = ctx.sources.config().clone();
        let from = config
            .file
            .as_deref()
            .map_or_else(|| "built in".to_string(), |f| f.display().to_string());
        let mut settings = Grid::new(["setting", "value", "from"]);
        for (name, spec) in &config.sources {
            let value = match &spec.remote {
                // A service: where it queries, how it signs in, and what it still needs.
                Some(r) => {
                    let missing = r.missing(name, ctx.secrets);
                    let needs = if missing.is_empty() {
                        "ready".to_string()
                    } else {
                        format!("missing: {}", missing.join("; "))
                    };
                    let auth = crate::sources::remote::AUTHS[r.auth(name, ctx.secrets) as usize];
                    format!("{} {} · sign-in {auth} · {needs}", spec.kind, r.place())
                }
                None => {
                    let path = &spec.local.path;
                    let state = if path.is_dir() {
                        ""
                    } else {
                        " (missing: the folder does not exist)"
                    };
                    format!("{} {}{state}", spec.kind, path.display())
                }
            };
            settings.row([format!("sources.{name}"), value, spec.origin.clone()]);
        }
        settings.row([
            "ti.cache".to_string(),
            config
                .ti
                .cache
                .as_deref()
                .map_or("off".to_string(), |p| p.display().to_string()),
            from.clone(),
        ]);
        for (name, p) in &config.ti.providers {
            let key = match p.key_from(name, ctx.secrets) {
                KeyFrom::Secret(_) => ("set".to_string(), "%secret".to_string()),
                KeyFrom::File(_) => ("set".to_string(), from.clone()),
                KeyFrom::Env { var, value } => (
                    if value.is_some() {
                        "set".to_string()
                    } else {
                        format!("missing: {var} is not set")
                    },
                    format!("env:{var} (named in {from})"),
                ),
                KeyFrom::Nowhere => ("none".to_string(), String::new()),
            };
            settings.row([format!("ti.providers.{name}.key"), key.0, key.1]);
            if let Some(url) = &p.url {
                settings.row([format!("ti.providers.{name}.url"), url.clone(), from.clone()]);
            }
            if !p.enabled {
                settings.row([
                    format!("ti.providers.{name}.enabled"),
                    "false".to_string(),
                    from.clone(),
                ]);
            }
        }
        for name in ctx.secrets.names() {
            if !config.ti.providers.contains_key(name) {
                let from = if name.starts_with('%') {
                    "drawn by the kernel"
                } else {
                    "%secret"
                };
                settings.row([format!("secret {name}"), "set".to_string(), from.to_string()]);
            }
        }
        if let Some(g) = &config.geoip {
            for (what, path) in [("city", &g.city), ("country", &g.country), ("asn", &g.asn)] {
                if let Some(path) = path {
                    settings.row([format!("geoip.{what}"), database(path), from.clone()]);
                }
            }
        }
        for path in &config.query_paths {
            settings.row(["queries".to_string(), path.display().to_string(), from.clone()]);
        }
        let problems: Vec<String> = ctx.sources.problems.clone();
        let html = format!("{}<p></p>{}", looked.html(), settings.html());
        let text = format!("{}\n{}", looked.text(), settings.text());
        Ok(Outcome::new(Value::Result(
            Figure::rich(html, text).heading("configuration").warn(problems),
        )))
    }
}

fn database(path: &Path) -> String {
    if path.is_file() {
        path.display().to_string()
    } else {
        format!("{} (missing)", path.display())
    }
}

//! The magic trait and the one list of magics.
//!
//! Each magic is a unit struct in its own file under `cmd/`, implementing [`Magic`]: a
//! static [`Signature`] and a `run` over validated [`Args`]. [`Registry::standard`] lists
//! them once; help, completion and dispatch all read that list.

use huntbook::Frame;

use crate::args::Args;
use crate::bundle::MimeBundle;
use crate::diag::Diagnostic;
use crate::figure::Figure;
use crate::io::Io;
use crate::secrets::Secrets;
use crate::session::Session;
use crate::signature::Signature;

/// What a magic gives back.
#[derive(Debug)]
pub enum Value {
    /// A frame: stored as `_` (and under a name when assigned) and shown as a table.
    Frame(Frame),
    /// A frame with a display of its own (a tree, a chart): stored like [`Value::Frame`],
    /// shown with the figure instead of a table.
    Shown(Frame, Figure),
    /// A figure shown as the cell's result (`execute_result`).
    Result(Figure),
    /// A figure shown where the magic runs (`display_data`), not a result.
    Display(Figure),
    Nothing,
}

#[derive(Debug)]
pub struct Outcome {
    pub value: Value,
    /// Non-fatal problems met on the way; always shown (inside the figure, when the value
    /// has one).
    pub warnings: Vec<String>,
    /// Help text for the pager (Jupyter's `page` payload).
    pub page: Option<MimeBundle>,
}

impl Outcome {
    pub fn new(value: Value) -> Self {
        Outcome {
            value,
            warnings: Vec::new(),
            page: None,
        }
    }

    pub fn warned(value: Value, warnings: Vec<String>) -> Self {
        Outcome {
            value,
            warnings,
            page: None,
        }
    }
}

/// What a running magic can reach.
pub struct Context<'a> {
    pub session: &'a Session,
    /// Credentials typed at prompts; the only session state a magic changes itself.
    pub secrets: &'a mut Secrets,
    /// The time window `%time` set (and its periods), which queries use for their start
    /// and end.
    pub clock: &'a mut crate::clock::Clock,
    /// Connected data sources and the query library.
    pub sources: &'a mut crate::sources::Sources,
    pub io: &'a mut dyn Io,
    pub registry: &'a Registry,
}

impl Context<'_> {
    /// Stops the magic with an "interrupted" error if the user asked to stop.
    pub fn check_interrupt(&self) -> Result<(), Diagnostic> {
        if self.io.interrupted() {
            Err(Diagnostic::new("interrupted", "interrupted by the user"))
        } else {
            Ok(())
        }
    }
}

pub trait Magic: Send + Sync {
    fn signature(&self) -> &'static Signature;
    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic>;
}

pub struct Registry {
    magics: Vec<Box<dyn Magic>>,
}

impl Registry {
    /// Every magic Huntbook ships, in the order `%help` lists them.
    pub fn standard() -> Self {
        use crate::cmd::*;
        Registry {
            magics: vec![
                Box::new(load::Load),
                Box::new(connect::Connect),
                Box::new(config::ConfigMagic),
                Box::new(time::Time),
                Box::new(query::QueryMagic),
                Box::new(sql::Sql),
                Box::new(show::Show),
                Box::new(vars::Vars),
                Box::new(export::Export),
                Box::new(mask::Mask),
                Box::new(iptype::IpType),
                Box::new(ioc::Ioc),
                Box::new(b64::B64),
                Box::new(ti::Ti),
                Box::new(geoip::GeoIp),
                Box::new(whois::Whois),
                Box::new(domain::Domain),
                Box::new(ptree::Ptree),
                Box::new(timeline::Timeline),
                Box::new(anomalies::AnomaliesMagic),
                Box::new(features::FeaturesMagic),
                Box::new(cluster::ClusterMagic),
                Box::new(sessions::SessionsMagic),
                Box::new(pam::PamMagic),
                Box::new(alerts::Alerts),
                Box::new(echo::Echo),
                Box::new(secret::SecretMagic),
                Box::new(clear::Clear),
                Box::new(sleep::Sleep),
                Box::new(help::Help),
                Box::new(lsmagic::LsMagic),
            ],
        }
    }

    /// Adds a magic (for embedding and tests).
    pub fn with(mut self, magic: Box<dyn Magic>) -> Self {
        self.magics.push(magic);
        self
    }

    pub fn get(&self, name: &str) -> Option<&dyn Magic> {
        self.magics
            .iter()
            .find(|m| m.signature().name == name)
            .map(|m| m.as_ref())
    }

    pub fn signatures(&self) -> impl Iterator<Item = &'static Signature> + '_ {
        self.magics.iter().map(|m| m.signature())
    }
}

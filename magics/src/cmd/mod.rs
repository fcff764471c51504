//! One file per magic. Each holds a unit struct, its [`Signature`](crate::Signature)
//! with examples, a plan built from the validated arguments, and the run.

pub mod alerts;
pub mod anomalies;
pub mod b64;
pub mod clear;
pub mod cluster;
pub mod config;
pub mod connect;
pub mod domain;
pub mod echo;
pub mod export;
pub mod features;
pub mod geoip;
pub mod help;
pub mod ioc;
pub mod iptype;
pub mod load;
pub mod lsmagic;
pub mod mask;
pub mod pam;
pub mod ptree;
pub mod query;
pub mod secret;
pub mod sessions;
pub mod show;
pub mod sleep;
pub mod sql;
pub mod ti;
pub mod time;
pub mod timeline;
pub mod vars;
pub mod whois;

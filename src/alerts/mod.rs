//! Security alerts: Microsoft Sentinel's `SecurityAlert` rows read into alerts with their
//! entities ([`entities`]), the entities as a frame of their own (one row per alert and
//! entity, with a stable key), and alerts as readable cards ([`cards`]).
//!
//! Recognised from the columns: an `Entities` column (Sentinel's JSON) and an alert name
//! (`AlertName` or `AlertDisplayName`); or Defender's `AlertInfo`/`AlertEvidence`
//! (`AlertId`, `Title`, evidence rows: [`defender`]); or Microsoft Graph's alerts v2
//! (`title`, `evidence`: [`msgraph`]).

pub mod cards;
pub mod defender;
pub mod entities;
pub mod graph;
pub mod msgraph;

use polars::prelude::*;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::frame::Warned;
use entities::{Entity, Read};

/// One alert.
#[derive(Debug)]
pub struct Alert {
    pub id: String,
    pub name: String,
    pub severity: String,
    pub start: String,
    pub end: String,
    pub product: String,
    pub tactics: Vec<String>,
    pub techniques: Vec<String>,
    pub description: String,
    pub compromised: String,
    pub remediation: String,
    pub extended: Vec<(String, String)>,
    pub entities: Read,
    /// For an alert added by [`related`]: the entity keys it shares with the first alerts.
    pub shares: Vec<String>,
}

/// The colour of each [`severity_rank`], in cards and graph.
pub const SEVERITY_COLOUR: [&str; 5] = ["#c62828", "#ef6c00", "#f9a825", "#607d8b", "#9e9e9e"];

/// Severity, worst first.
pub fn severity_rank(s: &str) -> u8 {
    match s.to_ascii_lowercase().as_str() {
        "high" => 0,
        "medium" => 1,
        "low" => 2,
        "informational" => 3,
        _ => 4,
    }
}

/// The alert schemas read, by the name `--schema` takes.
pub const SCHEMAS: &[&str] = &["sentinel", "defender", "graph"];

/// The columns each schema needs (of the alternatives separated by `|`, one).
fn needs(schema: &str) -> &'static [&'static str] {
    match schema {
        "defender" => &["AlertId", "Title"],
        "graph" => &["title", "evidence"],
        _ => &["Entities", "AlertName|AlertDisplayName"],
    }
}

/// The alerts of a frame, its schema recognised from the columns: Sentinel `SecurityAlert`
/// rows, Defender's `AlertEvidence`/`AlertInfo`, or Graph's alerts v2. An alert whose
/// entities cannot be read is kept, with a warning naming it.
pub fn read_alerts(df: &DataFrame) -> Result<Warned<Vec<Alert>>> {
    read_alerts_as(df, None)
}

/// [`read_alerts`], the schema named (one of [`SCHEMAS`]) rather than recognised; the
/// columns it needs and the frame lacks are named.
pub fn read_alerts_as(df: &DataFrame, schema: Option<&str>) -> Result<Warned<Vec<Alert>>> {
    let names: Vec<String> = df.get_column_names().iter().map(|c| c.to_string()).collect();
    let has = |c: &str| names.iter().any(|n| n == c);
    let schema = match schema {
        Some(s) => s,
        None if defender::recognised(&names) => "defender",
        None if msgraph::recognised(&names) => "graph",
        None if has("Entities") && (has("AlertName") || has("AlertDisplayName")) => "sentinel",
        None => {
            return Err(Error::Invalid(format!(
                "this frame is not a list of alerts: Sentinel's need the columns Entities and AlertName, Defender's \
                 AlertId and Title, Microsoft Graph's title and evidence (it has {})",
                names.join(", ")
            )));
        }
    };
    let missing: Vec<&str> = needs(schema)
        .iter()
        .filter(|alternatives| !alternatives.split('|').any(has))
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(Error::Invalid(format!(
            "this frame is not a list of {schema} alerts: it lacks {} (it has {})",
            missing.join(", "),
            names.join(", ")
        )));
    }
    match schema {
        "defender" => Ok(Warned::clean(defender::read(df))),
        "graph" => {
            let (value, warnings) = msgraph::read(df)?;
            Ok(Warned { value, warnings })
        }
        _ => Ok(sentinel(df)),
    }
}

/// Sentinel `SecurityAlert` rows.
fn sentinel(df: &DataFrame) -> Warned<Vec<Alert>> {
    let text = |col: &str, row: usize| cell_text(df, col, row);
    let first = |cols: &[&str], row: usize| {
        cols.iter()
            .map(|c| text(c, row))
            .find(|t| !t.is_empty())
            .unwrap_or_default()
    };
    let mut alerts = Vec::with_capacity(df.height());
    let mut warnings = Vec::new();
    for row in 0..df.height() {
        let name = first(&["AlertDisplayName", "AlertName"], row);
        let entities = entities::read(&text("Entities", row));
        for w in &entities.warnings {
            warnings.push(format!("alert {} ({name}): {w}", row + 1));
        }
        let extended = match serde_json::from_str::<Value>(&text("ExtendedProperties", row)) {
            Ok(Value::Object(map)) => map
                .into_iter()
                .map(|(k, v)| (k, v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
                .collect(),
            _ => Vec::new(),
        };
        let list = |col: &str| -> Vec<String> {
            let t = text(col, row);
            match serde_json::from_str::<Vec<String>>(&t) {
                Ok(v) => v,
                Err(_) => t
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect(),
            }
        };
        alerts.push(Alert {
            id: first(&["SystemAlertId", "AlertId", "VendorOriginalId"], row),
            name,
            severity: first(&["AlertSeverity", "Severity"], row),
            start: first(&["StartTimeUtc", "StartTime", "TimeGenerated"], row),
            end: first(&["EndTimeUtc", "EndTime"], row),
            product: first(&["ProductName", "ProviderName", "VendorName"], row),
            tactics: list("Tactics"),
            techniques: list("Techniques"),
            description: text("Description", row),
            compromised: text("CompromisedEntity", row),
            remediation: text("RemediationSteps", row),
            extended,
            entities,
            shares: Vec::new(),
        });
    }
    Warned {
        value: alerts,
        warnings,
    }
}

/// The kinds of entity that make two alerts related (msticpy's `add_related_alerts`
/// looks at hosts, accounts, addresses and files).
const RELATING: &[&str] = &["host", "account", "ip", "file", "filehash"];

/// The alerts of `others` that share a host, an account, an address or a file with one
/// of `first` (and are not one of them), each with the keys it shares.
pub fn related(first: &[Alert], others: Vec<Alert>) -> Vec<Alert> {
    let mut keys = std::collections::HashSet::new();
    let ids: std::collections::HashSet<&str> = first.iter().map(|a| a.id.as_str()).filter(|i| !i.is_empty()).collect();
    for a in first {
        for e in a
            .entities
            .entities
            .iter()
            .filter(|e| RELATING.contains(&e.kind.as_str()))
        {
            keys.insert(key(e, &a.entities));
        }
    }
    let mut out = Vec::new();
    for mut a in others {
        if !a.id.is_empty() && ids.contains(a.id.as_str()) {
            continue;
        }
        let mut shares: Vec<String> = a
            .entities
            .entities
            .iter()
            .map(|e| key(e, &a.entities))
            .filter(|k| keys.contains(k))
            .collect();
        shares.sort();
        shares.dedup();
        if !shares.is_empty() {
            a.shares = shares;
            out.push(a);
        }
    }
    out
}

/// A cell as text: empty for a null or a missing column.
pub(super) fn cell_text(df: &DataFrame, col: &str, row: usize) -> String {
    df.column(col)
        .ok()
        .and_then(|c| c.get(row).ok())
        .map(|v| match v {
            AnyValue::Null => String::new(),
            AnyValue::String(s) => s.to_string(),
            AnyValue::StringOwned(s) => s.to_string(),
            other => other.to_string(),
        })
        .unwrap_or_default()
}

/// Sets a property when it has a value.
pub(super) fn put(props: &mut serde_json::Map<String, Value>, key: &str, value: String) {
    if !value.is_empty() {
        props.insert(key.to_string(), Value::String(value));
    }
}

/// A string property of an entity.
fn prop(e: &Entity, name: &str) -> String {
    match e.props.get(name) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// The entity `e` refers to by `link` (`Host`, `ImageFile`, `Account` …).
fn linked<'a>(e: &Entity, link: &str, read: &'a Read) -> Option<&'a Entity> {
    let (_, id) = e.links.iter().find(|(p, _)| p == link)?;
    read.by_id(id)
}

/// What an entity is, in a few words: the host's name, `DOMAIN\user`, the address, the
/// file's path, the process's command line (else its image), the registry key.
pub fn main_value(e: &Entity, read: &Read) -> String {
    let joined = |a: String, sep: &str, b: String| match (a.is_empty(), b.is_empty()) {
        (true, _) => b,
        (_, true) => a,
        _ => format!("{a}{sep}{b}"),
    };
    match e.kind.as_str() {
        "host" => {
            let name = [prop(e, "HostName"), prop(e, "NetBiosName")]
                .into_iter()
                .find(|s| !s.is_empty())
                .unwrap_or_default();
            joined(name, ".", prop(e, "DnsDomain"))
        }
        "account" => {
            let user = joined(prop(e, "NTDomain"), "\\", prop(e, "Name"));
            joined(user, "@", prop(e, "UPNSuffix"))
        }
        "ip" => prop(e, "Address"),
        "file" => joined(prop(e, "Directory"), "\\", prop(e, "Name")),
        "process" => {
            let cmd = prop(e, "CommandLine");
            if cmd.is_empty() {
                linked(e, "ImageFile", read)
                    .map(|f| main_value(f, read))
                    .unwrap_or_default()
            } else {
                cmd
            }
        }
        "registry-key" => joined(prop(e, "Hive"), "\\", prop(e, "Key")),
        "registry-value" => joined(prop(e, "Name"), " = ", prop(e, "Value")),
        "host-logon-session" => prop(e, "SessionId"),
        "url" => prop(e, "Url"),
        "dns" => prop(e, "DomainName"),
        "mailbox" => prop(e, "MailboxPrimaryAddress"),
        "mail-message" => [prop(e, "Subject"), prop(e, "NetworkMessageId")]
            .into_iter()
            .find(|s| !s.is_empty())
            .unwrap_or_default(),
        "filehash" => prop(e, "Value"),
        _ => ["Name", "DisplayName", "Value", "Url", "Address"]
            .iter()
            .map(|p| prop(e, p))
            .find(|s| !s.is_empty())
            .unwrap_or_default(),
    }
}

/// A key naming the same thing in every alert: the type and the main value, in lower case
/// (a process adds its host and id, a session its host).
pub fn key(e: &Entity, read: &Read) -> String {
    let host = linked(e, "Host", read).map(|h| main_value(h, read)).unwrap_or_default();
    let value = match e.kind.as_str() {
        "process" => format!("{host}|{}|{}", prop(e, "ProcessId"), main_value(e, read)),
        "host-logon-session" => format!("{host}|{}", prop(e, "SessionId")),
        "mail-message" if !prop(e, "NetworkMessageId").is_empty() => prop(e, "NetworkMessageId"),
        _ => main_value(e, read),
    };
    format!("{}:{}", e.kind, value.to_lowercase())
}

/// One row per alert and entity (with an `$id`, as msticpy counts them), with the fields
/// the enrichment magics take: host, account, address, file, hash, process, command line.
pub fn entity_frame(alerts: &[Alert]) -> Result<DataFrame> {
    let mut cols: Vec<(&str, Vec<String>)> = [
        "AlertId",
        "AlertName",
        "Severity",
        "StartTime",
        "EntityKey",
        "EntityType",
        "Entity",
        "HostName",
        "Account",
        "IpAddress",
        "FilePath",
        "FileHash",
        "ProcessId",
        "CommandLine",
        "Url",
    ]
    .into_iter()
    .map(|c| (c, Vec::new()))
    .collect();
    for a in alerts {
        let read = &a.entities;
        for e in read.entities.iter().filter(|e| e.id.is_some()) {
            let host = if e.kind == "host" {
                main_value(e, read)
            } else {
                linked(e, "Host", read).map(|h| main_value(h, read)).unwrap_or_default()
            };
            let account = if e.kind == "account" {
                main_value(e, read)
            } else {
                linked(e, "Account", read)
                    .map(|x| main_value(x, read))
                    .unwrap_or_default()
            };
            let file = match e.kind.as_str() {
                "file" => main_value(e, read),
                "process" => linked(e, "ImageFile", read)
                    .map(|f| main_value(f, read))
                    .unwrap_or_default(),
                _ => String::new(),
            };
            let hash = e
                .props
                .get("FileHashes")
                .and_then(Value::as_array)
                .and_then(|h| h.first())
                .and_then(|h| h.get("Value"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let values = [
                a.id.clone(),
                a.name.clone(),
                a.severity.clone(),
                a.start.clone(),
                key(e, read),
                e.kind.clone(),
                main_value(e, read),
                host,
                account,
                if e.kind == "ip" {
                    main_value(e, read)
                } else {
                    String::new()
                },
                file,
                hash,
                prop(e, "ProcessId"),
                prop(e, "CommandLine"),
                prop(e, "Url"),
            ];
            for ((_, col), v) in cols.iter_mut().zip(values) {
                col.push(v);
            }
        }
    }
    let columns: Vec<Column> = cols
        .into_iter()
        .map(|(name, values)| {
            let values: Vec<Option<String>> = values.into_iter().map(|v| (!v.is_empty()).then_some(v)).collect();
            Column::new(name.into(), values)
        })
        .collect();
    Ok(DataFrame::new_infer_height(columns)?)
}

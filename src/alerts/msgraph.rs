//! Microsoft Graph's security alerts (`/security/alerts_v2`): one row per alert, its
//! `evidence` a list of typed objects (`#microsoft.graph.security.deviceEvidence`,
//! `processEvidence`, `fileEvidence`, `userEvidence`, `ipEvidence`, `urlEvidence`,
//! `registryKeyEvidence`, `registryValueEvidence`, `mailboxEvidence`,
//! `analyzedMessageEvidence`, `cloudApplicationEvidence`, …). Each piece of evidence is
//! written as a Sentinel entity (`$id`, `Type`, Sentinel's property names, nested entities
//! by `$ref`) and read by [`super::entities::read`], so cards, the entities frame, the
//! graph and `--related` treat Graph's alerts as they treat Sentinel's:
//! - a process's image file, parent process and account become entities it links to, and
//!   every piece of evidence naming an `mdeDeviceId` links to that device's host;
//! - the same thing named twice in one alert (a file that is evidence and also a process's
//!   image) is one entity;
//! - a type with no mapping keeps its name (`kubernetesPodEvidence` → `kubernetes-pod`)
//!   and its plain properties.
//!
//! The `evidence` column is either JSON text or the nested lists polars reads from a JSON
//! answer; the rows are read back as JSON either way.

use polars::prelude::*;
use serde_json::{Map, Value, json};

use super::{Alert, entities, put};
use crate::error::Result;

/// Whether the frame holds Graph alerts: `evidence` and `title`, as Graph spells them.
pub fn recognised(names: &[String]) -> bool {
    let has = |c: &str| names.iter().any(|n| n == c);
    has("evidence") && has("title") && !has("Entities")
}

/// The alerts of the frame, in its order; what could not be read is a warning naming
/// the alert.
pub fn read(df: &DataFrame) -> Result<(Vec<Alert>, Vec<String>)> {
    let mut out = Vec::with_capacity(df.height());
    let mut warnings = Vec::new();
    for (row, record) in records(df)?.into_iter().enumerate() {
        let alert = alert(&record);
        for w in &alert.entities.warnings {
            warnings.push(format!("alert {} ({}): {w}", row + 1, alert.name));
        }
        out.push(alert);
    }
    Ok((out, warnings))
}

/// Every row as a JSON object, nested columns as nested values.
fn records(df: &DataFrame) -> Result<Vec<Map<String, Value>>> {
    let mut bytes = Vec::new();
    JsonWriter::new(&mut bytes)
        .with_json_format(JsonFormat::JsonLines)
        .finish(&mut df.clone())?;
    let mut out = Vec::with_capacity(df.height());
    for line in bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        match serde_json::from_slice::<Value>(line) {
            Ok(Value::Object(map)) => out.push(map),
            _ => out.push(Map::new()),
        }
    }
    Ok(out)
}

fn text(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// A list of strings: a JSON list, or JSON text of one (as a CSV export holds it).
fn list(v: Option<&Value>) -> Vec<String> {
    let items = match v {
        Some(Value::Array(items)) => items.clone(),
        Some(Value::String(s)) => serde_json::from_str::<Vec<Value>>(s).unwrap_or_default(),
        _ => Vec::new(),
    };
    items.iter().map(|i| text(Some(i))).filter(|s| !s.is_empty()).collect()
}

/// The properties shown as the alert's extended properties, in this order.
const EXTENDED: &[&str] = &[
    "status",
    "classification",
    "determination",
    "incidentId",
    "assignedTo",
    "threatDisplayName",
    "threatFamilyName",
    "actorDisplayName",
    "detectorId",
    "providerAlertId",
    "alertWebUrl",
    "incidentWebUrl",
];

fn alert(r: &Map<String, Value>) -> Alert {
    let get = |k: &str| text(r.get(k));
    let (evidence, mut warnings) = match r.get("evidence") {
        Some(Value::Array(items)) => (items.clone(), Vec::new()),
        Some(Value::String(s)) if !s.trim().is_empty() => match serde_json::from_str::<Value>(s) {
            Ok(Value::Array(items)) => (items, Vec::new()),
            Ok(_) => (Vec::new(), vec!["evidence is not a list".to_string()]),
            Err(e) => (Vec::new(), vec![format!("evidence is not readable JSON: {e}")]),
        },
        _ => (Vec::new(), Vec::new()),
    };
    let written = Entities::from_evidence(&evidence);
    let mut read = entities::read(&Value::Array(written.list).to_string());
    warnings.append(&mut read.warnings);
    read.warnings = warnings;
    let first = |keys: &[&str]| keys.iter().map(|k| get(k)).find(|s| !s.is_empty()).unwrap_or_default();
    Alert {
        id: first(&["id", "providerAlertId"]),
        name: get("title"),
        severity: get("severity"),
        start: first(&["firstActivityDateTime", "createdDateTime"]),
        end: first(&["lastActivityDateTime", "lastUpdateDateTime"]),
        product: {
            let (service, detection) = (get("serviceSource"), get("detectionSource"));
            if detection.is_empty() || detection == service {
                service
            } else {
                [service, detection].join(" · ").trim_start_matches(" · ").to_string()
            }
        },
        tactics: [get("category")].into_iter().filter(|s| !s.is_empty()).collect(),
        techniques: list(r.get("mitreTechniques")),
        description: get("description"),
        compromised: written.compromised,
        remediation: get("recommendedActions"),
        extended: EXTENDED
            .iter()
            .map(|k| (k.to_string(), get(k)))
            .filter(|(_, v)| !v.is_empty())
            .collect(),
        entities: read,
        shares: Vec::new(),
    }
}

/// The properties every piece of evidence has (read as Verdict, Roles, RemediationStatus).
const BASE: &[&str] = &[
    "createdDateTime",
    "verdict",
    "remediationStatus",
    "remediationStatusDetails",
];

/// The evidence of one alert written as Sentinel entities.
#[derive(Default)]
struct Entities {
    list: Vec<Value>,
    /// (identity, `$id`) of what is already written, so a thing named twice is one entity.
    seen: Vec<(String, String)>,
    /// `mdeDeviceId` → the host entity's `$id`.
    devices: Vec<(String, String)>,
    compromised: String,
}

impl Entities {
    fn from_evidence(evidence: &[Value]) -> Entities {
        let mut out = Entities::default();
        // Devices first, so that every other piece of evidence can link to its host.
        let is_device = |e: &&Value| odata_kind(e) == "device";
        for e in evidence
            .iter()
            .filter(is_device)
            .chain(evidence.iter().filter(|e| !is_device(e)))
        {
            if let Value::Object(e) = e {
                out.evidence(e);
            }
        }
        out
    }

    /// Writes `props` as an entity of `kind` unless one with the same identity is
    /// written; its `$id` either way.
    fn write(&mut self, kind: &str, identity: String, mut props: Map<String, Value>) -> String {
        let identity = format!("{kind}:{}", identity.to_lowercase());
        if let Some((_, id)) = self.seen.iter().find(|(k, _)| *k == identity) {
            return id.clone();
        }
        let id = (self.list.len() + 1).to_string();
        props.insert("$id".into(), Value::String(id.clone()));
        props.insert("Type".into(), Value::String(kind.into()));
        self.list.push(Value::Object(props));
        self.seen.push((identity, id.clone()));
        id
    }

    fn evidence(&mut self, e: &Map<String, Value>) {
        let get = |k: &str| text(e.get(k));
        let kind = odata_kind_of(e);
        let mut props = Map::new();
        let roles = list(e.get("roles"));
        for (name, value) in [
            ("Verdict", get("verdict")),
            ("Roles", roles.join(", ")),
            ("RemediationStatus", get("remediationStatus")),
        ] {
            put(&mut props, name, value);
        }
        let host = self.host_of(e);
        let (kind, identity) = match kind.as_str() {
            "device" => {
                self.device(e, props, &roles);
                return;
            }
            "user" => {
                if let Some(Value::Object(account)) = e.get("userAccount") {
                    let upn = text(account.get("userPrincipalName"));
                    let name = [text(account.get("domainName")), text(account.get("accountName"))].join("\\");
                    if roles.iter().any(|r| r == "compromised") && self.compromised.is_empty() {
                        self.compromised = first_of(&[&upn, name.trim_matches('\\')]);
                    }
                    self.account(account, props);
                }
                return;
            }
            "process" => {
                self.process(e, host, props);
                return;
            }
            "file" => {
                let details = e.get("fileDetails").and_then(Value::as_object);
                if let Some(d) = details {
                    self.file(d, host, props);
                }
                return;
            }
            "ip" => {
                put(&mut props, "Address", get("ipAddress"));
                put(&mut props, "CountryCode", get("countryLetterCode"));
                ("ip", get("ipAddress"))
            }
            "url" => {
                put(&mut props, "Url", get("url"));
                ("url", get("url"))
            }
            "dns" => {
                put(&mut props, "DomainName", get("domainName"));
                ("dns", get("domainName"))
            }
            "fileHash" => {
                put(&mut props, "Algorithm", get("algorithm"));
                put(&mut props, "Value", get("value"));
                ("filehash", get("value"))
            }
            "registryKey" | "registryValue" => {
                put(&mut props, "Hive", get("registryHive"));
                put(&mut props, "Key", get("registryKey"));
                let key = [get("registryHive"), get("registryKey")].join("\\");
                if kind == "registryKey" {
                    ("registry-key", key)
                } else {
                    let mut value = Map::new();
                    put(&mut value, "Name", get("registryValueName"));
                    put(&mut value, "Value", get("registryValue"));
                    put(&mut value, "ValueType", get("registryValueType"));
                    let key_id = self.write("registry-key", key.clone(), props);
                    value.insert("Key".into(), json!({ "$ref": key_id }));
                    self.write("registry-value", format!("{key}|{}", get("registryValueName")), value);
                    return;
                }
            }
            "mailbox" => {
                let address = get("primaryAddress");
                put(&mut props, "MailboxPrimaryAddress", address.clone());
                put(&mut props, "DisplayName", get("displayName"));
                if let Some(Value::Object(account)) = e.get("userAccount") {
                    let id = self.account(account, Map::new());
                    props.insert("Account".into(), json!({ "$ref": id }));
                }
                ("mailbox", address)
            }
            "analyzedMessage" => {
                let identity = first_of(&[&get("networkMessageId"), &get("subject")]);
                self.message(e, &mut props);
                ("mail-message", identity)
            }
            "cloudApplication" | "oauthApplication" => {
                put(&mut props, "Name", get("displayName"));
                put(&mut props, "AppId", get("appId"));
                let kind = if kind == "cloudApplication" {
                    "cloud-application"
                } else {
                    "oauth-application"
                };
                (kind, first_of(&[&get("displayName"), &get("appId")]))
            }
            other => {
                // A type with no mapping: its name, its plain properties.
                for (k, v) in e {
                    let plain = !matches!(v, Value::Object(_) | Value::Array(_) | Value::Null);
                    if plain && !k.starts_with('@') && !BASE.contains(&k.as_str()) {
                        props.entry(k.clone()).or_insert_with(|| Value::String(text(Some(v))));
                    }
                }
                let name = first_of(&[&get("name"), &get("displayName"), &get("resourceId")]);
                put(&mut props, "Name", name.clone());
                let kind = hyphenated(other);
                self.write(&kind, format!("{name}|{}", self.list.len()), props);
                return;
            }
        };
        if let Some(h) = host {
            props.insert("Host".into(), json!({ "$ref": h }));
        }
        self.write(kind, identity, props);
    }

    fn device(&mut self, e: &Map<String, Value>, mut props: Map<String, Value>, roles: &[String]) {
        let get = |k: &str| text(e.get(k));
        let name = get("deviceDnsName");
        put(&mut props, "HostName", name.clone());
        put(&mut props, "OSFamily", get("osPlatform"));
        put(&mut props, "MdeDeviceId", get("mdeDeviceId"));
        put(&mut props, "AzureID", get("azureAdDeviceId"));
        put(&mut props, "IpInterfaces", list(e.get("ipInterfaces")).join(", "));
        let id = self.write("host", first_of(&[&name, &get("mdeDeviceId")]), props);
        let device = get("mdeDeviceId");
        if !device.is_empty() {
            self.devices.push((device, id));
        }
        if roles.iter().any(|r| r == "compromised") && self.compromised.is_empty() {
            self.compromised = name;
        }
    }

    /// An analysed e-mail's properties; its sender's address an entity of its own.
    fn message(&mut self, e: &Map<String, Value>, props: &mut Map<String, Value>) {
        let get = |k: &str| text(e.get(k));
        put(props, "Subject", get("subject"));
        put(props, "NetworkMessageId", get("networkMessageId"));
        put(props, "InternetMessageId", get("internetMessageId"));
        put(props, "Recipient", get("recipientEmailAddress"));
        let sender = e.get("p1Sender").and_then(|s| s.get("emailAddress"));
        put(props, "P1Sender", text(sender));
        put(props, "Urls", list(e.get("urls")).join(", "));
        put(props, "DeliveryAction", get("deliveryAction"));
        let sender_ip = get("senderIp");
        if !sender_ip.is_empty() {
            let mut ip = Map::new();
            put(&mut ip, "Address", sender_ip.clone());
            let id = self.write("ip", sender_ip, ip);
            props.insert("SenderIP".into(), json!({ "$ref": id }));
        }
    }

    /// The host entity of the device the evidence names by `mdeDeviceId`.
    fn host_of(&self, e: &Map<String, Value>) -> Option<String> {
        let device = text(e.get("mdeDeviceId"));
        self.devices
            .iter()
            .find(|(d, _)| *d == device && !device.is_empty())
            .map(|(_, id)| id.clone())
    }

    fn account(&mut self, a: &Map<String, Value>, mut props: Map<String, Value>) -> String {
        let get = |k: &str| text(a.get(k));
        let upn = get("userPrincipalName");
        put(&mut props, "Name", get("accountName"));
        put(&mut props, "NTDomain", get("domainName"));
        put(&mut props, "Sid", get("userSid"));
        put(&mut props, "AadUserId", get("azureAdUserId"));
        put(&mut props, "DisplayName", get("displayName"));
        put(
            &mut props,
            "UPNSuffix",
            upn.split_once('@').map(|p| p.1.to_string()).unwrap_or_default(),
        );
        let name = [get("domainName"), get("accountName")]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("\\");
        self.write("account", first_of(&[&get("userSid"), &name, &upn]), props)
    }

    fn file(&mut self, d: &Map<String, Value>, host: Option<String>, mut props: Map<String, Value>) -> String {
        let get = |k: &str| text(d.get(k));
        let dir = get("filePath").trim_end_matches(['\\', '/']).to_string();
        put(&mut props, "Directory", dir.clone());
        put(&mut props, "Name", get("fileName"));
        put(&mut props, "Publisher", get("filePublisher"));
        let hashes: Vec<Value> = [("SHA256", "sha256"), ("SHA1", "sha1"), ("MD5", "md5")]
            .into_iter()
            .map(|(algorithm, k)| (algorithm, get(k)))
            .filter(|(_, v)| !v.is_empty())
            .map(|(algorithm, v)| json!({"Algorithm": algorithm, "Value": v}))
            .collect();
        if !hashes.is_empty() {
            props.insert("FileHashes".into(), Value::Array(hashes));
        }
        if let Some(h) = &host {
            props.insert("Host".into(), json!({ "$ref": h }));
        }
        let path = [dir, get("fileName")].join("\\");
        self.write("file", format!("{}|{path}", host.unwrap_or_default()), props)
    }

    fn process(&mut self, e: &Map<String, Value>, host: Option<String>, mut props: Map<String, Value>) -> String {
        let get = |k: &str| text(e.get(k));
        put(&mut props, "ProcessId", get("processId"));
        put(&mut props, "CommandLine", get("processCommandLine"));
        put(&mut props, "CreationTimeUtc", get("processCreationDateTime"));
        if let Some(Value::Object(image)) = e.get("imageFile") {
            let id = self.file(image, host.clone(), Map::new());
            props.insert("ImageFile".into(), json!({ "$ref": id }));
        }
        if let Some(Value::Object(account)) = e.get("userAccount") {
            let id = self.account(account, Map::new());
            props.insert("Account".into(), json!({ "$ref": id }));
        }
        let parent_id = get("parentProcessId");
        let parent_image = e.get("parentProcessImageFile").and_then(Value::as_object);
        if !parent_id.is_empty() || parent_image.is_some() {
            let mut parent = Map::new();
            put(&mut parent, "ProcessId", parent_id.clone());
            put(&mut parent, "CreationTimeUtc", get("parentProcessCreationDateTime"));
            if let Some(image) = parent_image {
                let id = self.file(image, host.clone(), Map::new());
                parent.insert("ImageFile".into(), json!({ "$ref": id }));
            }
            if let Some(h) = &host {
                parent.insert("Host".into(), json!({ "$ref": h }));
            }
            let identity = format!(
                "{}|{parent_id}|{}",
                host.clone().unwrap_or_default(),
                get("parentProcessCreationDateTime")
            );
            let id = self.write("process", identity, parent);
            props.insert("ParentProcess".into(), json!({ "$ref": id }));
        }
        if let Some(h) = &host {
            props.insert("Host".into(), json!({ "$ref": h }));
        }
        let identity = format!(
            "{}|{}|{}",
            host.unwrap_or_default(),
            get("processId"),
            get("processCreationDateTime")
        );
        self.write("process", identity, props)
    }
}

/// `#microsoft.graph.security.processEvidence` → `process`.
fn odata_kind_of(e: &Map<String, Value>) -> String {
    let t = text(e.get("@odata.type"));
    let t = t.rsplit('.').next().unwrap_or_default();
    t.strip_suffix("Evidence").unwrap_or(t).to_string()
}

fn odata_kind(e: &Value) -> String {
    e.as_object().map(odata_kind_of).unwrap_or_default()
}

/// `kubernetesPod` → `kubernetes-pod`; an empty type is `unknown`.
fn hyphenated(kind: &str) -> String {
    let mut out = String::new();
    for c in kind.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    if out.is_empty() { "unknown".into() } else { out }
}

fn first_of(values: &[&str]) -> String {
    values
        .iter()
        .find(|v| !v.is_empty())
        .map(|v| v.to_string())
        .unwrap_or_default()
}

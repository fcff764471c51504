//! Microsoft Defender's advanced-hunting alerts: `AlertEvidence` rows (one per alert and
//! piece of evidence, `AlertInfo`'s columns joined or not) grouped into alerts, each piece
//! of evidence an entity of the kinds Sentinel's alerts have, so cards, the entities frame
//! and the graph read both alike. Columns as Microsoft documents the two tables
//! (Timestamp, AlertId, Title, Category, Severity, ServiceSource, DetectionSource,
//! AttackTechniques; EntityType, EvidenceRole, FileName, FolderPath, SHA256, SHA1,
//! RemoteIP, LocalIP, RemoteUrl, AccountName, AccountDomain, AccountSid, AccountUpn,
//! DeviceName, ProcessCommandLine, RegistryKey, RegistryValueName, RegistryValueData).
//! `AlertInfo` alone gives alerts without entities.

use std::collections::BTreeMap;

use polars::prelude::*;
use serde_json::{Map, json};

use super::entities::{Entity, Read};
use super::{Alert, cell_text, put};

/// Whether the frame is Defender's (an `AlertId` and a `Title`, no Sentinel `Entities`).
pub fn recognised(names: &[String]) -> bool {
    let has = |c: &str| names.iter().any(|n| n == c);
    has("AlertId") && has("Title") && !has("Entities")
}

/// The alerts of the frame, in the order their first row comes.
pub fn read(df: &DataFrame) -> Vec<Alert> {
    let text = |col: &str, row: usize| cell_text(df, col, row);
    let mut order: Vec<String> = Vec::new();
    let mut rows: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for row in 0..df.height() {
        let id = text("AlertId", row);
        if !rows.contains_key(&id) {
            order.push(id.clone());
        }
        rows.entry(id).or_default().push(row);
    }
    order
        .into_iter()
        .map(|id| {
            let rows = &rows[&id];
            let first = rows[0];
            let mut times: Vec<String> = rows
                .iter()
                .map(|&r| text("Timestamp", r))
                .filter(|t| !t.is_empty())
                .collect();
            times.sort();
            let techniques = text("AttackTechniques", first);
            let techniques = serde_json::from_str::<Vec<String>>(&techniques).unwrap_or_else(|_| {
                techniques
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            });
            let mut entities = Read::default();
            for &r in rows {
                if let Some(e) = entity(&|c| text(c, r), entities.entities.len()) {
                    entities.entities.push(e);
                }
            }
            Alert {
                id,
                name: text("Title", first),
                severity: text("Severity", first),
                start: times.first().cloned().unwrap_or_default(),
                end: times.last().cloned().unwrap_or_default(),
                product: [text("ServiceSource", first), text("DetectionSource", first)]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" · "),
                tactics: [text("Category", first)]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect(),
                techniques,
                description: String::new(),
                compromised: String::new(),
                remediation: String::new(),
                extended: Vec::new(),
                entities,
                shares: Vec::new(),
            }
        })
        .collect()
}

/// One row's evidence as an entity (`None` for a row without evidence: `AlertInfo`).
fn entity(get: &dyn Fn(&str) -> String, n: usize) -> Option<Entity> {
    let kind_of = get("EntityType");
    if kind_of.is_empty() {
        return None;
    }
    let mut props = Map::new();
    let kind = match kind_of.to_ascii_lowercase().as_str() {
        "machine" | "device" => {
            put(&mut props, "HostName", get("DeviceName"));
            "host"
        }
        "user" | "account" => {
            put(&mut props, "Name", get("AccountName"));
            put(&mut props, "NTDomain", get("AccountDomain"));
            put(&mut props, "Sid", get("AccountSid"));
            put(
                &mut props,
                "UPNSuffix",
                get("AccountUpn")
                    .split_once('@')
                    .map(|p| p.1.to_string())
                    .unwrap_or_default(),
            );
            "account"
        }
        "ip" => {
            let ip = [get("RemoteIP"), get("LocalIP")]
                .into_iter()
                .find(|s| !s.is_empty())
                .unwrap_or_default();
            put(&mut props, "Address", ip);
            "ip"
        }
        "file" => {
            put(
                &mut props,
                "Directory",
                get("FolderPath").trim_end_matches(['\\', '/']).to_string(),
            );
            put(&mut props, "Name", get("FileName"));
            let hash = [("SHA256", get("SHA256")), ("SHA1", get("SHA1"))]
                .into_iter()
                .find(|(_, v)| !v.is_empty());
            if let Some((algorithm, value)) = hash {
                props.insert("FileHashes".into(), json!([{"Algorithm": algorithm, "Value": value}]));
            }
            "file"
        }
        "process" => {
            put(&mut props, "CommandLine", get("ProcessCommandLine"));
            put(&mut props, "ProcessId", get("ProcessId"));
            "process"
        }
        "url" => {
            put(&mut props, "Url", get("RemoteUrl"));
            "url"
        }
        "registryvalue" | "registrykey" => {
            put(&mut props, "Key", get("RegistryKey"));
            put(&mut props, "Name", get("RegistryValueName"));
            put(&mut props, "Value", get("RegistryValueData"));
            if get("RegistryValueName").is_empty() {
                "registry-key"
            } else {
                "registry-value"
            }
        }
        other => {
            put(&mut props, "Name", get("EntityType"));
            return Some(Entity {
                id: Some(format!("e{n}")),
                kind: other.to_string(),
                props,
                links: Vec::new(),
            });
        }
    };
    put(&mut props, "EvidenceRole", get("EvidenceRole"));
    Some(Entity {
        id: Some(format!("e{n}")),
        kind: kind.to_string(),
        props,
        links: Vec::new(),
    })
}

//! Microsoft Sentinel threat intelligence: observables matched against the
//! `ThreatIntelligenceIndicator` table of a connected source, as msticpy's AzSTI provider
//! does with KQL. The table is read through the query layer (only the columns the match
//! needs), so it works on a workspace export in a local folder as on a live workspace.
//!
//! Which columns hold which type (msticpy's AzSTI queries):
//! ipv4/ipv6 — NetworkIP, NetworkSourceIP, NetworkDestinationIP, EmailSourceIpAddress;
//! dns — DomainName, EmailSourceDomain; url — Url; hashes — FileHashValue.
//!
//! Severity: a matching indicator that is active, with ConfidenceScore ≥ 75 → high; active
//! with a lower score → warning; matched only by inactive indicators → information.

use std::collections::HashMap;

use polars::prelude::*;
use serde_json::{Value, json};

use super::{Query, Row, Severity, Status, now_ms};
use crate::ioc::IocType;

/// The provider's name in `%ti` and its results.
pub const NAME: &str = "sentinel";
/// The table read.
pub const TABLE: &str = "ThreatIntelligenceIndicator";

/// The table's columns that can hold an observable of `kind`.
pub fn columns(kind: IocType) -> &'static [&'static str] {
    match kind {
        IocType::Ipv4 | IocType::Ipv6 => &[
            "NetworkIP",
            "NetworkSourceIP",
            "NetworkDestinationIP",
            "EmailSourceIpAddress",
        ],
        IocType::Dns => &["DomainName", "EmailSourceDomain"],
        IocType::Url => &["Url"],
        IocType::Md5 | IocType::Sha1 | IocType::Sha256 | IocType::Sha512 => &["FileHashValue"],
        _ => &[],
    }
}

const DETAIL_COLUMNS: [&str; 9] = [
    "IndicatorId",
    "ThreatType",
    "Description",
    "ConfidenceScore",
    "Active",
    "ExpirationDateTime",
    "IndicatorProvider",
    "MalwareNames",
    "TrafficLightProtocolLevel",
];

/// The columns to read from the table: those that match and those shown.
pub fn wanted(present: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for kind in [IocType::Ipv4, IocType::Dns, IocType::Url, IocType::Md5] {
        for c in columns(kind) {
            if present.iter().any(|p| p == c) && !out.iter().any(|o| o == c) {
                out.push(c.to_string());
            }
        }
    }
    for c in DETAIL_COLUMNS {
        if present.iter().any(|p| p == c) {
            out.push(c.to_string());
        }
    }
    out
}

fn cell(df: &DataFrame, column: &str, row: usize) -> Value {
    let Ok(c) = df.column(column) else {
        return Value::Null;
    };
    match c.get(row) {
        Ok(AnyValue::Null) | Err(_) => Value::Null,
        Ok(AnyValue::Boolean(b)) => json!(b),
        Ok(AnyValue::String(s)) => json!(s),
        Ok(AnyValue::StringOwned(s)) => json!(s.as_str()),
        Ok(v) if v.is_primitive_numeric() => v.extract::<f64>().map(|f| json!(f)).unwrap_or(Value::Null),
        Ok(v) => json!(v.to_string()),
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::String(s) => s.eq_ignore_ascii_case("true"),
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        _ => false,
    }
}

/// One row per query: the indicators of `df` (the table, read with [`wanted`] columns)
/// that name the observable.
pub fn rows(queries: &[Query], df: &DataFrame, source: &str) -> Vec<Row> {
    // value (lower-cased) → table rows, per column group.
    let mut index: HashMap<(usize, String), Vec<usize>> = HashMap::new();
    let groups = [IocType::Ipv4, IocType::Dns, IocType::Url, IocType::Md5];
    let group_of = |k: IocType| match k {
        IocType::Ipv4 | IocType::Ipv6 => 0,
        IocType::Dns => 1,
        IocType::Url => 2,
        _ => 3,
    };
    for (g, kind) in groups.iter().enumerate() {
        for c in columns(*kind) {
            let Ok(col) = df.column(c) else { continue };
            let Ok(col) = col.cast(&DataType::String) else { continue };
            let Ok(values) = col.str() else { continue };
            for (i, v) in values.iter().enumerate() {
                if let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) {
                    index.entry((g, v.to_ascii_lowercase())).or_default().push(i);
                }
            }
        }
    }
    queries
        .iter()
        .map(|q| {
            let mut hits = index
                .get(&(group_of(q.kind), q.ioc.to_ascii_lowercase()))
                .cloned()
                .unwrap_or_default();
            hits.sort_unstable();
            hits.dedup();
            let indicators: Vec<Value> = hits
                .iter()
                .map(|&i| {
                    let mut m = serde_json::Map::new();
                    for c in DETAIL_COLUMNS {
                        let v = cell(df, c, i);
                        if !v.is_null() {
                            m.insert(c.to_string(), v);
                        }
                    }
                    Value::Object(m)
                })
                .collect();
            let active: Vec<&Value> = indicators.iter().filter(|v| truthy(&v["Active"])).collect();
            let best = active
                .iter()
                .filter_map(|v| v["ConfidenceScore"].as_f64())
                .fold(None, |acc: Option<f64>, s| Some(acc.map_or(s, |a| a.max(s))));
            let severity = match (indicators.is_empty(), active.is_empty(), best) {
                (true, _, _) => Severity::Information,
                (false, true, _) => Severity::Information,
                (false, false, Some(s)) if s >= 75.0 => Severity::High,
                (false, false, _) => Severity::Warning,
            };
            let mut types: Vec<&str> = indicators.iter().filter_map(|v| v["ThreatType"].as_str()).collect();
            types.sort_unstable();
            types.dedup();
            let details = json!({
                "indicators": indicators.len(),
                "active": active.len(),
                "max_confidence": best,
                "threat_types": types,
                "descriptions": indicators.iter().filter_map(|v| v["Description"].as_str()).collect::<Vec<_>>(),
            });
            Row {
                ioc: q.ioc.clone(),
                ioc_type: q.kind.name().to_string(),
                subtype: q.subtype.clone(),
                provider: NAME.to_string(),
                found: !indicators.is_empty(),
                severity,
                details: details.to_string(),
                raw: Value::Array(indicators).to_string(),
                reference: format!("{TABLE} on source {source}"),
                status: if hits.is_empty() { Status::NotFound } else { Status::Ok },
                http_status: None,
                cached: false,
                looked_up: now_ms(),
            }
        })
        .collect()
}

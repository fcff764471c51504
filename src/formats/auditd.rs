//! Linux auditd raw logs to frames of events, the way msticpy's `auditdextract` builds
//! them: records grouped by their `msg=audit(<epoch>:<serial>)` id; a group holding a
//! SYSCALL and an EXECVE becomes one `SYSCALL_EXECVE` event with the full `cmdline`; any
//! other group becomes one event typed by its first record, fields merged (a field name
//! met again in a later record of another type is kept as `name_TYPE`, as msticpy does).
//!
//! Values auditd hex-encodes (EXECVE arguments, `proctitle`, and `exe`, `comm`, `cwd`,
//! `name`, `cmd`, `data` when unquoted) are decoded; quoted values lose their quotes; the
//! user-space `msg='…'` payload is split into its own fields. Differences from msticpy,
//! each a fix: every EXECVE argument is kept (msticpy lets the SYSCALL's a0–a3 register
//! values overwrite the arguments, so `iptables -w -t security -C …` comes out as
//! `iptables -w -t`), and `proctitle`'s NUL separators become spaces.
//!
//! Lines that are not audit records are skipped and counted in a warning with the first
//! line number.

use std::collections::HashMap;

use polars::prelude::*;

use super::Format;
use super::lines::parse_lines;
use crate::error::Result;
use crate::frame::Warned;

pub const AUDITD: Format = Format::new("auditd", "auditd", &["log"], |input| {
    read_auditd_text(&input.text()?, &input.name())
})
.sniff(looks_like_auditd)
.table("AuditdEvents");

/// One parsed record line.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub record_type: String,
    /// `1551485405.594:7507`
    pub id: String,
    /// Microseconds since the epoch.
    pub time: i64,
    pub fields: Vec<(String, String)>,
}

/// Parses one `type=… msg=audit(…): k=v …` line (an optional `node=…` prefix is kept as a
/// field).
pub fn parse_record(line: &str) -> Option<Record> {
    let line = line.trim_end();
    let mut fields = Vec::new();
    let mut rest = line;
    if let Some(after) = rest.strip_prefix("node=") {
        let (node, tail) = after.split_once(' ')?;
        fields.push(("node".to_string(), node.to_string()));
        rest = tail;
    }
    let rest = rest.strip_prefix("type=")?;
    let (record_type, rest) = rest.split_once(' ')?;
    let rest = rest.strip_prefix("msg=audit(")?;
    // `): k=v …` normally; some daemon records write `) text, k=v …`.
    let (id, body) = rest.split_once(')')?;
    let body = body.strip_prefix(':').unwrap_or(body);
    let (secs, serial) = id.split_once(':')?;
    serial.parse::<u64>().ok()?;
    let time = parse_epoch(secs)?;
    let encoded_args = record_type == "EXECVE";
    for (key, value, quoted) in pairs(body) {
        if key == "msg" && quoted {
            // A user-space message: its own k=v list, quoted as a whole.
            for (k, v, q) in pairs(&value) {
                fields.push((k.clone(), decode_value(&k, v, q, false)));
            }
            continue;
        }
        let value = decode_value(&key, value, quoted, encoded_args);
        fields.push((key, value));
    }
    Some(Record {
        record_type: record_type.to_string(),
        id: id.to_string(),
        time,
        fields,
    })
}

fn parse_epoch(text: &str) -> Option<i64> {
    let (s, frac) = text.split_once('.').unwrap_or((text, "0"));
    let secs: i64 = s.parse().ok()?;
    let mut micros: String = frac.chars().take(6).collect();
    while micros.len() < 6 {
        micros.push('0');
    }
    // A crafted epoch past what microseconds can hold is not a record.
    secs.checked_mul(1_000_000)?.checked_add(micros.parse::<i64>().ok()?)
}

/// `k=v` pairs of a record body: values may be `"double"` or `'single'` quoted (and hold
/// spaces then), or bare up to the next space. Returns (key, value, was_quoted).
fn pairs(body: &str) -> Vec<(String, String, bool)> {
    let mut out = Vec::new();
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && bytes[i] == b' ' {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && bytes[i] != b'=' && bytes[i] != b' ' {
            i += 1;
        }
        if i >= bytes.len() || bytes[i] == b' ' {
            // A bare word without `=` (rare; e.g. a trailing token) is dropped.
            continue;
        }
        let key = body[start..i].to_string();
        i += 1;
        if i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
            let quote = bytes[i];
            let vstart = i + 1;
            let end = body[vstart..].find(quote as char).map_or(body.len(), |p| vstart + p);
            out.push((key, body[vstart..end].to_string(), true));
            i = (end + 1).min(body.len());
        } else {
            let vstart = i;
            while i < bytes.len() && bytes[i] != b' ' {
                i += 1;
            }
            out.push((key, body[vstart..i].to_string(), false));
        }
    }
    out
}

/// Fields auditd writes hex-encoded when the value holds spaces or unusual bytes.
const ENCODED: &[&str] = &["proctitle", "exe", "comm", "cwd", "name", "cmd", "data", "path", "acct"];

fn decode_value(key: &str, value: String, quoted: bool, encoded_args: bool) -> String {
    if quoted {
        return value;
    }
    let is_arg = encoded_args && key.len() > 1 && key.starts_with('a') && key[1..].bytes().all(|b| b.is_ascii_digit());
    if (is_arg || ENCODED.contains(&key))
        && value.len() >= 2
        && value.len().is_multiple_of(2)
        && let Some(bytes) = unhex(&value)
    {
        let text = String::from_utf8_lossy(&bytes);
        return text.trim_end_matches('\0').replace('\0', " ");
    }
    value
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// One assembled event.
#[derive(Debug, Clone)]
pub struct Event {
    pub event_type: String,
    pub id: String,
    pub time: i64,
    pub fields: Vec<(String, String)>,
}

/// Groups records by id (in order of first appearance) and assembles events.
pub fn assemble(records: Vec<Record>) -> Vec<Event> {
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, Vec<Record>> = HashMap::new();
    for r in records {
        groups
            .entry(r.id.clone())
            .or_insert_with(|| {
                order.push(r.id.clone());
                Vec::new()
            })
            .push(r);
    }
    order
        .into_iter()
        .map(|id| {
            let group = groups.remove(&id).unwrap_or_default();
            event_of(id, group)
        })
        .collect()
}

fn event_of(id: String, group: Vec<Record>) -> Event {
    let time = group.first().map_or(0, |r| r.time);
    let has = |t: &str| group.iter().any(|r| r.record_type == t);
    if has("SYSCALL") && has("EXECVE") {
        let mut fields: Vec<(String, String)> = Vec::new();
        let put = |k: &str, v: &str, fields: &mut Vec<(String, String)>| {
            if let Some(slot) = fields.iter_mut().find(|(n, _)| n == k) {
                slot.1 = v.to_string();
            } else {
                fields.push((k.to_string(), v.to_string()));
            }
        };
        // SYSCALL's a0–a3 are register values, not arguments: leave them out.
        for r in group.iter().filter(|r| r.record_type == "SYSCALL") {
            for (k, v) in &r.fields {
                if !matches!(k.as_str(), "a0" | "a1" | "a2" | "a3") {
                    put(k, v, &mut fields);
                }
            }
        }
        let mut args: Vec<(usize, String)> = Vec::new();
        for r in group.iter().filter(|r| r.record_type == "EXECVE") {
            for (k, v) in &r.fields {
                if let Some(n) = k.strip_prefix('a').and_then(|n| n.parse::<usize>().ok()) {
                    args.push((n, v.clone()));
                }
                put(k, v, &mut fields);
            }
        }
        args.sort_by_key(|a| a.0);
        for r in group.iter().filter(|r| r.record_type == "CWD") {
            if let Some((_, cwd)) = r.fields.iter().find(|(k, _)| k == "cwd") {
                put("cwd", cwd, &mut fields);
            }
        }
        for r in group.iter().filter(|r| r.record_type == "PROCTITLE") {
            if let Some((_, t)) = r.fields.iter().find(|(k, _)| k == "proctitle") {
                put("proctitle", t, &mut fields);
            }
        }
        let cmdline = args.into_iter().map(|a| a.1).collect::<Vec<_>>().join(" ");
        fields.push(("cmdline".to_string(), cmdline));
        return Event {
            event_type: "SYSCALL_EXECVE".to_string(),
            id,
            time,
            fields,
        };
    }
    let event_type = group.first().map(|r| r.record_type.clone()).unwrap_or_default();
    let mut fields: Vec<(String, String)> = Vec::new();
    for r in &group {
        for (k, v) in &r.fields {
            if fields.iter().any(|(n, _)| n == k) {
                let suffixed = format!("{k}_{}", r.record_type);
                if r.record_type != event_type && !fields.iter().any(|(n, _)| *n == suffixed) {
                    fields.push((suffixed, v.clone()));
                }
            } else {
                fields.push((k.clone(), v.clone()));
            }
        }
    }
    Event {
        event_type,
        id,
        time,
        fields,
    }
}

/// Reads auditd text (a whole log) into a frame of events: `TimeGenerated`, `EventType`,
/// `mssg_id`, then the fields (text) in the order first seen.
pub fn read_auditd_text(text: &str, origin: &str) -> Result<Warned<DataFrame>> {
    let (records, skipped) = parse_lines(text, |line, _| parse_record(line));
    let mut warnings = Vec::new();
    if skipped.count > 0 {
        warnings.push(format!(
            "{origin}: {} line{} not an audit record and skipped (first: line {})",
            skipped.count,
            if skipped.count == 1 { " was" } else { "s were" },
            skipped.first_line
        ));
    }
    let events = assemble(records);
    let value = events_frame(&events, &mut warnings)?;
    Ok(Warned { value, warnings })
}

/// The most field columns an auditd frame gets. Real logs have a few hundred field names
/// across their record types; a crafted log with a new name on every line would otherwise
/// make names × events cells (1.2 MB of log took 6.3 GB). Fields past the limit, in the
/// order first seen, are kept as `name=value` text in [`EXTRA_FIELDS`].
pub const MAX_FIELDS: usize = 512;
pub const EXTRA_FIELDS: &str = "ExtraFields";

fn events_frame(events: &[Event], warnings: &mut Vec<String>) -> Result<DataFrame> {
    let mut order: Vec<&str> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut extra: Vec<Option<String>> = vec![None; events.len()];
    let mut extra_names = 0usize;
    // Each column holds only the rows that have the field; nulls fill the rest when the
    // column is built.
    let mut values: Vec<Vec<(usize, &str)>> = Vec::new();
    for (row, e) in events.iter().enumerate() {
        for (k, v) in &e.fields {
            let column = match index.get(k.as_str()) {
                Some(&c) => Some(c),
                None if order.len() < MAX_FIELDS => {
                    index.insert(k, order.len());
                    order.push(k);
                    values.push(Vec::new());
                    Some(order.len() - 1)
                }
                None => None,
            };
            match column {
                Some(c) => values[c].push((row, v)),
                None => {
                    extra_names += 1;
                    let text = extra[row].get_or_insert_with(String::new);
                    if !text.is_empty() {
                        text.push(' ');
                    }
                    text.push_str(&format!("{k}={v}"));
                }
            }
        }
    }
    if extra_names > 0 {
        warnings.push(format!(
            "more than {MAX_FIELDS} distinct field names: {extra_names} values of the later ones are kept as name=value text in {EXTRA_FIELDS}"
        ));
    }
    let time = crate::frame::utc_times("TimeGenerated", events.iter().map(|e| Some(e.time)));
    let mut columns = vec![
        time,
        Column::new(
            "EventType".into(),
            events.iter().map(|e| e.event_type.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "mssg_id".into(),
            events.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
        ),
    ];
    for (name, vals) in order.iter().zip(values) {
        if matches!(*name, "TimeGenerated" | "EventType" | "mssg_id") {
            continue;
        }
        let mut dense: Vec<Option<&str>> = vec![None; events.len()];
        for (row, v) in vals {
            dense[row] = Some(v);
        }
        columns.push(Column::new((*name).into(), dense));
    }
    if extra_names > 0 {
        columns.push(Column::new(EXTRA_FIELDS.into(), extra));
    }
    Ok(DataFrame::new_infer_height(columns)?)
}

/// Whether text looks like raw auditd (its first non-empty line is an audit record).
pub fn looks_like_auditd(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| parse_record(l).is_some())
}

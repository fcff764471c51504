//! The entities of a Sentinel alert (`Entities`: a JSON list of objects with `$id` and
//! `Type`, nested entities inline, later mentions as `{"$ref": "N"}`), read the way
//! msticpy's `SecurityAlert` reads them: every entity with an `$id`, top-level or nested
//! in another (once per `$id`), with references resolved. A reference to no entity is a
//! warning; JSON cannot nest forever (serde stops at 128 levels) and references are not
//! followed while reading, so a cycle of references cannot hang the reader.

use serde_json::{Map, Value};

/// One entity of an alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    /// `$id`, when it has one.
    pub id: Option<String>,
    /// `Type`, lower case (`host`, `account`, `ip`, `file`, `process`, …).
    pub kind: String,
    /// Its own properties (not `$id`, `Type`, and not the entities it refers to).
    pub props: Map<String, Value>,
    /// The entities it refers to: property name and `$id` (`Host` → `3`).
    pub links: Vec<(String, String)>,
}

/// The entities read from one alert, and what could not be read.
#[derive(Debug, Default)]
pub struct Read {
    pub entities: Vec<Entity>,
    pub warnings: Vec<String>,
}

impl Read {
    pub fn by_id(&self, id: &str) -> Option<&Entity> {
        self.entities.iter().find(|e| e.id.as_deref() == Some(id))
    }
}

/// Reads an alert's `Entities` text.
pub fn read(text: &str) -> Read {
    let mut out = Read::default();
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return out;
    }
    let items: Vec<Value> = match serde_json::from_str::<Value>(trimmed) {
        Ok(Value::Array(items)) => items,
        Ok(Value::Object(map)) => map.into_values().collect(),
        Ok(_) => {
            out.warnings.push("Entities is not a list of entities".into());
            return out;
        }
        Err(e) => {
            out.warnings.push(format!("Entities is not readable JSON: {e}"));
            return out;
        }
    };
    for item in &items {
        let Value::Object(obj) = item else { continue };
        if obj.contains_key("$ref") {
            continue;
        }
        add(obj, &mut out, true);
    }
    // References to entities the alert does not hold.
    let ids: Vec<String> = out.entities.iter().filter_map(|e| e.id.clone()).collect();
    for e in &out.entities {
        for (prop, target) in &e.links {
            if !ids.contains(target) {
                out.warnings.push(format!(
                    "entity {} ({})'s {prop} refers to $ref {target}, which no entity of the alert has",
                    e.id.as_deref().unwrap_or("?"),
                    e.kind
                ));
            }
        }
    }
    out
}

/// Adds `obj` (and, first, the entities nested in it) unless its `$id` is known.
fn add(obj: &Map<String, Value>, out: &mut Read, top: bool) {
    let id = obj.get("$id").map(id_text);
    if id
        .as_ref()
        .is_some_and(|id| out.entities.iter().any(|e| e.id.as_ref() == Some(id)))
        && !top
    {
        return;
    }
    let mut props = Map::new();
    let mut links = Vec::new();
    for (k, v) in obj {
        match v {
            _ if k == "$id" || k == "Type" => {}
            Value::Object(inner) if inner.contains_key("$ref") => {
                links.push((k.clone(), id_text(&inner["$ref"])));
            }
            Value::Object(inner) if inner.contains_key("$id") => {
                add(inner, out, false);
                links.push((k.clone(), id_text(&inner["$id"])));
            }
            other => {
                props.insert(k.clone(), other.clone());
            }
        }
    }
    let kind = obj
        .get("Type")
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_ascii_lowercase();
    let entity = Entity {
        id: id.clone(),
        kind,
        props,
        links,
    };
    // A later top-level entity with a known `$id` takes its place, as in msticpy.
    match id.and_then(|id| out.entities.iter().position(|e| e.id.as_deref() == Some(&id))) {
        Some(at) => out.entities[at] = entity,
        None => out.entities.push(entity),
    }
}

fn id_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

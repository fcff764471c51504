//! An event's parameters, read from a column's text: what msticpy's notebook builds its
//! `Cmd(name, params)` from for Exchange and Office audit events.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;

/// A command's parameters, in order: each name with its value, if it has one (an empty or
/// null value is none, as msticpy counts only values that are true in Python).
pub type Parameters = Vec<(Arc<str>, Option<String>)>;

/// The parameter names read so far: each kept once, however many events have it.
#[derive(Debug, Default)]
pub struct Names(HashSet<Arc<str>>);

impl Names {
    fn get(&mut self, name: &str) -> Arc<str> {
        if let Some(known) = self.0.get(name) {
            return known.clone();
        }
        let new: Arc<str> = name.into();
        self.0.insert(new.clone());
        new
    }
}

/// `{"Name": …, "Value": …}`, read without building a JSON tree: the common form, and
/// most of the time spent on a large frame.
#[derive(Deserialize)]
struct Item<'a> {
    #[serde(borrow, rename = "Name", alias = "name")]
    name: Cow<'a, str>,
    #[serde(borrow, default, rename = "Value", alias = "value")]
    value: Option<TextOrJson<'a>>,
}

/// `{"Name": …}`, the value skipped unread.
#[derive(Deserialize)]
struct NameOnly<'a> {
    #[serde(borrow, rename = "Name", alias = "name")]
    name: Cow<'a, str>,
}

/// Any JSON value: a string borrowed where it can be, anything else as JSON.
#[derive(Deserialize)]
#[serde(untagged)]
enum TextOrJson<'a> {
    Text(#[serde(borrow)] Cow<'a, str>),
    Json(Value),
}

impl TextOrJson<'_> {
    /// The value as text: a string as it is, anything else as its JSON, null as none.
    fn into_text(self) -> Option<String> {
        match self {
            TextOrJson::Text(t) => Some(t.into_owned()),
            TextOrJson::Json(v) => value_text(&v),
        }
    }
}

/// Reads one cell's parameters. The forms read:
/// - a JSON list of objects with a `Name` and a `Value` (Exchange and Office audit events,
///   Sentinel's `OfficeActivity.Parameters`); the keys in any case;
/// - a JSON object of names to values;
/// - a JSON list of names.
///
/// An empty cell has none. A value that is not a string is its JSON text. A name given
/// twice keeps its first place and its last value, as a Python dict would.
/// Values are kept only when `values` (the values model needs them; the others do not).
/// The names stay borrowed from the text where they hold no escapes, so this part runs
/// on every core; [`intern`] keeps each name once.
pub fn parse_raw<'a>(text: &'a str, values: bool) -> Result<Raw<'a>, String> {
    let text = text.trim();
    let mut out: Raw = Vec::new();
    if text.is_empty() {
        return Ok(out);
    }
    let mut put = |name: Cow<'a, str>, value: Option<String>| {
        let value = value.filter(|v| values && !v.is_empty());
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => out.push((name, value)),
        }
    };
    // The common form first, without building a JSON tree (and skipping the values
    // unread when they are not wanted).
    if !values && let Ok(items) = serde_json::from_str::<Vec<NameOnly>>(text) {
        for item in items {
            put(item.name, None);
        }
        return Ok(out);
    }
    if values && let Ok(items) = serde_json::from_str::<Vec<Item>>(text) {
        for item in items {
            put(item.name, item.value.and_then(TextOrJson::into_text));
        }
        return Ok(out);
    }
    let json: Value = serde_json::from_str(text).map_err(|e| format!("not JSON ({e})"))?;
    match json {
        Value::Null => {}
        Value::Object(map) => {
            for (name, value) in map {
                put(Cow::Owned(name), value_text(&value));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.into_iter().enumerate() {
                match item {
                    Value::String(name) => put(Cow::Owned(name), None),
                    Value::Object(map) => {
                        let field = |key: &str| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v);
                        let Some(Value::String(name)) = field("name") else {
                            return Err(format!("item {i} of the list has no \"Name\" text"));
                        };
                        put(Cow::Owned(name.clone()), field("value").and_then(value_text));
                    }
                    _ => {
                        return Err(format!(
                            "item {i} of the list is neither a name nor a {{Name, Value}} object"
                        ));
                    }
                }
            }
        }
        _ => return Err("neither a JSON list nor a JSON object".into()),
    }
    Ok(out)
}

/// Parameters with their names still borrowed: see [`parse_raw`].
pub type Raw<'a> = Vec<(Cow<'a, str>, Option<String>)>;

/// [`Raw`] parameters with their names kept once in `names`.
pub fn intern(raw: Raw<'_>, names: &mut Names) -> Parameters {
    raw.into_iter().map(|(n, v)| (names.get(&n), v)).collect()
}

fn value_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(pairs: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.map(str::to_string)))
            .collect()
    }

    fn read(text: &str, names: &mut Names, values: bool) -> Result<Parameters, String> {
        Ok(intern(parse_raw(text, values)?, names))
    }

    fn parse(text: &str) -> Result<Vec<(String, Option<String>)>, String> {
        let parsed = read(text, &mut Names::default(), true)?;
        Ok(parsed.into_iter().map(|(n, v)| (n.to_string(), v)).collect())
    }

    #[test]
    fn every_form_reads_and_bad_ones_are_named() {
        let exchange = r#"[{"Name": "Identity", "Value": "a\\b"}, {"name": "Force", "value": ""},
            {"Name": "Count", "Value": 3}, {"Name": "Identity", "Value": "c"}]"#;
        assert_eq!(
            parse(exchange).unwrap(),
            named(&[("Identity", Some("c")), ("Force", None), ("Count", Some("3"))])
        );
        assert_eq!(
            parse(r#"{"Identity": "x", "Flag": null}"#).unwrap(),
            named(&[("Identity", Some("x")), ("Flag", None)])
        );
        assert_eq!(
            parse(r#"["Identity", "Force"]"#).unwrap(),
            named(&[("Identity", None), ("Force", None)])
        );
        assert_eq!(parse("  ").unwrap(), Vec::new());
        // Names are shared; values are dropped unless asked for.
        let mut names = Names::default();
        let a = read(exchange, &mut names, false).unwrap();
        let b = read(r#"[{"Name": "Identity", "Value": "y"}]"#, &mut names, false).unwrap();
        assert!(Arc::ptr_eq(&a[0].0, &b[0].0) && a.iter().all(|(_, v)| v.is_none()));
        assert!(parse("-Identity x").unwrap_err().starts_with("not JSON"));
        assert_eq!(
            parse("[{\"Value\": 1}]").unwrap_err(),
            "item 0 of the list has no \"Name\" text"
        );
        assert_eq!(
            parse("[1]").unwrap_err(),
            "item 0 of the list is neither a name nor a {Name, Value} object"
        );
        assert_eq!(parse("7").unwrap_err(), "neither a JSON list nor a JSON object");
    }
}

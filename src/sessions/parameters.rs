//! An event's parameters, read from a column's text: what msticpy's notebook builds its
//! `Cmd(name, params)` from for Exchange and Office audit events.

use serde_json::Value;

/// A command's parameters, in order: each name with its value, if it has one (an empty or
/// null value is none, as msticpy counts only values that are true in Python).
pub type Parameters = Vec<(String, Option<String>)>;

/// Reads one cell's parameters. The forms read:
/// - a JSON list of objects with a `Name` and a `Value` (Exchange and Office audit events,
///   Sentinel's `OfficeActivity.Parameters`); the keys in any case;
/// - a JSON object of names to values;
/// - a JSON list of names.
///
/// An empty cell has none. A value that is not a string is its JSON text. A name given
/// twice keeps its first place and its last value, as a Python dict would.
pub fn parse(text: &str) -> Result<Parameters, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let json: Value = serde_json::from_str(text).map_err(|e| format!("not JSON ({e})"))?;
    let mut out: Parameters = Vec::new();
    let mut put = |name: String, value: Option<String>| match out.iter_mut().find(|(n, _)| *n == name) {
        Some(slot) => slot.1 = value,
        None => out.push((name, value)),
    };
    match json {
        Value::Null => {}
        Value::Object(map) => {
            for (name, value) in map {
                put(name, value_text(&value));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::String(name) => put(name.clone(), None),
                    Value::Object(map) => {
                        let field = |key: &str| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v);
                        let Some(Value::String(name)) = field("name") else {
                            return Err(format!("item {i} of the list has no \"Name\" text"));
                        };
                        put(name.clone(), field("value").and_then(value_text));
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

fn value_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(pairs: &[(&str, Option<&str>)]) -> Parameters {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.map(str::to_string)))
            .collect()
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

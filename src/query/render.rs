//! Query templates to query text, as msticpy renders them: `$macro$` replaced first, then
//! Python `str.format` placeholders (`{name}`, with `{{`/`}}` for literal braces), then
//! blank lines dropped. Each argument is checked against its parameter's type, and every
//! problem names the query and the parameter.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{ParamType, Query};
use crate::time::{iso, parse_time};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RenderError {
    #[error("{query} has no parameter {given}{}", if .known.is_empty() { String::new() } else { format!(" (parameters: {})", .known) })]
    UnknownParameter {
        query: String,
        given: String,
        known: String,
    },
    #[error("{query} needs {param} ({description})")]
    MissingParameter {
        query: String,
        param: String,
        description: String,
    },
    #[error("{query}: {param} must be {expected}: {problem}")]
    WrongType {
        query: String,
        param: String,
        expected: &'static str,
        problem: String,
    },
    #[error("{0}: the template is malformed: {1}")]
    Template(String, String),
}

/// The `{name}` placeholders of a template, in order, without repeats.
pub fn placeholders(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let _ = substitute(template, &mut |name| {
        if !out.iter().any(|n| n == name) {
            out.push(name.to_string());
        }
        Some(String::new())
    });
    out
}

/// The language a query is rendered for, which decides how values are written into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// As msticpy renders for KQL and the other remote languages: times as
    /// `2019-02-10T06:00:00Z`, text as given.
    Msticpy,
    /// SQL over local sources: times as `2019-02-10 06:00:00` (which polars SQL compares
    /// with a UTC time column), and `'` in text doubled so a value cannot end its string.
    Sql,
    /// KQL on a service: times as msticpy writes them (templates wrap them in
    /// `datetime(…)`), and text escaped for a KQL string literal of either quote — `\`,
    /// `"`, `'`, newlines — so a value cannot end the string it lands in.
    Kql,
}

/// Renders `query` with `args` (`name` or alias → text as typed); relative times are taken
/// against `now`.
pub fn render(query: &Query, args: &BTreeMap<String, String>, now: DateTime<Utc>) -> Result<String, RenderError> {
    render_for(query, args, now, Dialect::Msticpy)
}

/// [`render`] for a given [`Dialect`].
pub fn render_for(
    query: &Query,
    args: &BTreeMap<String, String>,
    now: DateTime<Utc>,
    dialect: Dialect,
) -> Result<String, RenderError> {
    render_with_lists(query, args, &BTreeMap::new(), now, dialect)
}

/// [`render_for`] where some parameters were given as lists of values (a session
/// value's column): each value is one literal, whatever commas or quotes it holds. A list
/// for a parameter that takes one value is an error.
pub fn render_with_lists(
    query: &Query,
    args: &BTreeMap<String, String>,
    lists: &BTreeMap<String, Vec<String>>,
    now: DateTime<Utc>,
    dialect: Dialect,
) -> Result<String, RenderError> {
    let mut values: BTreeMap<&str, String> = BTreeMap::new();
    for (given, items) in lists {
        let Some(name) = query.param_named(given) else {
            continue;
        };
        let param = &query.params[name];
        if param.kind != ParamType::List {
            return Err(RenderError::WrongType {
                query: query.key.clone(),
                param: name.to_string(),
                expected: "one value",
                problem: format!("{} values were given: pick one with [0] or |first", items.len()),
            });
        }
        values.insert(name, list_of(items.iter().cloned(), dialect));
    }
    for (given, text) in args {
        if query.param_named(given).is_some_and(|n| values.contains_key(n)) {
            continue;
        }
        let Some(name) = query.param_named(given) else {
            return Err(RenderError::UnknownParameter {
                query: query.key.clone(),
                given: given.clone(),
                known: query.params.keys().cloned().collect::<Vec<_>>().join(", "),
            });
        };
        let param = &query.params[name];
        values.insert(name, typed(query, name, param.kind, text, now, dialect)?);
    }
    for (name, param) in &query.params {
        if values.contains_key(name.as_str()) {
            continue;
        }
        match &param.default {
            Some(default) => {
                let text = yaml_text(default);
                let value = match (param.kind, default) {
                    // Defaults are trusted as written, except times, which may be relative.
                    (ParamType::Datetime, _) => typed(query, name, param.kind, &text, now, dialect)?,
                    (ParamType::List, serde_yaml::Value::Sequence(items)) => {
                        list_of(items.iter().map(yaml_text), dialect)
                    }
                    (ParamType::List, _) => typed(query, name, param.kind, &text, now, dialect)?,
                    (ParamType::Str, _) => quote(&text, dialect),
                    _ => text,
                };
                values.insert(name, value);
            }
            None => {
                if query.template.contains(&format!("{{{name}}}")) {
                    return Err(RenderError::MissingParameter {
                        query: query.key.clone(),
                        param: name.clone(),
                        description: param.description.clone(),
                    });
                }
            }
        }
    }
    for (name, param) in &query.params {
        if let (Some(format), Some(v)) = (&param.format, values.get_mut(name.as_str())) {
            *v = format.replacen("{}", v, 1);
        }
    }
    let mut template = query.template.clone();
    for (name, value) in &query.macros {
        template = template.replace(&format!("${name}$"), value);
    }
    let text = substitute(&template, &mut |name| values.get(name).cloned())
        .map_err(|e| RenderError::Template(query.key.clone(), e))?;
    Ok(text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n"))
}

fn typed(
    query: &Query,
    name: &str,
    kind: ParamType,
    text: &str,
    now: DateTime<Utc>,
    dialect: Dialect,
) -> Result<String, RenderError> {
    let wrong = |problem: String| RenderError::WrongType {
        query: query.key.clone(),
        param: name.to_string(),
        expected: match kind {
            ParamType::Int => "a whole number",
            ParamType::Float => "a number",
            ParamType::Datetime => "a time",
            ParamType::List => "a list",
            ParamType::Str => "text",
        },
        problem,
    };
    Ok(match kind {
        ParamType::Str => quote(text, dialect),
        ParamType::Int => text
            .trim()
            .parse::<i64>()
            .map_err(|_| wrong(format!("{text:?} is not a whole number")))?
            .to_string(),
        ParamType::Float => text
            .trim()
            .parse::<f64>()
            .map_err(|_| wrong(format!("{text:?} is not a number")))?
            .to_string(),
        ParamType::Datetime => {
            let t = parse_time(text, now).map_err(wrong)?;
            match dialect {
                Dialect::Msticpy | Dialect::Kql => iso(t),
                Dialect::Sql => sql_time(t),
            }
        }
        ParamType::List => list_of(
            text.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
            dialect,
        ),
    })
}

fn quote(text: &str, dialect: Dialect) -> String {
    match dialect {
        Dialect::Msticpy => text.to_string(),
        Dialect::Sql => text.replace('\'', "''"),
        Dialect::Kql => kql_escape(text),
    }
}

/// Text for the inside of a KQL string literal, `"…"` or `'…'`: every character that could
/// end the literal or start an escape is escaped.
pub fn kql_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            other => out.push(other),
        }
    }
    out
}

/// A UTC time as polars SQL reads a datetime literal.
pub fn sql_time(t: DateTime<Utc>) -> String {
    if t.timestamp_subsec_micros() == 0 {
        t.format("%Y-%m-%d %H:%M:%S").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
    }
}

/// msticpy's list rendering: `'a', 'b', 3` — text single-quoted, numbers bare; in KQL,
/// text fully escaped.
fn list_of(items: impl Iterator<Item = String>, dialect: Dialect) -> String {
    items
        .map(|s| {
            if s.parse::<f64>().is_ok() {
                s
            } else if dialect == Dialect::Kql {
                format!("'{}'", kql_escape(&s))
            } else if dialect == Dialect::Sql {
                // Standard SQL, as polars reads it: a quote is doubled; a backslash is
                // literal, so msticpy's `\'` would end the string.
                format!("'{}'", s.replace('\'', "''"))
            } else {
                format!("'{}'", s.replace('\'', "\\'"))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn yaml_text(v: &serde_yaml::Value) -> String {
    match v {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        serde_yaml::Value::Null => String::new(),
        serde_yaml::Value::Sequence(items) => items.iter().map(yaml_text).collect::<Vec<_>>().join(","),
        other => serde_yaml::to_string(other).unwrap_or_default().trim().to_string(),
    }
}

/// Python `str.format` over `{name}` placeholders; `lookup` gives a value or None (left
/// as written). A `{name:spec}` or `{name!r}` keeps only the name.
fn substitute(template: &str, lookup: &mut dyn FnMut(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut chars = template.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|p| p.1) == Some('{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek().map(|p| p.1) == Some('}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let rest = &template[i + 1..];
                let end = rest.find('}').ok_or_else(|| format!("an unclosed {{ at byte {i}"))?;
                let inner = &rest[..end];
                let name = inner.split([':', '!']).next().unwrap_or("").trim();
                if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    return Err(format!(
                        "{{{inner}}} is not a parameter placeholder (write {{{{ for a literal brace)"
                    ));
                }
                match lookup(name) {
                    Some(v) => out.push_str(&v),
                    None => {
                        out.push('{');
                        out.push_str(inner);
                        out.push('}');
                    }
                }
                for _ in 0..inner.chars().count() + 1 {
                    chars.next();
                }
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

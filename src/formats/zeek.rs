//! Zeek (Bro) TSV logs to frames: the `#fields` header names the columns and `#types`
//! types them — `time` becomes a UTC datetime, `count`/`int`/`port` integers,
//! `interval`/`double` floats, `bool` booleans, everything else (addresses, sets, enums)
//! text. `-` (unset) is null and `(empty)` the empty string, as the header declares.
//!
//! A data line with the wrong number of fields, or a value that does not parse as its
//! declared type, is kept as far as it can be (bad values become null) and counted in a
//! warning with the first line number.

use polars::prelude::*;

use super::Format;
use crate::error::{Error, Result};
use crate::frame::Warned;

pub const ZEEK: Format = Format::new("zeek", "Zeek", &["log"], |input| {
    read_zeek_text(&input.text()?, &input.name())
})
.sniff(looks_like_zeek);

/// Whether text starts with a Zeek TSV header.
pub fn looks_like_zeek(text: &str) -> bool {
    text.starts_with("#separator")
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Time,
    Int,
    Float,
    Bool,
    Text,
}

fn kind(t: &str) -> Kind {
    match t {
        "time" => Kind::Time,
        "count" | "int" | "port" => Kind::Int,
        "interval" | "double" => Kind::Float,
        "bool" => Kind::Bool,
        _ => Kind::Text,
    }
}

enum Values {
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
    Text(Vec<Option<String>>),
}

/// The most columns a `#fields` header may name: every data line fills every column, so a
/// crafted header of 20,000 fields made each line cost 20,000 values.
pub const MAX_FIELDS: usize = 1024;

pub fn read_zeek_text(text: &str, name: &str) -> Result<Warned<DataFrame>> {
    let bad = |message: String| Error::Format {
        path: name.into(),
        format: "Zeek",
        message,
    };
    let mut separator = "\t".to_string();
    let (mut unset, mut empty) = ("-".to_string(), "(empty)".to_string());
    let mut fields: Vec<String> = Vec::new();
    let mut kinds: Vec<Kind> = Vec::new();
    let mut columns: Vec<Values> = Vec::new();
    let (mut damaged, mut first_damaged) = (0usize, None);
    for (i, line) in text.lines().enumerate() {
        if let Some(header) = line.strip_prefix('#') {
            let (key, value) = header
                .split_once(if header.starts_with("separator") {
                    ' '
                } else {
                    separator.chars().next().unwrap_or('\t')
                })
                .unwrap_or((header, ""));
            match key {
                "separator" => separator = unescape(value),
                "unset_field" => unset = value.to_string(),
                "empty_field" => empty = value.to_string(),
                "fields" => {
                    fields = value.split(separator.as_str()).map(str::to_string).collect();
                    if fields.len() > MAX_FIELDS {
                        return Err(bad(format!(
                            "the #fields header names {} fields; a Zeek log has a few dozen and Huntbook reads at most {MAX_FIELDS}",
                            fields.len()
                        )));
                    }
                }
                "types" => kinds = value.split(separator.as_str()).map(kind).collect(),
                _ => {}
            }
            continue;
        }
        if line.is_empty() {
            continue;
        }
        if fields.is_empty() {
            return Err(bad(format!("line {} holds data before the #fields header", i + 1)));
        }
        if columns.is_empty() {
            kinds.resize(fields.len(), Kind::Text);
            columns = kinds
                .iter()
                .map(|k| match k {
                    Kind::Time | Kind::Float => Values::Float(Vec::new()),
                    Kind::Int => Values::Int(Vec::new()),
                    Kind::Bool => Values::Bool(Vec::new()),
                    Kind::Text => Values::Text(Vec::new()),
                })
                .collect();
        }
        let values: Vec<&str> = line.split(separator.as_str()).collect();
        let mut ok = values.len() == fields.len();
        for (c, column) in columns.iter_mut().enumerate() {
            let raw = values.get(c).copied().filter(|v| *v != unset);
            match column {
                Values::Int(v) => v.push(raw.and_then(|r| r.parse().map_err(|_| ok = false).ok())),
                Values::Float(v) => v.push(raw.and_then(|r| r.parse().map_err(|_| ok = false).ok())),
                Values::Bool(v) => v.push(raw.and_then(|r| match r {
                    "T" => Some(true),
                    "F" => Some(false),
                    _ => {
                        ok = false;
                        None
                    }
                })),
                Values::Text(v) => v.push(raw.map(|r| if r == empty { String::new() } else { r.to_string() })),
            }
        }
        if !ok {
            damaged += 1;
            first_damaged.get_or_insert(i + 1);
        }
    }
    if columns.is_empty() {
        return Err(bad("no data lines under the header".into()));
    }
    let mut out = Vec::with_capacity(fields.len());
    for ((field, kind), values) in fields.iter().zip(&kinds).zip(columns) {
        let name: PlSmallStr = field.as_str().into();
        out.push(match values {
            Values::Float(v) if *kind == Kind::Time => crate::frame::utc_times(
                &name,
                v.into_iter().map(|t| t.map(|s| (s * 1_000_000.0).round() as i64)),
            ),
            Values::Float(v) => Column::new(name, v),
            Values::Int(v) => Column::new(name, v),
            Values::Bool(v) => Column::new(name, v),
            Values::Text(v) => Column::new(name, v),
        });
    }
    let mut warnings = Vec::new();
    if damaged > 0 {
        warnings.push(format!(
            "{name}: {damaged} line(s) do not match the #fields/#types header; their bad values are null (first at line {})",
            first_damaged.unwrap_or_default()
        ));
    }
    Ok(Warned {
        value: DataFrame::new_infer_height(out)?,
        warnings,
    })
}

/// `\x09` → a tab (the only escape Zeek writes in the separator line).
fn unescape(value: &str) -> String {
    match value.strip_prefix("\\x").and_then(|h| u8::from_str_radix(h, 16).ok()) {
        Some(b) => (b as char).to_string(),
        None => value.to_string(),
    }
}

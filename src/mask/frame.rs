//! Masking a whole frame: its chosen columns, then every mention of their values in the
//! other text columns.

use std::collections::HashMap;

use polars::prelude::*;

use super::{MaskKind, Masker};
use crate::error::{Error, Result};

/// A masked frame, and how many mentions of masked values were found (and masked) in
/// other text columns, by column.
pub struct Masked {
    pub frame: DataFrame,
    pub mentions: Vec<(String, usize)>,
}

/// The most distinct masked values looked for inside other columns.
const MOST_MENTIONS: usize = 20_000;

/// `df` with `columns` masked (each a text column, masked as its kind); each distinct value
/// is masked once. The masked values are then looked for in the other text columns (a host
/// name inside a command line, a user in a message) and masked there too, matching case
/// insensitively, whole words only.
pub fn mask_frame(df: &DataFrame, columns: &[(String, MaskKind)], masker: &Masker) -> Result<Masked> {
    let mut out = df.clone();
    let mut found: HashMap<String, String> = HashMap::new();
    for (name, kind) in columns {
        let column = df.column(name).map_err(|_| Error::NoColumn {
            column: name.clone(),
            available: df
                .get_column_names()
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })?;
        let text = column.cast(&DataType::String)?;
        let mut seen: HashMap<&str, String> = HashMap::new();
        let masked: StringChunked = text
            .str()?
            .iter()
            .map(|v| v.map(|v| seen.entry(v).or_insert_with(|| masker.mask(*kind, v)).clone()))
            .collect();
        for (original, pseudonym) in seen {
            for (o, p) in mentions_of(*kind, original, &pseudonym) {
                found.entry(o.to_lowercase()).or_insert(p);
            }
        }
        out.replace(name, masked.with_name(name.as_str().into()).into_column())?;
    }
    let mentions = scrub(&mut out, columns, &found)?;
    Ok(Masked { frame: out, mentions })
}

/// The pieces of an original value worth finding elsewhere, with their pseudonyms: the
/// whole value, and for `DOMAIN\user` the user, for a host its first label.
fn mentions_of<'a>(kind: MaskKind, original: &'a str, pseudonym: &str) -> Vec<(&'a str, String)> {
    let mut out = vec![(original.trim(), pseudonym.to_string())];
    match kind {
        MaskKind::Account => {
            if let (Some((_, user)), Some((_, masked))) = (original.split_once('\\'), pseudonym.split_once('\\')) {
                out.push((user, masked.to_string()));
            }
        }
        MaskKind::Host => {
            if let (Some((label, _)), Some((masked, _))) = (original.split_once('.'), pseudonym.split_once('.')) {
                out.push((label, masked.to_string()));
            }
        }
        _ => {}
    }
    // Short or unchanged pieces (`-`, SYSTEM) are not looked for.
    out.retain(|(o, p)| o.chars().count() >= 3 && o != p);
    out
}

/// Every mention of a masked value in the other text columns, masked; how many, by column.
fn scrub(
    df: &mut DataFrame,
    masked: &[(String, MaskKind)],
    found: &HashMap<String, String>,
) -> Result<Vec<(String, usize)>> {
    if found.is_empty() || found.len() > MOST_MENTIONS {
        return Ok(Vec::new());
    }
    let mut keys: Vec<&String> = found.keys().collect();
    keys.sort_by_key(|k| std::cmp::Reverse(k.len()));
    // Whole words: a word boundary where a key begins or ends with a word character.
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let alternatives: Vec<String> = keys
        .iter()
        .map(|k| {
            let (open, close) = (word(k.chars().next()), word(k.chars().last()));
            format!(
                "{}{}{}",
                if open { r"\b" } else { "" },
                regex::escape(k),
                if close { r"\b" } else { "" }
            )
        })
        .collect();
    let pattern = format!("(?i)(?:{})", alternatives.join("|"));
    let Ok(re) = regex::RegexBuilder::new(&pattern).size_limit(64 << 20).build() else {
        return Ok(Vec::new());
    };
    let others: Vec<String> = df
        .columns()
        .iter()
        .filter(|c| c.dtype() == &DataType::String && !masked.iter().any(|(m, _)| m == c.name().as_str()))
        .map(|c| c.name().to_string())
        .collect();
    let mut counts = Vec::new();
    for name in others {
        let mut n = 0usize;
        let replaced: StringChunked = df
            .column(&name)?
            .str()?
            .iter()
            .map(|v| {
                v.map(|v| {
                    re.replace_all(v, |c: &regex::Captures| {
                        n += 1;
                        found
                            .get(&c[0].to_lowercase())
                            .cloned()
                            .unwrap_or_else(|| c[0].to_string())
                    })
                    .into_owned()
                })
            })
            .collect();
        if n > 0 {
            df.replace(&name, replaced.with_name(name.as_str().into()).into_column())?;
            counts.push((name, n));
        }
    }
    Ok(counts)
}

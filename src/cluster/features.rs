//! msticpy's feature functions (`analysis/eventcluster.py`): numbers made from command
//! lines and paths so that events can be clustered. Each function gives msticpy's value
//! for every input (checked on every row of the shared process samples against msticpy
//! 3.0.2, `tests/tools/cluster_msticpy.py`).

use polars::prelude::*;

use crate::Result;
use crate::frame::{no_column, text_values};

/// Whether msticpy's delimiter class `[\s\-\\/\.,"\'|&:;%$()]` matches `c`. Python's `\s`
/// on text is `str.isspace()`: Unicode white space and the four separators U+001C–U+001F,
/// which Rust's `char::is_whitespace` leaves out.
pub fn is_delim(c: char) -> bool {
    matches!(
        c,
        '-' | '\\' | '/' | '.' | ',' | '"' | '\'' | '|' | '&' | ':' | ';' | '%' | '$' | '(' | ')'
    ) || c.is_whitespace()
        || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// msticpy's `delim_count`: how many delimiters the value holds.
pub fn delim_count(value: &str) -> i64 {
    value.chars().filter(|c| is_delim(*c)).count() as i64
}

/// msticpy's `delim_hash`: the CRC32 of the value's delimiters, in order.
pub fn delim_hash(value: &str) -> i64 {
    let mut hasher = crc32fast::Hasher::new();
    let mut buf = [0u8; 4];
    for c in value.chars().filter(|c| is_delim(*c)) {
        hasher.update(c.encode_utf8(&mut buf).as_bytes());
    }
    hasher.finalize() as i64
}

/// msticpy's `char_ord_score` (scale 1) and `_string_score`: the sum of the code points.
pub fn char_ord_score(value: &str) -> i64 {
    value.chars().map(|c| c as i64).sum()
}

/// msticpy's `token_count`: the pieces of `value.split(delimiter)`.
pub fn token_count(value: &str, delimiter: &str) -> i64 {
    if delimiter.is_empty() {
        return 1;
    }
    value.split(delimiter).count() as i64
}

/// msticpy's `crc32_hash`: the CRC32 of the value's UTF-8 bytes.
pub fn crc32(value: &str) -> i64 {
    crc32fast::hash(value.as_bytes()) as i64
}

/// `log10(x)`, or 0 for 0, as msticpy's `pathLogScore` and `commandlineLogLen`.
fn log_or_zero(x: i64) -> f64 {
    if x == 0 { 0.0 } else { (x as f64).log10() }
}

/// The columns `process_features` reads: msticpy's names by default; other schemas name
/// theirs (Sysmon's `Image`, Defender's `FolderPath` and `ProcessCommandLine` …).
#[derive(Debug, Clone)]
pub struct ProcessColumns {
    pub path: String,
    pub command_line: String,
    /// Absent from the frame: no `isSystemSession` (as msticpy).
    pub logon_id: String,
}

impl Default for ProcessColumns {
    fn default() -> Self {
        ProcessColumns {
            path: "NewProcessName".into(),
            command_line: "CommandLine".into(),
            logon_id: "SubjectLogonId".into(),
        }
    }
}

/// msticpy's `add_process_features`: `df` with processName, pathScore, pathLogScore,
/// pathHash, commandlineLen, commandlineLogLen, commandlineTokensFull, commandlineScore,
/// commandlineTokensHash and isSystemSession (logon id 0x3e7 or -1) added (replaced when
/// present). Nulls count as empty text; the path separator is `/` if one of the first ten
/// paths holds one, else `\`.
pub fn process_features(df: &DataFrame, columns: &ProcessColumns) -> Result<DataFrame> {
    for name in [&columns.path, &columns.command_line] {
        if df.column(name).is_err() {
            return Err(no_column(df, name));
        }
    }
    let paths = text_values(df, &columns.path)?;
    let lines = text_values(df, &columns.command_line)?;
    let linux = paths.iter().take(10).flatten().any(|p| p.contains('/'));
    let separator = if linux { '/' } else { '\\' };
    let n = df.height();
    let mut name = Vec::with_capacity(n);
    let (mut path_score, mut path_log, mut path_hash) =
        (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    for path in paths.iter().map(|p| p.unwrap_or("")) {
        let score = char_ord_score(path);
        name.push(path.rsplit(separator).next().unwrap_or("").to_string());
        path_score.push(score);
        path_log.push(log_or_zero(score));
        path_hash.push(crc32(path));
    }
    let (mut len, mut log_len, mut tokens) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut score, mut tokens_hash) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for line in lines.iter().map(|l| l.unwrap_or("")) {
        let chars = line.chars().count() as i64;
        len.push(chars);
        log_len.push(log_or_zero(chars));
        tokens.push(delim_count(line));
        score.push(char_ord_score(line));
        tokens_hash.push(delim_hash(line));
    }
    let mut added = vec![
        Column::new("processName".into(), name),
        Column::new("pathScore".into(), path_score),
        Column::new("pathLogScore".into(), path_log),
        Column::new("pathHash".into(), path_hash),
        Column::new("commandlineLen".into(), len),
        Column::new("commandlineLogLen".into(), log_len),
        Column::new("commandlineTokensFull".into(), tokens),
        Column::new("commandlineScore".into(), score),
        Column::new("commandlineTokensHash".into(), tokens_hash),
    ];
    if df.column(&columns.logon_id).is_ok() {
        let ids = text_values(df, &columns.logon_id)?;
        let system: Vec<bool> = ids
            .iter()
            .map(|id| matches!(id.map(str::trim), Some("0x3e7" | "-1")))
            .collect();
        added.push(Column::new("isSystemSession".into(), system));
    }
    let mut out = df.clone();
    for column in added {
        out.with_column(column)?;
    }
    Ok(out)
}

/// One of the string feature functions over a column, for `%features FRAME.COLUMN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    DelimCount,
    DelimHash,
    CharOrdScore,
    TokenCount,
    Crc32,
}

impl Feature {
    pub const ALL: [Feature; 5] = [
        Feature::DelimCount,
        Feature::DelimHash,
        Feature::CharOrdScore,
        Feature::TokenCount,
        Feature::Crc32,
    ];

    /// The suffix of the column it makes (`CommandLine_delimCount`), msticpy's name.
    pub fn name(self) -> &'static str {
        match self {
            Feature::DelimCount => "delimCount",
            Feature::DelimHash => "delimHash",
            Feature::CharOrdScore => "charOrdScore",
            Feature::TokenCount => "tokenCount",
            Feature::Crc32 => "crc32",
        }
    }

    pub fn parse(text: &str) -> Option<Feature> {
        Feature::ALL.into_iter().find(|f| f.name().eq_ignore_ascii_case(text))
    }

    /// msticpy's function name, which is also its `%%sql` name (`delim_count`).
    pub fn function(self) -> &'static str {
        match self {
            Feature::DelimCount => "delim_count",
            Feature::DelimHash => "delim_hash",
            Feature::CharOrdScore => "char_ord_score",
            Feature::TokenCount => "token_count",
            Feature::Crc32 => "crc32_hash",
        }
    }

    /// The feature of `value`; `delimiter` is the one `token_count` splits on (msticpy's
    /// default is a space) and the others ignore.
    pub fn apply(self, value: &str, delimiter: &str) -> i64 {
        match self {
            Feature::DelimCount => delim_count(value),
            Feature::DelimHash => delim_hash(value),
            Feature::CharOrdScore => char_ord_score(value),
            Feature::TokenCount => token_count(value, delimiter),
            Feature::Crc32 => crc32(value),
        }
    }
}

/// `df` with one column per feature of `column`'s text (nulls as empty text, as msticpy
/// fills them), named `{column}_{feature}`.
pub fn column_features(df: &DataFrame, column: &str, features: &[Feature]) -> Result<DataFrame> {
    let values = text_values(df, column)?;
    let mut out = df.clone();
    for feature in features {
        let made: Vec<i64> = values.iter().map(|v| feature.apply(v.unwrap_or(""), " ")).collect();
        out.with_column(Column::new(format!("{column}_{}", feature.name()).into(), made))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msticpys_test_vector() {
        let text = "The quick & sly (as all foxes might be/or not) fox, jumped over a frog.";
        assert_eq!(token_count(text, " "), 15);
        assert_eq!(char_ord_score(text), 6199);
        assert_eq!(delim_count(text), 20);
        assert_eq!(crc32(text), 2011081507);
        assert_eq!(delim_hash(text), 2337396062);
    }

    #[test]
    fn python_white_space_counts_as_a_delimiter() {
        assert_eq!(delim_count("a\u{1f}b\u{a0}c\u{3000}d"), 3);
        assert_eq!(delim_count("abc"), 0);
        assert_eq!(token_count("", " "), 1);
    }
}

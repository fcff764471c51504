//! Session values in a cell: a finding carried into the next cell without retyping.
//!
//! `{name}` is the value of a frame of one row and one column; `{name.Column}` all the
//! column's values (a list); `{name.Column[i]}` one of them; `{name.Column|first}`,
//! `|last`, `|min`, `|max`, `|unique`, `|count` the common summaries; `{start}` and `{end}`
//! the `%time` window. `{{` … `}}` are literal braces (`{{start}}` is the text `{start}`),
//! and a brace that does not start one of these forms (`\d{3}`, JSON, a KQL
//! `dynamic({"a": {"b": 1}})`) is kept as written.
//!
//! Values are rendered for where they land ([`render`]): a plain word in a magic's
//! arguments, an escaped SQL or KQL literal in a query — so a value can never change the
//! structure of the query it lands in. Every error points at the `{…}` that caused it.

pub mod assist;
mod render;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use huntbook::time::TimeWindow;
use polars::prelude::{AnyValue, Column, TimeUnit};

use crate::diag::{Diagnostic, Span, column_hint, did_you_mean};
use crate::session::Session;

pub use render::{Lands, Word, body, in_word, one_needed};

/// The most values one `{name.Column}` may stand for: a bigger list belongs in a join
/// (`%%sql`), not in a query's text.
pub const MOST_VALUES: usize = 10_000;

/// What `{…}` can refer to: the session's frames and the `%time` window.
#[derive(Clone, Copy)]
pub struct Values<'a> {
    pub session: &'a Session,
    pub window: Option<TimeWindow>,
}

/// One value of a frame's cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Bool(bool),
    Int(i64),
    Real(f64),
    Text(String),
    Time(DateTime<Utc>),
}

/// What a reference stands for: one value, or a list.
#[derive(Debug, Clone, PartialEq)]
pub enum Got {
    One(Val),
    Many(Vec<Val>),
}

/// How a column reference picks its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    All,
    Index(usize),
    First,
    Last,
    Min,
    Max,
    Unique,
    Count,
}

pub const FUNCTIONS: &[&str] = &["first", "last", "min", "max", "unique", "count"];

/// A `{…}` in some text: where it is (byte offsets in that text) and what it names.
#[derive(Debug, Clone, PartialEq)]
pub struct Ref {
    pub at: Span,
    pub name: String,
    pub column: Option<String>,
    pub pick: Pick,
}

impl Ref {
    /// `{start}` or `{end}`.
    pub fn is_window(&self) -> bool {
        self.column.is_none() && self.pick == Pick::All && matches!(self.name.as_str(), "start" | "end")
    }
}

/// A piece of text: literal (braces undoubled) or a reference.
#[derive(Debug, Clone, PartialEq)]
pub enum Seg {
    Lit(String),
    Ref(Ref),
}

/// Cuts `text` into literal pieces and references. `base` is where `text` starts in the
/// cell, for the carets of errors (an unknown `|function`).
pub fn scan(text: &str, base: usize) -> Result<Vec<Seg>, Diagnostic> {
    let mut out = Vec::new();
    let mut lit = String::new();
    let mut i = 0;
    // `{{` opened and not yet closed by `}}`: a `}}` closes one; any other `}}` (the end
    // of nested JSON in a KQL `dynamic(…)`) is kept as written.
    let mut escaped = 0usize;
    let b = text.as_bytes();
    while i < b.len() {
        let rest = &text[i..];
        if rest.starts_with("{{") {
            lit.push('{');
            escaped += 1;
            i += 2;
        } else if rest.starts_with("}}") && escaped > 0 {
            lit.push('}');
            escaped -= 1;
            i += 2;
        } else if b[i] == b'{'
            && let Some((r, end)) = reference(text, i, base)?
        {
            if !lit.is_empty() {
                out.push(Seg::Lit(std::mem::take(&mut lit)));
            }
            out.push(Seg::Ref(r));
            i = end;
        } else {
            let c = rest.chars().next().expect("not at the end");
            lit.push(c);
            i += c.len_utf8();
        }
    }
    if !lit.is_empty() {
        out.push(Seg::Lit(lit));
    }
    Ok(out)
}

/// The references in `text`, without their surroundings.
pub fn refs(text: &str) -> Vec<Ref> {
    scan(text, 0)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|s| match s {
            Seg::Ref(r) => Some(r),
            Seg::Lit(_) => None,
        })
        .collect()
}

/// `{name[.Column][[i] | |fn]}` from the `{` at `at`, and where it ends; `None` when the
/// text there is not one (it is then literal).
fn reference(text: &str, at: usize, base: usize) -> Result<Option<(Ref, usize)>, Diagnostic> {
    let b = text.as_bytes();
    let ident = |from: usize| -> usize {
        let mut j = from;
        if j < b.len() && (b[j].is_ascii_alphabetic() || b[j] == b'_') {
            j += 1;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
        }
        j
    };
    let name_end = ident(at + 1);
    if name_end == at + 1 {
        return Ok(None);
    }
    let mut j = name_end;
    let mut column = None;
    if b.get(j) == Some(&b'.') {
        let end = ident(j + 1);
        if end == j + 1 {
            return Ok(None);
        }
        column = Some(text[j + 1..end].to_string());
        j = end;
    }
    let mut pick = Pick::All;
    match b.get(j) {
        Some(b'[') => {
            let digits = b[j + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 || b.get(j + 1 + digits) != Some(&b']') {
                return Ok(None);
            }
            let index = text[j + 1..j + 1 + digits].parse().unwrap_or(usize::MAX);
            pick = Pick::Index(index);
            j += digits + 2;
        }
        Some(b'|') => {
            let end = ident(j + 1);
            if end == j + 1 || b.get(end) != Some(&b'}') {
                return Ok(None);
            }
            let f = &text[j + 1..end];
            pick = match f {
                "first" => Pick::First,
                "last" => Pick::Last,
                "min" => Pick::Min,
                "max" => Pick::Max,
                "unique" => Pick::Unique,
                "count" => Pick::Count,
                other => {
                    let d = Diagnostic::new("bad-value", format!("|{other} is not a function of values"))
                        .at(base + j..base + end);
                    return Err(match did_you_mean(other, FUNCTIONS.iter().copied()) {
                        Some(s) => d.hint(format!("did you mean |{s}? (functions: {})", FUNCTIONS.join(", "))),
                        None => d.hint(format!("functions: {}", FUNCTIONS.join(", "))),
                    });
                }
            };
            j = end;
        }
        _ => {}
    }
    if b.get(j) != Some(&b'}') {
        return Ok(None);
    }
    let r = Ref {
        at: at..j + 1,
        name: text[at + 1..name_end].to_string(),
        column,
        pick,
    };
    Ok(Some((r, j + 1)))
}

impl Values<'_> {
    /// What `r` stands for; errors point at `span` (the `{…}` in the cell).
    pub fn resolve(&self, r: &Ref, span: Span) -> Result<Got, Diagnostic> {
        if r.is_window() {
            let w = self.window.ok_or_else(|| {
                Diagnostic::new(
                    "no-time-window",
                    format!("{{{}}} is the %time window, and none is set", r.name),
                )
                .at(span.clone())
                .hint("set one first:  %time last 24h  or  %time 2019-02-10 .. 2019-02-12")
            })?;
            return Ok(Got::One(Val::Time(if r.name == "start" { w.start } else { w.end })));
        }
        let Some(frame) = self.session.get(&r.name) else {
            let d = Diagnostic::new(
                "no-such-frame",
                format!("{{{}}}: there is no frame named {:?}", r.name, r.name),
            )
            .at(span);
            let mut names: Vec<&str> = self.session.names().collect();
            names.extend(["start", "end"]);
            return Err(match did_you_mean(&r.name, names.iter().copied()) {
                Some(s) => d.hint(format!("did you mean {{{s}}}? (%vars lists the frames)")),
                None => d.hint("%vars lists the frames; {start} and {end} are the %time window"),
            });
        };
        let df = &frame.data;
        let Some(col_name) = &r.column else {
            return match r.pick {
                Pick::Count => Ok(Got::One(Val::Int(df.height() as i64))),
                Pick::All if df.shape() == (1, 1) => Ok(Got::One(value(&df.columns()[0], 0))),
                _ => Err(Diagnostic::new(
                    "bad-value",
                    format!(
                        "{{{}}} needs a frame of one row and one column; {} has {} row(s) × {} column(s)",
                        r.name,
                        r.name,
                        df.height(),
                        df.width()
                    ),
                )
                .at(span)
                .hint(format!(
                    "name a column: {{{}.{}|first}}, or {{{}.{}}} for all its values",
                    r.name,
                    df.get_column_names().first().map_or("Column", |c| c.as_str()),
                    r.name,
                    df.get_column_names().first().map_or("Column", |c| c.as_str())
                ))),
            };
        };
        let Ok(column) = df.column(col_name) else {
            let names: Vec<String> = df.get_column_names().iter().map(|c| c.to_string()).collect();
            let d = Diagnostic::new("no-such-column", format!("{} has no column {col_name}", r.name)).at(span);
            return Err(column_hint(d, col_name, &names, &format!("{}.", r.name)));
        };
        pick(r, column, span)
    }
}

/// The values `r.pick` takes from `column`.
fn pick(r: &Ref, column: &Column, span: Span) -> Result<Got, Diagnostic> {
    let n = column.len();
    let whole = || format!("{{{}.{}}}", r.name, r.column.as_deref().unwrap_or_default());
    let empty = || {
        Diagnostic::new("bad-value", format!("{}: {} has no rows", whole(), r.name))
            .at(span.clone())
            .hint(format!(
                "{{{}.{}|count}} is 0 here",
                r.name,
                r.column.as_deref().unwrap_or_default()
            ))
    };
    let non_null = || (0..n).map(|i| value(column, i)).filter(|v| *v != Val::Null);
    Ok(match r.pick {
        Pick::All => {
            if n > MOST_VALUES {
                return Err(Diagnostic::new(
                    "bad-value",
                    format!(
                        "{} stands for {n} values, more than the {MOST_VALUES} a query's text may hold",
                        whole()
                    ),
                )
                .at(span)
                .hint(format!(
                    "{}|unique}} for the distinct ones, or join the frames in %%sql",
                    whole().trim_end_matches('}')
                )));
            }
            Got::Many((0..n).map(|i| value(column, i)).collect())
        }
        Pick::Index(i) if i < n => Got::One(value(column, i)),
        Pick::Index(i) => {
            let d = Diagnostic::new(
                "bad-value",
                format!("{}[{i}]: the column has {n} value(s)", whole().trim_end_matches('}')),
            )
            .at(span);
            return Err(if n == 0 {
                d.hint(format!("{} has no rows", r.name))
            } else {
                d.hint(format!("the last is {}[{}]}}", whole().trim_end_matches('}'), n - 1))
            });
        }
        Pick::First if n > 0 => Got::One(value(column, 0)),
        Pick::Last if n > 0 => Got::One(value(column, n - 1)),
        Pick::First | Pick::Last => return Err(empty()),
        Pick::Min | Pick::Max => {
            let best = non_null().reduce(|a, b| {
                let keep_b = match render::order(&a, &b) {
                    std::cmp::Ordering::Greater => r.pick == Pick::Min,
                    std::cmp::Ordering::Less => r.pick == Pick::Max,
                    std::cmp::Ordering::Equal => false,
                };
                if keep_b { b } else { a }
            });
            Got::One(best.ok_or_else(empty)?)
        }
        Pick::Unique => {
            let mut seen: Vec<Val> = Vec::new();
            for v in non_null() {
                if !seen.contains(&v) {
                    if seen.len() == MOST_VALUES {
                        return Err(Diagnostic::new(
                            "bad-value",
                            format!(
                                "{}|unique}} has more than {MOST_VALUES} values",
                                whole().trim_end_matches('}')
                            ),
                        )
                        .at(span)
                        .hint("join the frames in %%sql instead"));
                    }
                    seen.push(v);
                }
            }
            Got::Many(seen)
        }
        Pick::Count => Got::One(Val::Int(non_null().count() as i64)),
    })
}

/// Row `i` of `column` as a value.
fn value(column: &Column, i: usize) -> Val {
    match column.get(i) {
        Ok(v) => of(v),
        Err(_) => Val::Null,
    }
}

fn of(v: AnyValue) -> Val {
    let micros = |n: i64, unit: &TimeUnit| match unit {
        TimeUnit::Nanoseconds => n.div_euclid(1000),
        TimeUnit::Microseconds => n,
        TimeUnit::Milliseconds => n.saturating_mul(1000),
    };
    match v {
        AnyValue::Null => Val::Null,
        AnyValue::Boolean(b) => Val::Bool(b),
        AnyValue::Int8(n) => Val::Int(n.into()),
        AnyValue::Int16(n) => Val::Int(n.into()),
        AnyValue::Int32(n) => Val::Int(n.into()),
        AnyValue::Int64(n) => Val::Int(n),
        AnyValue::UInt8(n) => Val::Int(n.into()),
        AnyValue::UInt16(n) => Val::Int(n.into()),
        AnyValue::UInt32(n) => Val::Int(n.into()),
        AnyValue::UInt64(n) => i64::try_from(n).map_or(Val::Real(n as f64), Val::Int),
        AnyValue::Float32(f) => Val::Real(f.into()),
        AnyValue::Float64(f) => Val::Real(f),
        AnyValue::String(s) => Val::Text(s.to_string()),
        AnyValue::StringOwned(s) => Val::Text(s.to_string()),
        AnyValue::Datetime(n, unit, _) | AnyValue::DatetimeOwned(n, unit, _) => {
            DateTime::from_timestamp_micros(micros(n, &unit)).map_or(Val::Null, Val::Time)
        }
        AnyValue::Date(days) => DateTime::from_timestamp(i64::from(days) * 86_400, 0).map_or(Val::Null, Val::Time),
        other => Val::Text(other.to_string()),
    }
}

//! Values rendered for where they land: a plain word in a magic's arguments, a literal in
//! a SQL or KQL query. A literal is a whole token of its language (quotes and escapes
//! included), so no value can end it early and add to the query.

use std::cmp::Ordering;

use huntbook::query::{kql_escape, sql_time};
use huntbook::time::iso;

use super::{Got, Seg, Val, Values, scan};
use crate::diag::{Diagnostic, Span};

/// Where a value lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lands {
    Sql,
    Kql,
}

/// A value as a plain word (a magic's argument), or why it cannot be one.
pub fn word(v: &Val) -> Result<String, &'static str> {
    Ok(match v {
        Val::Null => return Err("is null"),
        Val::Bool(b) => b.to_string(),
        Val::Int(n) => n.to_string(),
        Val::Real(f) => f.to_string(),
        Val::Text(s) => s.clone(),
        Val::Time(t) => iso(*t),
    })
}

/// A value as one literal of `lands`' language.
pub fn literal(v: &Val, lands: Lands) -> String {
    match (v, lands) {
        (Val::Null, Lands::Sql) => "NULL".into(),
        (Val::Null, Lands::Kql) => "dynamic(null)".into(),
        (Val::Bool(b), Lands::Sql) => if *b { "TRUE" } else { "FALSE" }.into(),
        (Val::Bool(b), Lands::Kql) => b.to_string(),
        (Val::Int(n), _) => n.to_string(),
        (Val::Real(f), Lands::Sql) if f.is_finite() => format!("{f:?}"),
        (Val::Real(f), Lands::Sql) => format!("CAST('{f}' AS DOUBLE)"),
        (Val::Real(f), Lands::Kql) if f.is_finite() => format!("real({f:?})"),
        (Val::Real(f), Lands::Kql) => format!(
            "real({})",
            if f.is_nan() {
                "nan"
            } else if *f > 0.0 {
                "+inf"
            } else {
                "-inf"
            }
        ),
        // Standard SQL strings: a quote is doubled, nothing else is special.
        (Val::Text(s), Lands::Sql) => format!("'{}'", s.replace('\'', "''")),
        (Val::Text(s), Lands::Kql) => format!("\"{}\"", kql_escape(s)),
        // Polars compares a UTC column with this text (no typed literal carries a zone).
        (Val::Time(t), Lands::Sql) => format!("'{}'", sql_time(*t)),
        (Val::Time(t), Lands::Kql) => format!("datetime({})", iso(*t)),
    }
}

/// A list as a parenthesised list of literals (`IN (…)` in both languages); an empty
/// list matches nothing.
pub fn list(vals: &[Val], lands: Lands) -> String {
    if vals.is_empty() {
        return match lands {
            Lands::Sql => "(NULL)".into(),
            Lands::Kql => "(dynamic([]))".into(),
        };
    }
    let items: Vec<String> = vals.iter().map(|v| literal(v, lands)).collect();
    format!("({})", items.join(", "))
}

/// A query's text with its references replaced by literals of `lands`' language. The
/// `%time` window keeps the form it always had: in SQL the bare time (`'{start}'` quotes
/// it), in KQL a `datetime(…)` literal, or the bare time inside `datetime({start})`.
/// `base` is where `text` starts in the cell.
pub fn body(text: &str, base: usize, values: &Values, lands: Lands) -> Result<String, Diagnostic> {
    let mut out = String::with_capacity(text.len());
    for seg in scan(text, base)? {
        let r = match seg {
            Seg::Lit(s) => {
                out.push_str(&s);
                continue;
            }
            Seg::Ref(r) => r,
        };
        let span: Span = base + r.at.start..base + r.at.end;
        let got = values.resolve(&r, span)?;
        match (got, r.is_window()) {
            (Got::One(Val::Time(t)), true) => match lands {
                Lands::Sql => out.push_str(&sql_time(t)),
                Lands::Kql if out.trim_end().ends_with("datetime(") => out.push_str(&iso(t)),
                Lands::Kql => out.push_str(&format!("datetime({})", iso(t))),
            },
            (Got::One(v), _) => out.push_str(&literal(&v, lands)),
            (Got::Many(vs), _) => out.push_str(&list(&vs, lands)),
        }
    }
    Ok(out)
}

/// What a word of a magic's arguments becomes.
#[derive(Debug, Clone, PartialEq)]
pub enum Word {
    Text(String),
    /// `prefix{name.Column}`: the text before the reference and the list's words, and the
    /// error to give where the argument takes one value.
    List {
        prefix: String,
        items: Vec<String>,
        refused: Box<Diagnostic>,
    },
}

/// A word of a magic's arguments with its references replaced; `span` is the word in the
/// cell and `exact` whether the word's text sits there byte for byte (no quotes taken
/// out), so an error can point at the `{…}` itself.
pub fn in_word(text: &str, span: &Span, exact: bool, values: &Values) -> Result<Word, Diagnostic> {
    let segs = scan(text, span.start)?;
    let where_of = |at: &Span| {
        if exact {
            span.start + at.start..span.start + at.end
        } else {
            span.clone()
        }
    };
    let mut out = String::new();
    let count = segs.len();
    for (i, seg) in segs.into_iter().enumerate() {
        let r = match seg {
            Seg::Lit(s) => {
                out.push_str(&s);
                continue;
            }
            Seg::Ref(r) => r,
        };
        let at = where_of(&r.at);
        let whole = &text[r.at.clone()];
        let stem = format!("{{{}.{}", r.name, r.column.as_deref().unwrap_or("Column"));
        match values.resolve(&r, at.clone())? {
            Got::One(v) => out.push_str(&word(&v).map_err(|why| {
                Diagnostic::new("bad-value", format!("{whole} {why}"))
                    .at(at.clone())
                    .hint("a magic's argument needs a value; |first, |max or [i] pick another")
            })?),
            Got::Many(vs) if i + 1 == count => {
                let nulls = vs.iter().filter(|v| **v == Val::Null).count();
                if nulls > 0 {
                    return Err(Diagnostic::new(
                        "bad-value",
                        format!("{whole} has {nulls} null value(s), which a word cannot hold"),
                    )
                    .at(at)
                    .hint(format!("{stem}|unique}} leaves the nulls out")));
                }
                let items = vs.iter().filter_map(|v| word(v).ok()).collect();
                let refused = Box::new(one_needed(whole, &stem, vs.len(), at));
                return Ok(Word::List {
                    prefix: out,
                    items,
                    refused,
                });
            }
            Got::Many(vs) => return Err(one_needed(whole, &stem, vs.len(), at)),
        }
    }
    Ok(Word::Text(out))
}

/// A list where the argument takes one value.
pub fn one_needed(whole: &str, stem: &str, n: usize, at: Span) -> Diagnostic {
    Diagnostic::new(
        "bad-value",
        format!("{whole} stands for {n} values, and this argument takes one"),
    )
    .at(at)
    .hint(format!("pick one: {stem}[0]}} or {stem}|first}}"))
}

/// The order `|min` and `|max` use: numbers by value, times by time, text by its bytes;
/// values of different kinds by kind.
pub fn order(a: &Val, b: &Val) -> Ordering {
    let rank = |v: &Val| match v {
        Val::Null => 0,
        Val::Bool(_) => 1,
        Val::Int(_) | Val::Real(_) => 2,
        Val::Time(_) => 3,
        Val::Text(_) => 4,
    };
    match (a, b) {
        (Val::Bool(x), Val::Bool(y)) => x.cmp(y),
        (Val::Int(x), Val::Int(y)) => x.cmp(y),
        (Val::Int(x), Val::Real(y)) => (*x as f64).total_cmp(y),
        (Val::Real(x), Val::Int(y)) => x.total_cmp(&(*y as f64)),
        (Val::Real(x), Val::Real(y)) => x.total_cmp(y),
        (Val::Time(x), Val::Time(y)) => x.cmp(y),
        (Val::Text(x), Val::Text(y)) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}

//! The fast reader of a Log Analytics answer: one pass over the bytes, each cell put into
//! its column's builder where it is met, and the `rows` array cut at row boundaries and
//! read on every core at once.
//!
//! The pieces that are small (a table's name and columns, a partial-result `error`, keys
//! this reader does not know) are read with serde; only the rows are read by hand. Anything
//! this reader does not expect — a row before its columns, a row of the wrong width, bytes
//! that are not JSON — makes it give up (`None`), and the answer is read again by the
//! serde reader in [`super::stream`], whose errors name what was wrong. So the fast reader
//! never has to explain an error, and accepts nothing the full reader refuses but for one
//! leniency that changes no value: a raw control character inside a string (which JSON
//! wants escaped, and the service always escapes) is taken as it is. A dynamic value keeps
//! the service's text (its order of keys, its form of numbers) without the whitespace
//! between tokens; numbers are read exactly (serde's default parser can be a unit in the
//! last place off).
//!
//! Cutting the rows: a cut is a place that looks like the end of one row and the start of
//! the next (`],[`). It may lie inside a string; so the part before it is read from the true
//! start, and a cut counts only if that part's last row ends exactly there. A part that
//! passes its cut goes on to the end of the rows alone, and the parts after it are thrown
//! away: the answer is right whichever way the bytes fall; only the speed-up is lost.

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;

use super::scan::{array, compact, expect, literal, nested, number_end, object, string_end, text, unescape, value, ws};
use super::stream::Response;
use super::tables::{Builder, builders};

#[cfg(test)]
#[path = "rows_tests.rs"]
mod tests;

/// Below this many bytes of rows, one core reads them all.
const SPLIT_ABOVE: usize = 4 << 20;

#[derive(Deserialize)]
struct ColumnSpec {
    name: String,
    #[serde(rename = "type", default)]
    kind: String,
}

/// The whole answer read fast, or `None` when the serde reader must read it.
pub(super) fn read(body: &[u8]) -> Option<Response> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    read_with(
        body,
        Split {
            parts: cores,
            above: SPLIT_ABOVE,
        },
    )
}

/// How the rows may be cut: into up to `parts` parts, when there are more than `above` bytes.
#[derive(Clone, Copy)]
pub(super) struct Split {
    pub parts: usize,
    pub above: usize,
}

pub(super) fn read_with(body: &[u8], split: Split) -> Option<Response> {
    // Valid UTF-8 once for all: every string below is cut at ASCII quotes, so its bytes are too.
    std::str::from_utf8(body).ok()?;
    let mut at = ws(body, 0);
    let mut response = Response {
        tables: Vec::new(),
        error: None,
    };
    at = expect(body, at, b'{')?;
    at = object(body, at, |key, at| match key {
        "tables" => array(body, at, |at| {
            let (table, at) = table(body, at, split)?;
            response.tables.push(table);
            Some(at)
        }),
        "error" => {
            let (error, at) = value::<Value>(body, at)?;
            response.error = Some(error);
            Some(at)
        }
        _ => Some(value::<IgnoredAny>(body, at)?.1),
    })?;
    (ws(body, at) == body.len()).then_some(response)
}

type Table = (String, Vec<Vec<Builder>>);

fn table(body: &[u8], at: usize, split: Split) -> Option<(Table, usize)> {
    let mut name = String::from("PrimaryResult");
    let mut specs: Option<Vec<ColumnSpec>> = None;
    let mut parts = None;
    let at = expect(body, at, b'{')?;
    let at = object(body, at, |key, at| match key {
        "name" => {
            let (n, at) = value::<String>(body, at)?;
            name = n;
            Some(at)
        }
        "columns" => {
            let (s, at) = value::<Vec<ColumnSpec>>(body, at)?;
            specs = Some(s);
            Some(at)
        }
        "rows" => {
            let (p, at) = rows(body, at, specs.as_ref()?, split)?;
            parts = Some(p);
            Some(at)
        }
        _ => Some(value::<IgnoredAny>(body, at)?.1),
    })?;
    let specs = specs?;
    let parts = parts.unwrap_or_else(|| vec![fresh(&specs, 0)]);
    Some(((name, parts), at))
}

fn fresh(specs: &[ColumnSpec], rows: usize) -> Vec<Builder> {
    builders(specs.iter().map(|c| (c.name.as_str(), c.kind.as_str())), rows)
}

/// The `rows` array from its `[`: the builders of each part, in order, and where it ends.
fn rows(body: &[u8], at: usize, specs: &[ColumnSpec], split: Split) -> Option<(Vec<Vec<Builder>>, usize)> {
    let at = ws(body, expect(body, at, b'[')?);
    if *body.get(at)? == b']' {
        return Some((vec![fresh(specs, 0)], at + 1));
    }
    // Room for the rows a part probably holds, guessed from the first row's length (a
    // little more, as rows vary; room not used is never touched, so costs no memory).
    let first_row = next_cut(body, at).map_or(body.len(), |cut| cut + 1 - at);
    let room = |bytes: usize| bytes / first_row.max(1) * 9 / 8 + 16;
    let cuts = cuts(body, at, split);
    // Part i reads from starts[i] and stops at cuts[i] (the last part at the end).
    let starts: Vec<usize> = std::iter::once(at).chain(cuts.iter().map(|c| c + 1)).collect();
    let stops: Vec<usize> = cuts.iter().copied().chain(std::iter::once(usize::MAX)).collect();
    let read = |i: usize| {
        let bytes = stops[i].min(body.len()) - starts[i];
        let mut b = fresh(specs, room(bytes));
        read_rows(body, starts[i], &mut b, stops[i]).map(|(end, cut)| (b, end, cut))
    };
    let results: Vec<Option<(Vec<Builder>, usize, bool)>> = std::thread::scope(|scope| {
        let others: Vec<_> = (1..starts.len()).map(|i| scope.spawn(move || read(i))).collect();
        let first = read(0);
        std::iter::once(first)
            .chain(others.into_iter().map(|h| h.join().ok().flatten()))
            .collect()
    });
    let mut parts = Vec::new();
    for result in results {
        let (b, end, stopped_at_cut) = result?;
        parts.push(b);
        if !stopped_at_cut {
            return Some((parts, end));
        }
    }
    None
}

/// Up to `parts - 1` places in the rows (from `at`) that look like `],[`, each the index
/// of its comma, spread evenly and in order.
fn cuts(body: &[u8], at: usize, Split { parts, above }: Split) -> Vec<usize> {
    let len = body.len() - at;
    if parts < 2 || len <= above {
        return Vec::new();
    }
    let mut out: Vec<usize> = Vec::new();
    for i in 1..parts {
        let from = at + len * i / parts;
        if out.last().is_some_and(|&last| from <= last) {
            continue;
        }
        out.extend(next_cut(body, from));
    }
    out
}

/// The first place from `from` that looks like `],[`: the index of its comma.
fn next_cut(body: &[u8], mut from: usize) -> Option<usize> {
    loop {
        let close = from + memchr::memchr(b']', body.get(from..)?)?;
        let comma = ws(body, close + 1);
        if body.get(comma) == Some(&b',') && body.get(ws(body, comma + 1)) == Some(&b'[') {
            return Some(comma);
        }
        from = close + 1;
    }
}

/// Rows from `at` (the `[` of a row) into the builders, up to the `]` that closes the rows,
/// or up to the comma at `cut` after a row. Returns where it stopped and whether at the cut.
fn read_rows(body: &[u8], mut at: usize, b: &mut [Builder], cut: usize) -> Option<(usize, bool)> {
    let mut scratch = String::new();
    loop {
        at = ws(body, expect(body, ws(body, at), b'[')?);
        for (i, builder) in b.iter_mut().enumerate() {
            if i > 0 {
                at = ws(body, expect(body, ws(body, at), b',')?);
            }
            at = cell(body, at, builder, &mut scratch)?;
        }
        at = expect(body, ws(body, at), b']')?;
        let next = ws(body, at);
        if next == cut {
            return Some((cut, true));
        }
        match *body.get(next)? {
            b',' => at = next + 1,
            b']' => return Some((next + 1, false)),
            _ => return None,
        }
    }
}

/// One cell at `at` into its builder; where the cell ends.
fn cell(body: &[u8], at: usize, b: &mut Builder, scratch: &mut String) -> Option<usize> {
    match *body.get(at)? {
        b'"' => {
            let (end, escaped) = string_end(body, at + 1)?;
            let raw = &body[at + 1..end];
            if escaped {
                unescape(raw, scratch)?;
                b.push_str(scratch);
            } else {
                b.push_str(text(raw));
            }
            Some(end + 1)
        }
        b'-' | b'0'..=b'9' => {
            let end = number_end(body, at)?;
            number(text(&body[at..end]), b)?;
            Some(end)
        }
        b't' => literal(body, at, b"true").map(|end| (b.push_bool(true), end).1),
        b'f' => literal(body, at, b"false").map(|end| (b.push_bool(false), end).1),
        b'n' => literal(body, at, b"null").map(|end| (b.push_null(), end).1),
        b'{' | b'[' => {
            let end = nested(body, at, 0, scratch)?;
            let raw = &body[at..end];
            if raw.iter().any(|c| matches!(c, b' ' | b'\n' | b'\r' | b'\t')) {
                compact(raw, scratch);
                b.push_json(scratch);
            } else {
                b.push_json(text(raw));
            }
            Some(end)
        }
        _ => None,
    }
}

fn number(s: &str, b: &mut Builder) -> Option<()> {
    let integral = s
        .bytes()
        .skip(usize::from(s.starts_with('-')))
        .all(|c| c.is_ascii_digit());
    if integral {
        match s.parse::<i64>() {
            Ok(i) => b.push_int(i),
            // Beyond i64, as serde gives it: a float.
            Err(_) => b.push_real(s.parse().ok()?),
        }
    } else {
        b.push_real(s.parse().ok()?);
    }
    Some(())
}

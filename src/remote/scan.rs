//! The JSON tokens of a Log Analytics answer, scanned by hand for the fast reader
//! ([`super::rows`]): strings (found a word at a time, escapes undone and checked),
//! numbers and literals by JSON's grammar, nested values checked without serde, and the
//! small structure of objects and arrays. Every function returns `None` for what is not
//! JSON, and the reader then gives up.

use serde::Deserialize;

/// The end of the number at `at`, by JSON's grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
pub(super) fn number_end(body: &[u8], at: usize) -> Option<usize> {
    let digits = |from: usize| from + body[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut at = at + usize::from(body[at] == b'-');
    match *body.get(at)? {
        b'0' => at += 1,
        b'1'..=b'9' => at = digits(at),
        _ => return None,
    }
    if body.get(at) == Some(&b'.') {
        let end = digits(at + 1);
        (end > at + 1).then_some(())?;
        at = end;
    }
    if matches!(body.get(at), Some(b'e' | b'E')) {
        at += 1 + usize::from(matches!(body.get(at + 1), Some(b'+' | b'-')));
        let end = digits(at);
        (end > at).then_some(())?;
        at = end;
    }
    Some(at)
}

/// Serde's limit on nesting, kept so that what serde refuses is refused here too.
const DEPTH: usize = 128;

/// The end of the object or array at `at`, checked to be JSON (strings' escapes included).
pub(super) fn nested(body: &[u8], at: usize, depth: usize, scratch: &mut String) -> Option<usize> {
    if depth >= DEPTH {
        return None;
    }
    let close = if body[at] == b'{' { b'}' } else { b']' };
    let mut at = ws(body, at + 1);
    if *body.get(at)? == close {
        return Some(at + 1);
    }
    loop {
        if close == b'}' {
            at = string(body, expect(body, at, b'"')?, scratch)?;
            at = ws(body, expect(body, ws(body, at), b':')?);
        }
        at = match *body.get(at)? {
            b'"' => string(body, at + 1, scratch)?,
            b'-' | b'0'..=b'9' => number_end(body, at)?,
            b't' => literal(body, at, b"true")?,
            b'f' => literal(body, at, b"false")?,
            b'n' => literal(body, at, b"null")?,
            b'{' | b'[' => nested(body, at, depth + 1, scratch)?,
            _ => return None,
        };
        at = ws(body, at);
        match *body.get(at)? {
            b',' => at = ws(body, at + 1),
            c if c == close => return Some(at + 1),
            _ => return None,
        }
    }
}

/// A dynamic value's JSON text without the whitespace between its tokens (as serde writes
/// it), into `out`. The service's order of keys and form of numbers are kept.
pub(super) fn compact(raw: &[u8], out: &mut String) {
    out.clear();
    let (mut in_string, mut escaped, mut from) = (false, false, 0);
    for (i, &c) in raw.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                in_string = false;
            }
        } else if c == b'"' {
            in_string = true;
        } else if matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
            out.push_str(text(&raw[from..i]));
            from = i + 1;
        }
    }
    out.push_str(text(&raw[from..]));
}

/// The end of a string whose text starts at `at`, its escapes checked.
pub(super) fn string(body: &[u8], at: usize, scratch: &mut String) -> Option<usize> {
    let (end, escaped) = string_end(body, at)?;
    if escaped {
        unescape(&body[at..end], scratch)?;
    }
    Some(end + 1)
}

pub(super) fn literal(body: &[u8], at: usize, word: &[u8]) -> Option<usize> {
    body.get(at..at + word.len())
        .filter(|w| *w == word)
        .map(|_| at + word.len())
}

/// The closing quote of a string whose text starts at `at`, and whether it has escapes.
pub(super) fn string_end(body: &[u8], mut at: usize) -> Option<(usize, bool)> {
    let mut escaped = false;
    loop {
        at = quote_or_backslash(body, at)?;
        if body[at] == b'"' {
            return Some((at, escaped));
        }
        escaped = true;
        at += 2;
    }
}

/// The first `"` or `\` from `at`. Most strings of an answer are short, so eight bytes are
/// looked at a time in a word (where a search's set-up would cost more than the search);
/// long ones go to memchr.
pub(super) fn quote_or_backslash(body: &[u8], mut at: usize) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = ONES << 7;
    // The bytes of `w` equal to `c`: the lowest flagged byte is always a true match.
    let equal = |w: u64, c: u8| {
        let x = w ^ (ONES * u64::from(c));
        x.wrapping_sub(ONES) & !x & HIGH
    };
    for _ in 0..4 {
        let Some(word) = body.get(at..at + 8) else { break };
        let w = u64::from_le_bytes(word.try_into().expect("8 bytes"));
        let hits = equal(w, b'"') | equal(w, b'\\');
        if hits != 0 {
            return Some(at + (hits.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    Some(at + memchr::memchr2(b'"', b'\\', body.get(at..)?)?)
}

/// A string's text with its escapes undone into `out`; `None` for an escape JSON does not have.
pub(super) fn unescape(raw: &[u8], out: &mut String) -> Option<()> {
    out.clear();
    let mut at = 0;
    while let Some(off) = memchr::memchr(b'\\', &raw[at..]) {
        out.push_str(text(&raw[at..at + off]));
        at += off + 1;
        let c = match *raw.get(at)? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let (c, used) = unicode(raw, at + 1)?;
                at += used;
                c
            }
            _ => return None,
        };
        out.push(c);
        at += 1;
    }
    out.push_str(text(&raw[at..]));
    Some(())
}

/// `\uXXXX` (a surrogate pair as two) from the hex digits at `at`: the character and how
/// many bytes after the `u` it took. A lone surrogate is refused, as serde refuses it.
pub(super) fn unicode(raw: &[u8], at: usize) -> Option<(char, usize)> {
    let hex = |at: usize| -> Option<u32> {
        raw.get(at..at + 4)?
            .iter()
            .try_fold(0, |n, &c| char::from(c).to_digit(16).map(|d| n * 16 + d))
    };
    let high = hex(at)?;
    if !(0xD800..0xDC00).contains(&high) {
        return Some((char::from_u32(high)?, 4));
    }
    if raw.get(at + 4..at + 6)? != b"\\u" {
        return None;
    }
    let low = hex(at + 6)?;
    if !(0xDC00..0xE000).contains(&low) {
        return None;
    }
    Some((char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))?, 10))
}

/// Bytes already known to be UTF-8 as text.
pub(super) fn text(bytes: &[u8]) -> &str {
    // SAFETY: the reader (`rows::read_with`) checked that the whole answer is UTF-8, and every slice given
    // here starts and ends at an ASCII byte found by the reader (a quote, a bracket, a
    // comma, whitespace, a backslash, a digit), never inside a character: so it is whole
    // characters of valid UTF-8.
    unsafe { std::str::from_utf8_unchecked(bytes) }
}

/// One JSON value from `at` read by serde, and where it ends.
pub(super) fn value<T: for<'de> Deserialize<'de>>(body: &[u8], at: usize) -> Option<(T, usize)> {
    let mut stream = serde_json::Deserializer::from_slice(&body[at..]).into_iter::<T>();
    let v = stream.next()?.ok()?;
    Some((v, at + stream.byte_offset()))
}

/// An object's members after its `{`: `member(key, at of the value)` reads each value and
/// says where it ended. Returns where the object ends.
pub(super) fn object(body: &[u8], at: usize, mut member: impl FnMut(&str, usize) -> Option<usize>) -> Option<usize> {
    let mut at = ws(body, at);
    if *body.get(at)? == b'}' {
        return Some(at + 1);
    }
    loop {
        at = expect(body, at, b'"')?;
        let (end, escaped) = string_end(body, at)?;
        if escaped {
            return None;
        }
        let key = text(&body[at..end]);
        at = ws(body, expect(body, ws(body, end + 1), b':')?);
        at = ws(body, member(key, at)?);
        match *body.get(at)? {
            b',' => at = ws(body, at + 1),
            b'}' => return Some(at + 1),
            _ => return None,
        }
    }
}

/// An array's elements from its `[`: `element(at)` reads each and says where it ended.
pub(super) fn array(body: &[u8], at: usize, mut element: impl FnMut(usize) -> Option<usize>) -> Option<usize> {
    let mut at = ws(body, expect(body, at, b'[')?);
    if *body.get(at)? == b']' {
        return Some(at + 1);
    }
    loop {
        at = ws(body, element(at)?);
        match *body.get(at)? {
            b',' => at = ws(body, at + 1),
            b']' => return Some(at + 1),
            _ => return None,
        }
    }
}

pub(super) fn expect(body: &[u8], at: usize, c: u8) -> Option<usize> {
    (body.get(at) == Some(&c)).then_some(at + 1)
}

pub(super) fn ws(body: &[u8], mut at: usize) -> usize {
    while matches!(body.get(at), Some(b' ' | b'\n' | b'\r' | b'\t')) {
        at += 1;
    }
    at
}

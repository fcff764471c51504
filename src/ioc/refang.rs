//! Defanging and refanging: the ways reports neutralise indicators (`[.]`, `(dot)`, `hxxp`,
//! `[at]`, `[:]//` …, as iocextract documents them) and the reverse for output.
//!
//! Refanging is one pass that only touches bracketed markers and scheme separators, so
//! ordinary prose ("dot", "at") is never rewritten. The markers are short fixed strings
//! that start with one of `[ ( { :`, except whitespace then `.]`, found from its `]`;
//! [`markers`] finds those bytes by SIMD search and compares the few bytes around them. (The same
//! markers as one regex spent most of its time verifying its prefilter's false hits in
//! prose: half of all extraction time on threat reports.) A defanged scheme (`hxxp`,
//! `fxp`) is recognised by looking back from the separator after it. Text without any
//! marker is returned borrowed, without a copy.

use std::borrow::Cow;
#[cfg(test)]
use std::sync::LazyLock;

#[cfg(test)]
use regex::Regex;

use super::IocType;

/// The markers as a regex, leftmost-first: scheme separators first (so `[:]//` is one
/// separator, not `[:]` then `//`), then the bracketed markers. [`markers`] is what
/// refanging uses; tests check the two agree.
#[cfg(test)]
static MARKERS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix-u)
        \[://\] | \[:\]// | \[:// | :\]// | ://
      | \[ (?: \. | dot | : | / | @ | at ) \]
      | \( (?: \. | dot | @ | at ) \)
      | \{ (?: \. | dot | at ) \}
      | \[\.\s | \s\.\]
        ",
    )
    .expect("the refang pattern compiles")
});

/// The scheme word that ends at `end` (`hxxp`, `h**p`, `h__p`, `http`, `fxp`, `sfxps` …, in
/// any case, starting a word), as where it starts and its live form with the separator.
fn scheme_before(text: &str, end: usize) -> Option<(usize, &'static str)> {
    let b = &text.as_bytes()[..end];
    let lower = |i: usize| b[i].to_ascii_lowercase();
    let at_word_start = |i: usize| super::starts_word(b, i);
    let mut i = end;
    let trailing_s = i > 0 && lower(i - 1) == b's';
    if trailing_s {
        i -= 1;
    }
    if i == 0 || lower(i - 1) != b'p' {
        return None;
    }
    i -= 1;
    let pick = |plain: &'static str, secure: &'static str| if trailing_s { secure } else { plain };
    // h(xx|tt|**|__)p
    if i >= 3 && lower(i - 3) == b'h' && matches!(&[lower(i - 2), lower(i - 1)], b"xx" | b"tt" | b"**" | b"__") {
        let start = i - 3;
        return at_word_start(start).then(|| (start, pick("http://", "https://")));
    }
    // s?f[x]p
    if i >= 2 && lower(i - 2) == b'f' && lower(i - 1) == b'x' {
        let start = i - 2;
        if start >= 1 && lower(start - 1) == b's' && at_word_start(start - 1) {
            return Some((start - 1, pick("sftp://", "sftps://")));
        }
        return at_word_start(start).then(|| (start, pick("ftp://", "ftps://")));
    }
    None
}

/// `\s` as the regex crate reads it without Unicode: vertical tab included.
fn space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ')
}

/// The end of the marker that starts at `start`, if one does, taking the alternatives in
/// `MARKERS`' order.
fn marker_at(b: &[u8], start: usize) -> Option<usize> {
    let rest = &b[start..];
    let is = |marker: &[u8]| rest.len() >= marker.len() && rest[..marker.len()].eq_ignore_ascii_case(marker);
    // `OPEN (inner) CLOSE` for the bracketed dots and ats.
    let enclosed = |close: u8, inner: &[&[u8]]| {
        inner.iter().find_map(|word| {
            let end = 1 + word.len();
            (rest.len() > end && rest[1..end].eq_ignore_ascii_case(word) && rest[end] == close).then_some(end + 1)
        })
    };
    let len = match rest[0] {
        b'[' => {
            if is(b"[://]") || is(b"[:]//") {
                Some(5)
            } else if is(b"[://") {
                Some(4)
            } else if let Some(len) = enclosed(b']', &[b".", b"dot", b":", b"/", b"@", b"at"]) {
                Some(len)
            } else {
                (rest.len() >= 3 && rest[1] == b'.' && space(rest[2])).then_some(3)
            }
        }
        b':' => {
            if is(b":]//") {
                Some(4)
            } else {
                is(b"://").then_some(3)
            }
        }
        b'(' => enclosed(b')', &[b".", b"dot", b"@", b"at"]),
        b'{' => enclosed(b'}', &[b".", b"dot", b"at"]),
        c if space(c) => (rest.get(1..3) == Some(b".]")).then_some(3),
        _ => None,
    };
    len.map(|len| start + len)
}

/// Where the markers are, as `MARKERS.find_iter` gives them. Every marker starts with one
/// of `[ ( { :`, or is whitespace then `.]`; one search gives those bytes and `]` in
/// order, so candidate starts come in order too (the two bytes before a `]` are never one
/// of the others), and a marker found consumes the text it covers. Brackets and colons are
/// dense in reports: the search is by 64-byte masks, not a call per byte found.
fn markers(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let b = text.as_bytes();
    let mut consumed = 0;
    super::simd::positions(b, [b'[', b'(', b'{', b':', b']']).filter_map(move |at| {
        let start = if b[at] == b']' {
            if at < 2 || b[at - 1] != b'.' || !space(b[at - 2]) {
                return None;
            }
            at - 2
        } else {
            at
        };
        if start < consumed {
            return None;
        }
        let end = marker_at(b, start)?;
        consumed = end;
        Some((start, end))
    })
}

/// Turns defanged indicators in `text` back into their live form.
pub fn refang(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut copied = 0;
    for (m_start, m_end) in markers(text) {
        let marker = &text[m_start..m_end];
        let (start, live) = if marker.ends_with("//") || marker == "[://]" {
            match scheme_before(text, m_start) {
                Some(found) => found,
                None if marker == "[://]" || marker == "[:]//" => (m_start, "://"),
                None => continue,
            }
        } else {
            let live = match marker.as_bytes()[1].to_ascii_lowercase() {
                b':' => ":",
                b'/' => "/",
                b'@' | b'a' => "@",
                _ => ".",
            };
            (m_start, live)
        };
        if start < copied || text[start..m_end].eq_ignore_ascii_case(live) {
            continue;
        }
        if out.capacity() == 0 {
            out.reserve(text.len());
        }
        out.push_str(&text[copied..start]);
        out.push_str(live);
        copied = m_end;
    }
    if copied == 0 && out.is_empty() {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// Defangs an observable of the given type for safe sharing (`hxxp`, `[.]`, `[@]`).
pub fn defang(observable: &str, kind: &str) -> String {
    let dots = |s: &str| s.replace('.', "[.]");
    match IocType::from_name(kind) {
        Some(IocType::Url) => {
            let (scheme, rest) = observable.split_once("://").unwrap_or(("", observable));
            let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let scheme = scheme.replacen("http", "hxxp", 1).replacen("ftp", "fxp", 1);
            format!("{scheme}://{}{path}", dots(host))
        }
        Some(IocType::Ipv4 | IocType::Dns) => dots(observable),
        Some(IocType::Email) => dots(&observable.replace('@', "[@]")),
        _ => observable.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_refanged_and_prose_is_not() {
        assert_eq!(refang("hxxps://evil[.]com[/]x"), "https://evil.com/x");
        assert_eq!(refang("fxp[:]//files(dot)example{.}org"), "ftp://files.example.org");
        assert_eq!(refang("mail bob[at]corp[.]com"), "mail bob@corp.com");
        assert_eq!(refang("sfXp://host"), "sftp://host");
        assert_eq!(refang("meet at the dot com party"), "meet at the dot com party");
        assert!(matches!(refang("nothing here"), Cow::Borrowed(_)));
        // A live URL is left as it is, without a copy; bracketed separators are fixed.
        assert!(matches!(refang("see https://example.com/x"), Cow::Borrowed(_)));
        assert_eq!(
            refang("http[:]//a.example.com http:]//b.example.com"),
            "http://a.example.com http://b.example.com"
        );
        assert_eq!(refang("é hxxp://évil[.]com"), "é http://évil.com");
        assert_eq!(
            refang("HXXPS://evil[.]com h**p://a[.]io h__p[:]//b[.]io"),
            "https://evil.com http://a.io http://b.io"
        );
        assert!(matches!(refang("HTTP://x.com ftp://y.org"), Cow::Borrowed(_)));
        assert_eq!(
            refang("tcp[://]10.0.0.1 udp[:]//10.0.0.2"),
            "tcp://10.0.0.1 udp://10.0.0.2"
        );
        // A scheme must start a word: `xhxxp://` is not a defanged URL.
        assert!(matches!(refang("xhxxp://a"), Cow::Borrowed(_)));
    }

    use proptest::prelude::*;

    /// Text built from the pieces markers are made of, so that near misses abound.
    fn marker_text() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "[", "]", "(", ")", "{", "}", ":", "/", "//", ".", "dot", "DoT", "at", "aT", "@", " ", "\t", "\x0b", "\n",
            "hxxp", "x", "é", "[:]", ".]", "[.", "://", "s",
        ]);
        prop::collection::vec(piece, 0..24).prop_map(|p| p.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]

        /// The hand-written marker search finds what the regex it replaces finds.
        #[test]
        fn markers_agree_with_the_regex(text in marker_text()) {
            let expected: Vec<(usize, usize)> = MARKERS.find_iter(&text).map(|m| (m.start(), m.end())).collect();
            prop_assert_eq!(expected, markers(&text).collect::<Vec<_>>());
        }
    }

    #[test]
    fn defang_round_trips() {
        for (value, kind) in [
            ("http://evil.com/a.php", "url"),
            ("1.2.3.4", "ipv4"),
            ("bob@corp.com", "email"),
        ] {
            assert_eq!(refang(&defang(value, kind)), value);
        }
        assert_eq!(defang("http://evil.com/a.php", "url"), "hxxp://evil[.]com/a.php");
        assert_eq!(refang("hxxp[://]evil[.]com"), "http://evil.com");
    }
}

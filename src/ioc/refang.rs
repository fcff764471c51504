//! Defanging and refanging: the ways reports neutralise indicators (`[.]`, `(dot)`, `hxxp`,
//! `[at]`, `[:]//` …, as iocextract documents them) and the reverse for output.
//!
//! Refanging is one regex pass that only touches bracketed markers and scheme separators,
//! so ordinary prose ("dot", "at") is never rewritten. The pattern is literals only, so the
//! regex engine scans for them with its SIMD prefilter (GB/s); a defanged scheme (`hxxp`,
//! `fxp`) is recognised by looking back from the separator after it. Text without any
//! marker is returned borrowed, without a copy.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

use super::IocType;

/// Scheme separators first (so `[:]//` is one separator, not `[:]` then `//`), then the
/// bracketed markers.
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
/// any case, starting a word), as where it starts and its live form.
fn scheme_before(text: &str, end: usize) -> Option<(usize, String)> {
    let b = &text.as_bytes()[..end];
    let lower = |i: usize| b[i].to_ascii_lowercase();
    let at_word_start = |i: usize| i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
    let mut i = end;
    let trailing_s = i > 0 && lower(i - 1) == b's';
    if trailing_s {
        i -= 1;
    }
    if i == 0 || lower(i - 1) != b'p' {
        return None;
    }
    i -= 1;
    let s = if trailing_s { "s" } else { "" };
    // h(xx|tt|**|__)p
    if i >= 3 && lower(i - 3) == b'h' && matches!(&[lower(i - 2), lower(i - 1)], b"xx" | b"tt" | b"**" | b"__") {
        let start = i - 3;
        return at_word_start(start).then(|| (start, format!("http{s}")));
    }
    // s?f[x]p
    if i >= 2 && lower(i - 2) == b'f' && lower(i - 1) == b'x' {
        let start = i - 2;
        if start >= 1 && lower(start - 1) == b's' && at_word_start(start - 1) {
            return Some((start - 1, format!("sftp{s}")));
        }
        return at_word_start(start).then(|| (start, format!("ftp{s}")));
    }
    None
}

/// Turns defanged indicators in `text` back into their live form.
pub fn refang(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut copied = 0;
    for m in MARKERS.find_iter(text) {
        let marker = m.as_str();
        let (start, live) = if marker.ends_with("//") || marker == "[://]" {
            match scheme_before(text, m.start()) {
                Some((start, scheme)) => (start, format!("{scheme}://")),
                None if marker == "[://]" || marker == "[:]//" => (m.start(), "://".to_string()),
                None => continue,
            }
        } else {
            let live = match marker.as_bytes()[1].to_ascii_lowercase() {
                b':' => ":",
                b'/' => "/",
                b'@' | b'a' => "@",
                _ => ".",
            };
            (m.start(), live.to_string())
        };
        if start < copied || text[start..m.end()].eq_ignore_ascii_case(&live) {
            continue;
        }
        out.push_str(&text[copied..start]);
        out.push_str(&live);
        copied = m.end();
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

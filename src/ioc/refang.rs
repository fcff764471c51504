//! Defanging and refanging: the ways reports neutralise indicators (`[.]`, `(dot)`, `hxxp`,
//! `[at]`, `[:]//` …, as iocextract documents them) and the reverse for output.
//!
//! Refanging is one regex pass that only touches bracketed markers and the `hxxp`/`fxp`
//! schemes, so ordinary prose ("dot", "at") is never rewritten. Text without any marker is
//! returned borrowed, without a copy.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::IocType;

static MARKERS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        (?P<dot> \[\.\] | \(\.\) | \{\.\} | \[dot\] | \(dot\) | \{dot\} | \[\.\s | \s\.\] )
      | (?P<scheme_sep> \[://\] )
      | (?P<colon> \[:\] )
      | (?P<slash> \[/\] )
      | (?P<at> \[@\] | \(@\) | \[at\] | \(at\) | \{at\} )
      | \b(?P<http> h(?:xx|XX|\*\*|__|tt)p (?P<s> s?) ) (?P<sep> \[://\] | \[?:\]?// )
      | \b(?P<ftp> (?P<sf> s?) f[xX]p (?P<fs> s?) ) (?P<fsep> \[://\] | \[?:\]?// )
        ",
    )
    .expect("the refang pattern compiles")
});

/// Turns defanged indicators in `text` back into their live form.
pub fn refang(text: &str) -> Cow<'_, str> {
    MARKERS.replace_all(text, |c: &Captures| {
        if c.name("dot").is_some() {
            ".".to_string()
        } else if c.name("scheme_sep").is_some() {
            "://".to_string()
        } else if c.name("colon").is_some() {
            ":".to_string()
        } else if c.name("slash").is_some() {
            "/".to_string()
        } else if c.name("at").is_some() {
            "@".to_string()
        } else if c.name("http").is_some() {
            format!("http{}://", &c["s"])
        } else {
            format!("{}ftp{}://", &c["sf"], &c["fs"])
        }
    })
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

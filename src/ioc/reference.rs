//! Test-only references: each pattern a hand-written scanner replaces, as the regex it
//! replaces, and the predicates the scanners are checked against. Proptests compare the
//! two on generated text.

use super::*;

/// The URL pattern as a regex: [`url_matches`] is what extraction uses; tests check the two
/// agree. Schemes are matched ASCII-case-insensitively (a Unicode fold would let `ſ` stand
/// for `s`).
pub(super) static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?-u:\b)(?i-u:https?|s?ftps?|telnet|ldaps?|file|tcp|udp)://[^\s"'<>`{}|\\^]+"#).unwrap()
});
// ASCII digits only: an address is written in them, and the scanners that narrow where
// these run (see `ipv6_matches`) or replace them (`ipv4_in_run`) rely on matches being
// ASCII. The IPv4 pattern is the reference [`ipv4_in_run`] is tested against.
pub(super) static IPV4: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}").unwrap());
/// The hash pattern as a regex: [`long_hex_runs`] is what extraction uses; tests check the two agree.
pub(super) static HASH: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[0-9A-Fa-f]{32,128}").unwrap());
/// The CVE and ASN patterns as regexes: [`cve_matches`] and [`asn_matches`] are what
/// extraction uses; tests check they agree. Digits are ASCII (`\d` would take other
/// scripts' digits, which no CVE id or AS number is written in).
pub(super) static CVE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(?-u:\b)CVE-[0-9]{4}-[0-9]{4,7}(?-u:\b)").unwrap());
pub(super) static ASN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u:\b)ASN?[ ]?([0-9]{1,10})(?-u:\b)").unwrap());
/// The Bitcoin pattern as a regex: [`bitcoin_words`] is what extraction uses; tests check
/// the two agree.
pub(super) static BITCOIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)(?:bc1[02-9ac-hj-np-z]{11,71}|[13][1-9A-HJ-NP-Za-km-z]{25,34})(?-u:\b)").unwrap()
});
/// Runs of the characters a domain name can hold, holding a dot: every DNS match lies
/// inside one. (Domain names are ASCII here: IDNs are matched in their xn-- form.)
/// The DNS pattern's nested counted repetitions make a lazy DFA too large for its cache on
/// long texts (5 MB/s on 1 GB); searched run by run, the same matches come at full speed.
pub(super) static DNS_RUN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+").unwrap());
/// The registry-key pattern as a regex: [`registry_matches`] is what extraction uses; tests
/// check the two agree. Hive names are matched ASCII-case-insensitively (a Unicode fold
/// would let the Kelvin sign stand for `K`).
pub(super) static REGKEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?-u:\b)(?i-u:HKEY_LOCAL_MACHINE|HKEY_CURRENT_USER|HKEY_CLASSES_ROOT|HKEY_USERS|HKEY_CURRENT_CONFIG|HKLM|HKCU|HKCR|HKU|HKCC)(?::)?(?:\\[^\\\r\n\t\x22'<>|`]*)+",
    )
    .unwrap()
});

/// What `IPV4.find_iter(hay)` finds, searched only inside the runs of [`dns_runs`] that
/// hold three dots. A match is digits joined by dots, so it lies inside one such run
/// (digits are label bytes), and a search restarted at each run finds what one search of
/// the whole text finds: none of its matches crosses a run's edge.
pub(super) fn ipv4_matches(hay: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    dns_runs(hay.as_bytes())
        .into_iter()
        .filter(|run| run.dots >= 3)
        .flat_map(|DottedRun { start, end, .. }| {
            ipv4_in_run(&hay.as_bytes()[start..end]).map(move |(s, e)| (start + s, start + e))
        })
}

/// Whether `DNS` matches all of `run` (one of [`dns_runs`]): every label is 1–63 bytes of
/// `[A-Za-z0-9-]` that neither starts nor ends with `-`, there are at most 127 labels, and
/// the last is 2–63 letters. Then the pattern's greedy labels take all but the last and
/// its first alternative takes the last. (An `xn--` last label is not simple: there the
/// first alternative stops at `xn`.)
pub(super) fn simple_name(run: &[u8]) -> bool {
    let mut labels = 0;
    let mut last: &[u8] = &[];
    for label in run.split(|&b| b == b'.') {
        if label.is_empty() || label.len() > 63 || label[0] == b'-' || label[label.len() - 1] == b'-' {
            return false;
        }
        labels += 1;
        last = label;
    }
    labels <= 127 && last.len() >= 2 && last.iter().all(u8::is_ascii_alphabetic)
}

/// Whether a `DNS` match can lie in `run`: its last label starts with two letters (`xn--`
/// included) just after a dot. Dotted numbers (addresses, versions) have none.
pub(super) fn may_hold_name(run: &[u8]) -> bool {
    memchr::memchr_iter(b'.', run).any(|dot| {
        run.get(dot + 1..dot + 3)
            .is_some_and(|l| l.iter().all(u8::is_ascii_alphabetic))
    })
}

//! Hand-written scanners, each giving exactly what its pattern's regex gives (see
//! `reference.rs`), from a SIMD byte search or a skip-scan instead of a regex pass.

use super::*;

/// What `IPV4.find_iter(run)` finds, without the regex: `[0-9]{1,3}` three times, each
/// followed by a dot, then `[0-9]{1,3}`. The first three groups can only match a whole run
/// of digits (a shorter one is followed by a digit, not the dot), the last takes up to
/// three; the earliest start where that works gives the match, as the leftmost-first
/// regex does.
pub(super) fn ipv4_in_run(run: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    // Counting stops at four digits: more than three never match.
    let digits = |from: usize| digits_at(&run[from..run.len().min(from + 4)]);
    let at = move |start: usize| {
        let mut p = start;
        for _ in 0..3 {
            let n = digits(p);
            if n == 0 || n > 3 || run.get(p + n) != Some(&b'.') {
                return None;
            }
            p += n + 1;
        }
        match digits(p) {
            0 => None,
            n => Some(p + n.min(3)),
        }
    };
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < run.len() {
            if run[i].is_ascii_digit()
                && let Some(end) = at(i)
            {
                let start = i;
                i = end;
                return Some((start, end));
            }
            i += 1;
        }
        None
    })
}

/// `regex`'s matches inside each of `runs` (spans of `hay` that no match crosses), with
/// their positions in `hay`.
pub(super) fn find_in_runs<'h>(
    regex: &'static Regex,
    hay: &'h str,
    runs: impl Iterator<Item = (usize, usize)> + 'h,
) -> impl Iterator<Item = (usize, usize)> + 'h {
    runs.flat_map(move |(start, end)| {
        regex
            .find_iter(&hay[start..end])
            .map(move |m| (start + m.start(), start + m.end()))
    })
}

// Built once: building a substring searcher costs more than searching a frame's row.
pub(super) static SCHEME_SEPARATOR: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new(b"://"));
pub(super) static AS: LazyLock<memchr::memmem::Finder<'static>> = LazyLock::new(|| memchr::memmem::Finder::new(b"AS"));
pub(super) static BC1: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new(b"bc1"));

/// The ASCII bytes that end a URL: whitespace (as `char::is_whitespace` has it) and
/// `"'<>`{}|\\^`.
pub(super) static URL_END: [bool; 128] = {
    let mut t = [false; 128];
    let ends = b"\t\n\x0b\x0c\r \"'<>`{}|\\^";
    let mut i = 0;
    while i < ends.len() {
        t[ends[i] as usize] = true;
        i += 1;
    }
    t
};

/// What `URL.find_iter(hay)` finds, without the regex: each `://` (by SIMD search) with a
/// known scheme as the whole ASCII word before it, and the characters after it up to
/// whitespace or one of `"'<>`{}|\^`. The scheme, all word bytes, must start a word, so
/// it is the whole word; a `://` inside an earlier match is part of that match.
pub(super) fn url_matches(hay: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    const SCHEMES: [&[u8]; 12] = [
        b"http", b"https", b"ftp", b"ftps", b"sftp", b"sftps", b"telnet", b"ldap", b"ldaps", b"file", b"tcp", b"udp",
    ];
    let b = hay.as_bytes();
    let mut covered = 0;
    SCHEME_SEPARATOR.find_iter(b).filter_map(move |colon| {
        if colon < covered {
            return None;
        }
        let start = word_start(b, colon);
        let scheme = &b[start..colon];
        if !SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(scheme)) {
            return None;
        }
        let tail = colon + 3;
        // Byte by byte: ASCII from the table, a longer character decoded (only whitespace
        // among them ends a URL).
        let mut end = tail;
        while end < b.len() {
            if b[end] < 0x80 {
                if URL_END[b[end] as usize] {
                    break;
                }
                end += 1;
            } else {
                let c = hay[end..].chars().next().expect("a character starts here");
                if c.is_whitespace() {
                    break;
                }
                end += c.len_utf8();
            }
        }
        if end == tail {
            return None;
        }
        covered = end;
        Some((start, end))
    })
}

/// What `REGKEY.find_iter(hay)` finds, without the regex: each backslash (by SIMD search)
/// right after a hive name, or a hive name and `:`, where the name is the whole ASCII word
/// (it must start a word, and is all word bytes); the key runs on to a line break, tab,
/// quote, `<`, `>`, `|` or backtick. A backslash inside an earlier match is part of it.
pub(super) fn registry_matches(hay: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    const HIVES: [&[u8]; 10] = [
        b"HKEY_LOCAL_MACHINE",
        b"HKEY_CURRENT_USER",
        b"HKEY_CLASSES_ROOT",
        b"HKEY_USERS",
        b"HKEY_CURRENT_CONFIG",
        b"HKLM",
        b"HKCU",
        b"HKCR",
        b"HKU",
        b"HKCC",
    ];
    let b = hay.as_bytes();
    let mut covered = 0;
    memchr::memchr_iter(b'\\', b).filter_map(move |slash| {
        if slash < covered {
            return None;
        }
        let name_end = if slash > 0 && b[slash - 1] == b':' {
            slash - 1
        } else {
            slash
        };
        let start = word_start(b, name_end);
        if !HIVES.iter().any(|h| h.eq_ignore_ascii_case(&b[start..name_end])) {
            return None;
        }
        let end = memchr::memchr3(b'\r', b'\n', b'\t', &b[slash..]).map_or(b.len(), |i| slash + i);
        let end = b[slash..end]
            .iter()
            .position(|c| matches!(c, b'"' | b'\'' | b'<' | b'>' | b'|' | b'`'))
            .map_or(end, |i| slash + i);
        covered = end;
        Some((start, end))
    })
}

/// The length of the run of ASCII digits at the start of `b`.
pub(super) fn digits_at(b: &[u8]) -> usize {
    b.iter().take_while(|c| c.is_ascii_digit()).count()
}

/// What `CVE.find_iter(hay)` finds, without the regex: from each `-` (by SIMD search) that
/// follows a word `CVE` in any case, four digits, `-`, and a run of 4–7 digits that ends
/// a word (a longer run has no end a boundary allows).
pub(super) fn cve_matches(hay: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let b = hay.as_bytes();
    memchr::memchr_iter(b'-', b).filter_map(move |dash| {
        let start = dash.checked_sub(3)?;
        if !b[start..dash].eq_ignore_ascii_case(b"cve") || !starts_word(b, start) {
            return None;
        }
        let year = dash + 1;
        if digits_at(&b[year..]) < 4 || b.get(year + 4) != Some(&b'-') {
            return None;
        }
        let number = year + 5;
        let end = number + digits_at(&b[number..]);
        ((4..=7).contains(&(end - number)) && ends_word(b, end)).then_some((start, end))
    })
}

/// What `ASN.captures_iter(hay)` finds, as (match start, digits start, end), without the
/// regex: each `AS` (by SIMD search) that starts a word, an optional `N`, an optional
/// space, and a run of 1–10 digits that ends a word. (Giving up the optional parts never
/// helps: the digits must come next.)
pub(super) fn asn_matches(b: &[u8]) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    AS.find_iter(b).filter_map(move |start| {
        if !starts_word(b, start) {
            return None;
        }
        let mut digits = start + 2;
        digits += usize::from(b.get(digits) == Some(&b'N'));
        digits += usize::from(b.get(digits) == Some(&b' '));
        let end = digits + digits_at(&b[digits..]);
        ((1..=10).contains(&(end - digits)) && ends_word(b, end)).then_some((start, digits, end))
    })
}

/// The spans of `hay` where `MAC` can match: maximal runs of at least 17 bytes of
/// `[0-9A-Fa-f:-]`, which a match (17 such bytes) lies inside, and which no match crosses,
/// holding the five separators a match has. A match's first separator is followed by two
/// hex digits and another separator; the runs are grown only around such separators
/// (found by SIMD search), so hashes and prose cost a search, not a walk.
pub(super) fn mac_runs(hay: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let b = hay.as_bytes();
    let separator = |c: u8| c == b':' || c == b'-';
    // Separators before `covered` lie in a run already grown.
    let mut covered = 0;
    simd::positions(b, [b':', b'-']).filter_map(move |at| {
        let opens = b
            .get(at + 1..at + 4)
            .is_some_and(|next| next[0].is_ascii_hexdigit() && next[1].is_ascii_hexdigit() && separator(next[2]));
        if at < covered || !opens {
            return None;
        }
        let (start, end) = run_around(b, at, MAC_BYTE);
        covered = end;
        let run = &b[start..end];
        (run.len() >= 17 && run.iter().filter(|&&c| separator(c)).count() >= 5).then_some((start, end))
    })
}

/// What `IPV6.find_iter(hay)` finds, searched only inside the maximal runs of
/// `[0-9A-Fa-f:.]` that hold two colons (grown from colons found by SIMD search): a match
/// is made of those bytes and holds two colons, so it lies inside one such run, and no
/// match crosses a run's edge.
pub(super) fn ipv6_matches(hay: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let b = hay.as_bytes();
    let mut runs = Vec::new();
    let mut covered = 0;
    for colon in simd::positions(b, [b':']) {
        if colon < covered {
            continue;
        }
        let (start, end) = run_around(b, colon, IPV6_BYTE);
        if memchr::memchr_iter(b':', &b[start..end]).nth(1).is_some() {
            runs.push((start, end));
        }
        covered = end;
    }
    find_in_runs(&IPV6, hay, runs.into_iter())
}

/// What `BITCOIN` finds. Its characters are all word characters between two ASCII word
/// boundaries, so a match is always a whole word: `1` or `3` and 25–34 Base58 characters,
/// or `bc1` and 11–71 Bech32 ones. A Base58 address is a run of at least 26 Base58 digits
/// ([`long_runs`], which skips through prose and most hex without looking at most bytes);
/// a Bech32 one starts with `bc1` (by SIMD search) at a word start.
pub(super) fn bitcoin_words(hay: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    const BECH32: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    // A legacy address is a whole word of Base58 digits: a run of them (prose's words break
    // at `l`, most hashes at `0`) with no other word byte on either side.
    let legacy = long_runs(hay, BASE58_DIGIT, 26).filter(move |&(start, end)| {
        matches!(hay[start], b'1' | b'3') && end - start <= 35 && starts_word(hay, start) && ends_word(hay, end)
    });
    let segwit = BC1.find_iter(hay).filter_map(move |start| {
        let end = start + hay[start..].iter().take_while(|&&c| word_byte(c)).count();
        let data = &hay[start + 3..end];
        (starts_word(hay, start) && (11..=71).contains(&data.len()) && data.iter().all(|c| BECH32.contains(c)))
            .then_some((start, end))
    });
    // Both in reading order and never the same word: merged, they are in reading order.
    let mut words: Vec<(usize, usize)> = legacy.chain(segwit).collect();
    words.sort_unstable();
    words.into_iter()
}

/// One of [`dns_runs`], with what the DNS and IPv4 searches need to know of it, learnt
/// while it was grown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct DottedRun {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) dots: usize,
    /// What [`simple_name`] says of it.
    pub(super) simple: bool,
    /// What [`may_hold_name`] says of it.
    pub(super) named: bool,
}

/// What `DNS_RUN` finds: maximal runs of labels (`[A-Za-z0-9-]+`) joined by single dots,
/// at least two labels. Every run holds a dot with label bytes on both sides; found from
/// such dots (by SIMD search), each run is grown from its first one, a label at a time.
pub(super) fn dns_runs(hay: &[u8]) -> Vec<DottedRun> {
    let label = |b: u8| in_class(b, LABEL_BYTE);
    let n = hay.len();
    let mut out = Vec::new();
    // Dots come every few words in prose: found from 64-byte masks, not a search each.
    // Those before `covered` lie in a run already grown.
    let mut covered = 0;
    for dot in simd::positions(hay, [b'.']) {
        if dot < covered || dot == 0 || dot + 1 >= n || !label(hay[dot - 1]) || !label(hay[dot + 1]) {
            continue;
        }
        // The label before the first joining dot starts the run: a dot before it with a
        // label on its left would have joined earlier and covered this one.
        let start = labels_start(hay, dot);
        let (mut label_start, mut end) = (start, dot);
        let (mut labels, mut dots, mut fit, mut named) = (0usize, 0, true, false);
        loop {
            let this = &hay[label_start..end];
            fit &= this.len() <= 63 && this[0] != b'-' && this[this.len() - 1] != b'-';
            labels += 1;
            if end + 1 < n && hay[end] == b'.' && label(hay[end + 1]) {
                dots += 1;
                named |= hay[end + 1].is_ascii_alphabetic() && hay.get(end + 2).is_some_and(u8::is_ascii_alphabetic);
                label_start = end + 1;
                end = labels_end(hay, label_start);
            } else {
                break;
            }
        }
        let last = &hay[label_start..end];
        let simple = fit && labels <= 127 && last.len() >= 2 && last.iter().all(u8::is_ascii_alphabetic);
        out.push(DottedRun {
            start,
            end,
            dots,
            simple,
            named,
        });
        covered = end;
    }
    out
}

/// Where the run of label bytes (`[A-Za-z0-9-]`) from `hay[i]` ends (`i` if that is not
/// one), 16 bytes classified at a time: a label's length is then a count of bits, not a
/// loop whose exit the processor has to guess.
pub(super) fn labels_end(hay: &[u8], mut i: usize) -> usize {
    loop {
        let run = simd::labels16(hay, i).trailing_ones() as usize;
        i += run;
        if run < 16 {
            return i;
        }
    }
}

/// Where the run of label bytes that ends just before `hay[i]` starts (`i` if `hay[i - 1]`
/// is not one).
pub(super) fn labels_start(hay: &[u8], mut i: usize) -> usize {
    while i > 0 {
        let from = i.saturating_sub(16);
        let width = i - from;
        // The bytes from `from` to `i` in the top bits, the one just before `i` highest.
        let run = (simd::labels16(hay, from) << (32 - width)).leading_ones() as usize;
        i -= run;
        if run < width {
            break;
        }
    }
    i
}

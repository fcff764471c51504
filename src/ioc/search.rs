//! Per-type search: each type's candidates within a block, validated.

use super::*;

/// An indicator as a type's search finds it: its type, the observable (borrowed from the
/// text where it can be) and its position in the text.
pub(super) type Candidate<'t> = (IocType, Cow<'t, str>, usize);

/// The validated matches of one type within `line` (a range of the refanged `text` that
/// no match crosses), with their positions in `text`, appended to `out`. For any hash
/// type, hashes of every length are given, each with its own type; for DNS with
/// `also_ipv4`, IPv4 addresses too, from the same dotted runs.
///
/// Each type has its own function, kept out of line: inlined into one, a change to one
/// type's code moved the machine code (and the speed) of all the others.
pub(super) fn candidates<'t>(
    kind: IocType,
    also_ipv4: bool,
    text: &'t str,
    line: std::ops::Range<usize>,
    out: &mut Vec<Candidate<'t>>,
) {
    let hay = Hay {
        text,
        base: line.start,
        hay: &text[line],
    };
    match kind {
        IocType::Url => urls(&hay, out),
        IocType::Ipv6 => ipv6_addresses(&hay, out),
        IocType::Email => emails(&hay, out),
        IocType::Md5 | IocType::Sha1 | IocType::Sha256 | IocType::Sha512 => hashes(&hay, out),
        IocType::Cve => cves(&hay, out),
        IocType::Mac => mac_addresses(&hay, out),
        IocType::Asn => asns(&hay, out),
        IocType::Bitcoin => bitcoin_addresses(&hay, out),
        IocType::Ipv4 | IocType::Dns => dotted(&hay, kind == IocType::Ipv4 || also_ipv4, kind == IocType::Dns, out),
        IocType::RegistryKey => registry_keys(&hay, out),
        IocType::WindowsPath => windows_paths(&hay, out),
        IocType::LinuxPath => linux_paths(&hay, out),
    }
}

/// The range of `text` one search covers: `hay`, which starts at `base`.
pub(super) struct Hay<'t> {
    pub(super) text: &'t str,
    pub(super) base: usize,
    pub(super) hay: &'t str,
}

/// A match in a [`Hay`], with its offsets in the whole text.
pub(super) struct At<'t> {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) text: &'t str,
}

impl<'t> Hay<'t> {
    /// The byte before offset `i` of the text, for the glue checks. Those test ASCII
    /// characters only, and a byte is one exactly when the character there is (every byte
    /// of a longer UTF-8 character is >= 0x80), so no character needs decoding.
    pub(super) fn before(&self, i: usize) -> Option<u8> {
        i.checked_sub(1).map(|j| self.text.as_bytes()[j])
    }

    /// The byte at offset `i` of the text, just after a match that ends there.
    pub(super) fn after(&self, i: usize) -> Option<u8> {
        self.text.as_bytes().get(i).copied()
    }

    /// A span of the hay, as a scanner gives it.
    pub(super) fn span(&self, (start, end): (usize, usize)) -> At<'t> {
        At {
            start: self.base + start,
            end: self.base + end,
            text: &self.hay[start..end],
        }
    }

    /// A regex match in the hay.
    pub(super) fn at(&self, m: regex::Match<'t>) -> At<'t> {
        self.span((m.start(), m.end()))
    }
}

#[inline(never)]
pub(super) fn urls<'t>(h: &Hay<'t>, out: &mut Vec<Candidate<'t>>) {
    for m in url_matches(h.hay).map(|s| h.span(s)) {
        let url = checks::trim_url(m.text);
        if checks::url_has_host(url) {
            out.push((IocType::Url, Cow::Borrowed(url), m.start));
        }
    }
}

#[inline(never)]
pub(super) fn ipv6_addresses<'t>(h: &Hay<'t>, out: &mut Vec<Candidate<'t>>) {
    for m in ipv6_matches(h.hay).map(|s| h.span(s)) {
        let glued = h
            .before(m.start)
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
            || h.after(m.end).is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_');
        let candidate = m.text.trim_end_matches(':');
        if !glued && candidate.matches(':').count() >= 2 && candidate.parse::<std::net::Ipv6Addr>().is_ok() {
            out.push((IocType::Ipv6, lowercase(candidate), m.start));
        }
    }
}

#[inline(never)]
pub(super) fn emails<'t>(h: &Hay<'t>, out: &mut Vec<Candidate<'t>>) {
    // A regex search has a fixed cost that a row of a frame feels; most rows have no `@`.
    let search = memchr::memchr(b'@', h.hay.as_bytes()).map(|_| EMAIL.find_iter(h.hay));
    for m in search.into_iter().flatten().map(|m| h.at(m)) {
        let domain = m.text.rsplit('@').next().unwrap_or_default();
        let glued = h.before(m.start).is_some_and(|c| c.is_ascii_alphanumeric());
        if !glued && checks::known_suffix(domain) {
            out.push((IocType::Email, Cow::Borrowed(m.text), m.start));
        }
    }
}

/// Hashes of every length. Bounded by any non-hex character, as msticpy does: `…bd987hash`
/// still holds an MD5, while a longer hex run is not a shorter hash. The maximal hex runs
/// are what `HASH` plus the glue check give, without a regex (a hex run is bounded by
/// non-hex bytes on both sides by construction).
#[inline(never)]
pub(super) fn hashes<'t>(h: &Hay<'t>, out: &mut Vec<Candidate<'t>>) {
    for (start, end) in long_hex_runs(h.hay.as_bytes()) {
        let kind = match end - start {
            32 => IocType::Md5,
            40 => IocType::Sha1,
            64 => IocType::Sha256,
            128 => IocType::Sha512,
            _ => continue,
        };
        out.push((kind, lowercase(&h.hay[start..end]), h.base + start));
    }
}

#[inline(never)]
pub(super) fn cves<'t>(h: &Hay<'t>, out: &mut Vec<Candidate<'t>>) {
    for m in cve_matches(h.hay).map(|s| h.span(s)) {
        out.push((IocType::Cve, Cow::Owned(m.text.to_ascii_uppercase()), m.start));
    }
}

#[inline(never)]
pub(super) fn mac_addresses<'t>(h: &Hay<'t>, out: &mut Vec<Candidate<'t>>) {
    for m in find_in_runs(&MAC, h.hay, mac_runs(h.hay)).map(|s| h.span(s)) {
        // The pattern's first separator (its capture group) is the match's third byte.
        let separator = m.text.as_bytes()[2];
        let consistent = m
            .text
            .bytes()
            .filter(|&c| c == b':' || c == b'-')
            .all(|c| c == separator);
        let glued = h.before(m.start).is_some_and(|c| in_class(c, MAC_BYTE))
            || h.after(m.end).is_some_and(|c| in_class(c, MAC_BYTE));
        if consistent && !glued {
            out.push((
                IocType::Mac,
                Cow::Owned(m.text.to_ascii_lowercase().replace('-', ":")),
                m.start,
            ));
        }
    }
}

#[inline(never)]
pub(super) fn asns<'t>(h: &Hay<'t>, out: &mut Vec<Candidate<'t>>) {
    for (start, digits, end) in asn_matches(h.hay.as_bytes()) {
        let number: u64 = h.hay[digits..end].parse().unwrap_or(0);
        if (1..=u64::from(u32::MAX)).contains(&number) {
            out.push((IocType::Asn, Cow::Owned(format!("AS{number}")), h.base + start));
        }
    }
}

#[inline(never)]
pub(super) fn bitcoin_addresses<'t>(h: &Hay<'t>, out: &mut Vec<Candidate<'t>>) {
    for (start, end) in bitcoin_words(h.hay.as_bytes()) {
        if checks::valid_bitcoin(&h.hay[start..end]) {
            out.push((IocType::Bitcoin, Cow::Borrowed(&h.hay[start..end]), h.base + start));
        }
    }
}

/// IPv4 addresses (with `ipv4`) and domain names (with `dns`), from one scan of the
/// dotted runs.
#[inline(never)]
pub(super) fn dotted<'t>(h: &Hay<'t>, ipv4: bool, dns: bool, out: &mut Vec<Candidate<'t>>) {
    let text = h.hay;
    let name_glue = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
    // `start..end` is a candidate name of the hay.
    let accept = |out: &mut Vec<Candidate<'t>>, start: usize, end: usize| {
        let glued = h.before(h.base + start).is_some_and(name_glue) || h.after(h.base + end).is_some_and(name_glue);
        let name = &text[start..end];
        if !glued && checks::known_suffix(name) {
            out.push((IocType::Dns, lowercase(name), h.base + start));
        }
    };
    for run in dns_runs(text.as_bytes()) {
        if ipv4 && run.dots >= 3 {
            for (s, e) in ipv4_in_run(&text.as_bytes()[run.start..run.end]) {
                let (s, e) = (run.start + s, run.start + e);
                let (at_s, at_e) = (h.base + s, h.base + e);
                // Not part of a longer dotted number (versions, OIDs) or a word.
                let glued_before = h.before(at_s).is_some_and(|c| c.is_ascii_alphanumeric() || c == b'.');
                let glued_after = h.after(at_e).is_some_and(|c| c.is_ascii_alphanumeric())
                    || (h.after(at_e) == Some(b'.') && h.after(at_e + 1).is_some_and(|c| c.is_ascii_digit()));
                if !glued_before && !glued_after && text[s..e].parse::<std::net::Ipv4Addr>().is_ok() {
                    out.push((IocType::Ipv4, Cow::Borrowed(&text[s..e]), at_s));
                }
            }
        }
        if !dns {
            continue;
        }
        if run.simple {
            // `DNS` would match exactly the whole run (see `simple_name`).
            accept(out, run.start, run.end);
        } else if run.named {
            for m in DNS.find_iter(&text[run.start..run.end]) {
                accept(out, run.start + m.start(), run.start + m.end());
            }
        }
    }
}

#[inline(never)]
pub(super) fn registry_keys<'t>(h: &Hay<'t>, out: &mut Vec<Candidate<'t>>) {
    for m in registry_matches(h.hay).map(|s| h.span(s)) {
        // Components between backslashes may hold spaces ("Ghostery Storage Server"); the
        // last one ends at the first space, where prose or a command-line switch begins.
        let key = m.text;
        let last = key.rfind('\\').map_or(0, |i| i + 1);
        let tail_end = key[last..].find(char::is_whitespace).map_or(key.len(), |i| last + i);
        let key = key[..tail_end].trim_end_matches(['.', ',', ';', ')']);
        out.push((IocType::RegistryKey, Cow::Borrowed(key), m.start));
    }
}

#[inline(never)]
pub(super) fn windows_paths<'t>(h: &Hay<'t>, out: &mut Vec<Candidate<'t>>) {
    for m in WINDOWS_PATH.find_iter(h.hay).map(|m| h.at(m)) {
        out.push((
            IocType::WindowsPath,
            Cow::Borrowed(m.text.trim_end_matches(['.', ',', ';', ')'])),
            m.start,
        ));
    }
}

#[inline(never)]
pub(super) fn linux_paths<'t>(h: &Hay<'t>, out: &mut Vec<Candidate<'t>>) {
    let whole = h.text;
    for m in LINUX_PATH.find_iter(h.hay).map(|m| h.at(m)) {
        // A path starts a word: not the tail of a URL (`//host/x`) or a fraction.
        let starts_word = whole[..m.start]
            .chars()
            .next_back()
            .is_none_or(|c| c.is_whitespace() || "\"'=(:,".contains(c));
        if starts_word && !whole[..m.start].ends_with(':') {
            out.push((IocType::LinuxPath, Cow::Borrowed(m.text), m.start));
        }
    }
}

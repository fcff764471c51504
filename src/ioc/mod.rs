//! Indicator-of-compromise extraction: the types msticpy's IoCExtract finds, plus SHA-512,
//! CVE ids, MAC addresses, ASNs, registry keys and Bitcoin addresses.
//!
//! The shape is: refang the text once ([`refang`]), find each type's candidates, and
//! *validate* every candidate before it counts. Candidates come from hand-written scanners
//! that start from a SIMD byte search (`://`, dots, colons, backslashes, `AS`, dashes) or
//! a skip-scan for long runs (hashes, MAC addresses), each giving exactly what its
//! pattern's regex gives — the regexes are kept as test references and proptests compare
//! the two — or from a regex: over the whole text where its engine searches for a literal
//! itself (e-mail's `@`), inside the runs a scanner finds (DNS names that are not simple,
//! IPv6, MAC), or over the lines a per-line gate lets through (the path types). Validation
//! checks IPv6 by parsing (so clock times such as `10:54:40` are not IPv6, msticpy's best-known quirk), domains against the bundled public
//! suffix list, Bitcoin addresses by their checksums. Rust's regex engine has no
//! look-around, so boundaries are checked on the characters around each match instead;
//! that keeps every regex linear-time, whatever the input.
//!
//! Where the same text matches several types, the lower priority number wins, as in
//! msticpy (a URL's text is a URL, not also a path). Results come in reading order.
//!
//! Patterns are ASCII where msticpy's are Unicode, deliberately: digits in IPv4, IPv6, CVE
//! ids and AS numbers are `[0-9]` (no address or id is written in another script's
//! digits), and URL schemes and registry hive names match case-insensitively in ASCII only
//! (a Unicode case fold lets `ſ` stand for `s` and the Kelvin sign for `K`).

mod checks;
mod frame;
mod refang;
mod simd;

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::sync::{Arc, LazyLock};

use regex::Regex;

pub use frame::{COLUMNS, extract_frame, extract_text};
pub use refang::{defang, refang};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IocType {
    Url,
    Ipv4,
    Ipv6,
    Email,
    Md5,
    Sha1,
    Sha256,
    Sha512,
    Cve,
    Mac,
    Asn,
    Bitcoin,
    Dns,
    RegistryKey,
    WindowsPath,
    LinuxPath,
}

impl IocType {
    pub const ALL: [IocType; 16] = [
        IocType::Url,
        IocType::Ipv4,
        IocType::Ipv6,
        IocType::Email,
        IocType::Md5,
        IocType::Sha1,
        IocType::Sha256,
        IocType::Sha512,
        IocType::Cve,
        IocType::Mac,
        IocType::Asn,
        IocType::Bitcoin,
        IocType::Dns,
        IocType::RegistryKey,
        IocType::WindowsPath,
        IocType::LinuxPath,
    ];

    /// The names msticpy uses, where it has the type.
    pub fn name(self) -> &'static str {
        match self {
            IocType::Url => "url",
            IocType::Ipv4 => "ipv4",
            IocType::Ipv6 => "ipv6",
            IocType::Email => "email",
            IocType::Md5 => "md5_hash",
            IocType::Sha1 => "sha1_hash",
            IocType::Sha256 => "sha256_hash",
            IocType::Sha512 => "sha512_hash",
            IocType::Cve => "cve",
            IocType::Mac => "mac_address",
            IocType::Asn => "asn",
            IocType::Bitcoin => "bitcoin_address",
            IocType::Dns => "dns",
            IocType::RegistryKey => "registry_key",
            IocType::WindowsPath => "windows_path",
            IocType::LinuxPath => "linux_path",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        let name = name.trim().to_ascii_lowercase();
        let alias = match name.as_str() {
            "md5" => "md5_hash",
            "sha1" => "sha1_hash",
            "sha256" => "sha256_hash",
            "sha512" => "sha512_hash",
            "mac" => "mac_address",
            "bitcoin" | "btc" => "bitcoin_address",
            "domain" => "dns",
            "regkey" => "registry_key",
            other => other,
        };
        IocType::ALL.into_iter().find(|t| t.name() == alias)
    }

    /// Whether the search for this type runs only over the lines whose bytes allow it (see
    /// [`Traits`]). The others find where to look by a search of their own (a SIMD byte
    /// search, or a regex with a literal its engine searches for), which costs less than
    /// sorting lines first.
    fn gated(self) -> bool {
        matches!(self, IocType::WindowsPath | IocType::LinuxPath)
    }

    /// Compiles the regexes this type's search uses, if not yet done in this process.
    fn compile(self) {
        let regex: Option<&LazyLock<Regex>> = match self {
            IocType::Ipv6 => Some(&IPV6),
            IocType::Email => Some(&EMAIL),
            IocType::Mac => Some(&MAC),
            IocType::Dns => Some(&DNS),
            IocType::WindowsPath => Some(&WINDOWS_PATH),
            IocType::LinuxPath => Some(&LINUX_PATH),
            _ => None,
        };
        if let Some(regex) = regex {
            LazyLock::force(regex);
        }
    }

    fn is_hash(self) -> bool {
        matches!(self, IocType::Md5 | IocType::Sha1 | IocType::Sha256 | IocType::Sha512)
    }

    /// msticpy's priorities: where one piece of text matches several types, the lowest wins.
    fn priority(self) -> u8 {
        match self {
            IocType::Url | IocType::Ipv4 | IocType::Ipv6 => 0,
            IocType::Email
            | IocType::Md5
            | IocType::Sha1
            | IocType::Sha256
            | IocType::Sha512
            | IocType::Cve
            | IocType::Mac
            | IocType::Asn
            | IocType::Bitcoin => 1,
            IocType::Dns | IocType::RegistryKey => 2,
            IocType::WindowsPath => 3,
            IocType::LinuxPath => 4,
        }
    }

    /// The types searched when none are named: paths only on request, as msticpy's
    /// DataFrame API does, because paths are noisy in command lines.
    pub fn default_set(include_paths: bool) -> Vec<IocType> {
        IocType::ALL
            .into_iter()
            .filter(|t| include_paths || !matches!(t, IocType::WindowsPath | IocType::LinuxPath))
            .collect()
    }
}

impl fmt::Display for IocType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One indicator found in a text, as [`Extraction::iter`] gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found<'a> {
    /// The type's name.
    pub kind: &'a str,
    pub observable: &'a str,
    /// Byte offset of the first occurrence in the refanged text, for reading order.
    pub position: usize,
}

/// Every distinct indicator of one text, in reading order. The observables share one
/// buffer, so a text with thousands of indicators costs a few allocations, not thousands.
#[derive(Debug, Clone, Default)]
pub struct Extraction {
    observables: String,
    /// Per indicator: its type, where its observable ends in `observables` (it starts
    /// where the previous one ends) and its position in the text.
    items: Vec<(Kind, usize, usize)>,
    /// The extractor's custom types, when it has any.
    custom: Option<Arc<[CustomType]>>,
}

impl Extraction {
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = Found<'_>> + '_ {
        let starts = std::iter::once(0).chain(self.items.iter().map(|&(_, end, _)| end));
        self.items
            .iter()
            .zip(starts)
            .map(|(&(kind, end, position), start)| Found {
                kind: match kind {
                    Kind::Builtin(kind) => kind.name(),
                    Kind::Custom(index) => &self.custom.as_ref().expect("custom types have names")[index].name,
                },
                observable: &self.observables[start..end],
                position,
            })
    }
}

/// An indicator's type: built in, or the extractor's custom type of that index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Builtin(IocType),
    Custom(usize),
}

/// A user-defined type: a name and a regex (its first capture group, if it has one, is
/// the observable).
#[derive(Debug, Clone)]
pub struct CustomType {
    pub name: String,
    pub regex: Regex,
}

#[derive(Debug, Clone)]
pub struct Extractor {
    types: Vec<IocType>,
    /// Shared with the extractions that found a custom type, which name it.
    custom: Arc<[CustomType]>,
}

/// The URL pattern as a regex: [`url_matches`] is what extraction uses; tests check the two
/// agree. Schemes are matched ASCII-case-insensitively (a Unicode fold would let `ſ` stand
/// for `s`).
#[cfg(test)]
static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?-u:\b)(?i-u:https?|s?ftps?|telnet|ldaps?|file|tcp|udp)://[^\s"'<>`{}|\\^]+"#).unwrap()
});
// ASCII digits only: an address is written in them, and the scanners that narrow where
// these run (see `ipv6_matches`) or replace them (`ipv4_in_run`) rely on matches being
// ASCII. The IPv4 pattern is the reference [`ipv4_in_run`] is tested against.
#[cfg(test)]
static IPV4: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}").unwrap());
static IPV6: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:]*:[0-9A-Fa-f]{0,4}(?:\.[0-9]{1,3}){0,3}").unwrap());
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[a-z0-9](?:[a-z0-9._%+-]{0,62}[a-z0-9_%+-])?@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}")
        .unwrap()
});
/// The hash pattern as a regex: [`long_hex_runs`] is what extraction uses; tests check the two agree.
#[cfg(test)]
static HASH: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[0-9A-Fa-f]{32,128}").unwrap());
/// The CVE and ASN patterns as regexes: [`cve_matches`] and [`asn_matches`] are what
/// extraction uses; tests check they agree. Digits are ASCII (`\d` would take other
/// scripts' digits, which no CVE id or AS number is written in).
#[cfg(test)]
static CVE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)(?-u:\b)CVE-[0-9]{4}-[0-9]{4,7}(?-u:\b)").unwrap());
static MAC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[0-9A-Fa-f]{2}(?:([:-])[0-9A-Fa-f]{2})(?:[:-][0-9A-Fa-f]{2}){4}").unwrap());
#[cfg(test)]
static ASN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u:\b)ASN?[ ]?([0-9]{1,10})(?-u:\b)").unwrap());
/// The Bitcoin pattern as a regex: [`bitcoin_words`] is what extraction uses; tests check
/// the two agree.
#[cfg(test)]
static BITCOIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)(?:bc1[02-9ac-hj-np-z]{11,71}|[13][1-9A-HJ-NP-Za-km-z]{25,34})(?-u:\b)").unwrap()
});
/// Runs of the characters a domain name can hold, holding a dot: every DNS match lies
/// inside one. (Domain names are ASCII here: IDNs are matched in their xn-- form.)
/// The DNS pattern's nested counted repetitions make a lazy DFA too large for its cache on
/// long texts (5 MB/s on 1 GB); searched run by run, the same matches come at full speed.
#[cfg(test)]
static DNS_RUN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+").unwrap());
static DNS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i-u)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.){1,126}(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})").unwrap()
});
/// The registry-key pattern as a regex: [`registry_matches`] is what extraction uses; tests
/// check the two agree. Hive names are matched ASCII-case-insensitively (a Unicode fold
/// would let the Kelvin sign stand for `K`).
#[cfg(test)]
static REGKEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?-u:\b)(?i-u:HKEY_LOCAL_MACHINE|HKEY_CURRENT_USER|HKEY_CLASSES_ROOT|HKEY_USERS|HKEY_CURRENT_CONFIG|HKLM|HKCU|HKCR|HKU|HKCC)(?::)?(?:\\[^\\\r\n\t\x22'<>|`]*)+",
    )
    .unwrap()
});
static WINDOWS_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)(?:(?-u:\b)[a-z]:|\\\\[a-z0-9_.$-]+|%[a-z_]+%)(?:\\[^\\/:*?"<>|\r\n\t `]+)+"#).unwrap()
});
static LINUX_PATH: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?:/[A-Za-z0-9_.~+-]+){2,}/?").unwrap());

impl Extractor {
    pub fn new(types: Vec<IocType>, custom: Vec<CustomType>) -> Self {
        // The patterns are compiled here, once per process, rather than inside the first
        // search (DNS's takes ~10 ms), where a frame's other workers would wait on it.
        for kind in &types {
            kind.compile();
        }
        Extractor {
            types,
            custom: custom.into(),
        }
    }

    pub fn types(&self) -> &[IocType] {
        &self.types
    }

    /// Every distinct indicator in `text`, refanged, in reading order.
    pub fn extract(&self, text: &str) -> Extraction {
        self.extract_in_blocks(text, BLOCK)
    }

    /// [`Self::extract`], searching the text in blocks of about `block` bytes.
    fn extract_in_blocks(&self, text: &str, block: usize) -> Extraction {
        let clean = refang(text);
        let text = clean.as_ref();
        // observable → (type priority, type, first position). Observables are borrowed
        // from the text where they can be, so a repeat costs no allocation. The hasher is
        // foldhash's, randomly seeded (text is untrusted) and several times faster than
        // SipHash on these short keys.
        type Best<'t> = HashMap<Cow<'t, str>, (u8, Kind, usize), foldhash::fast::RandomState>;
        fn add<'t>(best: &mut Best<'t>, observable: Cow<'t, str>, kind: Kind, priority: u8, position: usize) {
            // One hash per indicator: the entry API looks up and inserts with it.
            match best.entry(observable) {
                Entry::Occupied(mut entry) => {
                    let entry = entry.get_mut();
                    if priority < entry.0 {
                        (entry.0, entry.1) = (priority, kind);
                    }
                    entry.2 = entry.2.min(position);
                }
                Entry::Vacant(entry) => {
                    entry.insert((priority, kind, position));
                }
            }
        }
        // Texts of many KB (reports, logs): room for an indicator per 32 bytes (dense reports
        // have one per 50) before the first rehash, capped for one huge text. Short texts
        // (rows of a frame, most with no indicator) allocate only when they find one.
        let room = if text.len() >= 4096 {
            (text.len() / 32).min(1 << 15)
        } else {
            0
        };
        let mut best = Best::with_capacity_and_hasher(room, Default::default());
        // No built-in pattern crosses a line break, so the path types are searched only
        // over the lines whose bytes allow them (see `Traits`), a run of such lines at a time.
        // Positions stay offsets into the whole text.
        let mut lines = Vec::new();
        if self.types.iter().any(|t| t.gated()) {
            let mut start = 0;
            for end in memchr::memchr_iter(b'\n', text.as_bytes()).chain(std::iter::once(text.len())) {
                if start < text.len() {
                    lines.push((start..end, Traits::of(&text.as_bytes()[start..end])));
                }
                start = end + 1;
            }
        }
        let mut found = Vec::new();
        // The types asked for, a bit each: a hash search gives every length, and one test
        // per candidate says which to keep.
        let wanted: u32 = self.types.iter().fold(0, |bits, &kind| bits | 1 << kind as u32);
        // One scan of dotted runs finds IPv4 addresses and domain names together.
        let both_dotted = self.types.contains(&IocType::Dns) && self.types.contains(&IocType::Ipv4);
        // Each type's search reads the text once. A block of it that fits in the processor's
        // first-level cache is searched for every type before the next: the later searches
        // find it there. Blocks end at line breaks, which no built-in pattern crosses, and
        // the glue checks read the whole text, so blocks change nothing that is found.
        let mut first_line = 0;
        let mut block_start = 0;
        while block_start < text.len() {
            let cut = block_start.saturating_add(block).min(text.len());
            let block_end = memchr::memchr(b'\n', &text.as_bytes()[cut..]).map_or(text.len(), |i| cut + i + 1);
            // The lines that start in this block.
            let block_lines = lines[first_line..].partition_point(|(line, _)| line.start < block_end);
            let block_lines = &lines[first_line..first_line + block_lines];
            first_line += block_lines.len();
            let mut hashes_searched = false;
            for &kind in &self.types {
                // One search finds hashes of every length.
                if kind.is_hash() && std::mem::replace(&mut hashes_searched, true) {
                    continue;
                }
                if kind == IocType::Ipv4 && both_dotted {
                    continue;
                }
                if !kind.gated() {
                    let also_ipv4 = kind == IocType::Dns && both_dotted;
                    candidates(kind, also_ipv4, text, block_start..block_end, &mut found);
                } else {
                    let mut span: Option<std::ops::Range<usize>> = None;
                    for (line, traits) in block_lines {
                        if traits.may_hold(kind) {
                            span = Some(span.map_or(line.clone(), |s| s.start..line.end));
                        } else if let Some(s) = span.take() {
                            candidates(kind, false, text, s, &mut found);
                        }
                    }
                    if let Some(s) = span {
                        candidates(kind, false, text, s, &mut found);
                    }
                }
                for (kind, observable, position) in found.drain(..) {
                    if wanted & 1 << kind as u32 != 0 {
                        add(&mut best, observable, Kind::Builtin(kind), kind.priority(), position);
                    }
                }
            }
            block_start = block_end;
        }
        for (index, custom) in self.custom.iter().enumerate() {
            for caps in custom.regex.captures_iter(text) {
                let m = caps.get(1).or_else(|| caps.get(0)).expect("group 0 always matches");
                if !m.as_str().is_empty() {
                    add(&mut best, Cow::Borrowed(m.as_str()), Kind::Custom(index), 0, m.start());
                }
            }
        }
        let name = |kind: Kind| match kind {
            Kind::Builtin(kind) => kind.name(),
            Kind::Custom(index) => self.custom[index].name.as_str(),
        };
        let entries: Vec<(usize, Kind, &str)> = best
            .iter()
            .map(|(observable, &(_, kind, position))| (position, kind, observable.as_ref()))
            .collect();
        // Reading order: by position, then (rarely needed) type name and observable, which
        // are distinct, so the order is total. Sorting small keys first, then each run of
        // equal positions, costs less than comparing the records throughout.
        let mut order: Vec<(usize, u32)> = entries.iter().zip(0..).map(|(e, i)| (e.0, i)).collect();
        sort_by_position(&mut order, text.len());
        for tie in order.chunk_by_mut(|a, b| a.0 == b.0).filter(|t| t.len() > 1) {
            tie.sort_unstable_by(|a, b| {
                let (a, b) = (entries[a.1 as usize], entries[b.1 as usize]);
                name(a.1).cmp(name(b.1)).then_with(|| a.2.cmp(b.2))
            });
        }
        let mut out = Extraction {
            observables: String::with_capacity(entries.iter().map(|e| e.2.len()).sum()),
            items: Vec::with_capacity(entries.len()),
            // Shared only when there are custom types: a count that every row of a frame
            // touched from every thread would cost more than the row's search.
            custom: (!self.custom.is_empty()).then(|| self.custom.clone()),
        };
        for (_, index) in order {
            let (position, kind, observable) = entries[index as usize];
            out.observables.push_str(observable);
            out.items.push((kind, out.observables.len(), position));
        }
        out
    }
}

/// How many bytes of text [`Extractor::extract`] searches for every type at a time: half
/// of a first-level data cache (32 KiB on most processors), leaving room for what the
/// searches write.
const BLOCK: usize = 16 << 10;

/// Sorts `(position, index)` pairs by position (all below `len`); equal positions keep
/// their order. Many pairs (a report's indicators) are sorted a byte of the position at a
/// time, least significant first (a radix sort: a pass over the pairs per byte that `len`
/// needs, instead of n log n comparisons); a few, by comparison.
fn sort_by_position(pairs: &mut Vec<(usize, u32)>, len: usize) {
    if pairs.len() < 64 {
        pairs.sort_by_key(|p| p.0);
        return;
    }
    let mut other = vec![(0, 0); pairs.len()];
    let mut shift = 0;
    while shift < usize::BITS && len >> shift > 0 {
        let mut starts = [0usize; 256];
        for p in pairs.iter() {
            starts[(p.0 >> shift) & 255] += 1;
        }
        let mut sum = 0;
        for start in &mut starts {
            (*start, sum) = (sum, sum + *start);
        }
        for &p in pairs.iter() {
            let digit = (p.0 >> shift) & 255;
            other[starts[digit]] = p;
            starts[digit] += 1;
        }
        std::mem::swap(pairs, &mut other);
        shift += 8;
    }
}

/// `s` in lower case, borrowed when it already is.
fn lowercase(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// What one line's bytes say about the path types, the only ones searched line by line: a
/// Windows path holds a backslash, a Linux path two slashes. Each is a necessary condition
/// of that type's pattern, so skipping a line never changes what is found; it only saves
/// a search.
#[derive(Default, Debug, PartialEq)]
struct Traits {
    backslash: bool,
    two_slashes: bool,
}

impl Traits {
    fn of(line: &[u8]) -> Traits {
        Traits {
            backslash: memchr::memchr(b'\\', line).is_some(),
            two_slashes: memchr::memchr_iter(b'/', line).nth(1).is_some(),
        }
    }

    fn may_hold(&self, kind: IocType) -> bool {
        match kind {
            IocType::WindowsPath => self.backslash,
            IocType::LinuxPath => self.two_slashes,
            _ => true,
        }
    }
}

// The byte classes of `BYTE_CLASS`, one bit each.
/// A hex digit: `[0-9A-Fa-f]`.
const HEX_DIGIT: u8 = 1;
/// A domain-name byte: `[A-Za-z0-9-]`.
const LABEL_BYTE: u8 = 2;
/// A word byte as an ASCII `\b` sees it: `[A-Za-z0-9_]`.
const WORD_BYTE: u8 = 4;
/// A byte of an IPv6 address: `[0-9A-Fa-f:.]`.
const IPV6_BYTE: u8 = 8;
/// A byte of a MAC address: `[0-9A-Fa-f:-]`.
const MAC_BYTE: u8 = 16;
/// A Base58 digit: `[1-9A-HJ-NP-Za-km-z]` (alphanumerics but `0`, `O`, `I` and `l`).
const BASE58_DIGIT: u8 = 32;

/// Per byte, the classes it is in.
static BYTE_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let mut v = 0;
        if c.is_ascii_hexdigit() {
            v |= HEX_DIGIT;
        }
        if c.is_ascii_alphanumeric() || c == b'-' {
            v |= LABEL_BYTE;
        }
        if c.is_ascii_alphanumeric() || c == b'_' {
            v |= WORD_BYTE;
        }
        if c.is_ascii_hexdigit() || c == b':' || c == b'.' {
            v |= IPV6_BYTE;
        }
        if c.is_ascii_hexdigit() || c == b':' || c == b'-' {
            v |= MAC_BYTE;
        }
        if c.is_ascii_alphanumeric() && !matches!(c, b'0' | b'O' | b'I' | b'l') {
            v |= BASE58_DIGIT;
        }
        t[b] = v;
        b += 1;
    }
    t
};

/// Whether `c` is in `class` (one of [`BYTE_CLASS`]'s).
fn in_class(c: u8, class: u8) -> bool {
    BYTE_CLASS[c as usize] & class != 0
}

/// The maximal run of `class` bytes around `b[at]`, which is in it, as `(start, end)`.
fn run_around(b: &[u8], at: usize, class: u8) -> (usize, usize) {
    let start = at - b[..at].iter().rev().take_while(|&&c| in_class(c, class)).count();
    let end = at + 1 + b[at + 1..].iter().take_while(|&&c| in_class(c, class)).count();
    (start, end)
}

/// A word byte as an ASCII `\b` sees it: `[A-Za-z0-9_]`.
fn word_byte(c: u8) -> bool {
    in_class(c, WORD_BYTE)
}

/// Whether an ASCII `\b` lies before `b[i]` with a word byte at `i`: `i` starts a word.
fn starts_word(b: &[u8], i: usize) -> bool {
    i == 0 || !word_byte(b[i - 1])
}

/// Whether an ASCII `\b` lies after a word ending just before `b[i]`.
fn ends_word(b: &[u8], i: usize) -> bool {
    b.get(i).is_none_or(|&c| !word_byte(c))
}

/// Where the run of word bytes that ends at `end` starts.
fn word_start(b: &[u8], end: usize) -> usize {
    end - b[..end].iter().rev().take_while(|&&c| word_byte(c)).count()
}

/// The maximal runs of at least 32 hex digits, as `(start, end)`.
fn long_hex_runs(hay: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    long_runs(hay, HEX_DIGIT, 32)
}

/// The maximal runs of at least `min` bytes of one [`BYTE_CLASS`], as `(start, end)`. A
/// run that long starting at or after `i` covers byte `i + min - 1`, so the scan probes
/// that byte; from a probe in the class it looks back, and a byte outside the class on the
/// way moves `i` past it (no long run can hold it). Only when the `min` bytes up to the
/// probe are all in the class is the run followed to its end. The bytes from `i` that a
/// look-back has already seen in the class are not looked at again.
fn long_runs(hay: &[u8], class: u8, min: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
    let member = move |b: u8| in_class(b, class);
    // `i` is always 0 or just after a byte outside the class; `hay[i..known]` are all in it.
    let (mut i, mut known) = (0, 0);
    std::iter::from_fn(move || {
        while i + min <= hay.len() {
            let probe = i + min - 1;
            if !member(hay[probe]) {
                i = probe + 1;
                known = i;
                continue;
            }
            if let Some(outside) = (known..probe).rev().find(|&j| !member(hay[j])) {
                i = outside + 1;
                known = probe + 1;
                continue;
            }
            let mut end = probe + 1;
            while end < hay.len() && member(hay[end]) {
                end += 1;
            }
            let start = i;
            i = end;
            known = end;
            return Some((start, end));
        }
        None
    })
}

/// What `IPV4.find_iter(hay)` finds, searched only inside the runs of [`dns_runs`] that
/// hold three dots. A match is digits joined by dots, so it lies inside one such run
/// (digits are label bytes), and a search restarted at each run finds what one search of
/// the whole text finds: none of its matches crosses a run's edge.
#[cfg(test)]
fn ipv4_matches(hay: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    dns_runs(hay.as_bytes())
        .into_iter()
        .filter(|run| run.dots >= 3)
        .flat_map(|DottedRun { start, end, .. }| {
            ipv4_in_run(&hay.as_bytes()[start..end]).map(move |(s, e)| (start + s, start + e))
        })
}

/// What `IPV4.find_iter(run)` finds, without the regex: `[0-9]{1,3}` three times, each
/// followed by a dot, then `[0-9]{1,3}`. The first three groups can only match a whole run
/// of digits (a shorter one is followed by a digit, not the dot), the last takes up to
/// three; the earliest start where that works gives the match, as the leftmost-first
/// regex does.
fn ipv4_in_run(run: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
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
fn find_in_runs<'h>(
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
static SCHEME_SEPARATOR: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new(b"://"));
static AS: LazyLock<memchr::memmem::Finder<'static>> = LazyLock::new(|| memchr::memmem::Finder::new(b"AS"));
static BC1: LazyLock<memchr::memmem::Finder<'static>> = LazyLock::new(|| memchr::memmem::Finder::new(b"bc1"));

/// The ASCII bytes that end a URL: whitespace (as `char::is_whitespace` has it) and
/// `"'<>`{}|\\^`.
static URL_END: [bool; 128] = {
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
fn url_matches(hay: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
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
fn registry_matches(hay: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
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
fn digits_at(b: &[u8]) -> usize {
    b.iter().take_while(|c| c.is_ascii_digit()).count()
}

/// What `CVE.find_iter(hay)` finds, without the regex: from each `-` (by SIMD search) that
/// follows a word `CVE` in any case, four digits, `-`, and a run of 4–7 digits that ends
/// a word (a longer run has no end a boundary allows).
fn cve_matches(hay: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
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
fn asn_matches(b: &[u8]) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
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
fn mac_runs(hay: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
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
fn ipv6_matches(hay: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
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
fn bitcoin_words(hay: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
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
struct DottedRun {
    start: usize,
    end: usize,
    dots: usize,
    /// What [`simple_name`] says of it.
    simple: bool,
    /// What [`may_hold_name`] says of it.
    named: bool,
}

/// What `DNS_RUN` finds: maximal runs of labels (`[A-Za-z0-9-]+`) joined by single dots,
/// at least two labels. Every run holds a dot with label bytes on both sides; found from
/// such dots (by SIMD search), each run is grown from its first one, a label at a time.
fn dns_runs(hay: &[u8]) -> Vec<DottedRun> {
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
fn labels_end(hay: &[u8], mut i: usize) -> usize {
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
fn labels_start(hay: &[u8], mut i: usize) -> usize {
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

/// Whether `DNS` matches all of `run` (one of [`dns_runs`]): every label is 1–63 bytes of
/// `[A-Za-z0-9-]` that neither starts nor ends with `-`, there are at most 127 labels, and
/// the last is 2–63 letters. Then the pattern's greedy labels take all but the last and
/// its first alternative takes the last. (An `xn--` last label is not simple: there the
/// first alternative stops at `xn`.)
#[cfg(test)]
fn simple_name(run: &[u8]) -> bool {
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
#[cfg(test)]
fn may_hold_name(run: &[u8]) -> bool {
    memchr::memchr_iter(b'.', run).any(|dot| {
        run.get(dot + 1..dot + 3)
            .is_some_and(|l| l.iter().all(u8::is_ascii_alphabetic))
    })
}

/// An indicator as a type's search finds it: its type, the observable (borrowed from the
/// text where it can be) and its position in the text.
type Candidate<'t> = (IocType, Cow<'t, str>, usize);

/// The validated matches of one type within `line` (a range of the refanged `text` that
/// no match crosses), with their positions in `text`, appended to `out`. For any hash
/// type, hashes of every length are given, each with its own type; for DNS with
/// `also_ipv4`, IPv4 addresses too, from the same dotted runs.
///
/// Each type has its own function, kept out of line: inlined into one, a change to one
/// type's code moved the machine code (and the speed) of all the others.
fn candidates<'t>(
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
struct Hay<'t> {
    text: &'t str,
    base: usize,
    hay: &'t str,
}

/// A match in a [`Hay`], with its offsets in the whole text.
struct At<'t> {
    start: usize,
    end: usize,
    text: &'t str,
}

impl<'t> Hay<'t> {
    /// The byte before offset `i` of the text, for the glue checks. Those test ASCII
    /// characters only, and a byte is one exactly when the character there is (every byte
    /// of a longer UTF-8 character is >= 0x80), so no character needs decoding.
    fn before(&self, i: usize) -> Option<u8> {
        i.checked_sub(1).map(|j| self.text.as_bytes()[j])
    }

    /// The byte at offset `i` of the text, just after a match that ends there.
    fn after(&self, i: usize) -> Option<u8> {
        self.text.as_bytes().get(i).copied()
    }

    /// A span of the hay, as a scanner gives it.
    fn span(&self, (start, end): (usize, usize)) -> At<'t> {
        At {
            start: self.base + start,
            end: self.base + end,
            text: &self.hay[start..end],
        }
    }

    /// A regex match in the hay.
    fn at(&self, m: regex::Match<'t>) -> At<'t> {
        self.span((m.start(), m.end()))
    }
}

#[inline(never)]
fn urls<'t>(h: &Hay<'t>, out: &mut Vec<Candidate<'t>>) {
    for m in url_matches(h.hay).map(|s| h.span(s)) {
        let url = checks::trim_url(m.text);
        if checks::url_has_host(url) {
            out.push((IocType::Url, Cow::Borrowed(url), m.start));
        }
    }
}

#[inline(never)]
fn ipv6_addresses<'t>(h: &Hay<'t>, out: &mut Vec<Candidate<'t>>) {
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
fn emails<'t>(h: &Hay<'t>, out: &mut Vec<Candidate<'t>>) {
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
fn hashes<'t>(h: &Hay<'t>, out: &mut Vec<Candidate<'t>>) {
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
fn cves<'t>(h: &Hay<'t>, out: &mut Vec<Candidate<'t>>) {
    for m in cve_matches(h.hay).map(|s| h.span(s)) {
        out.push((IocType::Cve, Cow::Owned(m.text.to_ascii_uppercase()), m.start));
    }
}

#[inline(never)]
fn mac_addresses<'t>(h: &Hay<'t>, out: &mut Vec<Candidate<'t>>) {
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
fn asns<'t>(h: &Hay<'t>, out: &mut Vec<Candidate<'t>>) {
    for (start, digits, end) in asn_matches(h.hay.as_bytes()) {
        let number: u64 = h.hay[digits..end].parse().unwrap_or(0);
        if (1..=u64::from(u32::MAX)).contains(&number) {
            out.push((IocType::Asn, Cow::Owned(format!("AS{number}")), h.base + start));
        }
    }
}

#[inline(never)]
fn bitcoin_addresses<'t>(h: &Hay<'t>, out: &mut Vec<Candidate<'t>>) {
    for (start, end) in bitcoin_words(h.hay.as_bytes()) {
        if checks::valid_bitcoin(&h.hay[start..end]) {
            out.push((IocType::Bitcoin, Cow::Borrowed(&h.hay[start..end]), h.base + start));
        }
    }
}

/// IPv4 addresses (with `ipv4`) and domain names (with `dns`), from one scan of the
/// dotted runs.
#[inline(never)]
fn dotted<'t>(h: &Hay<'t>, ipv4: bool, dns: bool, out: &mut Vec<Candidate<'t>>) {
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
fn registry_keys<'t>(h: &Hay<'t>, out: &mut Vec<Candidate<'t>>) {
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
fn windows_paths<'t>(h: &Hay<'t>, out: &mut Vec<Candidate<'t>>) {
    for m in WINDOWS_PATH.find_iter(h.hay).map(|m| h.at(m)) {
        out.push((
            IocType::WindowsPath,
            Cow::Borrowed(m.text.trim_end_matches(['.', ',', ';', ')'])),
            m.start,
        ));
    }
}

#[inline(never)]
fn linux_paths<'t>(h: &Hay<'t>, out: &mut Vec<Candidate<'t>>) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn extract(text: &str) -> Vec<(String, String)> {
        Extractor::new(IocType::default_set(true), Vec::new())
            .extract(text)
            .iter()
            .map(|f| (f.kind.to_string(), f.observable.to_string()))
            .collect()
    }

    fn has(text: &str, kind: &str, observable: &str) -> bool {
        extract(text).iter().any(|(k, o)| k == kind && o == observable)
    }

    #[test]
    fn clock_times_are_not_ipv6() {
        assert!(!extract("at 10:54:40 the job ran").iter().any(|(k, _)| k == "ipv6"));
        assert!(has(
            "peer fe80::1ff:fe23:4567:890a up",
            "ipv6",
            "fe80::1ff:fe23:4567:890a"
        ));
        assert!(has("[2001:db8::1]:443", "ipv6", "2001:db8::1"));
    }

    #[test]
    fn defanged_indicators_are_refanged() {
        assert!(has("hxxp://evil[.]example[.]com/a", "url", "http://evil.example.com/a"));
        assert!(has("contact bad[at]example[.]org", "email", "bad@example.org"));
        assert!(has("c2 at 45[.]77[.]12[.]3", "ipv4", "45.77.12.3"));
    }

    #[test]
    fn domains_need_a_real_suffix() {
        assert!(has(
            "beacon to update.microsoft-cdn.net now",
            "dns",
            "update.microsoft-cdn.net"
        ));
        assert!(!extract("ran cmd.exe and notes.txt").iter().any(|(k, _)| k == "dns"));
    }

    #[test]
    fn versions_and_out_of_range_octets_are_not_ipv4() {
        assert!(
            extract("version 1.2.3.4.5 and 300.1.1.1")
                .iter()
                .all(|(k, _)| k != "ipv4")
        );
        assert!(has("src=10.0.0.1,", "ipv4", "10.0.0.1"));
    }

    #[test]
    fn hashes_by_length() {
        let md5 = "68b329da9893e34099c7d8ad5cb9c940";
        assert!(has(md5, "md5_hash", md5));
        assert!(!extract(&format!("{md5}00")).iter().any(|(k, _)| k.ends_with("_hash")));
    }

    #[test]
    fn extra_types() {
        assert!(has("exploits cve-2021-44228 again", "cve", "CVE-2021-44228"));
        assert!(has("nic 00-1A-2b-3C-4d-5E", "mac_address", "00:1a:2b:3c:4d:5e"));
        assert!(has("announced by AS15169", "asn", "AS15169"));
        assert!(has(
            r"reg add HKLM\Software\Microsoft\Windows\CurrentVersion\Run /v x",
            "registry_key",
            r"HKLM\Software\Microsoft\Windows\CurrentVersion\Run"
        ));
        assert!(has(
            r"drop `c:\windows\temp\x.dll`",
            "windows_path",
            r"c:\windows\temp\x.dll"
        ));
        assert!(has(
            r"HKLM\SYSTEM\CurrentControlSet\services\Ghostery Storage Server\",
            "registry_key",
            r"HKLM\SYSTEM\CurrentControlSet\services\Ghostery Storage Server\"
        ));
        // The genesis block address (valid checksum), and the same with one letter changed.
        assert!(has(
            "pay 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
            "bitcoin_address",
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
        ));
        assert!(!has(
            "pay 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",
            "bitcoin_address",
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"
        ));
        assert!(has(
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
            "bitcoin_address",
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
        ));
    }

    #[test]
    fn reading_order_and_priority() {
        let found = extract("see http://1.2.3.4/x then example.com");
        assert_eq!(found[0], ("url".into(), "http://1.2.3.4/x".into()));
        assert!(found.iter().position(|(k, _)| k == "ipv4") < found.iter().position(|(k, _)| k == "dns"));
    }
}

#[cfg(test)]
mod gate_tests {
    use super::*;
    use proptest::prelude::*;

    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("http://".to_string()),
            Just("://".to_string()),
            Just("AS".to_string()),
            Just("ASN ".to_string()),
            Just("bc1q".to_string()),
            Just("CVE-".to_string()),
            Just("HKCU\\".to_string()),
            Just("C:\\".to_string()),
            Just("%APPDATA%\\".to_string()),
            Just("evil.com".to_string()),
            Just("10.1.2.3".to_string()),
            Just("fe80::1".to_string()),
            Just("bob@corp.org".to_string()),
            Just("aa:bb:cc:dd:ee:ff".to_string()),
            Just("CVE-2021-44228".to_string()),
            Just("AS13335".to_string()),
            Just("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2".to_string()),
            Just("/usr/bin/x".to_string()),
            Just("d41d8cd98f00b204e9800998ecf8427e".to_string()),
            "[.:/\\\\@ -]",
            "[0-9]{1,4}",
            "[0-9a-fA-F]{2,70}",
            "[1-9A-HJ-NP-Za-km-z]{1,34}",
            "[a-z]{1,12}",
            "[^\n]{0,3}",
        ]
    }

    /// The reference the fast path must equal: every type over the whole text, no line
    /// splitting, no gate.
    fn extract_whole(text: &str) -> Vec<(String, String)> {
        let clean = refang(text);
        let mut best: HashMap<String, (u8, &'static str, usize)> = HashMap::new();
        for kind in IocType::ALL {
            let mut out = Vec::new();
            candidates(kind, false, &clean, 0..clean.len(), &mut out);
            for (kind, observable, position) in out {
                let entry = best
                    .entry(observable.into_owned())
                    .or_insert((kind.priority(), kind.name(), position));
                if kind.priority() < entry.0 {
                    *entry = (kind.priority(), kind.name(), entry.2.min(position));
                }
                entry.2 = entry.2.min(position);
            }
        }
        let mut all: Vec<(usize, String, String)> =
            best.into_iter().map(|(o, (_, k, p))| (p, k.to_string(), o)).collect();
        all.sort();
        all.into_iter().map(|(_, k, o)| (k, o)).collect()
    }

    fn line_by_line(text: &str) -> Vec<(String, String)> {
        Extractor::new(IocType::ALL.to_vec(), Vec::new())
            .extract(text)
            .iter()
            .map(|f| (f.kind.to_string(), f.observable.to_string()))
            .collect()
    }

    /// Found indicators as `(type, observable, position)`, searched in blocks of `block`.
    fn in_blocks(text: &str, block: usize) -> Vec<(String, String, usize)> {
        Extractor::new(IocType::ALL.to_vec(), Vec::new())
            .extract_in_blocks(text, block)
            .iter()
            .map(|f| (f.kind.to_string(), f.observable.to_string(), f.position))
            .collect()
    }

    /// Every text file of the IoC corpora (iocextract's lists, the ESET reports and their
    /// MISP events, msticpy's test strings), with its path.
    fn corpus_texts() -> Vec<(std::path::PathBuf, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
        let mut texts = Vec::new();
        let mut stack = vec![root.join("ioc"), root.join("msticpy/ioc")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("corpus folder").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if let Ok(text) = std::fs::read_to_string(&path) {
                    texts.push((path, text));
                }
            }
        }
        texts
    }

    /// Searching a text in blocks changes nothing: a block per line, the default blocks and
    /// the whole text as one give the same on every file of the corpora.
    #[test]
    fn blocks_change_nothing_on_the_corpora() {
        let mut blocks = 0;
        for (path, text) in corpus_texts() {
            let whole = in_blocks(&text, usize::MAX);
            assert_eq!(in_blocks(&text, 1), whole, "{}", path.display());
            assert_eq!(in_blocks(&text, BLOCK), whole, "{}", path.display());
            blocks += text.len() / BLOCK;
        }
        assert!(blocks >= 10, "the corpora fill only {blocks} default blocks");
    }

    /// Every file of the corpora gives the same indicators with and without the line gate.
    #[test]
    fn the_gate_changes_nothing_on_the_corpora() {
        let texts = corpus_texts();
        let mut found = 0;
        for (path, text) in &texts {
            let fast = line_by_line(text);
            assert_eq!(fast, extract_whole(text), "{}", path.display());
            found += fast.len();
        }
        assert!(
            texts.len() >= 20 && found >= 1000,
            "{} files, {found} indicators",
            texts.len()
        );
    }

    /// Text over the bytes that matter to hex runs and domain names.
    fn dns_and_hex_text() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                4 => "[a-fA-F0-9]{1,70}",
                3 => "[0-9]{1,4}(\\.[0-9]{1,4}){0,4}",
                3 => "[0-9a-fA-F]{0,5}(:[0-9a-fA-F]{0,5}){1,8}",
                2 => "[0-9a-fA-F]{1,3}([:-][0-9a-fA-F]{1,3}){3,7}",
                2 => "[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}",
                1 => pick(&["::", ":", "١", "٣", ".", "::ffff:", "1.2"]),
                3 => "[a-z]{1,8}",
                2 => Just(".".to_string()),
                1 => Just("-".to_string()),
                1 => Just("xn--".to_string()),
                1 => "[ _/:\\\\]",
                1 => "[A-Z0-9]{1,4}",
            ],
            0..40,
        )
        .prop_map(|p| p.concat())
    }

    /// What [`Traits::of`] must give, one predicate per byte.
    fn traits_reference(line: &[u8]) -> Traits {
        Traits {
            backslash: line.contains(&b'\\'),
            two_slashes: line.iter().filter(|&&c| c == b'/').count() >= 2,
        }
    }

    proptest! {
        /// The radix sort orders by position and keeps the order of equal positions, as a
        /// stable sort does, for few and many pairs and positions of one to three bytes.
        #[test]
        fn sort_by_position_is_a_stable_sort(
            positions in prop::collection::vec(prop_oneof![0usize..70_000, 0usize..40], 0..300),
        ) {
            let len = positions.iter().max().map_or(0, |&m| m + 1);
            let mut pairs: Vec<(usize, u32)> = positions.iter().zip(0..).map(|(&p, i)| (p, i)).collect();
            let mut expected = pairs.clone();
            expected.sort_by_key(|p| p.0);
            sort_by_position(&mut pairs, len);
            prop_assert_eq!(pairs, expected);
        }
    }

    /// The table of bytes that end a URL is what the URL pattern's class says of ASCII.
    #[test]
    fn url_end_table_is_the_pattern_class() {
        for b in 0..128u8 {
            let c = char::from(b);
            assert_eq!(
                URL_END[b as usize],
                c.is_whitespace() || "\"'<>`{}|\\^".contains(c),
                "{b:#x}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// Runs of label bytes found 16 bytes at a time are the byte table's.
        #[test]
        fn labels_start_and_end_find_the_runs_of_label_bytes(hay in prop::collection::vec(prop::sample::select(b"a-.Z9 ".to_vec()), 0..100)) {
            let label = |i: usize| hay.get(i).is_some_and(|&c| in_class(c, LABEL_BYTE));
            for i in 0..=hay.len() {
                let end = (i..).find(|&j| !label(j)).unwrap();
                prop_assert_eq!(labels_end(&hay, i), end, "end from {}", i);
                let start = (0..i).rev().find(|&j| !label(j)).map_or(0, |j| j + 1);
                prop_assert_eq!(labels_start(&hay, i), start, "start before {}", i);
            }
        }

        /// The skip-scan gives every maximal run of the class at least `min` long.
        #[test]
        fn long_runs_are_the_maximal_long_runs(
            hay in prop::collection::vec(prop::sample::select(b"aF09:-_ .gl\xe9".to_vec()), 0..400),
            class in prop::sample::select(vec![HEX_DIGIT, LABEL_BYTE, WORD_BYTE, IPV6_BYTE, MAC_BYTE, BASE58_DIGIT]),
            min in 1usize..=64,
        ) {
            let member = |b: u8| BYTE_CLASS[b as usize] & class != 0;
            let mut expected = Vec::new();
            let mut i = 0;
            while i < hay.len() {
                let start = i;
                while i < hay.len() && member(hay[i]) {
                    i += 1;
                }
                if i - start >= min {
                    expected.push((start, i));
                }
                i = i.max(start + 1);
            }
            prop_assert_eq!(expected, long_runs(&hay, class, min).collect::<Vec<_>>());
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Short lines of the bytes that matter, none, one or several of each.
        #[test]
        fn traits_say_what_the_predicates_say(line in prop::collection::vec(prop::sample::select(b"/\\a.".to_vec()), 0..6)) {
            prop_assert_eq!(Traits::of(&line), traits_reference(&line));
        }
    }

    /// Where `regex` matches in `text`.
    fn spans(regex: &Regex, text: &str) -> Vec<(usize, usize)> {
        regex.find_iter(text).map(|m| (m.start(), m.end())).collect()
    }

    /// One of `words`, as a `String`.
    fn pick(words: &[&'static str]) -> impl Strategy<Value = String> + use<> {
        prop::sample::select(words.to_vec()).prop_map(str::to_string)
    }

    /// Up to `most` pieces from `piece`, joined.
    fn joined(piece: impl Strategy<Value = String>, most: usize) -> impl Strategy<Value = String> {
        prop::collection::vec(piece, 0..most).prop_map(|p| p.concat())
    }

    /// Text over the bytes that matter to Bitcoin addresses: both alphabets, the letters
    /// only one has, and word and non-word bytes around them.
    fn bitcoin_text() -> impl Strategy<Value = String> {
        joined(
            prop_oneof![
                3 => "[1-9A-HJ-NP-Za-km-z]{1,36}",
                3 => "[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{1,40}",
                2 => pick(&["bc1", "1", "3", "0", "O", "I", "l", "_", "b", "BC1"]),
                2 => "[ .,:/\\-]",
                1 => Just("é".to_string()),
            ],
            12,
        )
    }

    /// Text over what decides a URL match: schemes in any case, words glued to them, the
    /// separator and near misses, the bytes that end a URL (Unicode spaces included).
    fn url_text() -> impl Strategy<Value = String> {
        joined(
            prop_oneof![
                3 => pick(&[
                    "http", "HTTPS", "hTtp", "ftp", "sFtPs", "sftp", "telnet", "ldap", "LDAPS", "file", "tcp", "udp",
                    "httpſ", "xhttp", "http_", "_ftp", "1tcp", "htt", "ftpss",
                ]),
                3 => pick(&["://", ":/", ":///", "//", ":"]),
                3 => "[a-z0-9./?=&%-]{1,12}",
                2 => pick(&[
                    " ", "\n", "\t", "\"", "'", "<", ">", "`", "{", "}", "|", "\\", "^", "\u{a0}", "\u{2003}", "é", "[", ")",
                ]),
            ],
            14,
        )
    }

    /// Text over what decides CVE and ASN matches: the prefixes in any case, glued words,
    /// digit runs of every length around the limits, dashes and spaces.
    fn cve_asn_text() -> impl Strategy<Value = String> {
        joined(
            prop_oneof![
                3 => pick(&["CVE", "cve", "cVe", "xCVE", "CVE_", "AS", "ASN", "AS ", "ASN ", "xAS", "As", "ASS"]),
                4 => "[0-9]{1,12}",
                3 => "(CVE|cve|xcve|Cve)-[0-9]{3,5}-[0-9]{3,8}",
                3 => pick(&["-", "--", " ", "_", "a", "Z", "é", "١", "."]),
            ],
            12,
        )
    }

    /// Text over what decides a registry-key match: hive names in any case, glued words,
    /// the colon, backslashes, and the bytes that end a key.
    fn registry_text() -> impl Strategy<Value = String> {
        joined(
            prop_oneof![
                3 => pick(&[
                    "HKLM", "hkcu", "HKCR", "HKU", "HKCC", "HKEY_LOCAL_MACHINE", "hkey_users", "HKEY_CURRENT_USER",
                    "HKEY_CLASSES_ROOT", "HKEY_CURRENT_CONFIG", "xHKLM", "HKLM_", "HKLMx", "HKU1", "\u{212a}HKU", "HKEY_USERſ",
                ]),
                4 => pick(&["\\", ":\\", "::\\", ":"]),
                3 => "[A-Za-z0-9 ._-]{1,10}",
                2 => pick(&[
                    "\n", "\r", "\t", "\"", "'", "<", ">", "|", "`", " ", "é", "/",
                ]),
            ],
            14,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]

        #[test]
        fn registry_matches_agree_with_the_regex(text in registry_text()) {
            prop_assert_eq!(spans(&REGKEY, &text), registry_matches(&text).collect::<Vec<_>>());
        }

        #[test]
        fn cve_and_asn_matches_agree_with_the_regexes(text in cve_asn_text()) {
            prop_assert_eq!(spans(&CVE, &text), cve_matches(&text).collect::<Vec<_>>());
            let asn: Vec<(usize, usize, usize)> = ASN
                .captures_iter(&text)
                .map(|c| (c.get(0).unwrap().start(), c.get(1).unwrap().start(), c.get(0).unwrap().end()))
                .collect();
            prop_assert_eq!(asn, asn_matches(text.as_bytes()).collect::<Vec<_>>());
        }

        #[test]
        fn url_matches_agree_with_the_regex(text in url_text()) {
            prop_assert_eq!(spans(&URL, &text), url_matches(&text).collect::<Vec<_>>());
        }

        #[test]
        fn bitcoin_words_agree_with_the_regex(text in bitcoin_text()) {
            prop_assert_eq!(spans(&BITCOIN, &text), bitcoin_words(text.as_bytes()).collect::<Vec<_>>());
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// The hand-written scanners find what the regexes they replace find.
        #[test]
        fn scanners_agree_with_their_regexes(text in dns_and_hex_text()) {
            let hex: Vec<(usize, usize)> = HASH
                .find_iter(&text)
                .filter(|m| {
                    let b = text.as_bytes();
                    let glued = (m.start() > 0 && b[m.start() - 1].is_ascii_hexdigit())
                        || b.get(m.end()).is_some_and(u8::is_ascii_hexdigit);
                    !glued && matches!(m.len(), 32 | 40 | 64 | 128)
                })
                .map(|m| (m.start(), m.end()))
                .collect();
            let fast: Vec<(usize, usize)> = long_hex_runs(text.as_bytes())
                .filter(|(s, e)| matches!(e - s, 32 | 40 | 64 | 128))
                .collect();
            prop_assert_eq!(hex, fast);
            let runs = spans(&DNS_RUN, &text);
            let dotted = dns_runs(text.as_bytes());
            prop_assert_eq!(&runs, &dotted.iter().map(|r| (r.start, r.end)).collect::<Vec<_>>());
            for r in &dotted {
                let run = &text.as_bytes()[r.start..r.end];
                prop_assert_eq!(r.dots, memchr::memchr_iter(b'.', run).count());
                prop_assert_eq!(r.simple, simple_name(run), "{:?}", &text[r.start..r.end]);
                prop_assert_eq!(r.named, may_hold_name(run), "{:?}", &text[r.start..r.end]);
            }
            let ipv4 = spans(&IPV4, &text);
            prop_assert_eq!(&ipv4, &ipv4_matches(&text).collect::<Vec<_>>());
            prop_assert_eq!(ipv4, ipv4_in_run(text.as_bytes()).collect::<Vec<_>>());
            let ipv6 = spans(&IPV6, &text);
            prop_assert_eq!(ipv6, ipv6_matches(&text).collect::<Vec<_>>());
            let mac = spans(&MAC, &text);
            prop_assert_eq!(mac, find_in_runs(&MAC, &text, mac_runs(&text)).collect::<Vec<_>>());
            for (s, e) in runs {
                let run = &text[s..e];
                if !may_hold_name(run.as_bytes()) {
                    prop_assert!(DNS.find(run).is_none(), "{:?} holds a name", run);
                }
                if simple_name(run.as_bytes()) {
                    let found: Vec<&str> = DNS.find_iter(run).map(|m| m.as_str()).collect();
                    prop_assert_eq!(found, vec![run], "simple run {:?}", run);
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// Blocks of any size, lines of any content: the same indicators at the same places.
        #[test]
        fn blocks_never_change_what_is_found(lines in prop::collection::vec(prop::collection::vec(piece(), 0..6).prop_map(|p| p.concat()), 0..6), block in 1usize..64) {
            let text = lines.join("\n");
            prop_assert_eq!(in_blocks(&text, block), in_blocks(&text, usize::MAX));
        }

        /// The line gate is only an optimisation: whenever a type's search finds something
        /// in a line, the gate lets that type through.
        #[test]
        fn the_gate_never_hides_a_match(line in prop::collection::vec(piece(), 0..6).prop_map(|p| p.concat())) {
            let traits = Traits::of(line.as_bytes());
            for kind in IocType::ALL {
                let mut out = Vec::new();
                candidates(kind, false, &line, 0..line.len(), &mut out);
                out.retain(|(k, _, _)| *k == kind);
                prop_assert!(out.is_empty() || traits.may_hold(kind), "{kind} found {out:?} in {line:?} but the gate says no");
            }
        }
    }
}

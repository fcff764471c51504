//! Byte classes and the run and word-boundary helpers built on them.

// The byte classes of `BYTE_CLASS`, one bit each.
/// A hex digit: `[0-9A-Fa-f]`.
pub(super) const HEX_DIGIT: u8 = 1;
/// A domain-name byte: `[A-Za-z0-9-]`.
pub(super) const LABEL_BYTE: u8 = 2;
/// A word byte as an ASCII `\b` sees it: `[A-Za-z0-9_]`.
pub(super) const WORD_BYTE: u8 = 4;
/// A byte of an IPv6 address: `[0-9A-Fa-f:.]`.
pub(super) const IPV6_BYTE: u8 = 8;
/// A byte of a MAC address: `[0-9A-Fa-f:-]`.
pub(super) const MAC_BYTE: u8 = 16;
/// A Base58 digit: `[1-9A-HJ-NP-Za-km-z]` (alphanumerics but `0`, `O`, `I` and `l`).
pub(super) const BASE58_DIGIT: u8 = 32;

/// Per byte, the classes it is in.
pub(super) static BYTE_CLASS: [u8; 256] = {
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
pub(super) fn in_class(c: u8, class: u8) -> bool {
    BYTE_CLASS[c as usize] & class != 0
}

/// The maximal run of `class` bytes around `b[at]`, which is in it, as `(start, end)`.
pub(super) fn run_around(b: &[u8], at: usize, class: u8) -> (usize, usize) {
    let start = at - b[..at].iter().rev().take_while(|&&c| in_class(c, class)).count();
    let end = at + 1 + b[at + 1..].iter().take_while(|&&c| in_class(c, class)).count();
    (start, end)
}

/// A word byte as an ASCII `\b` sees it: `[A-Za-z0-9_]`.
pub(super) fn word_byte(c: u8) -> bool {
    in_class(c, WORD_BYTE)
}

/// Whether an ASCII `\b` lies before `b[i]` with a word byte at `i`: `i` starts a word.
pub(super) fn starts_word(b: &[u8], i: usize) -> bool {
    i == 0 || !word_byte(b[i - 1])
}

/// Whether an ASCII `\b` lies after a word ending just before `b[i]`.
pub(super) fn ends_word(b: &[u8], i: usize) -> bool {
    b.get(i).is_none_or(|&c| !word_byte(c))
}

/// Where the run of word bytes that ends at `end` starts.
pub(super) fn word_start(b: &[u8], end: usize) -> usize {
    end - b[..end].iter().rev().take_while(|&&c| word_byte(c)).count()
}

/// The maximal runs of at least 32 hex digits, as `(start, end)`.
pub(super) fn long_hex_runs(hay: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    long_runs(hay, HEX_DIGIT, 32)
}

/// The maximal runs of at least `min` bytes of one [`BYTE_CLASS`], as `(start, end)`. A
/// run that long starting at or after `i` covers byte `i + min - 1`, so the scan probes
/// that byte; from a probe in the class it looks back, and a byte outside the class on the
/// way moves `i` past it (no long run can hold it). Only when the `min` bytes up to the
/// probe are all in the class is the run followed to its end. The bytes from `i` that a
/// look-back has already seen in the class are not looked at again.
pub(super) fn long_runs(hay: &[u8], class: u8, min: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
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

//! Validation of candidate indicators: what a regex cannot decide.

use std::cell::RefCell;
use std::collections::HashMap;

use sha2::{Digest, Sha256};

/// Whether the name ends in a suffix on the public suffix list (bundled by the `psl` crate,
/// so no download happens at run time), and has a label before it.
///
/// Answers are remembered per thread: names repeat (a domain through a report, a host
/// through a log's rows), and the list lookup is most of what a DNS candidate costs. The
/// memory is bounded: it is emptied when it holds [`MEMO_NAMES`] names, and long names
/// are not kept.
pub fn known_suffix(name: &str) -> bool {
    if name.len() > MEMO_NAME_LEN {
        return listed(name);
    }
    MEMO.with_borrow_mut(|memo| {
        if let Some(&known) = memo.get(name) {
            return known;
        }
        let known = listed(name);
        if memo.len() >= MEMO_NAMES {
            memo.clear();
        }
        memo.insert(name.into(), known);
        known
    })
}

/// How many names [`known_suffix`] remembers per thread.
const MEMO_NAMES: usize = 1 << 14;
/// The longest name [`known_suffix`] remembers.
const MEMO_NAME_LEN: usize = 100;

thread_local! {
    // The hasher is randomly seeded: names come from untrusted text.
    static MEMO: RefCell<HashMap<Box<str>, bool, foldhash::fast::RandomState>> = RefCell::default();
}

/// [`known_suffix`] without the memory.
fn listed(name: &str) -> bool {
    let name = name.trim_end_matches('.').as_bytes();
    let known = |lower: &[u8]| match psl::suffix(lower) {
        Some(suffix) => suffix.is_known() && lower.len() > suffix.as_bytes().len(),
        None => false,
    };
    // Most names are lower case already, the rest are lower-cased on the stack.
    if !name.iter().any(u8::is_ascii_uppercase) {
        return known(name);
    }
    if name.len() > 256 {
        return known(&name.to_ascii_lowercase());
    }
    let mut buffer = [0u8; 256];
    for (b, c) in buffer.iter_mut().zip(name) {
        *b = c.to_ascii_lowercase();
    }
    known(&buffer[..name.len()])
}

/// Cuts the punctuation that ends a sentence or closes a bracket off a URL's end; a closing
/// bracket stays when the URL itself opened one (`…/wiki/Foo_(bar)`). A trailing `+` goes
/// too: reports written in AsciiDoc wrap indicators in `++…++` passthrough markers.
pub fn trim_url(url: &str) -> &str {
    let mut end = url.len();
    while let Some(last) = url[..end].chars().next_back() {
        let unbalanced = |open: char| url[..end].matches(open).count() < url[..end].matches(last).count();
        let cut = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '"' | '+' => true,
            ')' => unbalanced('('),
            ']' => unbalanced('['),
            _ => false,
        };
        if !cut {
            break;
        }
        end -= last.len_utf8();
    }
    &url[..end]
}

/// A URL must name a host: `http://` alone, or a scheme followed by punctuation, is not one.
pub fn url_has_host(url: &str) -> bool {
    // The scheme is a short word, so `://` is found within a few bytes.
    let separator = url.as_bytes().windows(3).position(|w| w == b"://");
    separator
        .map(|at| url[at + 3..].trim_start_matches('['))
        .is_some_and(|host| host.starts_with(|c: char| c.is_ascii_alphanumeric()))
}

const BASE58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// A Bitcoin address with a valid checksum: Base58Check for legacy (1…, 3…) addresses,
/// Bech32/Bech32m for segwit (bc1…). Random strings of the right alphabet fail.
pub fn valid_bitcoin(address: &str) -> bool {
    if address.starts_with("bc1") {
        return valid_bech32(address);
    }
    let mut bytes: Vec<u8> = Vec::new();
    for c in address.bytes() {
        let Some(mut carry) = BASE58.iter().position(|&b| b == c).map(|v| v as u32) else {
            return false;
        };
        for b in bytes.iter_mut().rev() {
            carry += u32::from(*b) * 58;
            *b = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let leading = address.bytes().take_while(|&b| b == b'1').count();
    let mut decoded = vec![0u8; leading];
    decoded.extend(bytes);
    if decoded.len() != 25 {
        return false;
    }
    let (payload, checksum) = decoded.split_at(21);
    let hash = Sha256::digest(Sha256::digest(payload));
    &hash[..4] == checksum
}

fn valid_bech32(address: &str) -> bool {
    const CHARSET: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    let Some((hrp, data)) = address.rsplit_once('1') else {
        return false;
    };
    if hrp != "bc" || data.len() < 6 {
        return false;
    }
    let mut values = Vec::with_capacity(hrp.len() * 2 + 1 + data.len());
    values.extend(hrp.bytes().map(|b| b >> 5));
    values.push(0);
    values.extend(hrp.bytes().map(|b| b & 31));
    for c in data.bytes() {
        match CHARSET.iter().position(|&x| x == c) {
            Some(v) => values.push(v as u8),
            None => return false,
        }
    }
    let mut chk: u32 = 1;
    for v in values {
        let top = chk >> 25;
        chk = ((chk & 0x1ff_ffff) << 5) ^ u32::from(v);
        for (i, g) in [0x3b6a_57b2u32, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]
            .iter()
            .enumerate()
        {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    // Bech32 (segwit v0) or Bech32m (v1+).
    chk == 1 || chk == 0x2bc8_30a3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_ends() {
        assert_eq!(trim_url("http://x.com/a)."), "http://x.com/a");
        assert_eq!(
            trim_url("http://en.wikipedia.org/wiki/Foo_(bar)"),
            "http://en.wikipedia.org/wiki/Foo_(bar)"
        );
        assert!(!url_has_host("http://"));
        assert_eq!(trim_url("https://cuturl.app/sot2qq++"), "https://cuturl.app/sot2qq");
    }

    #[test]
    fn suffixes() {
        assert!(known_suffix("example.com"));
        assert!(known_suffix("evil.co.uk"));
        assert!(!known_suffix("example.tld"));
        assert!(!known_suffix("com"));
    }

    /// Remembered answers are the list's answers: asked twice, past the point where the
    /// memory is emptied, in mixed case, and for names too long to keep.
    #[test]
    fn remembered_answers_are_the_lists() {
        let names: Vec<String> = (0..MEMO_NAMES + 500)
            .map(|i| match i % 4 {
                0 => format!("host{i}.example.com"),
                1 => format!("file{i}.dll"),
                2 => format!("Host{i}.Co.UK"),
                _ => format!("{}.{i}.org", "a".repeat(MEMO_NAME_LEN)),
            })
            .collect();
        for round in 0..2 {
            for name in &names {
                assert_eq!(known_suffix(name), listed(name), "{name}, round {round}");
            }
        }
        assert!(known_suffix("host0.example.com") && !known_suffix("file1.dll") && known_suffix("Host2.Co.UK"));
        assert!(MEMO.with_borrow(|memo| memo.len() <= MEMO_NAMES));
    }
}

//! Base64 decoding of command lines and text, level after level, as msticpy's
//! `base64unpack` does — with bounds, so hostile input cannot exhaust memory or time.
//!
//! Each level finds candidates (runs of 30 or more Base64 characters), decodes them,
//! unpacks gzip, bzip2, zip and tar payloads, replaces each candidate in the text by a
//! `<decoded …>` marker holding what it decoded to, and scans the result again, up to
//! `max_depth` levels. Differences from msticpy, each a fix:
//! - File types come from the decoded bytes' magic numbers, not from Base64 prefixes.
//! - Runs made only of hex digits are hashes or ids, not Base64, and are left alone.
//! - UTF-16LE is detected (PowerShell `-EncodedCommand`, or text whose every other byte is
//!   zero, or a UTF-16LE byte-order mark leads), so the analyst need not know to ask for
//!   it; bzip2 is unpacked too.
//! - Archives inside archives (a `.gz` in a zip, a `.tar.gz`) are unpacked too, a few levels
//!   deep; msticpy shows the inner archive as hex bytes.
//! - Archive members, bytes per member and total output are budgeted ([`Limits`]); the
//!   output budget is one per call, shared by every row of a frame ([`Budget`]), and counts
//!   what is produced (decoded bytes, the text or hex shown, the markers), not only what
//!   is decoded. What a budget stops is reported as a warning.

mod frame;
mod unpack;

use std::collections::HashMap;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use regex::Regex;

pub use frame::{decode_frame, decode_text};
pub use unpack::FileType;

/// Bounds on one decode.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_depth: usize,
    /// Members taken from one archive.
    pub max_members: usize,
    /// Bytes taken from one decompressed stream or archive member.
    pub max_item_bytes: usize,
    /// Bytes produced by one call: decoded bytes, the text or hex shown for them and the
    /// markers put in their place, over every row of a frame.
    pub max_total_bytes: usize,
}

/// What one call may still produce, shared by the rows it decodes in parallel. Output is
/// charged after it is made, so a call can pass its budget by at most one fragment per
/// thread; nothing is decoded once the budget is spent.
#[derive(Debug)]
pub struct Budget {
    left: AtomicUsize,
    limit: usize,
}

impl Budget {
    pub fn new(limit: usize) -> Self {
        Budget {
            left: AtomicUsize::new(limit),
            limit,
        }
    }

    pub fn left(&self) -> usize {
        self.left.load(Ordering::Relaxed)
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Takes `n` bytes if that many are left.
    fn take(&self, n: usize) -> bool {
        self.left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| left.checked_sub(n))
            .is_ok()
    }

    /// Charges `n` bytes already produced: what is left goes to zero at worst.
    fn charge(&self, n: usize) {
        let _ = self.left.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
            Some(left.saturating_sub(n))
        });
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 20,
            max_members: 256,
            max_item_bytes: 16 << 20,
            max_total_bytes: 64 << 20,
        }
    }
}

/// One decoded fragment.
#[derive(Debug, Clone, PartialEq)]
pub struct Fragment {
    /// Where it sits: `depth.index` at the top, `.k` appended for archive members.
    pub reference: String,
    pub depth: usize,
    /// The Base64 text that was decoded (for an archive member, the archive's).
    pub original: String,
    pub file_name: String,
    pub file_type: FileType,
    /// `utf-8`, `utf-16` or `binary`.
    pub encoding: &'static str,
    /// The text, or space-separated hex bytes for binary.
    pub decoded: String,
    pub md5: String,
    pub sha1: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Default)]
pub struct Decoded {
    pub fragments: Vec<Fragment>,
    /// The input with every decoded run replaced by its `<decoded …>` marker.
    pub full: String,
    pub warnings: Vec<String>,
}

static CANDIDATE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[A-Za-z0-9+/\r\n]{30,}={0,2}").unwrap());
/// PowerShell accepts any prefix of -EncodedCommand (`-e`, `-en`, `-enc`, `-ec` …).
static POWERSHELL_ENC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[-/](?:e|ec|en|enc|enco|encod|encode|encoded|encodedc|encodedco|encodedcom|encodedcomm|encodedcomma|encodedcomman|encodedcommand)\s+[\x22']?$").unwrap()
});
static ENGINE: LazyLock<GeneralPurpose> = LazyLock::new(|| {
    GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
            .with_decode_allow_trailing_bits(true),
    )
});

/// Decodes every Base64 run in `text`, recursively. `utf16` tries UTF-16LE first for every
/// fragment (PowerShell `-EncodedCommand` is recognised without it).
pub fn decode(text: &str, utf16: bool, limits: Limits) -> Decoded {
    decode_within(text, utf16, &limits, &Budget::new(limits.max_total_bytes))
}

/// [`decode`], drawing on a budget shared with other decodes of the same call.
pub fn decode_within(text: &str, utf16: bool, limits: &Limits, budget: &Budget) -> Decoded {
    let mut out = Decoded {
        full: text.to_string(),
        ..Decoded::default()
    };
    for depth in 1..=limits.max_depth {
        let current = std::mem::take(&mut out.full);
        let (next, decoded_any) = decode_level(&current, depth, utf16, limits, budget, &mut out);
        out.full = next;
        if !decoded_any {
            return out;
        }
        if depth == limits.max_depth && CANDIDATE.is_match(&out.full) {
            out.warnings.push(format!(
                "stopped at the depth limit of {depth} levels; deeper Base64 was left encoded"
            ));
        }
    }
    out
}

fn decode_level(
    text: &str,
    depth: usize,
    utf16: bool,
    limits: &Limits,
    budget: &Budget,
    out: &mut Decoded,
) -> (String, bool) {
    let mut result = String::with_capacity(text.len());
    let mut last = 0;
    let mut index = 0;
    // The same Base64 twice at one level is decoded once and replaced everywhere (as
    // msticpy's `str.replace` does), so a repeated payload is one fragment, not many.
    let mut seen: HashMap<&str, String> = HashMap::new();
    for m in CANDIDATE.find_iter(text) {
        let candidate = m.as_str().trim_end_matches(['\r', '\n']);
        if let Some(marker) = seen.get(candidate) {
            result.push_str(&text[last..m.start()]);
            result.push_str(marker);
            last = m.start() + candidate.len();
            continue;
        }
        let compact: String = candidate.chars().filter(|c| !c.is_whitespace()).collect();
        // Padded Base64 only (as Python's b64decode insists): a run whose length is not a
        // multiple of four is a token or file name, not an encoding.
        if compact.len() < 30
            || !compact.len().is_multiple_of(4)
            || compact.trim_end_matches('=').chars().all(|c| c.is_ascii_hexdigit())
        {
            continue;
        }
        let Ok(bytes) = ENGINE.decode(compact.as_bytes()) else {
            continue;
        };
        if !budget.take(bytes.len()) {
            out.warnings.push(format!(
                "the call's output budget of {} bytes is spent; later Base64 was left encoded",
                budget.limit()
            ));
            break;
        }
        index += 1;
        let reference = format!("{depth}.{index}");
        let powershell = POWERSHELL_ENC.is_match(&text[..m.start()]);
        let items = unpack::unpack(&bytes, limits, budget, &mut out.warnings);
        let marker = if items.len() == 1 {
            let item = &items[0];
            let fragment = fragment(&reference, depth, candidate, item, utf16, powershell);
            let marker = marker(&fragment);
            budget.charge(fragment.decoded.len() + marker.len());
            out.fragments.push(fragment);
            marker
        } else {
            let kind = unpack::file_type(&bytes);
            let mut marker = format!(
                "<decoded value='multiple binary' type='{}' index='{reference}' depth='{depth}'>",
                kind.name()
            );
            for (k, item) in items.iter().enumerate() {
                let member_ref = format!("{reference}.{}", k + 1);
                let fragment = fragment(&member_ref, depth + 1, candidate, item, utf16, false);
                let inner = self::marker(&fragment);
                budget.charge(fragment.decoded.len() + inner.len());
                marker.push_str(&inner);
                out.fragments.push(fragment);
            }
            marker.push_str("</decoded>");
            marker
        };
        result.push_str(&text[last..m.start()]);
        result.push_str(&marker);
        last = m.start() + candidate.len();
        seen.insert(candidate, marker);
    }
    result.push_str(&text[last..]);
    (result, index > 0)
}

fn fragment(
    reference: &str,
    depth: usize,
    original: &str,
    item: &unpack::Item,
    utf16: bool,
    powershell: bool,
) -> Fragment {
    use md5::Digest as _;
    let (encoding, decoded) = as_text(&item.bytes, utf16, powershell);
    let name = match (&item.name, item.file_type) {
        (Some(member), container) => format!("[{}] Filename: {member}", container.name()),
        (None, t) => format!("[{}]", t.name()),
    };
    Fragment {
        reference: reference.to_string(),
        depth,
        original: original.to_string(),
        file_name: name,
        file_type: item.file_type,
        encoding,
        decoded,
        md5: hex::encode(md5::Md5::digest(&item.bytes)),
        sha1: hex::encode(sha1::Sha1::digest(&item.bytes)),
        sha256: hex::encode(sha2::Sha256::digest(&item.bytes)),
    }
}

/// The in-place marker for a fragment: where it sits comes from the fragment itself.
fn marker(f: &Fragment) -> String {
    let (reference, depth) = (&f.reference, f.depth);
    if f.encoding == "binary" {
        format!(
            "<decoded value='binary' name='{}' type='{}' index='{reference}' depth='{depth}'>{}</decoded>",
            f.file_name,
            f.file_type.name(),
            f.decoded
        )
    } else {
        format!(
            "<decoded type='string' name='{}' index='{reference}' depth='{depth}'>{}</decoded>",
            f.file_name, f.decoded
        )
    }
}

/// Text if the bytes are text (UTF-16LE when asked for, when a byte-order mark leads or
/// when the high bytes are zero; else UTF-8), otherwise space-separated hex.
fn as_text(bytes: &[u8], utf16: bool, powershell: bool) -> (&'static str, String) {
    if let Some(rest) = bytes.strip_prefix(&[0xff, 0xfe])
        && rest.len().is_multiple_of(2)
        && let Some(text) = utf16le(rest)
    {
        return ("utf-16", text);
    }
    let even = bytes.len().is_multiple_of(2);
    // Text in UTF-16LE has a zero high byte for every ASCII character: all of them must be
    // zero, or nine in ten after a PowerShell -EncodedCommand switch (a script may hold a
    // few non-ASCII characters; a UTF-8 payload after -enc has almost no zero bytes).
    let zeros = bytes.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    let halves = bytes.len() / 2;
    let looks_utf16 = bytes.len() >= 4
        && even
        && if powershell {
            zeros * 10 >= halves * 9
        } else {
            zeros == halves
        };
    if (utf16 || looks_utf16)
        && even
        && let Some(text) = utf16le(bytes)
    {
        return ("utf-16", text);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if printable(text) => ("utf-8", text.to_string()),
        _ => (
            "binary",
            bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" "),
        ),
    }
}

/// Printable text from UTF-16LE bytes of even length, or None.
fn utf16le(bytes: &[u8]) -> Option<String> {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).ok().filter(|t| printable(t))
}

fn printable(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| !c.is_control() || c.is_whitespace())
}

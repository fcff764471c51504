//! Byte masks of 16 or 64 bytes at a time, for the scanners where the bytes they look for
//! are dense (a report's dots, colons, brackets) or their runs short (a label): a match is
//! then a bit of a mask to clear or count, not a search to start or a loop whose exit the
//! processor has to guess.
//!
//! On x86_64 the masks come from SSE2, which is part of the architecture's baseline; other
//! targets run the byte loops that the tests hold the SSE2 versions to.

#[cfg(any(test, not(target_arch = "x86_64")))]
use super::{LABEL_BYTE, in_class};

/// The 16 (or 64) bytes of `hay` from `at`, with zeros past its end.
fn window<'a, const N: usize>(hay: &'a [u8], at: usize, padded: &'a mut [u8; N]) -> &'a [u8; N] {
    match hay.get(at..at.saturating_add(N)) {
        Some(chunk) => chunk.try_into().expect("N bytes"),
        None => {
            let rest = &hay[at.min(hay.len())..];
            padded[..rest.len()].copy_from_slice(rest);
            padded
        }
    }
}

/// The label bytes (`[A-Za-z0-9-]`) among the 16 bytes of `hay` from `at`, as a bit mask
/// (bit `i` for byte `at + i`); bytes past the end are not.
#[cfg(target_arch = "x86_64")]
pub(super) fn labels16(hay: &[u8], at: usize) -> u32 {
    // SAFETY: SSE2 is part of x86_64's baseline: every processor that runs this code has it.
    unsafe { sse2::labels16(hay, at) }
}

/// The bytes equal to one of `needles` among the 64 bytes of `hay` from `at`, as a bit
/// mask (bit `i` for byte `at + i`); bytes past the end match none. A needle of 0 would
/// match the padding: none is.
#[cfg(target_arch = "x86_64")]
fn bytes64<const K: usize>(hay: &[u8], at: usize, needles: [u8; K]) -> u64 {
    // SAFETY: as in `labels16`.
    unsafe { sse2::bytes64(hay, at, needles) }
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::*;

    /// 16 bytes as a vector.
    #[target_feature(enable = "sse2")]
    fn load(bytes: &[u8]) -> __m128i {
        let half = |from: usize| i64::from_le_bytes(bytes[from..from + 8].try_into().expect("8 bytes"));
        _mm_set_epi64x(half(8), half(0))
    }

    #[target_feature(enable = "sse2")]
    pub(super) fn labels16(hay: &[u8], at: usize) -> u32 {
        let mut padded = [0u8; 16];
        let v = load(super::window(hay, at, &mut padded));
        let splat = |c: u8| _mm_set1_epi8(c as i8);
        // Each byte of `x` at most `max`, compared unsigned.
        let at_most = |x: __m128i, max: u8| _mm_cmpeq_epi8(_mm_min_epu8(x, splat(max)), x);
        let letters = at_most(_mm_sub_epi8(_mm_or_si128(v, splat(0x20)), splat(b'a')), 25);
        let digits = at_most(_mm_sub_epi8(v, splat(b'0')), 9);
        let dashes = _mm_cmpeq_epi8(v, splat(b'-'));
        _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(letters, digits), dashes)) as u32
    }

    #[target_feature(enable = "sse2")]
    pub(super) fn bytes64<const K: usize>(hay: &[u8], at: usize, needles: [u8; K]) -> u64 {
        let mut padded = [0u8; 64];
        let chunk = super::window(hay, at, &mut padded);
        let needles = needles.map(|c| _mm_set1_epi8(c as i8));
        let mut mask = 0u64;
        for quarter in 0..4 {
            let v = load(&chunk[quarter * 16..quarter * 16 + 16]);
            let mut hits = _mm_setzero_si128();
            for needle in needles {
                hits = _mm_or_si128(hits, _mm_cmpeq_epi8(v, needle));
            }
            mask |= u64::from(_mm_movemask_epi8(hits) as u16) << (quarter * 16);
        }
        mask
    }
}

/// [`labels16`] a byte at a time.
#[cfg(any(test, not(target_arch = "x86_64")))]
fn labels16_bytes(hay: &[u8], at: usize) -> u32 {
    let mut labels = 0;
    for (i, &c) in hay.iter().skip(at).take(16).enumerate() {
        labels |= u32::from(in_class(c, LABEL_BYTE)) << i;
    }
    labels
}

/// [`bytes64`] a byte at a time.
#[cfg(any(test, not(target_arch = "x86_64")))]
fn bytes64_bytes<const K: usize>(hay: &[u8], at: usize, needles: [u8; K]) -> u64 {
    let mut mask = 0;
    for (i, c) in hay.iter().skip(at).take(64).enumerate() {
        mask |= u64::from(needles.contains(c)) << i;
    }
    mask
}

#[cfg(not(target_arch = "x86_64"))]
pub(super) fn labels16(hay: &[u8], at: usize) -> u32 {
    labels16_bytes(hay, at)
}

#[cfg(not(target_arch = "x86_64"))]
fn bytes64<const K: usize>(hay: &[u8], at: usize, needles: [u8; K]) -> u64 {
    bytes64_bytes(hay, at, needles)
}

/// Where the bytes equal to one of `needles` are in `hay`, in order, from masks of 64
/// bytes ([`bytes64`]).
pub(super) fn positions<const K: usize>(hay: &[u8], needles: [u8; K]) -> impl Iterator<Item = usize> + '_ {
    let mut base = 0;
    let mut pending = bytes64(hay, 0, needles);
    std::iter::from_fn(move || {
        while pending == 0 {
            base += 64;
            if base >= hay.len() {
                return None;
            }
            pending = bytes64(hay, base, needles);
        }
        let at = base + pending.trailing_zeros() as usize;
        pending &= pending - 1;
        Some(at)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Bytes around every class edge, and any byte.
    fn bytes() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(
            prop_oneof![
                any::<u8>(),
                prop::sample::select(b"`az{@AZ[/09:-.(]\\\x00\x7f\x80\xff\xae\xba".to_vec())
            ],
            0..200,
        )
    }

    proptest! {
        /// The SSE2 masks are the byte loops', up to the end and past it.
        #[test]
        fn sse2_masks_are_the_byte_loops(hay in bytes(), at in 0usize..=200) {
            let at = at.min(hay.len());
            prop_assert_eq!(labels16(&hay, at), labels16_bytes(&hay, at));
            prop_assert_eq!(bytes64(&hay, at, [b'.']), bytes64_bytes(&hay, at, [b'.']));
            prop_assert_eq!(bytes64(&hay, at, [b':', b'-']), bytes64_bytes(&hay, at, [b':', b'-']));
            let five = [b'[', b'(', b'{', b':', b']'];
            prop_assert_eq!(bytes64(&hay, at, five), bytes64_bytes(&hay, at, five));
        }

        /// `positions` gives every needle's place, in order, across 64-byte windows.
        #[test]
        fn positions_are_every_needle(hay in bytes()) {
            let expected: Vec<usize> = (0..hay.len()).filter(|&i| matches!(hay[i], b':' | b'-')).collect();
            prop_assert_eq!(positions(&hay, [b':', b'-']).collect::<Vec<_>>(), expected);
        }
    }
}

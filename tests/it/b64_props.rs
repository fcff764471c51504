//! Property tests for the Base64 decoder: arbitrary text, arbitrary bytes, truncated and
//! corrupted archives never panic and stay within the output budget; text encoded and
//! wrapped (optionally gzipped) comes back exactly. Bounded by proptest's case count, so it
//! runs in CI in seconds.

use std::io::Write;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use huntbook::b64::{Limits, decode};
use proptest::prelude::*;

fn small_limits() -> Limits {
    Limits {
        max_depth: 6,
        max_members: 8,
        max_item_bytes: 64 << 10,
        max_total_bytes: 256 << 10,
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// Plain ASCII text that holds no Base64 run of its own.
fn plain() -> impl Strategy<Value = String> {
    "[a-z]{1,8}( [a-z]{1,8}){0,12}[.;!]"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn any_text_never_panics(input in "[A-Za-z0-9+/=\r\n <>'-]{0,400}") {
        let limits = small_limits();
        let out = decode(&input, false, limits);
        let produced: usize = out.fragments.iter().map(|f| f.decoded.len()).sum();
        // Binary shows as three characters a byte; the budget counts bytes.
        prop_assert!(produced <= 3 * limits.max_total_bytes + 3 * limits.max_depth * 64, "{:?} <= {:?}", produced, 3 * limits.max_total_bytes + 3 * limits.max_depth * 64);
    }

    #[test]
    fn any_bytes_encoded_never_panic(bytes in prop::collection::vec(any::<u8>(), 23..600), gz in any::<bool>()) {
        let bytes = if gz { gzip(&bytes) } else { bytes };
        let text = format!("cmd /c echo {}", STANDARD.encode(&bytes));
        let out = decode(&text, false, small_limits());
        prop_assert!(!out.fragments.is_empty());
    }

    #[test]
    fn truncated_or_corrupted_archives_never_panic(
        body in prop::collection::vec(any::<u8>(), 40..400),
        cut in 0.0f64..1.0,
        flip in any::<(usize, u8)>(),
    ) {
        let mut packed = gzip(&body);
        let keep = 12 + ((packed.len() - 12) as f64 * cut) as usize;
        packed.truncate(keep.max(12));
        let at = flip.0 % packed.len();
        if at > 3 {
            packed[at] ^= flip.1;
        }
        // Pad to whole Base64 quanta so the candidate is taken.
        while !packed.len().is_multiple_of(3) {
            packed.push(0);
        }
        let _ = decode(&STANDARD.encode(&packed), false, small_limits());
    }

    #[test]
    fn nested_text_comes_back_exactly(text in plain(), levels in 1usize..5, gz in any::<bool>()) {
        let mut payload = text.clone().into_bytes();
        if gz {
            payload = gzip(&payload);
        }
        let mut encoded = STANDARD.encode(&payload);
        // Base64 under 30 characters is below the detection floor at any level.
        prop_assume!(encoded.len() >= 32);
        for _ in 1..levels {
            encoded = STANDARD.encode(encoded);
        }
        let out = decode(&format!("run {encoded} now"), false, small_limits());
        prop_assert!(out.full.contains(&text), "{} → {}", encoded, out.full);
        prop_assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    }
}

//! Property tests for the IoC extractor: arbitrary text built from indicator-like pieces
//! (digits, dots, colons, hex, defang markers, schemes) never panics, and every
//! observable is well-formed for its type. Bounded by proptest's case count, so it runs in
//! CI in about a second.

use huntbook::ioc::{Extractor, IocType, defang, refang};
use proptest::prelude::*;

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("hxxp://".to_string()),
        Just("[.]".to_string()),
        Just("(dot)".to_string()),
        Just("[at]".to_string()),
        Just("::".to_string()),
        Just(":".to_string()),
        Just(".".to_string()),
        Just("/".to_string()),
        Just("\\".to_string()),
        Just("@".to_string()),
        Just(" ".to_string()),
        Just("HKLM\\".to_string()),
        Just("CVE-2024-".to_string()),
        "[0-9]{1,4}",
        "[0-9a-f]{1,40}",
        "[a-z]{1,12}",
        ".{0,3}",
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..40).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn extraction_never_panics_and_observables_are_well_formed(input in text()) {
        let extractor = Extractor::new(IocType::ALL.to_vec(), Vec::new());
        let extraction = extractor.extract(&input);
        for found in extraction.iter() {
            prop_assert!(!found.observable.is_empty());
            match found.kind {
                "ipv4" => prop_assert!(found.observable.parse::<std::net::Ipv4Addr>().is_ok()),
                "ipv6" => prop_assert!(found.observable.parse::<std::net::Ipv6Addr>().is_ok()),
                "md5_hash" => prop_assert_eq!(found.observable.len(), 32),
                "sha1_hash" => prop_assert_eq!(found.observable.len(), 40),
                "url" | "dns" | "email" => {
                    let defanged = defang(found.observable, found.kind);
                    prop_assert_eq!(refang(&defanged).into_owned(), found.observable);
                }
                _ => {}
            }
        }
    }

    #[test]
    fn refang_never_panics(input in ".{0,200}") {
        let _ = refang(&input);
    }
}

//! Extraction tests: behaviour on real and generated text, and each scanner against
//! the regex it replaces (`reference.rs`).

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

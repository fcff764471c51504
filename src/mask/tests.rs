//! IPv4 masking held to its promises on random addresses; shapes kept for the other kinds.

use super::*;
use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Any IPv4 address keeps its class; two addresses keep or lose their /24 together
    /// and never become one.
    #[test]
    fn ipv4_masking_keeps_class_subnet_and_distinctness(a in any::<u32>(), b in any::<u32>(), same24 in any::<bool>()) {
        let m = Masker::new(b"k");
        let b = if same24 { (a & !0xff) | (b & 0xff) } else { b };
        let (ia, ib) = (Ipv4Addr::from(a), Ipv4Addr::from(b));
        let (ma, mb) = (m.ipv4(ia), m.ipv4(ib));
        prop_assert_eq!(classify(IpAddr::V4(ia)), classify(IpAddr::V4(ma)));
        prop_assert_eq!(a >> 8 == b >> 8, u32::from(ma) >> 8 == u32::from(mb) >> 8);
        prop_assert_eq!(a == b, ma == mb);
    }
}

#[test]
fn shapes_are_kept_and_machine_accounts_join_their_hosts() {
    let m = Masker::new(b"k");
    let host = m.mask(MaskKind::Host, "WS01.contoso.co.uk");
    assert!(host.starts_with("host-") && host.ends_with(".co.uk"), "{host}");
    assert_eq!(m.mask(MaskKind::Host, "ws01"), host.split('.').next().unwrap());
    assert_eq!(
        m.mask(MaskKind::Account, "CONTOSO\\WS01$").split('\\').nth(1).unwrap(),
        format!("{}$", m.mask(MaskKind::Host, "WS01"))
    );
    assert_eq!(
        m.mask(MaskKind::Account, "NT AUTHORITY\\SYSTEM"),
        "NT AUTHORITY\\SYSTEM"
    );
    let sid = m.mask(MaskKind::Sid, "S-1-5-21-996632719-2361334927-4038480536-500");
    assert!(
        sid.starts_with("S-1-5-21-") && sid.ends_with("-500") && !sid.contains("996632719"),
        "{sid}"
    );
    assert_eq!(m.mask(MaskKind::Sid, "S-1-5-18"), "S-1-5-18");
    let email = m.mask(MaskKind::Email, "alice@contoso.com");
    assert!(
        email.starts_with("user-") && email.ends_with(".com") && !email.contains("alice"),
        "{email}"
    );
    assert_eq!(
        email.split('@').next(),
        Some(m.mask(MaskKind::Account, "CONTOSO\\Alice").split('\\').nth(1).unwrap())
    );
    let guid = m.mask(MaskKind::Guid, "{52B1AB41-869E-4138-9E40-2A4457F09BF0}");
    assert!(GUID.is_match(&guid) && guid.starts_with('{') && guid != "{52B1AB41-869E-4138-9E40-2A4457F09BF0}");
    assert_eq!(
        m.mask(MaskKind::Ip, "['10.0.3.5', '13.67.143.117']")
            .matches('.')
            .count(),
        6
    );
    assert_ne!(
        Masker::new(b"other").mask(MaskKind::Host, "WS01"),
        m.mask(MaskKind::Host, "WS01")
    );
}

//! IP address classes, as msticpy's `get_ip_type` reports them.
//!
//! msticpy asks Python's `ipaddress` a fixed sequence of questions — multicast, global,
//! loopback, link-local, unspecified, private, reserved — and returns the first that is
//! true. We ask the same questions in the same order over the IANA special-purpose tables
//! that CPython 3.13 uses, so analysts get the answers they know from msticpy.
//!
//! Two deliberate differences, both because msticpy's answer hides information:
//! - A string that is not an IP address is [`IpClass::Invalid`]; msticpy calls it
//!   "Unspecified", which cannot be told apart from `0.0.0.0`.
//! - An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is classified by the IPv4 address it
//!   carries, as CPython 3.13 does; older Pythons call every mapped address "Private".

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpClass {
    Public,
    Private,
    Loopback,
    Multicast,
    LinkLocal,
    Reserved,
    Unspecified,
    Invalid,
}

impl IpClass {
    pub fn as_str(self) -> &'static str {
        match self {
            IpClass::Public => "Public",
            IpClass::Private => "Private",
            IpClass::Loopback => "Loopback",
            IpClass::Multicast => "Multicast",
            IpClass::LinkLocal => "Link Local",
            IpClass::Reserved => "Reserved",
            IpClass::Unspecified => "Unspecified",
            IpClass::Invalid => "Invalid",
        }
    }
}

impl fmt::Display for IpClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses `text` (surrounding white space allowed) and classifies it.
pub fn classify_str(text: &str) -> Result<IpClass> {
    let trimmed = text.trim();
    trimmed
        .parse::<IpAddr>()
        .map(classify)
        .map_err(|_| Error::InvalidIp(trimmed.to_string()))
}

/// Like [`classify_str`], but an unparsable string is [`IpClass::Invalid`] — the form
/// used when classifying a whole column, where one bad value must not stop the rest.
pub fn classify_lenient(text: &str) -> IpClass {
    classify_str(text).unwrap_or(IpClass::Invalid)
}

pub fn classify(ip: IpAddr) -> IpClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => classify_v4(v4),
            None => classify_v6(v6),
        },
    }
}

fn classify_v4(ip: Ipv4Addr) -> IpClass {
    let private = is_private_v4(ip);
    // CPython: is_global = not in 100.64.0.0/10 (shared address space) and not private.
    let global = !in_v4(ip, [100, 64, 0, 0], 10) && !private;
    first_class(Questions {
        multicast: in_v4(ip, [224, 0, 0, 0], 4),
        global,
        loopback: in_v4(ip, [127, 0, 0, 0], 8),
        link_local: in_v4(ip, [169, 254, 0, 0], 16),
        unspecified: ip == Ipv4Addr::UNSPECIFIED,
        private,
        reserved: in_v4(ip, [240, 0, 0, 0], 4),
    })
}

fn classify_v6(ip: Ipv6Addr) -> IpClass {
    let private = is_private_v6(ip);
    first_class(Questions {
        multicast: ip.segments()[0] & 0xff00 == 0xff00,
        global: !private,
        loopback: ip == Ipv6Addr::LOCALHOST,
        link_local: in_v6(ip, 0xfe80, 0, 10),
        unspecified: ip == Ipv6Addr::UNSPECIFIED,
        private,
        reserved: V6_RESERVED.iter().any(|&(first, prefix)| in_v6(ip, first, 0, prefix)),
    })
}

/// The answers to msticpy's questions, asked in its order.
struct Questions {
    multicast: bool,
    global: bool,
    loopback: bool,
    link_local: bool,
    unspecified: bool,
    private: bool,
    reserved: bool,
}

fn first_class(q: Questions) -> IpClass {
    if q.multicast {
        IpClass::Multicast
    } else if q.global {
        IpClass::Public
    } else if q.loopback {
        IpClass::Loopback
    } else if q.link_local {
        IpClass::LinkLocal
    } else if q.unspecified {
        IpClass::Unspecified
    } else if q.private {
        IpClass::Private
    } else if q.reserved {
        IpClass::Reserved
    } else {
        // msticpy's fall-through: addresses that are neither global nor in any named
        // class (100.64.0.0/10, shared address space) are reported as "Unspecified".
        IpClass::Unspecified
    }
}

/// IANA IPv4 special-purpose networks that CPython counts as private.
const V4_PRIVATE: &[([u8; 4], u8)] = &[
    ([0, 0, 0, 0], 8),
    ([10, 0, 0, 0], 8),
    ([127, 0, 0, 0], 8),
    ([169, 254, 0, 0], 16),
    ([172, 16, 0, 0], 12),
    ([192, 0, 0, 0], 24),
    ([192, 0, 2, 0], 24),
    ([192, 168, 0, 0], 16),
    ([198, 18, 0, 0], 15),
    ([198, 51, 100, 0], 24),
    ([203, 0, 113, 0], 24),
    ([240, 0, 0, 0], 4),
    ([255, 255, 255, 255], 32),
];
/// Globally reachable exceptions inside 192.0.0.0/24 (PCP and TURN anycast).
const V4_PRIVATE_EXCEPTIONS: &[[u8; 4]] = &[[192, 0, 0, 9], [192, 0, 0, 10]];

fn is_private_v4(ip: Ipv4Addr) -> bool {
    V4_PRIVATE.iter().any(|&(net, len)| in_v4(ip, net, len)) && !V4_PRIVATE_EXCEPTIONS.contains(&ip.octets())
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u8) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix))
    };
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

/// IANA IPv6 special-purpose networks that CPython counts as private, as
/// (first 16-bit group, second group, prefix length).
const V6_PRIVATE: &[(u16, u16, u8)] = &[
    (0x0064, 0xff9b, 48), // 64:ff9b:1::/48, checked with the third group below
    (0x0100, 0, 64),
    (0x2001, 0, 23),
    (0x2001, 0x0db8, 32),
    (0x2002, 0, 16),
    (0x3fff, 0, 20),
    (0xfc00, 0, 7),
    (0xfe80, 0, 10),
];

fn is_private_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    if ip == Ipv6Addr::LOCALHOST || ip == Ipv6Addr::UNSPECIFIED {
        return true;
    }
    let listed = V6_PRIVATE.iter().any(|&(a, b, prefix)| {
        if prefix == 48 {
            s[0] == a && s[1] == b && s[2] == 0x0001
        } else {
            in_v6(ip, a, b, prefix)
        }
    });
    // Globally reachable exceptions inside 2001::/23.
    let exception = (s[0] == 0x2001 && s[1] == 0x0001 && s[2..7] == [0; 5] && (s[7] == 1 || s[7] == 2))
        || in_v6(ip, 0x2001, 0x0003, 32)
        || (s[0] == 0x2001 && s[1] == 0x0004 && s[2] == 0x0112)
        || in_v6(ip, 0x2001, 0x0020, 28)
        || in_v6(ip, 0x2001, 0x0030, 28);
    listed && !exception
}

/// IPv6 networks IANA reserves, as (first group, prefix length).
const V6_RESERVED: &[(u16, u8)] = &[
    (0x0000, 8),
    (0x0100, 8),
    (0x0200, 7),
    (0x0400, 6),
    (0x0800, 5),
    (0x1000, 4),
    (0x4000, 3),
    (0x6000, 3),
    (0x8000, 3),
    (0xa000, 3),
    (0xc000, 3),
    (0xe000, 4),
    (0xf000, 5),
    (0xf800, 6),
    (0xfe00, 9),
];

/// Whether `ip` lies in the network that starts with the groups `first:second::`.
fn in_v6(ip: Ipv6Addr, first: u16, second: u16, prefix: u8) -> bool {
    let net = u128::from(first) << 112 | u128::from(second) << 96;
    let mask = if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(prefix))
    };
    u128::from(ip) & mask == net & mask
}

/// The name of the column [`classify_column`] adds.
pub const IP_TYPE_COLUMN: &str = "IpType";

/// Adds an [`IP_TYPE_COLUMN`] with the class of each value of `column`. Values that are
/// not IP addresses are classed "Invalid" and counted in a warning; nulls stay null.
pub fn classify_column(
    df: &polars::prelude::DataFrame,
    column: &str,
) -> Result<crate::frame::Warned<polars::prelude::DataFrame>> {
    use polars::prelude::*;
    let text = crate::frame::text_column(df, column)?;
    let mut invalid = 0usize;
    let classes: Vec<Option<&'static str>> = text
        .iter()
        .map(|value| {
            value.map(|v| {
                let class = classify_lenient(v);
                invalid += usize::from(class == IpClass::Invalid);
                class.as_str()
            })
        })
        .collect();
    let mut out = df.clone();
    out.with_column(Column::new(IP_TYPE_COLUMN.into(), classes))?;
    let mut warnings = Vec::new();
    if invalid > 0 {
        warnings.push(format!(
            "{invalid} value(s) in column {column:?} are not IP addresses; their {IP_TYPE_COLUMN} is \"Invalid\""
        ));
    }
    Ok(crate::frame::Warned { value: out, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(ip: &str, expected: &str) {
        assert_eq!(classify_str(ip).unwrap().as_str(), expected, "{ip}");
    }

    // Expected classes are what Python 3.13's ipaddress gives through msticpy's
    // get_ip_type question order.
    #[test]
    fn ipv4_classes_match_msticpy() {
        check("8.8.8.8", "Public");
        check("1.1.1.1", "Public");
        check("10.1.2.3", "Private");
        check("172.16.0.1", "Private");
        check("172.32.0.1", "Public");
        check("192.168.1.1", "Private");
        check("127.0.0.1", "Loopback");
        check("169.254.10.10", "Link Local");
        check("224.0.0.251", "Multicast");
        check("239.255.255.250", "Multicast");
        check("0.0.0.0", "Unspecified");
        check("0.1.2.3", "Private");
        check("240.0.0.1", "Private");
        check("255.255.255.255", "Private");
        check("192.0.2.5", "Private");
        check("192.0.0.9", "Public");
        check("100.64.0.1", "Unspecified");
        check(" 8.8.4.4 ", "Public");
    }

    #[test]
    fn ipv6_classes_match_msticpy() {
        check("2001:4860:4860::8888", "Public");
        check("::1", "Loopback");
        check("::", "Unspecified");
        check("fe80::1", "Link Local");
        check("ff02::1", "Multicast");
        check("fd00::1", "Private");
        check("2001:db8::1", "Private");
        check("2001:1::1", "Public");
        check("2001:20::1", "Public");
        check("::ffff:10.0.0.1", "Private");
        check("::ffff:8.8.8.8", "Public");
        check("64:ff9b:1::1", "Private");
    }

    #[test]
    fn invalid_strings_are_named() {
        let err = classify_str("not-an-ip").unwrap_err();
        assert_eq!(err.to_string(), "\"not-an-ip\" is not an IP address");
        assert_eq!(classify_lenient("999.1.1.1"), IpClass::Invalid);
    }
}

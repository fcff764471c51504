//! Pseudonyms for sharing a frame (`%mask`, msticpy's `data_obfus`): user names, host
//! names, domains, IP addresses, e-mail addresses, SIDs and GUIDs replaced by stable
//! pseudonyms that keep what an analyst reads from them.
//!
//! Every pseudonym is a keyed hash (SHA-256 over a secret key, the kind and the value): the
//! same value gives the same pseudonym under one key, so masked frames still join; without
//! the key a dictionary of likely names cannot be hashed to undo them. Structure is kept:
//! - an IPv4 address keeps its class (a private address stays private, in its own private
//!   block; a public one stays public) and its /24: two addresses in one /24 land in one
//!   masked /24, and different addresses stay different (keyed permutations — Feistel
//!   networks, cycle-walked for public space — not hashes). IPv6 keeps its class, its
//!   first 16 bits (32 when it is not public) and its /64 grouping. Addresses inside a longer text (`['10.0.3.5', '13.67.143.117']`)
//!   are masked where they stand.
//! - `DOMAIN\user`, `user@domain` and `HOST$` keep their shape; the user part is masked
//!   alike wherever it appears, and a machine account `WS01$` masks as the host `WS01`
//!   does, so accounts and computers still join.
//! - a host's first label is masked, its domain label by label; a domain keeps its public
//!   suffix (`.com`, `.co.uk`).
//! - a SID keeps its authority and its last part (the RID: 500 stays the administrator);
//!   the domain's identifier is masked.
//!
//! Left as they are, because they identify no one: empty values, `-`, the well-known
//! accounts (SYSTEM, LOCAL SERVICE, NETWORK SERVICE, ANONYMOUS LOGON, DWM-n, UMFD-n …),
//! well-known SIDs (those that are not `S-1-5-21-…`), `0.0.0.0`, `255.255.255.255`, `::`
//! and `::1`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use regex::Regex;
use sha2::{Digest, Sha256};

use crate::ip::{IpClass, classify};

mod frame;
#[cfg(test)]
mod tests;

pub use frame::{Masked, mask_frame};

/// What a column holds, which decides how its values are masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MaskKind {
    Ip,
    Account,
    Host,
    Domain,
    Email,
    Sid,
    Guid,
    /// Any other text: replaced whole.
    Text,
}

impl MaskKind {
    pub const NAMES: &[&str] = &["ip", "account", "host", "domain", "email", "sid", "guid", "text"];

    pub fn named(name: &str) -> Option<MaskKind> {
        Some(match name.to_ascii_lowercase().as_str() {
            "ip" => MaskKind::Ip,
            "account" | "user" => MaskKind::Account,
            "host" => MaskKind::Host,
            "domain" => MaskKind::Domain,
            "email" => MaskKind::Email,
            "sid" => MaskKind::Sid,
            "guid" => MaskKind::Guid,
            "text" => MaskKind::Text,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        MaskKind::NAMES[self as usize]
    }
}

static IPV4: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b(?:\d{1,3}\.){3}\d{1,3}\b").expect("a valid pattern"));
static SID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^S-1-\d+(?:-\d+)+$").expect("a valid pattern"));
static GUID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$")
        .expect("a valid pattern")
});
static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[^@\s]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$").expect("a valid pattern"));

const WELL_KNOWN: &[&str] = &[
    "system",
    "local service",
    "network service",
    "anonymous logon",
    "nt authority",
    "window manager",
    "font driver host",
    "localsystem",
    "administrators",
    "users",
];

/// The kind of a column, by its name, else by its values (`sample`: some of them).
pub fn kind_of(name: &str, sample: &[&str]) -> Option<MaskKind> {
    let n = name.to_ascii_lowercase();
    let by_name = if n.ends_with("sid") {
        Some(MaskKind::Sid)
    } else if n.contains("email") || n.contains("upn") || n.contains("userprincipalname") || n == "mail" {
        Some(MaskKind::Email)
    } else if n.contains("ip")
        && (n.ends_with("ip") || n.ends_with("ips") || n.contains("ipaddress") || n.starts_with("ip"))
    {
        Some(MaskKind::Ip)
    } else if n.contains("domain") {
        Some(MaskKind::Domain)
    } else if ["account", "username", "user"].iter().any(|k| n.ends_with(k)) || n.contains("accountname") {
        Some(MaskKind::Account)
    } else if [
        "computer",
        "hostname",
        "host",
        "devicename",
        "vmname",
        "workstationname",
        "machinename",
    ]
    .iter()
    .any(|k| n.ends_with(k))
    {
        Some(MaskKind::Host)
    } else {
        None
    };
    if by_name.is_some() {
        return by_name;
    }
    let all = |f: &dyn Fn(&str) -> bool| !sample.is_empty() && sample.iter().all(|v| f(v));
    if all(&|v| v.trim().parse::<IpAddr>().is_ok()) {
        Some(MaskKind::Ip)
    } else if all(&|v| SID.is_match(v)) {
        Some(MaskKind::Sid)
    } else if all(&|v| GUID.is_match(v)) {
        Some(MaskKind::Guid)
    } else if all(&|v| EMAIL.is_match(v)) {
        Some(MaskKind::Email)
    } else {
        None
    }
}

/// 32 random bytes as hex: a fresh session key.
pub fn random_hex() -> String {
    [
        uuid::Uuid::new_v4().simple().to_string(),
        uuid::Uuid::new_v4().simple().to_string(),
    ]
    .concat()
}

/// Makes pseudonyms under one key.
pub struct Masker {
    key: [u8; 32],
}

impl Masker {
    /// A masker whose key is derived from `key` (the same key, the same pseudonyms).
    pub fn new(key: &[u8]) -> Masker {
        Masker {
            key: Sha256::digest(key).into(),
        }
    }

    /// A masker with a fresh random key.
    pub fn random() -> Masker {
        Masker::new(random_hex().as_bytes())
    }

    fn prf(&self, tag: &str, data: &[u8]) -> [u8; 32] {
        Sha256::new()
            .chain_update(self.key)
            .chain_update(tag.as_bytes())
            .chain_update([0])
            .chain_update(data)
            .finalize()
            .into()
    }

    fn hex(&self, tag: &str, data: &str, len: usize) -> String {
        self.prf(tag, data.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()[..len]
            .to_string()
    }

    /// A keyed permutation of `[0, 2^bits)` (`bits` even, at most 32): a 4-round Feistel network.
    fn permute(&self, tag: &str, bits: u32, x: u32) -> u32 {
        let half = bits / 2;
        let mask = (1u32 << half) - 1;
        let (mut l, mut r) = (x >> half, x & mask);
        for round in 0u8..4 {
            let f = self.prf(tag, &[&[round][..], &r.to_le_bytes()].concat());
            let f = u32::from_le_bytes([f[0], f[1], f[2], f[3]]) & mask;
            (l, r) = (r, l ^ f);
        }
        (l << half) | r
    }

    /// One value masked as `kind`.
    pub fn mask(&self, kind: MaskKind, value: &str) -> String {
        let v = value.trim();
        if v.is_empty() || v == "-" {
            return value.to_string();
        }
        match kind {
            MaskKind::Ip => self.ips_in(value),
            MaskKind::Account => self.account(v),
            MaskKind::Host => self.host(v),
            MaskKind::Domain => self.domain(v),
            MaskKind::Email => self.email(v),
            MaskKind::Sid => self.sid(v),
            MaskKind::Guid => self.guid(v),
            MaskKind::Text => format!("text-{}", self.hex("text", v, 12)),
        }
    }

    /// Every address in `text` masked where it stands.
    fn ips_in(&self, text: &str) -> String {
        if let Ok(ip) = text.trim().parse::<IpAddr>() {
            return self.ip(ip).to_string();
        }
        IPV4.replace_all(text, |c: &regex::Captures| match c[0].parse::<Ipv4Addr>() {
            Ok(ip) => self.ipv4(ip).to_string(),
            Err(_) => c[0].to_string(),
        })
        .into_owned()
    }

    pub fn ip(&self, ip: IpAddr) -> IpAddr {
        match ip {
            IpAddr::V4(v4) => IpAddr::V4(self.ipv4(v4)),
            IpAddr::V6(v6) => IpAddr::V6(self.ipv6(v6)),
        }
    }

    fn ipv4(&self, ip: Ipv4Addr) -> Ipv4Addr {
        let n = u32::from(ip);
        if n == 0 || n == u32::MAX {
            return ip;
        }
        let (prefix, last) = (n >> 8, n & 0xff);
        // Blocks of their own class: the bits under the block's prefix are permuted.
        const BLOCKS: &[(u32, u32)] = &[
            (0x0a00_0000, 8),  // 10/8
            (0xac10_0000, 12), // 172.16/12
            (0xc0a8_0000, 16), // 192.168/16
            (0x7f00_0000, 8),  // 127/8
            (0xa9fe_0000, 16), // 169.254/16
            (0x6440_0000, 10), // 100.64/10
            (0xe000_0000, 4),  // 224/4
            (0xf000_0000, 4),  // 240/4
        ];
        let masked_prefix = if let Some(&(base, len)) = BLOCKS.iter().find(|(b, l)| n >> (32 - l) == b >> (32 - l)) {
            let bits = 24 - len;
            let free = prefix & ((1 << bits) - 1);
            let tag = format!("v4/{len}");
            // Every block's free width is even (16, 12, 8, 14, 20 bits).
            (base >> 8) | self.permute(&tag, bits, free)
        } else if classify(IpAddr::V4(ip)) == IpClass::Public {
            // Public space: cycle-walk a permutation of every /24 until it is public again.
            let public = |p: u32| {
                let candidate = Ipv4Addr::from((p << 8) | 1);
                classify(IpAddr::V4(candidate)) == IpClass::Public
                    && !BLOCKS
                        .iter()
                        .any(|(b, l)| u32::from(candidate) >> (32 - l) == b >> (32 - l))
            };
            let mut p = self.permute("v4/public", 24, prefix);
            while !public(p) {
                p = self.permute("v4/public", 24, p);
            }
            p
        } else {
            // A small special block (TEST-NET and kin): its /24 is kept.
            prefix
        };
        let host = self.permute(&format!("v4host/{prefix}"), 8, last);
        Ipv4Addr::from((masked_prefix << 8) | host)
    }

    fn ipv6(&self, ip: Ipv6Addr) -> Ipv6Addr {
        if ip.is_unspecified() || ip.is_loopback() {
            return ip;
        }
        if let Some(v4) = ip.to_ipv4_mapped() {
            return self.ipv4(v4).to_ipv6_mapped();
        }
        let s = ip.segments();
        let class = classify(IpAddr::V6(ip));
        let prefix: String = s[..4].iter().map(|x| format!("{x:04x}")).collect();
        let h = self.prf("v6/iid", format!("{prefix}/{ip}").as_bytes());
        let word = |b: &[u8; 32], i: usize| u16::from_be_bytes([b[2 * i], b[2 * i + 1]]);
        let iid = [word(&h, 0), word(&h, 1), word(&h, 2), word(&h, 3)];
        // The /64 is masked keeping the first 16 bits (32 for addresses that are not
        // public: documentation, ULA, link-local blocks), drawn again until the class is
        // the original's; the same /64 always draws the same.
        let kept = if class == IpClass::Public { 1 } else { 2 };
        for attempt in 0u8..64 {
            let p = self.prf("v6/64", format!("{prefix}/{attempt}").as_bytes());
            let mut seg = [0u16; 8];
            seg[..kept].copy_from_slice(&s[..kept]);
            for (i, x) in seg.iter_mut().enumerate().take(4).skip(kept) {
                *x = word(&p, i);
            }
            seg[4..].copy_from_slice(&iid);
            let candidate = Ipv6Addr::from(seg);
            if classify(IpAddr::V6(candidate)) == class {
                return candidate;
            }
        }
        // A class too narrow to draw into: the /64 is kept, the interface masked.
        let mut seg = s;
        seg[4..].copy_from_slice(&iid);
        Ipv6Addr::from(seg)
    }

    fn user(&self, user: &str) -> String {
        let lower = user.to_lowercase();
        if WELL_KNOWN.contains(&lower.as_str()) || lower.starts_with("dwm-") || lower.starts_with("umfd-") {
            return user.to_string();
        }
        if let Some(machine) = user.strip_suffix('$') {
            return format!("{}$", self.host_label(machine));
        }
        format!("user-{}", self.hex("user", &lower, 8))
    }

    fn account(&self, v: &str) -> String {
        if let Some((domain, user)) = v.split_once('\\') {
            return format!("{}\\{}", self.netbios(domain), self.user(user));
        }
        if v.contains('@') {
            return self.email(v);
        }
        self.user(v)
    }

    fn netbios(&self, domain: &str) -> String {
        let lower = domain.to_lowercase();
        if WELL_KNOWN.contains(&lower.as_str()) || lower == "workgroup" {
            return domain.to_string();
        }
        format!("DOM-{}", self.hex("netbios", &domain.to_uppercase(), 6).to_uppercase())
    }

    fn host_label(&self, label: &str) -> String {
        format!("host-{}", self.hex("host", &label.to_lowercase(), 6))
    }

    fn host(&self, v: &str) -> String {
        match v.split_once('.') {
            Some((first, rest)) if v.parse::<IpAddr>().is_err() => {
                format!("{}.{}", self.host_label(first), self.domain(rest))
            }
            _ if v.parse::<IpAddr>().is_ok() => self.ips_in(v),
            _ => self.host_label(v),
        }
    }

    fn domain(&self, v: &str) -> String {
        if !v.contains('.') {
            // A NetBIOS domain, as in DOMAIN\user.
            return self.netbios(v);
        }
        let lower = v.to_lowercase();
        let suffix = psl::suffix(lower.as_bytes())
            .filter(|s| s.is_known())
            .map(|s| String::from_utf8_lossy(s.as_bytes()).into_owned())
            .filter(|s| s.len() < lower.len());
        let (labels, kept) = match &suffix {
            Some(s) => (&lower[..lower.len() - s.len() - 1], Some(s.as_str())),
            None => (lower.as_str(), None),
        };
        let mut out: Vec<String> = labels
            .split('.')
            .map(|l| format!("d{}", self.hex("label", l, 6)))
            .collect();
        out.extend(kept.map(str::to_string));
        out.join(".")
    }

    fn email(&self, v: &str) -> String {
        match v.rsplit_once('@') {
            Some((user, domain)) => format!("{}@{}", self.user(user), self.domain(domain)),
            None => self.user(v),
        }
    }

    fn sid(&self, v: &str) -> String {
        let Some(rest) = v.strip_prefix("S-1-5-21-") else {
            return v.to_string();
        };
        let parts: Vec<&str> = rest.split('-').collect();
        let (domain, rid) = match parts.as_slice() {
            [a, b, c, rid @ ..] => (format!("{a}-{b}-{c}"), rid.join("-")),
            _ => (rest.to_string(), String::new()),
        };
        let h = self.prf("sid", domain.as_bytes());
        let n = |i: usize| u32::from_le_bytes([h[4 * i], h[4 * i + 1], h[4 * i + 2], h[4 * i + 3]]);
        let masked = format!("S-1-5-21-{}-{}-{}", n(0), n(1), n(2));
        if rid.is_empty() {
            masked
        } else {
            format!("{masked}-{rid}")
        }
    }

    fn guid(&self, v: &str) -> String {
        let h = self.hex("guid", v.to_lowercase().trim_matches(['{', '}']), 32);
        let g = format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32]);
        let g = if v.chars().any(|c| c.is_ascii_uppercase()) {
            g.to_uppercase()
        } else {
            g
        };
        if v.starts_with('{') { format!("{{{g}}}") } else { g }
    }
}

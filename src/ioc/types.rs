//! The indicator types and their names, priorities and defaults.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IocType {
    Url,
    Ipv4,
    Ipv6,
    Email,
    Md5,
    Sha1,
    Sha256,
    Sha512,
    Cve,
    Mac,
    Asn,
    Bitcoin,
    Dns,
    RegistryKey,
    WindowsPath,
    LinuxPath,
}

impl IocType {
    pub const ALL: [IocType; 16] = [
        IocType::Url,
        IocType::Ipv4,
        IocType::Ipv6,
        IocType::Email,
        IocType::Md5,
        IocType::Sha1,
        IocType::Sha256,
        IocType::Sha512,
        IocType::Cve,
        IocType::Mac,
        IocType::Asn,
        IocType::Bitcoin,
        IocType::Dns,
        IocType::RegistryKey,
        IocType::WindowsPath,
        IocType::LinuxPath,
    ];

    /// The names msticpy uses, where it has the type.
    pub fn name(self) -> &'static str {
        match self {
            IocType::Url => "url",
            IocType::Ipv4 => "ipv4",
            IocType::Ipv6 => "ipv6",
            IocType::Email => "email",
            IocType::Md5 => "md5_hash",
            IocType::Sha1 => "sha1_hash",
            IocType::Sha256 => "sha256_hash",
            IocType::Sha512 => "sha512_hash",
            IocType::Cve => "cve",
            IocType::Mac => "mac_address",
            IocType::Asn => "asn",
            IocType::Bitcoin => "bitcoin_address",
            IocType::Dns => "dns",
            IocType::RegistryKey => "registry_key",
            IocType::WindowsPath => "windows_path",
            IocType::LinuxPath => "linux_path",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        let name = name.trim().to_ascii_lowercase();
        let alias = match name.as_str() {
            "md5" => "md5_hash",
            "sha1" => "sha1_hash",
            "sha256" => "sha256_hash",
            "sha512" => "sha512_hash",
            "mac" => "mac_address",
            "bitcoin" | "btc" => "bitcoin_address",
            "domain" => "dns",
            "regkey" => "registry_key",
            other => other,
        };
        IocType::ALL.into_iter().find(|t| t.name() == alias)
    }

    /// Whether the search for this type runs only over the lines whose bytes allow it (see
    /// [`Traits`]). The others find where to look by a search of their own (a SIMD byte
    /// search, or a regex with a literal its engine searches for), which costs less than
    /// sorting lines first.
    pub(super) fn gated(self) -> bool {
        matches!(self, IocType::WindowsPath | IocType::LinuxPath)
    }

    /// Compiles the regexes this type's search uses, if not yet done in this process.
    pub(super) fn compile(self) {
        let regex: Option<&LazyLock<Regex>> = match self {
            IocType::Ipv6 => Some(&IPV6),
            IocType::Email => Some(&EMAIL),
            IocType::Mac => Some(&MAC),
            IocType::Dns => Some(&DNS),
            IocType::WindowsPath => Some(&WINDOWS_PATH),
            IocType::LinuxPath => Some(&LINUX_PATH),
            _ => None,
        };
        if let Some(regex) = regex {
            LazyLock::force(regex);
        }
    }

    pub(super) fn is_hash(self) -> bool {
        matches!(self, IocType::Md5 | IocType::Sha1 | IocType::Sha256 | IocType::Sha512)
    }

    /// msticpy's priorities: where one piece of text matches several types, the lowest wins.
    pub(super) fn priority(self) -> u8 {
        match self {
            IocType::Url | IocType::Ipv4 | IocType::Ipv6 => 0,
            IocType::Email
            | IocType::Md5
            | IocType::Sha1
            | IocType::Sha256
            | IocType::Sha512
            | IocType::Cve
            | IocType::Mac
            | IocType::Asn
            | IocType::Bitcoin => 1,
            IocType::Dns | IocType::RegistryKey => 2,
            IocType::WindowsPath => 3,
            IocType::LinuxPath => 4,
        }
    }

    /// The types searched when none are named: paths only on request, as msticpy's
    /// DataFrame API does, because paths are noisy in command lines.
    pub fn default_set(include_paths: bool) -> Vec<IocType> {
        IocType::ALL
            .into_iter()
            .filter(|t| include_paths || !matches!(t, IocType::WindowsPath | IocType::LinuxPath))
            .collect()
    }
}

impl fmt::Display for IocType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

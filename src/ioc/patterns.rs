//! The patterns extraction still runs as regexes: inside runs a scanner found (IPv6, MAC,
//! DNS names that are not simple), over the whole text where the engine searches for a
//! literal itself (e-mail's `@`), or over the lines the path gate lets through.

use super::*;

pub(super) static IPV6: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:]*:[0-9A-Fa-f]{0,4}(?:\.[0-9]{1,3}){0,3}").unwrap());
pub(super) static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[a-z0-9](?:[a-z0-9._%+-]{0,62}[a-z0-9_%+-])?@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}")
        .unwrap()
});
pub(super) static MAC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[0-9A-Fa-f]{2}(?:([:-])[0-9A-Fa-f]{2})(?:[:-][0-9A-Fa-f]{2}){4}").unwrap());
pub(super) static DNS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i-u)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.){1,126}(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})").unwrap()
});
pub(super) static WINDOWS_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)(?:(?-u:\b)[a-z]:|\\\\[a-z0-9_.$-]+|%[a-z_]+%)(?:\\[^\\/:*?"<>|\r\n\t `]+)+"#).unwrap()
});
pub(super) static LINUX_PATH: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?:/[A-Za-z0-9_.~+-]+){2,}/?").unwrap());

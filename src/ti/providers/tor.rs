//! Tor: its request and how its answer is read.

use super::*;

pub struct Tor;

static TOR: Info = Info {
    name: "tor",
    title: "Tor exit nodes (Tor Project exit list)",
    base_url: "https://check.torproject.org",
    auth: Auth::None,
    kinds: &[(IocType::Ipv4, &[]), (IocType::Ipv6, &[])],
    rate: "10/min",
};

impl Provider for Tor {
    fn info(&self) -> &'static Info {
        &TOR
    }
    fn bulk(&self) -> bool {
        true
    }
    fn request(&self, _q: &Query, _key: Option<&str>) -> Request {
        Request {
            method: Method::Get,
            path: "/exit-addresses".into(),
            headers: Vec::new(),
            form: Vec::new(),
        }
    }
    /// The body is the Tor Project's exit list: `ExitAddress IP DATE TIME` lines among
    /// the relay records (a bare list of addresses, one per line, is read too).
    fn read(&self, q: &Query, body: &str) -> Result<Verdict, String> {
        let mut seen = None;
        let mut any = false;
        for line in body.lines() {
            let mut parts = line.split_whitespace();
            let (ip, when) = match parts.next() {
                Some("ExitAddress") => (parts.next(), parts.collect::<Vec<_>>().join(" ")),
                Some(first) if first.parse::<std::net::IpAddr>().is_ok() => (Some(first), String::new()),
                _ => continue,
            };
            any = true;
            if ip == Some(q.ioc.as_str()) {
                seen = Some(when);
            }
        }
        if !any {
            return Err("the exit list holds no addresses".into());
        }
        let page = format!("https://metrics.torproject.org/rs.html#search/{}", encode(&q.ioc));
        Ok(match seen {
            Some(when) => {
                Verdict::new(true, Severity::Warning, json!({"exit_node": true, "last_seen": when})).see(page)
            }
            None => Verdict::new(false, Severity::Information, json!({"exit_node": false})),
        })
    }
}

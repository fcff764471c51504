//! Otx: its request and how its answer is read.

use super::*;

pub struct Otx;

impl Otx {
    fn section(kind: IocType) -> &'static str {
        match kind {
            IocType::Ipv4 => "IPv4",
            IocType::Ipv6 => "IPv6",
            IocType::Dns => "domain",
            IocType::Url => "url",
            _ => "file",
        }
    }
}

static OTX: Info = Info {
    name: "otx",
    title: "AlienVault OTX",
    base_url: "https://otx.alienvault.com",
    auth: Auth::Required,
    kinds: &[
        (IocType::Ipv4, &["passivedns", "geo"]),
        (IocType::Ipv6, &["passivedns", "geo"]),
        (IocType::Dns, &["passivedns", "geo"]),
        (IocType::Url, &[]),
        (IocType::Md5, &[]),
        (IocType::Sha1, &[]),
        (IocType::Sha256, &[]),
    ],
    rate: "10000/hour",
};

impl Provider for Otx {
    fn info(&self) -> &'static Info {
        &OTX
    }
    fn request(&self, q: &Query, key: Option<&str>) -> Request {
        let section = match q.subtype.as_deref() {
            Some("passivedns") => "passive_dns",
            Some("geo") => "geo",
            _ => "general",
        };
        Request {
            method: Method::Get,
            path: format!(
                "/api/v1/indicators/{}/{}/{section}",
                Self::section(q.kind),
                encode(&q.ioc)
            ),
            headers: key.map(|k| vec![("X-OTX-API-KEY", k.to_string())]).unwrap_or_default(),
            form: Vec::new(),
        }
    }
    fn read(&self, q: &Query, body: &str) -> Result<Verdict, String> {
        let v = json(body)?;
        let page = format!(
            "https://otx.alienvault.com/indicator/{}/{}",
            match q.kind {
                IocType::Ipv4 => "ip",
                IocType::Ipv6 => "ip",
                IocType::Dns => "domain",
                IocType::Url => "url",
                _ => "file",
            },
            encode(&q.ioc)
        );
        match q.subtype.as_deref() {
            Some("passivedns") => {
                let list = v
                    .get("passive_dns")
                    .and_then(Value::as_array)
                    .ok_or("the answer has no \"passive_dns\" list")?;
                let names: Vec<&str> = list
                    .iter()
                    .filter_map(|r| {
                        let other = if matches!(q.kind, IocType::Dns) {
                            "address"
                        } else {
                            "hostname"
                        };
                        r.get(other)?.as_str()
                    })
                    .collect();
                Ok(Verdict::new(
                    !list.is_empty(),
                    Severity::Information,
                    json!({"records": list.len(), "names": names}),
                )
                .see(page))
            }
            Some("geo") => Ok(Verdict::new(true, Severity::Information, v).see(page)),
            _ => {
                let pulses = v
                    .get("pulse_info")
                    .and_then(|p| p.get("pulses"))
                    .and_then(Value::as_array)
                    .ok_or("the answer has no \"pulse_info.pulses\" list")?;
                let count = pulses.len();
                let severity = match count {
                    0 => Severity::Information,
                    1 => Severity::Warning,
                    _ => Severity::High,
                };
                let names: Vec<&str> = pulses.iter().filter_map(|p| p.get("name")?.as_str()).collect();
                let mut tags: Vec<&str> = pulses
                    .iter()
                    .flat_map(|p| p.get("tags").and_then(Value::as_array).into_iter().flatten())
                    .filter_map(Value::as_str)
                    .collect();
                tags.sort_unstable();
                tags.dedup();
                let references: Vec<&str> = pulses
                    .iter()
                    .flat_map(|p| p.get("references").and_then(Value::as_array).into_iter().flatten())
                    .filter_map(Value::as_str)
                    .collect();
                Ok(Verdict::new(
                    count > 0,
                    severity,
                    json!({"pulse_count": count, "pulses": names, "tags": tags, "references": references}),
                )
                .see(page))
            }
        }
    }
}

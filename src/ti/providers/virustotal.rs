//! VirusTotal: its request and how its answer is read.

use super::*;

pub struct VirusTotal;

impl VirusTotal {
    fn collection(kind: IocType) -> &'static str {
        match kind {
            IocType::Ipv4 | IocType::Ipv6 => "ip_addresses",
            IocType::Dns => "domains",
            IocType::Url => "urls",
            _ => "files",
        }
    }

    fn id(q: &Query) -> String {
        match q.kind {
            // VT's URL identifier: the URL in unpadded URL-safe Base64.
            IocType::Url => base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(q.ioc.as_bytes()),
            _ => encode(&q.ioc),
        }
    }

    fn gui(q: &Query) -> String {
        let what = match q.kind {
            IocType::Ipv4 | IocType::Ipv6 => format!("ip-address/{}", q.ioc),
            IocType::Dns => format!("domain/{}", q.ioc),
            IocType::Url => format!("search/{}", encode(&q.ioc)),
            _ => format!("file/{}", q.ioc),
        };
        format!("https://www.virustotal.com/gui/{what}")
    }
}

static VIRUSTOTAL: Info = Info {
    name: "virustotal",
    title: "VirusTotal (API v3)",
    base_url: "https://www.virustotal.com",
    auth: Auth::Required,
    kinds: &[
        (IocType::Ipv4, &["passivedns"]),
        (IocType::Ipv6, &[]),
        (IocType::Dns, &["passivedns"]),
        (IocType::Url, &[]),
        (IocType::Md5, &[]),
        (IocType::Sha1, &[]),
        (IocType::Sha256, &[]),
    ],
    // The public API's documented quota.
    rate: "4/min",
};

impl Provider for VirusTotal {
    fn info(&self) -> &'static Info {
        &VIRUSTOTAL
    }
    fn request(&self, q: &Query, key: Option<&str>) -> Request {
        let mut path = format!("/api/v3/{}/{}", Self::collection(q.kind), Self::id(q));
        if q.subtype.as_deref() == Some("passivedns") {
            path.push_str("/resolutions");
        }
        Request {
            method: Method::Get,
            path,
            headers: key.map(|k| vec![("x-apikey", k.to_string())]).unwrap_or_default(),
            form: Vec::new(),
        }
    }
    fn read(&self, q: &Query, body: &str) -> Result<Verdict, String> {
        let v = json(body)?;
        let data = v.get("data").ok_or("the answer has no \"data\" member")?;
        if q.subtype.as_deref() == Some("passivedns") {
            let list = data.as_array().ok_or("\"data\" is not a list of resolutions")?;
            let names: Vec<&str> = list
                .iter()
                .filter_map(|r| {
                    let a = r.get("attributes")?;
                    a.get("host_name").or_else(|| a.get("ip_address"))?.as_str()
                })
                .collect();
            return Ok(Verdict::new(
                !names.is_empty(),
                Severity::Information,
                json!({"resolutions": names.len(), "names": names}),
            )
            .see(Self::gui(q)));
        }
        let a = data.get("attributes").ok_or("the answer has no \"data.attributes\"")?;
        let mut details = json!({});
        let severity = match a.get("last_analysis_stats") {
            Some(stats) => {
                let malicious = int(stats, "malicious");
                let suspicious = int(stats, "suspicious");
                for k in ["malicious", "suspicious", "harmless", "undetected"] {
                    details[k] = json!(int(stats, k));
                }
                if malicious >= 3 {
                    Severity::High
                } else if malicious + suspicious > 0 {
                    Severity::Warning
                } else {
                    Severity::Information
                }
            }
            None => Severity::Information,
        };
        copy_present(
            a,
            &[
                "reputation",
                "total_votes",
                "as_owner",
                "asn",
                "country",
                "network",
                "categories",
                "meaningful_name",
                "type_description",
                "last_final_url",
                "tags",
            ],
            &mut details,
        );
        Ok(Verdict::new(true, severity, details).see(Self::gui(q)))
    }
}

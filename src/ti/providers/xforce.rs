//! XForce: its request and how its answer is read.

use super::*;

pub struct XForce;

static XFORCE: Info = Info {
    name: "xforce",
    title: "IBM X-Force Exchange",
    base_url: "https://api.xforce.ibmcloud.com",
    auth: Auth::Required,
    kinds: &[
        (IocType::Ipv4, &["malware", "whois", "passivedns"]),
        (IocType::Ipv6, &["malware", "whois", "passivedns"]),
        (IocType::Dns, &["whois", "passivedns"]),
        (IocType::Url, &["malware"]),
        (IocType::Md5, &[]),
        (IocType::Sha1, &[]),
        (IocType::Sha256, &[]),
    ],
    rate: "60/min",
};

impl Provider for XForce {
    fn info(&self) -> &'static Info {
        &XFORCE
    }
    fn request(&self, q: &Query, key: Option<&str>) -> Request {
        let obs = encode(&q.ioc);
        let ip = matches!(q.kind, IocType::Ipv4 | IocType::Ipv6);
        let path = match (q.subtype.as_deref(), q.kind) {
            (Some("malware"), _) if ip => format!("/ipr/malware/{obs}"),
            (Some("malware"), _) => format!("/url/malware/{obs}"),
            (Some("whois"), _) => format!("/whois/{obs}"),
            (Some("passivedns"), _) => format!("/resolve/{obs}"),
            (_, k) if is_hash(k) => format!("/malware/{obs}"),
            _ if ip => format!("/ipr/{obs}"),
            _ => format!("/url/{obs}"),
        };
        // The key is "ApiID:AuthKey", sent as HTTP basic authentication.
        let headers = key
            .map(|k| {
                let token = base64::engine::general_purpose::STANDARD.encode(k.as_bytes());
                vec![
                    ("Authorization", format!("Basic {token}")),
                    ("Accept", "application/json".into()),
                ]
            })
            .unwrap_or_default();
        Request {
            method: Method::Get,
            path,
            headers,
            form: Vec::new(),
        }
    }
    fn read(&self, q: &Query, body: &str) -> Result<Verdict, String> {
        let v = json(body)?;
        if let Some(e) = v.get("error").and_then(Value::as_str) {
            return Ok(Verdict::new(false, Severity::Information, json!({"message": e})));
        }
        let kind = match q.kind {
            IocType::Ipv4 | IocType::Ipv6 => "ip",
            k if is_hash(k) => "malware",
            _ => "url",
        };
        let page = format!("https://exchange.xforce.ibmcloud.com/{kind}/{}", encode(&q.ioc));
        let by_score = |score: Option<f64>| match score {
            Some(s) if s >= 7.0 => Severity::High,
            Some(s) if s >= 4.0 => Severity::Warning,
            _ => Severity::Information,
        };
        match q.subtype.as_deref() {
            Some("passivedns") => {
                let records = v
                    .get("Passive")
                    .and_then(|p| p.get("records"))
                    .and_then(Value::as_array);
                let a = v.get("A").and_then(Value::as_array);
                let count = records.map_or(0, Vec::len) + a.map_or(0, Vec::len);
                Ok(Verdict::new(count > 0, Severity::Information, v.clone()).see(page))
            }
            Some(_) => Ok(Verdict::new(true, Severity::Information, v).see(page)),
            None if kind == "malware" => {
                let m = v.get("malware").ok_or("the answer has no \"malware\" member")?;
                let risk = m.get("risk").and_then(Value::as_str).unwrap_or("");
                let severity = match risk {
                    "low" | "medium" => Severity::Warning,
                    _ => Severity::High,
                };
                let family = m.get("family").cloned().unwrap_or(Value::Null);
                Ok(Verdict::new(
                    true,
                    severity,
                    json!({"risk": m.get("risk"), "family": family, "type": m.get("type"), "origins": m.get("origins").map(|o| o.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()))}),
                )
                .see(page))
            }
            None if kind == "ip" => {
                let score = v.get("score").and_then(Value::as_f64);
                Ok(Verdict::new(
                    true,
                    by_score(score),
                    json!({"score": score, "reason": v.get("reason"), "categories": v.get("cats"), "country": v.get("geo").and_then(|g| g.get("country"))}),
                )
                .see(page))
            }
            None => {
                let r = v.get("result").ok_or("the answer has no \"result\" member")?;
                let score = r.get("score").and_then(Value::as_f64);
                Ok(Verdict::new(
                    true,
                    by_score(score),
                    json!({"score": score, "categories": r.get("cats")}),
                )
                .see(page))
            }
        }
    }
}

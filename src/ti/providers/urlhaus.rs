//! UrlHaus: its request and how its answer is read.

use super::*;

pub struct UrlHaus;

static URLHAUS: Info = Info {
    name: "urlhaus",
    title: "abuse.ch URLhaus",
    base_url: "https://urlhaus-api.abuse.ch",
    auth: Auth::Optional,
    kinds: &[
        (IocType::Url, &[]),
        (IocType::Dns, &[]),
        (IocType::Ipv4, &[]),
        (IocType::Md5, &[]),
        (IocType::Sha256, &[]),
    ],
    rate: "60/min",
};

impl Provider for UrlHaus {
    fn info(&self) -> &'static Info {
        &URLHAUS
    }
    fn request(&self, q: &Query, key: Option<&str>) -> Request {
        let (path, field) = match q.kind {
            IocType::Url => ("/v1/url/", "url"),
            IocType::Md5 => ("/v1/payload/", "md5_hash"),
            IocType::Sha256 => ("/v1/payload/", "sha256_hash"),
            _ => ("/v1/host/", "host"),
        };
        Request {
            method: Method::Post,
            path: path.to_string(),
            headers: key.map(|k| vec![("Auth-Key", k.to_string())]).unwrap_or_default(),
            form: vec![(field, q.ioc.clone())],
        }
    }
    fn read(&self, q: &Query, body: &str) -> Result<Verdict, String> {
        let v = json(body)?;
        if let Some(absent) = abuse_ch_status(&v, &["no_results"], "URLhaus")? {
            return Ok(absent);
        }
        let reference = v.get("urlhaus_reference").and_then(Value::as_str).map(str::to_string);
        let online = |s: Option<&Value>| s.and_then(Value::as_str) == Some("online");
        let verdict = match q.kind {
            IocType::Url => Verdict::new(
                true,
                if online(v.get("url_status")) {
                    Severity::High
                } else {
                    Severity::Warning
                },
                json!({"url_status": v.get("url_status"), "threat": v.get("threat"), "tags": v.get("tags"),
                       "date_added": v.get("date_added"), "payloads": v.get("payloads").and_then(Value::as_array).map(Vec::len)}),
            ),
            IocType::Md5 | IocType::Sha256 => Verdict::new(
                true,
                Severity::High,
                json!({"file_type": v.get("file_type"), "signature": v.get("signature"), "url_count": v.get("url_count"),
                       "firstseen": v.get("firstseen"), "lastseen": v.get("lastseen")}),
            ),
            _ => {
                let urls = v
                    .get("urls")
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or(&[]);
                let live = urls.iter().filter(|u| online(u.get("url_status"))).count();
                Verdict::new(
                    true,
                    if live > 0 { Severity::High } else { Severity::Warning },
                    json!({"url_count": v.get("url_count"), "urls_online": live, "urls_listed": urls.len(),
                           "firstseen": v.get("firstseen"), "blacklists": v.get("blacklists")}),
                )
            }
        };
        Ok(match reference {
            Some(r) => verdict.see(r),
            None => verdict,
        })
    }
}

//! AbuseIpDb: its request and how its answer is read.

use super::*;

pub struct AbuseIpDb;

static ABUSEIPDB: Info = Info {
    name: "abuseipdb",
    title: "AbuseIPDB",
    base_url: "https://api.abuseipdb.com",
    auth: Auth::Required,
    kinds: &[(IocType::Ipv4, &[]), (IocType::Ipv6, &[])],
    // The free plan's daily quota of checks.
    rate: "1000/day",
};

impl Provider for AbuseIpDb {
    fn info(&self) -> &'static Info {
        &ABUSEIPDB
    }
    fn request(&self, q: &Query, key: Option<&str>) -> Request {
        let mut headers = vec![("Accept", "application/json".to_string())];
        if let Some(k) = key {
            headers.push(("Key", k.to_string()));
        }
        Request {
            method: Method::Get,
            path: format!("/api/v2/check?ipAddress={}&maxAgeInDays=90", encode(&q.ioc)),
            headers,
            form: Vec::new(),
        }
    }
    fn read(&self, q: &Query, body: &str) -> Result<Verdict, String> {
        let v = json(body)?;
        let d = v.get("data").ok_or("the answer has no \"data\" member")?;
        let score = d
            .get("abuseConfidenceScore")
            .and_then(Value::as_i64)
            .ok_or("the answer has no \"abuseConfidenceScore\"")?;
        let reports = int(d, "totalReports");
        let severity = match score {
            75.. => Severity::High,
            25.. => Severity::Warning,
            _ => Severity::Information,
        };
        let mut details = json!({"abuseConfidenceScore": score, "totalReports": reports});
        copy_present(
            d,
            &[
                "countryCode",
                "usageType",
                "isp",
                "domain",
                "hostnames",
                "isTor",
                "isWhitelisted",
                "lastReportedAt",
            ],
            &mut details,
        );
        Ok(Verdict::new(reports > 0 || score > 0, severity, details)
            .see(format!("https://www.abuseipdb.com/check/{}", encode(&q.ioc))))
    }
}

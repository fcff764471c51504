//! GreyNoise: its request and how its answer is read.

use super::*;

pub struct GreyNoise;

static GREYNOISE: Info = Info {
    name: "greynoise",
    title: "GreyNoise",
    base_url: "https://api.greynoise.io",
    auth: Auth::Optional,
    kinds: &[(IocType::Ipv4, &["quick", "full"])],
    rate: "60/min",
};

impl Provider for GreyNoise {
    fn info(&self) -> &'static Info {
        &GREYNOISE
    }
    fn request(&self, q: &Query, key: Option<&str>) -> Request {
        let ip = encode(&q.ioc);
        let path = match q.subtype.as_deref() {
            Some("quick") => format!("/v2/noise/quick/{ip}"),
            Some("full") => format!("/v2/noise/context/{ip}"),
            _ => format!("/v3/community/{ip}"),
        };
        Request {
            method: Method::Get,
            path,
            headers: key.map(|k| vec![("key", k.to_string())]).unwrap_or_default(),
            form: Vec::new(),
        }
    }
    fn read(&self, q: &Query, body: &str) -> Result<Verdict, String> {
        let v = json(body)?;
        let page = format!("https://viz.greynoise.io/ip/{}", encode(&q.ioc));
        if let Some(e) = v.get("error").and_then(Value::as_str) {
            return Ok(Verdict::new(false, Severity::Information, json!({"message": e})).see(page));
        }
        let noise = v
            .get("noise")
            .and_then(Value::as_bool)
            .or_else(|| v.get("seen").and_then(Value::as_bool));
        let riot = v.get("riot").and_then(Value::as_bool).unwrap_or(false);
        let class = v.get("classification").and_then(Value::as_str);
        if noise.is_none() && class.is_none() {
            return Err("the answer has neither \"noise\" nor \"classification\"".into());
        }
        let noise = noise.unwrap_or(false);
        let severity = match class {
            Some("malicious") => Severity::High,
            Some("benign") => Severity::Information,
            _ if riot => Severity::Information,
            _ if noise => Severity::Warning,
            _ => Severity::Information,
        };
        let mut details = json!({"noise": noise, "riot": riot});
        copy_present(
            &v,
            &[
                "classification",
                "name",
                "last_seen",
                "code",
                "actor",
                "tags",
                "message",
            ],
            &mut details,
        );
        Ok(Verdict::new(noise || riot || class == Some("malicious"), severity, details).see(page))
    }
}

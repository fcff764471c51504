//! Rdap: its request and how its answer is read.

use super::*;

/// Whois over RDAP (RFC 9083): the network an address belongs to, from the registry that
/// holds it. ARIN's service answers for its own space and redirects to the other four
/// registries (RIPE NCC, APNIC, LACNIC, AFRINIC) for theirs; redirects are followed.
pub struct Rdap;

impl Rdap {
    fn event(v: &Value, action: &str) -> Value {
        v.get("events")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|e| e.get("eventAction").and_then(Value::as_str) == Some(action))
            .and_then(|e| e.get("eventDate").cloned())
            .unwrap_or(Value::Null)
    }

    /// The formatted name (`fn`) of the first entity with `role`, and its e-mail.
    fn entity(v: &Value, role: &str) -> (Option<String>, Option<String>) {
        fn search(list: Option<&Value>, role: &str, depth: usize) -> Option<(Option<String>, Option<String>)> {
            if depth > 4 {
                return None;
            }
            for e in list?.as_array()? {
                let has = e
                    .get("roles")
                    .and_then(Value::as_array)
                    .is_some_and(|r| r.iter().any(|x| x.as_str() == Some(role)));
                if has {
                    let card = e.get("vcardArray").and_then(|c| c.get(1)).and_then(Value::as_array);
                    let field = |name: &str| {
                        card.into_iter()
                            .flatten()
                            .find(|f| f.get(0).and_then(Value::as_str) == Some(name))
                            .and_then(|f| f.get(3))
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    };
                    return Some((field("fn"), field("email")));
                }
                if let Some(found) = search(e.get("entities"), role, depth + 1) {
                    return Some(found);
                }
            }
            None
        }
        search(v.get("entities"), role, 0).unwrap_or((None, None))
    }
}

static RDAP: Info = Info {
    name: "rdap",
    title: "RDAP whois (ARIN, redirecting to RIPE NCC, APNIC, LACNIC, AFRINIC)",
    base_url: "https://rdap.arin.net/registry",
    auth: Auth::None,
    kinds: &[(IocType::Ipv4, &[]), (IocType::Ipv6, &[])],
    // msticpy's ip_whois waits 0.5 s between queries.
    rate: "120/min",
};

impl Provider for Rdap {
    fn info(&self) -> &'static Info {
        &RDAP
    }
    fn redirects(&self) -> bool {
        true
    }
    fn request(&self, q: &Query, _key: Option<&str>) -> Request {
        Request {
            method: Method::Get,
            path: format!("/ip/{}", encode(&q.ioc)),
            headers: vec![("Accept", "application/rdap+json, application/json".into())],
            form: Vec::new(),
        }
    }
    fn read(&self, _q: &Query, body: &str) -> Result<Verdict, String> {
        let v = json(body)?;
        if v.get("objectClassName").and_then(Value::as_str) != Some("ip network") {
            return Err("the answer is not an RDAP \"ip network\" object".into());
        }
        let cidrs: Vec<String> = v
            .get("cidr0_cidrs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| {
                let prefix = c.get("v4prefix").or_else(|| c.get("v6prefix"))?.as_str()?;
                Some(format!("{prefix}/{}", c.get("length")?.as_u64()?))
            })
            .collect();
        let asns: Vec<u64> = v
            .get("arin_originas0_originautnums")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_u64)
            .collect();
        let (org, _) = Self::entity(&v, "registrant");
        let (_, abuse) = Self::entity(&v, "abuse");
        let reference = v
            .get("links")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|l| l.get("rel").and_then(Value::as_str) == Some("self"))
            .and_then(|l| l.get("href"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let details = json!({
            "asn": asns,
            "name": v.get("name"),
            "handle": v.get("handle"),
            "cidr": cidrs,
            "start": v.get("startAddress"),
            "end": v.get("endAddress"),
            "country": v.get("country"),
            "type": v.get("type"),
            "parent": v.get("parentHandle"),
            "registered": Self::event(&v, "registration"),
            "updated": Self::event(&v, "last changed"),
            "organization": org,
            "abuse": abuse,
            "whois": v.get("port43"),
        });
        let verdict = Verdict::new(true, Severity::Information, details);
        Ok(match reference {
            Some(r) => verdict.see(r),
            None => verdict,
        })
    }
}

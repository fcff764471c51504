//! %ti, %geoip and %domain through the interpreter: configuration from a huntbook.yaml,
//! providers replayed on a loopback server, MaxMind's test databases.

mod common;

use std::path::Path;

use common::{data, fails, ok, run};
use huntbook::ti::replay::ReplayServer;
use huntbook_magics::io::Event;
use huntbook_magics::{CellOutcome, Interpreter, RecordingIo};

const KEY: &str = "vt-key-for-the-test-0123";

fn replay() -> ReplayServer {
    let routes = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/notebooks/ti-replay.json");
    ReplayServer::from_file(&routes).unwrap()
}

fn configured(dir: &Path, url: &str) -> Interpreter {
    let yaml = format!(
        "ti:\n  cache:\n    path: {cache}\n  providers:\n    virustotal: {{key: {KEY}, url: {url}/vt, rate: 1000/sec}}\n    \
         xforce: {{key: 'id:secret-password', url: {url}/xforce}}\n    urlhaus: {{url: {url}/urlhaus}}\n    \
         otx: {{key: env:HUNTBOOK_TEST_UNSET_OTX_KEY, url: {url}/otx}}\n\
         geoip:\n  city: {city}\n  asn: {asn}\n",
        cache = dir.join("cache").display(),
        city = data("geoip/test-data/GeoLite2-City-Test.mmdb"),
        asn = data("geoip/test-data/GeoLite2-ASN-Test.mmdb"),
    );
    let file = dir.join("huntbook.yaml");
    std::fs::write(&file, yaml).unwrap();
    let mut interp = Interpreter::default();
    interp.use_config(&file).unwrap();
    interp
}

/// Every text the cell showed: streams, displays and the result, all MIME types.
fn everything(outcome: &CellOutcome, io: &RecordingIo) -> String {
    let mut all = String::new();
    for e in &io.events {
        match e {
            Event::Stream(_, t) => all.push_str(t),
            Event::Display(b, _) | Event::Update(b, _) => all.push_str(&serde_json::to_string(&b.data).unwrap()),
            Event::Clear(_) => {}
        }
    }
    if let Some(r) = &outcome.result {
        all.push_str(&serde_json::to_string(&r.data).unwrap());
    }
    if let Some(e) = &outcome.error {
        all.push_str(&e.evalue);
    }
    all
}

const REPORT: &str = "iocs = %%ioc\n\
    Payload served from hxxp://sskymedia[.]com/VMYB-ht_JAQo-gi/INV/99401FORPO/20673114777/US/Outstanding-Invoices/\n\
    C2 host vektorex[.]com, resolver 1.1.1.1, internal relay 10.0.0.5\n\
    dropper md5 12c8aec5766ac3e6f26f2505e2f4a8f2 and 34d5ea586a61b0aba512c0cb1d3d8b15\n";

#[test]
fn ti_enriches_an_ioc_frame_and_the_second_run_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let srv = replay();
    let mut interp = configured(dir.path(), &srv.url());
    ok(&mut interp, REPORT);
    let (outcome, io) = run(&mut interp, "ti = %ti iocs");
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let shown = everything(&outcome, &io);
    assert!(!shown.contains(KEY) && !shown.contains("secret-password"), "a key leaked into the output");
    // The browser is shown under the assignment's summary line.
    let html = io
        .events
        .iter()
        .find_map(|e| match e {
            Event::Display(b, _) => b.data.get("text/html").and_then(|v| v.as_str()).map(str::to_string),
            _ => None,
        })
        .expect("the results browser");
    assert!(html.contains("class=\"hb-ti\""));
    // The missing OTX key is said, not hidden.
    assert!(html.contains("HUNTBOOK_TEST_UNSET_OTX_KEY, which is not set"), "{html}");
    let first = srv.requests().len();
    assert!(first >= 6, "{first} requests");

    let frame = interp.session().get("ti").unwrap().data.clone();
    let col = |n: &str| frame.column(n).unwrap().str().unwrap().clone();
    let (ioc, provider, status) = (col("Ioc"), col("Provider"), col("Status"));
    let find = |i: &str, p: &str| {
        (0..frame.height())
            .find(|&r| ioc.get(r) == Some(i) && provider.get(r) == Some(p))
            .map(|r| status.get(r).unwrap().to_string())
    };
    assert_eq!(find("vektorex.com", "urlhaus").as_deref(), Some("ok"));
    assert_eq!(find("1.1.1.1", "virustotal").as_deref(), Some("ok"));
    assert_eq!(find("34d5ea586a61b0aba512c0cb1d3d8b15", "xforce").as_deref(), Some("ok"));
    assert_eq!(find("1.1.1.1", "otx").as_deref(), Some("no-key"));
    // The private address failed the checks and was not sent.
    assert_eq!(find("10.0.0.5", "-").as_deref(), Some("bad-format"));
    assert!(srv.requests().iter().all(|r| !r.target.contains("10.0.0.5")));

    // Again: everything from the cache, no request.
    ok(&mut interp, "again = %ti iocs");
    assert_eq!(srv.requests().len(), first, "the second run must not touch the network");
    let again = interp.session().get("again").unwrap().data.clone();
    let cached = again.column("Cached").unwrap().bool().unwrap().clone();
    let status = again.column("Status").unwrap().str().unwrap().clone();
    for r in 0..again.height() {
        if matches!(status.get(r), Some("ok" | "not-found")) {
            assert_eq!(cached.get(r), Some(true));
        }
    }
    // --refresh asks again.
    ok(&mut interp, "%ti iocs --providers urlhaus --refresh");
    assert!(srv.requests().len() > first);
}

#[test]
fn ti_needs_providers_and_names_unknown_ones() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("huntbook.yaml"), "queries: []\n").unwrap();
    let mut interp = Interpreter::default();
    interp.use_config(&dir.path().join("huntbook.yaml")).unwrap();
    let e = fails(&mut interp, "%ti 8.8.8.8", "no-provider");
    assert!(e.contains("ti:") && e.contains("providers:"), "{e}");
    let e = fails(&mut interp, "%ti 8.8.8.8 --providers virustotl", "no-provider");
    assert!(e.contains("virustotal"), "{e}");
    let listed = ok(&mut interp, "%ti --list").result.unwrap();
    let text = listed.plain().to_string();
    for p in ["virustotal", "otx", "xforce", "greynoise", "abuseipdb", "urlhaus", "malwarebazaar", "tor"] {
        assert!(text.contains(p), "{text}");
    }
    assert!(text.contains("4/min"));
}

#[test]
fn bad_ti_configuration_is_reported_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("huntbook.yaml");
    std::fs::write(&file, "ti:\n  providers:\n    virustotal: {rate: fast}\n").unwrap();
    let e = Interpreter::default().use_config(&file).unwrap_err();
    assert!(e.contains("ti.providers.virustotal.rate"), "{e}");
    std::fs::write(&file, "ti:\n  providers:\n    vt: {}\n").unwrap();
    let e = Interpreter::default().use_config(&file).unwrap_err();
    assert!(e.contains("no provider \"vt\""), "{e}");
}

#[test]
fn geoip_locates_a_column_labels_private_addresses_and_maps() {
    let dir = tempfile::tempdir().unwrap();
    let mut interp = configured(dir.path(), "http://127.0.0.1:9");
    ok(&mut interp, "ips = %%sql\nSELECT * FROM (VALUES ('81.2.69.142'), ('10.1.2.3'), ('2.125.160.216'), ('<b>x</b>')) AS t(RemoteIP)");
    let (outcome, io) = run(&mut interp, "located = %geoip ips.RemoteIP --map");
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let df = interp.session().get("located").unwrap().data.clone();
    let city = df.column("City").unwrap().str().unwrap().clone();
    assert_eq!(city.get(0), Some("London"));
    assert_eq!(city.get(1), Some("location unknown"));
    assert_eq!(city.get(2), Some("Boxford"));
    let shown = everything(&outcome, &io);
    assert!(shown.contains("GeoLite2 data created by MaxMind"), "attribution");
    let html = io
        .events
        .iter()
        .find_map(|e| match e {
            Event::Display(b, _) => b.data.get("text/html").and_then(|v| v.as_str()).map(str::to_string),
            _ => None,
        })
        .unwrap();
    assert!(!html.contains("<b>x</b>") && html.contains("&lt;b&gt;x&lt;/b&gt;"), "values are escaped");
    let svg = io
        .events
        .iter()
        .find_map(|e| match e {
            Event::Display(b, _) => b.data.get("image/svg+xml").and_then(|v| v.as_str()).map(str::to_string),
            _ => None,
        })
        .expect("a map");
    let mut reader = quick_xml::Reader::from_str(&svg);
    let mut circles = 0;
    loop {
        match reader.read_event().expect("well-formed SVG") {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Start(e) if e.name().as_ref() == b"circle" => circles += 1,
            _ => {}
        }
    }
    assert_eq!(circles, 2, "London and Boxford");
    assert!(shown.contains("2 rows without coordinates"), "{shown}");

    let one = ok(&mut interp, "%geoip 81.2.69.142").result.unwrap();
    assert!(one.plain().contains("London"));
    let e = fails(&mut interp, "%geoip 999.1.1.1", "invalid-ip");
    assert!(e.contains("999.1.1.1"));
}

#[test]
fn geoip_without_databases_says_how_to_set_them() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("huntbook.yaml");
    std::fs::write(&file, format!("geoip:\n  city: {}\n", dir.path().join("missing.mmdb").display())).unwrap();
    let mut interp = Interpreter::default();
    interp.use_config(&file).unwrap();
    let e = fails(&mut interp, "%geoip 81.2.69.142", "io-error");
    assert!(e.contains("missing.mmdb"), "{e}");
}

#[test]
fn domain_splits_names_and_urls() {
    let mut interp = Interpreter::default();
    let out = ok(&mut interp, "%domain www.mail.example.co.uk").result.unwrap();
    let t = out.plain().to_string();
    assert!(t.contains("www.mail") && t.contains("example.co.uk") && t.contains("co.uk"), "{t}");
    ok(&mut interp, "urls = %%sql\nSELECT * FROM (VALUES ('hxxps://evil[.]example[.]com:8443/a.php'), ('not a url'), ('intranet.corp')) AS t(U)");
    let (outcome, io) = run(&mut interp, "parts = %domain urls.U");
    assert!(outcome.error.is_none());
    assert!(everything(&outcome, &io).contains("1 value is neither"));
    let df = interp.session().get("parts").unwrap().data.clone();
    assert_eq!(df.height(), 2);
    let valid = df.column("ValidSuffix").unwrap().bool().unwrap().clone();
    assert_eq!((valid.get(0), valid.get(1)), (Some(true), Some(false)));
    fails(&mut interp, "%domain 'two words'", "invalid-input");
}

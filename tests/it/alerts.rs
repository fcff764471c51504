//! Alerts: the entities of every sample alert, counted by type, as msticpy's
//! `SecurityAlert` counts them (tests/expected/alerts_msticpy.json, written by
//! tests/tools/alerts_msticpy.py); references that lead nowhere and unreadable `Entities`
//! are warnings on their alert; hostile text is escaped in the cards.

use std::collections::BTreeMap;

use crate::helpers::*;

use huntbook::alerts::{cards, entity_frame, read_alerts};

fn counts(a: &huntbook::alerts::Alert) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for e in a.entities.entities.iter().filter(|e| e.id.is_some()) {
        *out.entry(e.kind.clone()).or_insert(0) += 1;
    }
    out
}

fn expected(file: &str) -> Vec<BTreeMap<String, u64>> {
    expected_json("alerts_msticpy.json")["files"][file]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| serde_json::from_value(a["entities"].clone()).unwrap())
        .collect()
}

#[test]
fn every_sample_alert_has_the_entities_msticpy_finds() {
    for file in ["sentinel_alertlist.csv", "localdata_alerts_list.json"] {
        let df = huntbook::load::read_file(&shared(&format!("msticpy/alerts/{file}")), None)
            .unwrap()
            .value;
        let alerts = read_alerts(&df).unwrap();
        let want = expected(file);
        assert_eq!(alerts.value.len(), want.len(), "{file}");
        for (i, (a, w)) in alerts.value.iter().zip(&want).enumerate() {
            assert_eq!(&counts(a), w, "{file} alert {i} ({})", a.name);
        }
        // The 13 alerts with no entities are read as alerts with none, in silence.
        assert!(alerts.warnings.is_empty(), "{:?}", alerts.warnings);
        let frame = entity_frame(&alerts.value).unwrap();
        let total: u64 = want.iter().flat_map(|w| w.values()).sum();
        assert_eq!(frame.height() as u64, total, "{file}");
    }
    let one = std::fs::read_to_string(shared("msticpy/alerts/alert_entities.json")).unwrap();
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&one).unwrap();
    let read = huntbook::alerts::entities::read(&serde_json::Value::Array(map.into_values().collect()).to_string());
    let mut got = BTreeMap::new();
    for e in &read.entities {
        *got.entry(e.kind.clone()).or_insert(0u64) += 1;
    }
    assert_eq!(got, expected("alert_entities.json")[0]);
}

#[test]
fn bad_references_and_bad_json_are_warnings_on_their_alert() {
    let cyc = r#"[{"$id":"1","Type":"process","ParentProcess":{"$ref":"2"}},{"$id":"2","Type":"process","ParentProcess":{"$ref":"1"}},{"$id":"3","Type":"account","Host":{"$ref":"9"}}]"#;
    let df = polars::prelude::df!(
        "AlertName" => ["cyclic", "broken", "fine"],
        "Entities" => [cyc, "[{\"$id\": \"1\", \"Type\": ", r#"[{"$id":"1","Type":"ip","Address":"10.0.0.1"}]"#],
    )
    .unwrap();
    let alerts = read_alerts(&df).unwrap();
    assert_eq!(alerts.value.len(), 3);
    let w = alerts.warnings.join("\n");
    assert!(
        w.contains("alert 1 (cyclic): entity 3 (account)'s Host refers to $ref 9"),
        "{w}"
    );
    assert!(w.contains("alert 2 (broken): Entities is not readable JSON"), "{w}");
    assert_eq!(
        alerts.value[0].entities.entities.len(),
        3,
        "a cycle of references is read once"
    );
    assert_eq!(alerts.value[2].entities.entities.len(), 1);
}

#[test]
fn hostile_text_in_alerts_and_entities_is_escaped_in_cards() {
    let xss = "<script>alert(1)</script>\"'&";
    let ents = format!(
        r#"[{{"$id":"1","Type":"host","HostName":"{h}"}},{{"$id":"2","Type":"process","CommandLine":"{h}","Host":{{"$ref":"1"}}}}]"#,
        h = xss.replace('"', "\\\"")
    );
    let df = polars::prelude::df!(
        "AlertName" => [xss],
        "Severity" => [xss],
        "Description" => [xss],
        "CompromisedEntity" => [xss],
        "Tactics" => [xss],
        "Techniques" => [xss],
        "RemediationSteps" => [xss],
        "ExtendedProperties" => [format!("{{\"{k}\": \"{k}\"}}", k = xss.replace('"', "\\\""))],
        "Entities" => [ents],
    )
    .unwrap();
    let alerts = read_alerts(&df).unwrap().value;
    let (html, text) = cards::cards(&alerts, 10);
    assert!(!html.contains("<script>") && !html.contains("\"'&<"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
    assert!(text.contains(xss), "the text form keeps the value as it is");
    let (svg, _) = huntbook::alerts::graph::svg(&alerts);
    assert!(!svg.contains("<script>") && svg.contains("&lt;script&gt;"), "{svg}");
    assert!(
        huntbook::render::picture::picture(&svg).png.is_ok(),
        "the SVG parses and draws"
    );
}

/// The graph of every sample alert parses as SVG (and draws), is the same twice, keeps
/// shared entities as one node, and folds what is beyond its limit, saying so.
#[test]
fn the_graph_of_the_sample_alerts_parses_and_folds_what_it_must() {
    let df = huntbook::load::read_file(&shared("msticpy/alerts/sentinel_alertlist.csv"), None)
        .unwrap()
        .value;
    let alerts = read_alerts(&df).unwrap().value;
    let (svg, folded) = huntbook::alerts::graph::svg(&alerts);
    let pic = huntbook::render::picture::picture(&svg);
    assert!(pic.png.is_ok(), "{:?}", pic.png.err());
    assert_eq!(svg, huntbook::alerts::graph::svg(&alerts).0, "deterministic");
    assert_eq!(folded.len(), 1, "{folded:?}");
    assert!(folded[0].contains("at most 300 nodes"), "{folded:?}");
    // 189 alerts and their distinct entities: alerts are drawn up to half the room.
    assert_eq!(
        svg.matches("<rect x=").count() - 1,
        150,
        "150 alerts (and the legend's square)"
    );
    let small = &alerts[..20];
    let (svg, folded) = huntbook::alerts::graph::svg(small);
    assert!(folded.is_empty());
    assert_eq!(svg.matches("<rect x=").count() - 1, 20);
}

/// msticpy's `add_related_alerts`: the alerts of the whole list that share a host, an
/// account, an address or a file with one host's alerts, each saying what it shares.
#[test]
fn related_alerts_share_an_entity_with_the_first_ones() {
    use huntbook::alerts::{key, related};
    let df = huntbook::load::read_file(&shared("msticpy/alerts/sentinel_alertlist.csv"), None)
        .unwrap()
        .value;
    let all = read_alerts(&df).unwrap().value;
    let host = |a: &huntbook::alerts::Alert| a.compromised.eq_ignore_ascii_case("MSTICALERTSWIN1");
    let first: Vec<_> = read_alerts(&df).unwrap().value.into_iter().filter(host).collect();
    assert!(!first.is_empty());
    let keys: std::collections::HashSet<String> = first
        .iter()
        .flat_map(|a| a.entities.entities.iter().map(move |e| key(e, &a.entities)))
        .collect();
    let found = related(&first, all);
    assert!(
        !found.is_empty(),
        "the list holds alerts that share entities with the host's"
    );
    for a in &found {
        assert!(!first.iter().any(|f| f.id == a.id), "{} is one of the first", a.id);
        assert!(
            !a.shares.is_empty() && a.shares.iter().all(|k| keys.contains(k)),
            "{:?}",
            a.shares
        );
        assert!(
            a.shares
                .iter()
                .all(|k| ["host:", "account:", "ip:", "file:"].iter().any(|p| k.starts_with(p)))
        );
    }
    let (html, _) = cards::cards(&found, 5);
    assert!(html.contains("related: shares"), "{html}");
}

/// Defender's AlertEvidence (with AlertInfo's Severity joined), in the columns Microsoft
/// documents: rows grouped into alerts, each piece of evidence an entity of Sentinel's
/// kinds, so the same host in two alerts is one node and one key.
#[test]
fn defender_alert_evidence_reads_as_alerts_with_entities() {
    let df = polars::prelude::df!(
        "Timestamp" => ["2024-03-01T10:00:00Z", "2024-03-01T10:00:00Z", "2024-03-01T10:00:01Z", "2024-03-01T11:00:00Z", "2024-03-01T11:00:00Z"],
        "AlertId" => ["da1", "da1", "da1", "da2", "da2"],
        "Title" => ["Suspicious PowerShell command line", "Suspicious PowerShell command line", "Suspicious PowerShell command line", "Mimikatz credential theft tool", "Mimikatz credential theft tool"],
        "Category" => ["Execution", "Execution", "Execution", "CredentialAccess", "CredentialAccess"],
        "Severity" => ["Medium", "Medium", "Medium", "High", "High"],
        "ServiceSource" => ["Microsoft Defender for Endpoint"; 5],
        "DetectionSource" => ["EDR"; 5],
        "AttackTechniques" => [r#"["PowerShell (T1059.001)"]"#, "", "", r#"["OS Credential Dumping (T1003)"]"#, ""],
        "EntityType" => ["Machine", "Process", "User", "Machine", "File"],
        "EvidenceRole" => ["Impacted", "Related", "Impacted", "Impacted", "Related"],
        "DeviceName" => ["ws01.contoso.com", "", "", "ws01.contoso.com", ""],
        "ProcessCommandLine" => ["", "powershell -enc SQBFAFgA", "", "", ""],
        "AccountName" => ["", "", "alice", "", ""],
        "AccountDomain" => ["", "", "CONTOSO", "", ""],
        "FileName" => ["", "", "", "", "mimikatz.exe"],
        "FolderPath" => ["", "", "", "", "C:\\Users\\alice\\Downloads\\"],
        "SHA256" => ["", "", "", "", "92804faaab2175dc501d73e814663058c78c0a042675a8937266357bcfb96c50"],
    )
    .unwrap();
    let alerts = read_alerts(&df).unwrap().value;
    assert_eq!(alerts.len(), 2);
    assert_eq!(
        (alerts[0].name.as_str(), alerts[0].severity.as_str()),
        ("Suspicious PowerShell command line", "Medium")
    );
    assert_eq!(alerts[0].start, "2024-03-01T10:00:00Z");
    assert_eq!(alerts[0].end, "2024-03-01T10:00:01Z");
    assert_eq!(alerts[1].techniques, ["OS Credential Dumping (T1003)"]);
    let frame = entity_frame(&alerts).unwrap();
    assert_eq!(frame.height(), 5);
    let keys: Vec<Option<&str>> = frame.column("EntityKey").unwrap().str().unwrap().iter().collect();
    assert_eq!(
        keys.iter().filter(|k| **k == Some("host:ws01.contoso.com")).count(),
        2,
        "{keys:?}"
    );
    assert!(keys.contains(&Some("account:contoso\\alice")), "{keys:?}");
    assert!(
        keys.contains(&Some("file:c:\\users\\alice\\downloads\\mimikatz.exe")),
        "{keys:?}"
    );
    let hashes: Vec<Option<&str>> = frame.column("FileHash").unwrap().str().unwrap().iter().collect();
    assert!(hashes.iter().any(|h| h.is_some_and(|h| h.starts_with("92804f"))));
    let (html, _) = cards::cards(&alerts, 10);
    assert!(
        html.find("Mimikatz").unwrap() < html.find("Suspicious PowerShell").unwrap(),
        "High first"
    );
    let (svg, _) = huntbook::alerts::graph::svg(&alerts);
    assert!(huntbook::render::picture::picture(&svg).png.is_ok());
}

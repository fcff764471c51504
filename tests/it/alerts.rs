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

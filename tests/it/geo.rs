//! GeoIP on MaxMind's test databases (../shared/data/geoip/test-data), checked against the
//! source JSON the databases were built from.

use crate::helpers::*;

use std::net::IpAddr;
use std::path::PathBuf;

use huntbook::geo::{GeoDb, GeoPaths};
use serde_json::Value;

fn geoip(path: &str) -> PathBuf {
    shared(&format!("geoip/{path}"))
}

fn db() -> GeoDb {
    GeoDb::open(&GeoPaths {
        city: Some(geoip("test-data/GeoLite2-City-Test.mmdb")),
        country: None,
        asn: Some(geoip("test-data/GeoLite2-ASN-Test.mmdb")),
    })
    .unwrap()
}

/// The first address of each network in a source JSON file, with its record.
fn networks(file: &str) -> Vec<(IpAddr, Value)> {
    let list: Vec<serde_json::Map<String, Value>> =
        serde_json::from_str(&std::fs::read_to_string(geoip(file)).unwrap()).unwrap();
    list.into_iter()
        .flat_map(|m| m.into_iter())
        .filter_map(|(cidr, record)| {
            let addr = cidr.split('/').next()?;
            let addr = addr.strip_prefix("::").unwrap_or(addr);
            let ip: IpAddr = addr.parse().ok()?;
            Some((ip, record))
        })
        .collect()
}

#[test]
fn every_city_network_matches_its_source_record() {
    let db = db();
    let networks = networks("source-data/GeoLite2-City-Test.json");
    let mut checked = 0;
    for (ip, record) in &networks {
        let loc = db.lookup(*ip).unwrap();
        if loc.ip_type != "Public" {
            // Test networks in special-purpose ranges are labelled, as msticpy does.
            assert_eq!(
                loc.country_name.as_deref(),
                Some(format!("{} address", loc.ip_type).as_str())
            );
            assert_eq!(loc.city.as_deref(), Some("location unknown"));
            continue;
        }
        let text = |v: &Value| v.as_str().map(str::to_string);
        assert_eq!(loc.country_code, text(&record["country"]["iso_code"]), "{ip}");
        assert_eq!(loc.country_name, text(&record["country"]["names"]["en"]), "{ip}");
        assert_eq!(loc.city, text(&record["city"]["names"]["en"]), "{ip}");
        assert_eq!(loc.state, text(&record["subdivisions"][0]["names"]["en"]), "{ip}");
        assert_eq!(loc.latitude, record["location"]["latitude"].as_f64(), "{ip}");
        assert_eq!(loc.longitude, record["location"]["longitude"].as_f64(), "{ip}");
        checked += 1;
    }
    assert!(checked > 100, "only {checked} public networks checked");
}

#[test]
fn asn_networks_match_their_source_records() {
    let db = db();
    let mut checked = 0;
    for (ip, record) in networks("source-data/GeoLite2-ASN-Test.json") {
        let loc = db.lookup(ip).unwrap();
        if loc.ip_type != "Public" {
            continue;
        }
        assert_eq!(
            loc.asn.map(u64::from),
            record["autonomous_system_number"].as_u64(),
            "{ip}"
        );
        assert_eq!(
            loc.as_organization.as_deref(),
            record["autonomous_system_organization"].as_str(),
            "{ip}"
        );
        checked += 1;
    }
    assert!(checked > 100, "only {checked} checked");
    // The README's examples.
    let london = db.lookup_str("81.2.69.142").unwrap();
    assert_eq!(
        (london.city.as_deref(), london.country_code.as_deref()),
        (Some("London"), Some("GB"))
    );
    let google = db.lookup_str("1.0.0.1").unwrap();
    assert_eq!(
        (google.asn, google.as_organization.as_deref()),
        (Some(15169), Some("Google Inc."))
    );
}

#[test]
fn columns_private_addresses_and_bad_values() {
    let db = db();
    let ips: Vec<String> = ["81.2.69.142", "10.1.1.1", "not-an-ip", "81.2.69.142", "2001:218::1"]
        .map(String::from)
        .to_vec();
    let out = db.locate_all(&ips).unwrap();
    let df = out.value;
    assert_eq!(df.height(), 5);
    let city = df.column("City").unwrap().str().unwrap();
    assert_eq!(city.get(0), Some("London"));
    assert_eq!(city.get(1), Some("location unknown"));
    assert_eq!(city.get(2), None);
    let name = df.column("CountryName").unwrap().str().unwrap();
    assert_eq!(name.get(1), Some("Private address"));
    assert_eq!(name.get(4), Some("Japan"));
    assert_eq!(df.column("IpType").unwrap().str().unwrap().get(2), Some("Invalid"));
    assert!(out.warnings[0].contains("1 distinct value(s)"), "{:?}", out.warnings);
}

#[test]
fn broken_databases_are_errors_not_crashes() {
    for broken in [
        "test-data/GeoIP2-City-Test-Invalid-Node-Count.mmdb",
        "test-data/MaxMind-DB-test-broken-pointers-24.mmdb",
        "test-data/MaxMind-DB-test-broken-search-tree-24.mmdb",
    ] {
        let opened = GeoDb::open(&GeoPaths {
            city: Some(geoip(broken)),
            ..GeoPaths::default()
        });
        let Ok(db) = opened else {
            let e = opened.unwrap_err().to_string();
            assert!(e.contains("MaxMind DB"), "{e}");
            continue;
        };
        // Opened: lookups may fail, but with an error naming the file.
        for ip in ["1.1.1.1", "81.2.69.142", "2001:218::1"] {
            if let Err(e) = db.lookup_str(ip) {
                assert!(e.to_string().contains(broken.rsplit('/').next().unwrap()), "{e}");
            }
        }
    }
    let missing = GeoDb::open(&GeoPaths {
        city: Some(geoip("test-data/nope.mmdb")),
        ..GeoPaths::default()
    });
    let message = missing.unwrap_err().to_string();
    assert!(message.contains("nope.mmdb"), "{message}");
}

#[test]
fn a_country_database_alone_gives_countries() {
    let db = GeoDb::open(&GeoPaths {
        country: Some(geoip("test-data/GeoLite2-Country-Test.mmdb")),
        ..GeoPaths::default()
    })
    .unwrap();
    let mut checked = 0;
    for (ip, record) in networks("source-data/GeoLite2-Country-Test.json") {
        let loc = db.lookup(ip).unwrap();
        if loc.ip_type != "Public" {
            continue;
        }
        assert_eq!(
            loc.country_code.as_deref(),
            record["country"]["iso_code"].as_str(),
            "{ip}"
        );
        assert_eq!(
            (loc.city.as_deref(), loc.latitude),
            (None, None),
            "{ip}: a country database has no cities"
        );
        checked += 1;
    }
    assert!(checked > 100, "only {checked} checked");
    assert!(db.describe()[0].contains("GeoLite2-Country"), "{:?}", db.describe());
}

//! %ioc's extractor against real corpora in ../shared/data/ioc: iocextract's
//! must-extract / must-not-extract lists, and the IoC appendices of ESET threat reports
//! with the indicators ESET published for them. Recall and precision are printed
//! (`cargo test --test ioc_corpus -- --nocapture`) and held to floors.

use crate::helpers::*;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use huntbook::ioc::{Extractor, IocType, refang};

fn data(path: &str) -> PathBuf {
    shared(&format!("ioc/{path}"))
}

fn lines(path: &str) -> Vec<String> {
    std::fs::read_to_string(data(path))
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn all_types() -> Extractor {
    Extractor::new(IocType::ALL.to_vec(), Vec::new())
}

/// Everything extracted from iocextract's input, refanged and lower-cased.
fn iocextract_found() -> BTreeSet<String> {
    let input = std::fs::read_to_string(data("iocextract/input.txt")).unwrap();
    let extractor = all_types();
    input
        .lines()
        .flat_map(|line| {
            extractor
                .extract(line)
                .iter()
                .map(|f| f.observable.to_lowercase())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn iocextract_valid_lines_are_found() {
    let found = iocextract_found();
    let valid = lines("iocextract/valid.txt");
    let missing: Vec<&String> = valid
        .iter()
        .filter(|v| !found.contains(&refang(v).to_lowercase()))
        .collect();
    let recall = 1.0 - missing.len() as f64 / valid.len() as f64;
    println!(
        "iocextract valid: {} of {} found (recall {recall:.3}); missing: {missing:#?}",
        valid.len() - missing.len(),
        valid.len()
    );
    assert!(
        recall >= FLOOR_IOCEXTRACT_RECALL,
        "recall {recall:.3} fell below {FLOOR_IOCEXTRACT_RECALL}"
    );
}

#[test]
fn iocextract_invalid_lines_are_never_found() {
    let found = iocextract_found();
    let wrong: Vec<String> = lines("iocextract/invalid.txt")
        .into_iter()
        .filter(|v| found.contains(&v.to_lowercase()))
        .collect();
    assert!(wrong.is_empty(), "extracted decoys: {wrong:?}");
}

/// Recall floors: the measured values (2026-11-22) rounded down, so a regression fails.
/// iocextract's misses are its own conventions: scheme-less "URLs" (`example[.]com/`,
/// `192[.]168[.]0[.]1:80/path`) and a phone number.
const FLOOR_IOCEXTRACT_RECALL: f64 = 0.85;
/// Every ESET indicator of a type %ioc extracts is found.
const FLOOR_ESET_RECALL: f64 = 1.0;
/// ESET's MISP types that are not indicator types here (nor in msticpy): reported, not scored.
const UNSCORED: &[&str] = &["filename"];

#[test]
fn eset_reports_recall_by_type() {
    let extractor = all_types();
    let mut per_type: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut total = (0usize, 0usize);
    let (mut extracted, mut published) = (0usize, 0usize);
    for entry in std::fs::read_dir(data("eset-malware-ioc")).unwrap() {
        let dir = entry.unwrap().path();
        let expected = dir.join("expected_iocs.json");
        if !expected.exists() {
            continue;
        }
        let readme = std::fs::read_to_string(dir.join("README.adoc")).unwrap();
        let found: BTreeSet<String> = extractor
            .extract(&readme)
            .iter()
            .map(|f| f.observable.to_lowercase())
            .collect();
        let expected: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(expected).unwrap()).unwrap();
        // Approximate precision: extracted indicators that ESET published anywhere for the
        // report (the text also names benign sites and indicators the lists omit).
        let all_published: BTreeSet<String> = ["in_readme", "not_in_readme"]
            .iter()
            .filter_map(|k| expected[k].as_object())
            .flat_map(|o| o.values())
            .flat_map(|v| v.as_array().into_iter().flatten())
            .filter_map(|v| v.as_str())
            .map(str::to_lowercase)
            .collect();
        if std::env::var_os("HUNTBOOK_SHOW_EXTRAS").is_some() {
            let kinds: BTreeMap<String, String> = extractor
                .extract(&readme)
                .iter()
                .map(|f| (f.observable.to_lowercase(), f.kind.to_string()))
                .collect();
            for f in found.iter().filter(|f| !all_published.contains(*f)) {
                println!("extra {} {f}", kinds.get(f).map_or("?", String::as_str));
            }
        }
        extracted += found.len();
        published += found.iter().filter(|f| all_published.contains(*f)).count();
        for (kind, values) in expected["in_readme"].as_object().unwrap() {
            for value in values.as_array().unwrap() {
                let value = value.as_str().unwrap().to_lowercase();
                let hit = found.contains(&value);
                let slot = per_type.entry(kind.clone()).or_default();
                slot.0 += usize::from(hit);
                slot.1 += 1;
                if !UNSCORED.contains(&kind.as_str()) {
                    total.0 += usize::from(hit);
                    total.1 += 1;
                }
                if !hit && std::env::var_os("HUNTBOOK_SHOW_MISSES").is_some() {
                    println!("miss {kind} {value} in {}", dir.display());
                }
            }
        }
    }
    for (kind, (hit, all)) in &per_type {
        println!(
            "ESET {kind:<10} {hit:>4} / {all:<4} recall {:.3}",
            *hit as f64 / *all as f64
        );
    }
    let recall = total.0 as f64 / total.1 as f64;
    println!(
        "ESET scored types {} / {} recall {recall:.3} (unscored: {UNSCORED:?})",
        total.0, total.1
    );
    println!(
        "ESET approximate precision {published} / {extracted} = {:.3} of extracted indicators are ones ESET published",
        published as f64 / extracted as f64
    );
    assert!(
        recall >= FLOOR_ESET_RECALL,
        "recall {recall:.3} fell below {FLOOR_ESET_RECALL}"
    );
}

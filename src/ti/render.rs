//! The results browser: one collapsible entry per observable, the worst first, each
//! provider's verdict in the summary line and its details and raw answer inside. Plain HTML
//! (`<details>`), so it reads the same with script disabled, on GitHub and in nbviewer;
//! every string from a provider is escaped, and links are kept only when they are http(s).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use super::{Row, Severity, Status};
use crate::render::escape_html as esc;
use crate::render::grid::{Cell, Grid};

/// The most of a raw answer shown inline; the rest is in the `RawResult` column.
pub const RAW_SHOWN: usize = 20_000;

const STYLE: &str = "<style>\
.hb-ti{font-family:var(--jp-ui-font-family,system-ui,sans-serif);font-size:13px}\
.hb-ti details.hb-ioc{border:1px solid #d0d0d0;border-radius:4px;margin:4px 0;padding:2px 6px}\
.hb-ti summary{cursor:pointer}\
.hb-ti .sev{display:inline-block;min-width:6.5em;font-weight:600;text-transform:uppercase;font-size:11px}\
.hb-ti .s-high{color:#b00020}.hb-ti .s-warning{color:#a15c00}.hb-ti .s-information{color:#2e6b30}.hb-ti .s-unknown{color:#666}.hb-ti .s-notfound{color:#777;font-style:italic}\
.hb-ti .chip{display:inline-block;margin-left:6px;padding:0 5px;border-radius:3px;background:#f1f1f1;font-size:11px}\
.hb-ti table{border-collapse:collapse;margin:4px 0 6px 0}\
.hb-ti td,.hb-ti th{border-bottom:1px solid #e4e4e4;padding:2px 8px;text-align:left;vertical-align:top}.hb-ti td:nth-child(2){white-space:nowrap}.hb-ti td a{word-break:break-all}\
.hb-ti pre{max-height:24em;overflow:auto;background:#f7f7f7;padding:4px;font-size:11px;white-space:pre-wrap}\
</style>";

fn worst(rows: &[&Row]) -> Severity {
    rows.iter().map(|r| r.severity).max().unwrap_or(Severity::Unknown)
}

/// Groups rows by observable, the worst severity first, then in the order given.
fn groups(rows: &[Row]) -> Vec<(&str, Vec<&Row>)> {
    let mut order: Vec<&str> = Vec::new();
    let mut by: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for r in rows {
        by.entry(&r.ioc)
            .or_insert_with(|| {
                order.push(&r.ioc);
                Vec::new()
            })
            .push(r);
    }
    let mut out: Vec<(&str, Vec<&Row>)> = order
        .into_iter()
        .map(|k| (k, by.remove(k).unwrap_or_default()))
        .collect();
    out.sort_by_key(|(_, rs)| std::cmp::Reverse(worst(rs)));
    out
}

/// A provider's details as short `key: value` text.
pub fn details_text(details: &str) -> String {
    match serde_json::from_str::<Value>(details) {
        Ok(Value::Object(map)) => map
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| {
                let v = match v {
                    Value::String(s) => s.clone(),
                    Value::Array(a) if a.iter().all(Value::is_string) => {
                        a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")
                    }
                    other => other.to_string(),
                };
                format!("{k}: {v}")
            })
            .collect::<Vec<_>>()
            .join("; "),
        _ => details.to_string(),
    }
}

fn verdict_word(r: &Row) -> String {
    match r.status {
        Status::Ok if !r.found => NOT_FOUND.to_string(),
        Status::Ok => r.severity.as_str().to_string(),
        other => other.as_str().to_string(),
    }
}

/// What a provider that answered but does not know the observable says: not the same as
/// "checked, benign", and shown grey, not green.
const NOT_FOUND: &str = "not found";

/// Whether a provider answered and does not know the observable.
fn unknown_to(r: &Row) -> bool {
    matches!(r.status, Status::Ok | Status::NotFound) && !r.found
}

/// Whether no provider knows the observable, and none gave a worse verdict.
fn nobody_knows(rs: &[&Row]) -> bool {
    worst(rs) == Severity::Information && !rs.iter().any(|r| r.found)
}

/// The heading of an observable: its worst severity, unless no provider knows it at all
/// ("not found", grey) — `information` in green read as "checked, benign".
fn heading(rs: &[&Row]) -> (&'static str, &'static str) {
    if nobody_knows(rs) {
        (NOT_FOUND, "s-notfound")
    } else {
        let w = worst(rs);
        (w.as_str(), severity_class(w))
    }
}

/// The style class of one provider's verdict.
fn verdict_class(r: &Row) -> &'static str {
    if unknown_to(r) {
        "s-notfound"
    } else {
        severity_class(r.severity)
    }
}

/// The style class of a severity (the browser's style colours it).
fn severity_class(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "s-high",
        Severity::Warning => "s-warning",
        Severity::Information => "s-information",
        Severity::Unknown => "s-unknown",
    }
}

/// A provider's raw answer, folded, pretty-printed and cut at [`RAW_SHOWN`] characters.
fn raw_answer(out: &mut String, r: &Row) {
    let text = pretty(&r.raw);
    let mut end = text.len().min(RAW_SHOWN);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let cut = if end < text.len() {
        format!(
            "\n… shown {end} of {} characters; the whole answer is in the RawResult column",
            text.len()
        )
    } else {
        String::new()
    };
    let _ = write!(
        out,
        "<details><summary>raw answer from {} ({} bytes)</summary><pre>{}{}</pre></details>",
        esc(&r.provider),
        r.raw.len(),
        esc(&text[..end]),
        esc(&cut)
    );
}

fn pretty(raw: &str) -> String {
    serde_json::from_str::<Value>(raw)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| raw.to_string())
}

/// The summary: observables by their heading, answers from the cache, lookups without an
/// answer.
pub fn summary(rows: &[Row]) -> String {
    let groups = groups(rows);
    let observables = groups.len();
    let mut worst_by_ioc: BTreeMap<Severity, usize> = BTreeMap::new();
    let mut not_found = 0;
    for (_, rs) in &groups {
        if nobody_knows(rs) {
            not_found += 1;
        } else {
            *worst_by_ioc.entry(worst(rs)).or_default() += 1;
        }
    }
    let cached = rows.iter().filter(|r| r.cached).count();
    let failed = rows.iter().filter(|r| !r.status.is_answer()).count();
    let parts: Vec<String> = [
        Severity::High,
        Severity::Warning,
        Severity::Information,
        Severity::Unknown,
    ]
    .iter()
    .filter_map(|s| worst_by_ioc.get(s).map(|n| format!("{n} {s}")))
    .chain((not_found > 0).then(|| format!("{not_found} {NOT_FOUND}")))
    .collect();
    format!(
        "{observables} observable{} ({}), {} answer{} from the cache, {failed} lookup{} without an answer",
        if observables == 1 { "" } else { "s" },
        if parts.is_empty() {
            "none".into()
        } else {
            parts.join(", ")
        },
        cached,
        if cached == 1 { "" } else { "s" },
        if failed == 1 { "" } else { "s" },
    )
}

/// The browser as HTML (its [`summary`] line and the lookup's warnings are the caller's
/// to show above it).
pub fn html(rows: &[Row]) -> String {
    let mut out = String::with_capacity(4096 + rows.len() * 512);
    out.push_str("<div class=\"hb-ti\">");
    out.push_str(STYLE);
    for (ioc, rs) in groups(rows) {
        let w = worst(&rs);
        let (word, class) = heading(&rs);
        let _ = write!(
            out,
            "<details class=\"hb-ioc\"{}><summary><span class=\"sev {class}\">{word}</span> <code>{}</code> <span class=\"chip\">{}</span>",
            if w == Severity::High { " open" } else { "" },
            esc(ioc),
            esc(&rs[0].ioc_type),
        );
        for r in &rs {
            let _ = write!(
                out,
                "<span class=\"chip {}\">{}: {}{}</span>",
                verdict_class(r),
                esc(&r.provider),
                esc(&verdict_word(r)),
                if r.cached { " (cached)" } else { "" }
            );
        }
        out.push_str("</summary>");
        let mut grid = Grid::new(["Provider", "Status", "Severity", "Details", "Reference"]);
        for r in &rs {
            grid.row([
                Cell::Text(format!(
                    "{}{}",
                    r.provider,
                    r.subtype.as_deref().map(|s| format!(" ({s})")).unwrap_or_default()
                )),
                Cell::Text(format!(
                    "{}{}",
                    r.status.as_str(),
                    r.http_status.map(|h| format!(" (HTTP {h})")).unwrap_or_default()
                )),
                Cell::Tagged(
                    if unknown_to(r) {
                        NOT_FOUND.to_string()
                    } else {
                        r.severity.to_string()
                    },
                    verdict_class(r),
                ),
                Cell::Text(details_text(&r.details)),
                Cell::Link(r.reference.clone(), r.reference.clone()),
            ]);
        }
        out.push_str(&grid.html());
        for r in rs.iter().filter(|r| !r.raw.is_empty()) {
            raw_answer(&mut out, r);
        }
        out.push_str("</details>");
    }
    out.push_str("</div>");
    out
}

/// The browser as text: one line per observable, the worst first.
pub fn text(rows: &[Row]) -> String {
    let mut out = String::new();
    for (ioc, rs) in groups(rows) {
        let _ = write!(out, "{:<11} {ioc} ({})", heading(&rs).0, rs[0].ioc_type);
        for r in rs {
            let _ = write!(
                out,
                "  {}={}{}",
                r.provider,
                verdict_word(r),
                if r.cached { "*" } else { "" }
            );
        }
        out.push('\n');
    }
    if rows.iter().any(|r| r.cached) {
        out.push_str("(* from the cache)\n");
    }
    out
}

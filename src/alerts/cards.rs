//! Alerts as cards: static HTML (`<details>` to fold, no script), worst first, every value
//! escaped; and the same as plain text.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{Alert, SEVERITY_COLOUR, main_value, severity_rank};
use crate::render::escape::escape_html as esc;

/// The alerts in the order the cards show them: worst severity first, then latest first.
pub fn ordered(alerts: &[Alert]) -> Vec<&Alert> {
    let mut out: Vec<&Alert> = alerts.iter().collect();
    out.sort_by(|a, b| {
        severity_rank(&a.severity)
            .cmp(&severity_rank(&b.severity))
            .then_with(|| b.start.cmp(&a.start))
    });
    out
}

/// The summary line: how many alerts, by severity and by tactic.
pub fn summary(alerts: &[Alert]) -> String {
    let mut by_sev: BTreeMap<(u8, String), usize> = BTreeMap::new();
    let mut by_tactic: BTreeMap<String, usize> = BTreeMap::new();
    for a in alerts {
        let sev = if a.severity.is_empty() {
            "unknown".to_string()
        } else {
            a.severity.clone()
        };
        *by_sev.entry((severity_rank(&sev), sev)).or_default() += 1;
        for t in &a.tactics {
            *by_tactic.entry(t.clone()).or_default() += 1;
        }
    }
    let sev: Vec<String> = by_sev.iter().map(|((_, s), n)| format!("{s} {n}")).collect();
    let mut line = format!("{} alert(s) · {}", alerts.len(), sev.join(" · "));
    if !by_tactic.is_empty() {
        let t: Vec<String> = by_tactic.iter().map(|(t, n)| format!("{t} {n}")).collect();
        let _ = write!(line, " · tactics: {}", t.join(", "));
    }
    line
}

/// The first `rows` alerts (in [`ordered`] order) as HTML cards and as text.
pub fn cards(alerts: &[Alert], rows: usize) -> (String, String) {
    let shown = ordered(alerts);
    let total = shown.len();
    let mut html = format!(
        "<div class=\"hb-alerts\"><div style=\"margin-bottom:6px\"><b>{}</b>{}</div>",
        esc(&summary(alerts)),
        if total > rows {
            format!(" — showing {rows} of {total}")
        } else {
            String::new()
        }
    );
    let mut text = summary(alerts);
    if total > rows {
        let _ = write!(text, " — showing {rows} of {total}");
    }
    for a in shown.into_iter().take(rows) {
        html.push_str(&card_html(a));
        text.push_str("\n\n");
        text.push_str(&card_text(a));
    }
    html.push_str("</div>");
    (html, text)
}

/// An ATT&CK id as a link to its page (T1003.001 → techniques/T1003/001).
fn attack_link(id: &str) -> String {
    let clean: String = id
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    let path = if clean.starts_with("TA") {
        format!("tactics/{clean}")
    } else if clean.starts_with('T') && clean.len() > 1 {
        format!("techniques/{}", clean.replace('.', "/"))
    } else {
        return esc(id);
    };
    format!(
        "<a href=\"https://attack.mitre.org/{}/\" target=\"_blank\" rel=\"noopener\">{}</a>",
        esc(&path),
        esc(id)
    )
}

/// The alert's entities by type: each type's values.
fn grouped(a: &Alert) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in &a.entities.entities {
        let v = main_value(e, &a.entities);
        let list = out.entry(e.kind.clone()).or_default();
        if !v.is_empty() && !list.contains(&v) {
            list.push(v);
        }
    }
    out
}

fn card_html(a: &Alert) -> String {
    let colour = SEVERITY_COLOUR[severity_rank(&a.severity) as usize];
    let mut h = format!(
        "<div class=\"hb-alert\" style=\"border-left:4px solid {colour};padding:4px 8px;margin:6px 0\">\
         <div><span style=\"color:{colour};font-weight:bold\">{}</span> <b>{}</b></div>\
         <div style=\"opacity:.8\">{} → {}{}</div>",
        esc(if a.severity.is_empty() { "unknown" } else { &a.severity }),
        esc(&a.name),
        esc(&a.start),
        esc(&a.end),
        if a.product.is_empty() {
            String::new()
        } else {
            format!(" · {}", esc(&a.product))
        }
    );
    if !a.tactics.is_empty() || !a.techniques.is_empty() {
        let t: Vec<String> = a.tactics.iter().map(|t| esc(t)).collect();
        let q: Vec<String> = a.techniques.iter().map(|t| attack_link(t)).collect();
        let _ = write!(h, "<div>tactics: {} · techniques: {}</div>", t.join(", "), q.join(", "));
    }
    if !a.compromised.is_empty() {
        let _ = write!(h, "<div>compromised: <code>{}</code></div>", esc(&a.compromised));
    }
    if !a.shares.is_empty() {
        let shared: Vec<String> = a.shares.iter().map(|k| format!("<code>{}</code>", esc(k))).collect();
        let _ = write!(
            h,
            "<div style=\"color:#6a1b9a\">related: shares {}</div>",
            shared.join(", ")
        );
    }
    if !a.description.is_empty() {
        let _ = write!(h, "<p style=\"margin:4px 0\">{}</p>", esc(&a.description));
    }
    let groups = grouped(a);
    let count: usize = a.entities.entities.len();
    let _ = write!(h, "<details><summary>entities ({count})</summary><table>");
    for (kind, values) in &groups {
        let vals: Vec<String> = values.iter().map(|v| format!("<code>{}</code>", esc(v))).collect();
        let _ = write!(
            h,
            "<tr><td style=\"vertical-align:top\">{}</td><td>{}</td></tr>",
            esc(kind),
            vals.join("<br>")
        );
    }
    h.push_str("</table></details>");
    for w in &a.entities.warnings {
        let _ = write!(h, "<div style=\"color:#b26a00\">⚠ {}</div>", esc(w));
    }
    if !a.extended.is_empty() {
        h.push_str("<details><summary>extended properties</summary><table>");
        for (k, v) in &a.extended {
            let _ = write!(h, "<tr><td>{}</td><td><code>{}</code></td></tr>", esc(k), esc(v));
        }
        h.push_str("</table></details>");
    }
    if !a.remediation.is_empty() {
        let _ = write!(
            h,
            "<details><summary>remediation</summary><pre style=\"white-space:pre-wrap\">{}</pre></details>",
            esc(&a.remediation)
        );
    }
    h.push_str("</div>");
    h
}

fn card_text(a: &Alert) -> String {
    let mut t = format!(
        "[{}] {}\n  {} → {}{}",
        if a.severity.is_empty() { "unknown" } else { &a.severity },
        a.name,
        a.start,
        a.end,
        if a.product.is_empty() {
            String::new()
        } else {
            format!(" · {}", a.product)
        }
    );
    if !a.tactics.is_empty() || !a.techniques.is_empty() {
        let _ = write!(
            t,
            "\n  tactics: {} · techniques: {}",
            a.tactics.join(", "),
            a.techniques.join(", ")
        );
    }
    if !a.compromised.is_empty() {
        let _ = write!(t, "\n  compromised: {}", a.compromised);
    }
    if !a.shares.is_empty() {
        let _ = write!(t, "\n  related: shares {}", a.shares.join(", "));
    }
    if !a.description.is_empty() {
        let _ = write!(t, "\n  {}", a.description.lines().next().unwrap_or_default());
    }
    for (kind, values) in grouped(a) {
        let _ = write!(t, "\n  {kind}: {}", values.join(", "));
    }
    for w in &a.entities.warnings {
        let _ = write!(t, "\n  warning: {w}");
    }
    t
}

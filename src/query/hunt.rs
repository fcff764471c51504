//! Microsoft Sentinel's hunting queries (the `Hunting Queries/*.yaml` of Azure-Sentinel):
//! KQL with its own lookback (`let timeframe = 7d; … ago(timeframe)`), tactics and
//! techniques. [`Hunt::over`] rewrites the lookback to a `%time` window, so a hunt asks
//! about the window the analyst is looking at rather than the last days before now.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

use super::LibraryError;
use crate::time::{TimeWindow, iso};

/// One hunting query.
#[derive(Debug, Clone, PartialEq)]
pub struct Hunt {
    pub id: String,
    pub name: String,
    pub description: String,
    pub tactics: Vec<String>,
    pub techniques: Vec<String>,
    /// The tables its data connectors provide.
    pub tables: Vec<String>,
    pub query: String,
    /// The file it came from (`queries/sentinel-hunting/SecurityEvent/…yaml`).
    pub file: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawHunt {
    id: Option<String>,
    name: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    required_data_connectors: Vec<RawConnector>,
    #[serde(default)]
    tactics: Vec<String>,
    #[serde(default)]
    relevant_techniques: Vec<String>,
    query: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawConnector {
    #[serde(default)]
    data_types: Vec<String>,
}

/// Reads one hunting query file.
pub fn load_hunt(text: &str, path: &Path) -> Result<Hunt, LibraryError> {
    let err = |message: String| LibraryError {
        file: path.to_path_buf(),
        message,
    };
    let raw: RawHunt = serde_yaml::from_str(text).map_err(|e| err(format!("not a hunting query: {e}")))?;
    let query = raw
        .query
        .filter(|q| !q.trim().is_empty())
        .ok_or_else(|| err("no query".into()))?;
    let name = raw.name.ok_or_else(|| err("no name".into()))?;
    let mut tables: Vec<String> = raw
        .required_data_connectors
        .into_iter()
        .flat_map(|c| c.data_types)
        .collect();
    tables.sort();
    tables.dedup();
    Ok(Hunt {
        id: raw.id.unwrap_or_default(),
        name: name.trim().to_string(),
        // The files quote their descriptions in '…' inside a block.
        description: raw.description.trim().trim_matches('\'').trim().to_string(),
        tactics: raw.tactics,
        techniques: raw.relevant_techniques,
        tables,
        query,
        file: path.display().to_string().replace('\\', "/"),
    })
}

/// The hunting queries built into the binary, and the files that did not load.
pub fn builtin_hunts() -> (Vec<Hunt>, Vec<LibraryError>) {
    let mut hunts = Vec::new();
    let mut errors = Vec::new();
    for (path, text) in super::BUILTIN_HUNTS {
        match load_hunt(text, Path::new(path)) {
            Ok(h) => hunts.push(h),
            Err(e) => errors.push(e),
        }
    }
    (hunts, errors)
}

/// A hunt's query over a window, and what was changed to put it there.
#[derive(Debug, Clone, PartialEq)]
pub struct Windowed {
    pub kql: String,
    pub note: String,
}

static AGO: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\bago\s*\(\s*([^()]*?)\s*\)").expect("a valid pattern"));
static NOW: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\bnow\s*\(\s*\)").expect("a valid pattern"));

impl Hunt {
    /// The query asking about `window`. A hunt with one lookback (`ago(timeframe)`
    /// everywhere) gets the window's start in its place; a hunt comparing periods
    /// (`ago(starttime) .. ago(endtime)`) keeps its periods but measures them back from the
    /// window's end instead of from now. `now()` becomes the window's end. The service is
    /// also given the window as the query's time span, so no row outside it is read.
    pub fn over(&self, window: &TimeWindow) -> Windowed {
        let (start, end) = (
            format!("datetime({})", iso(window.start)),
            format!("datetime({})", iso(window.end)),
        );
        let mut lookbacks: Vec<&str> = AGO
            .captures_iter(&self.query)
            .filter_map(|c| c.get(1).map(|m| m.as_str()))
            .collect();
        lookbacks.sort_unstable();
        lookbacks.dedup();
        let (kql, note) = match lookbacks.as_slice() {
            [] => (
                self.query.clone(),
                "the hunt has no lookback of its own; the window is given to the service as the time span".to_string(),
            ),
            [one] => (
                AGO.replace_all(&self.query, start.as_str()).into_owned(),
                format!("lookback ago({one}) replaced by the window's start"),
            ),
            several => (
                AGO.replace_all(&self.query, |c: &regex::Captures| format!("({end} - ({}))", &c[1]))
                    .into_owned(),
                format!(
                    "the hunt compares periods ({}); they are measured back from the window's end",
                    several
                        .iter()
                        .map(|l| format!("ago({l})"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        };
        Windowed {
            kql: NOW.replace_all(&kql, end.as_str()).into_owned(),
            note,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window() -> TimeWindow {
        TimeWindow {
            start: "2026-11-01T00:00:00Z".parse().unwrap(),
            end: "2026-11-08T00:00:00Z".parse().unwrap(),
        }
    }

    fn hunt(query: &str) -> Hunt {
        load_hunt(
            &format!("name: t\nquery: |\n  {}\n", query.replace('\n', "\n  ")),
            Path::new("t.yaml"),
        )
        .unwrap()
    }

    #[test]
    fn one_lookback_becomes_the_windows_start() {
        let w = hunt("let timeframe = 7d;\nSecurityEvent\n| where TimeGenerated >= ago(timeframe)\n| where T2 > ago( timeframe )").over(&window());
        assert!(
            w.kql.contains("TimeGenerated >= datetime(2026-11-01T00:00:00Z)"),
            "{}",
            w.kql
        );
        assert!(w.kql.contains("T2 > datetime(2026-11-01T00:00:00Z)"), "{}", w.kql);
        assert!(!w.kql.contains("ago("));
        assert!(w.note.contains("ago(timeframe)"));
    }

    #[test]
    fn compared_periods_are_measured_from_the_windows_end() {
        let w =
            hunt("T | where TimeGenerated between (ago(starttime) .. ago(endtime)) | where x < now()").over(&window());
        assert!(
            w.kql.contains("between ((datetime(2026-11-08T00:00:00Z) - (starttime)) .. (datetime(2026-11-08T00:00:00Z) - (endtime)))"),
            "{}",
            w.kql
        );
        assert!(w.kql.contains("x < datetime(2026-11-08T00:00:00Z)"));
        assert!(w.note.contains("ago(endtime), ago(starttime)"), "{}", w.note);
    }

    #[test]
    fn every_shipped_hunt_loads() {
        let (hunts, errors) = builtin_hunts();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(hunts.len(), 207);
        assert!(hunts.iter().all(|h| !h.tactics.is_empty() || !h.query.is_empty()));
    }
}

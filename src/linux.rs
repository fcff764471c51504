//! Linux logon and sudo sessions from syslog, and the commands in them that look risky, as
//! msticpy's `syslog_utils` and `cmd_line`: sessions paired from PAM's "session opened" and
//! "session closed" messages (`cluster_syslog_logons_df`), command lines matched against
//! rules (`risky_cmd_line`, msticpy's five default rules built in), runs of commands too
//! fast for a person (`cmd_speed`), and the sessions either falls in (`risky_sudo_sessions`).

use std::sync::LazyLock;

use base64::Engine as _;
use polars::prelude::*;
use regex::Regex;

use crate::frame::{no_column, text_values, time_values};
use crate::{Error, Result};

/// msticpy's default rules (`resources/cmd_line_rules.json`, its "Syslog" list): an
/// authorized_keys edit, a download piped to a shell, a fork bomb, a file moved to
/// /dev/null, and bash itself.
pub const DEFAULT_RULES: [&str; 5] = [
    r".*authorized_keys.*",
    r".*(wget|curl).*\|?.*sh.*",
    r".*(:\(\){:\|:&};:).*",
    r".*(mv.*/dev/null).*",
    r".*/bin/bash.*",
];

static OPENED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"pam_unix.+session opened").unwrap());
static CLOSED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"pam_unix.+session closed").unwrap());
/// The user a PAM session message names: `session opened for user root by peteb(uid=0)`.
static FOR_USER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"session (?:opened|closed) for user ([^\s(]+)").unwrap());
/// sudo's own line: `peteb : TTY=pts/0 ; PWD=/home/peteb ; USER=root ; COMMAND=/usr/bin/id`.
static SUDO_COMMAND: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"COMMAND=(.*)$").unwrap());
/// A command that is Base64 through to its end (msticpy's test before it decodes).
static BASE64: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$").unwrap()
});

/// Where the events' parts are: the time, the syslog message, and optionally the process
/// (old-style tags like `sshd(pam_unix)` put PAM there), the user and the command.
#[derive(Debug, Clone)]
pub struct Columns {
    pub time: String,
    pub message: String,
    pub process: Option<String>,
    pub user: Option<String>,
    pub command: Option<String>,
}

/// A logon or sudo session: who, from its opening to its closing message.
#[derive(Debug, Clone, PartialEq)]
pub struct PamSession {
    pub user: Option<String>,
    pub start: i64,
    pub end: i64,
}

/// Risky-command rules: regular expressions matched from the start of a command (Python's
/// `re.match`), the first that matches named.
#[derive(Debug, Clone)]
pub struct Rules {
    rules: Vec<(String, Regex)>,
}

impl Rules {
    /// Rules from their patterns; a pattern that does not compile is an error naming it.
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<Rules> {
        let rules = patterns
            .iter()
            .map(|p| {
                let p = p.as_ref();
                Regex::new(&format!("^(?:{})", python_braces(p)))
                    .map(|r| (p.to_string(), r))
                    .map_err(|e| {
                        Error::Invalid(format!(
                            "the rule {p:?} is not a regular expression Huntbook reads: {e}"
                        ))
                    })
            })
            .collect::<Result<_>>()?;
        Ok(Rules { rules })
    }

    /// msticpy's defaults.
    pub fn defaults() -> Rules {
        Rules::new(&DEFAULT_RULES).expect("the default rules compile")
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The first rule `command` matches.
    fn matching(&self, command: &str) -> Option<&str> {
        self.rules
            .iter()
            .find(|(_, r)| r.is_match(command))
            .map(|(p, _)| p.as_str())
    }
}

static QUANTIFIER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\{(?:\d+(?:,\d*)?|,\d+)\}").unwrap());

/// `pattern` with each `{` that does not open a repetition (`{2}`, `{2,}`, `{2,5}`, `{,5}`)
/// escaped: Python reads such a brace as itself (msticpy's fork-bomb rule has `{:\|:&}`),
/// Rust's regex refuses it.
fn python_braces(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 4);
    let mut escaped = false;
    for (i, c) in pattern.char_indices() {
        if c == '{' && !escaped && !QUANTIFIER.is_match(&pattern[i..]) {
            out.push('\\');
        }
        escaped = c == '\\' && !escaped;
        out.push(c);
    }
    out
}

/// A command that matched a rule: its row, time, text, the rule, and whether it matched
/// only once decoded from Base64 (then `command` is the decoded text).
#[derive(Debug, Clone, PartialEq)]
pub struct Risky {
    pub row: usize,
    pub time: i64,
    pub command: String,
    pub rule: String,
    pub decoded: bool,
}

/// `events` commands in a row, all within less than `within` µs: msticpy's `cmd_speed`
/// window. `rows` are the commands' rows; `span` the time from the first to the one after
/// the last (msticpy measures to the next command).
#[derive(Debug, Clone, PartialEq)]
pub struct Burst {
    pub rows: Vec<usize>,
    pub span: i64,
    /// When msticpy places the burst: its second command.
    pub at: i64,
}

/// The events' commands: the command column, else sudo's `COMMAND=` in the message; rows
/// with no time or an empty command left out. In time order (stable).
pub fn commands(df: &DataFrame, columns: &Columns) -> Result<Vec<(usize, i64, String)>> {
    let times = time_values(df, &columns.time)?;
    let texts = text_values(df, columns.command.as_ref().unwrap_or(&columns.message))?;
    let mut out: Vec<(usize, i64, String)> = (0..df.height())
        .filter_map(|i| {
            let text = texts.get(i)?;
            let command = match &columns.command {
                Some(_) => text,
                None => SUDO_COMMAND.captures(text)?.get(1)?.as_str(),
            };
            let command = command.trim_end();
            if command.is_empty() {
                return None;
            }
            Some((i, times[i]?, command.to_string()))
        })
        .collect();
    out.sort_by_key(|(_, t, _)| *t);
    Ok(out)
}

/// msticpy's `cluster_syslog_logons_df`: opening and closing messages, each in time order,
/// paired in turn. An opening inside the session just paired is skipped; a closing before
/// the opening it would pair with is skipped. The user is the user column's value at the
/// opening, else the user the message names.
pub fn pam_sessions(df: &DataFrame, columns: &Columns) -> Result<Vec<PamSession>> {
    let times = time_values(df, &columns.time)?;
    let messages = text_values(df, &columns.message)?;
    let process = columns.process.as_ref().map(|p| text_values(df, p)).transpose()?;
    let users = columns.user.as_ref().map(|u| text_values(df, u)).transpose()?;
    // Old syslog tags put PAM in the process (`sshd(pam_unix)`) and not in the message.
    let pam_tag = |i: usize| {
        process
            .as_ref()
            .and_then(|p| p.get(i))
            .is_some_and(|p| p.contains("pam_unix"))
    };
    let is = |i: usize, re: &Regex, words: &str| {
        messages
            .get(i)
            .is_some_and(|m| re.is_match(m) || (pam_tag(i) && m.contains(words)))
    };
    let mut opened: Vec<(i64, usize)> = Vec::new();
    let mut closed: Vec<i64> = Vec::new();
    for (i, t) in times.iter().enumerate() {
        let Some(t) = *t else { continue };
        if is(i, &OPENED, "session opened") {
            opened.push((t, i));
        } else if is(i, &CLOSED, "session closed") {
            closed.push(t);
        }
    }
    opened.sort_by_key(|(t, _)| *t);
    closed.sort();
    let user_of = |i: usize| -> Option<String> {
        match &users {
            Some(u) => u.get(i).map(str::to_string),
            None => FOR_USER.captures(messages.get(i)?).map(|c| c[1].to_string()),
        }
    };
    let mut sessions = Vec::new();
    let mut last_end = times.iter().flatten().max().copied().unwrap_or_default();
    let (mut o, mut c) = (0, 0);
    while o < opened.len() && c < closed.len() {
        let ((start, row), end) = (opened[o], closed[c]);
        if start <= last_end && o != 0 {
            o += 1;
            continue;
        }
        if end < start {
            c += 1;
            continue;
        }
        sessions.push(PamSession {
            user: user_of(row),
            start,
            end,
        });
        last_end = end;
        o += 1;
        c += 1;
    }
    Ok(sessions)
}

/// msticpy's `risky_cmd_line`, each matching command kept (msticpy keys them by time, so
/// two at the same time were one). A command that is Base64 to its end is also matched
/// decoded (msticpy decodes it but then matches the encoded text).
pub fn risky(commands: &[(usize, i64, String)], rules: &Rules) -> Vec<Risky> {
    commands
        .iter()
        .filter_map(|(row, time, command)| {
            let found = |command: &str, decoded| {
                rules.matching(command).map(|rule| Risky {
                    row: *row,
                    time: *time,
                    command: command.to_string(),
                    rule: rule.to_string(),
                    decoded,
                })
            };
            found(command, false).or_else(|| {
                let text = BASE64.is_match(command).then(|| decode(command)).flatten()?;
                found(&text, true)
            })
        })
        .collect()
}

fn decode(text: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(text).ok()?;
    String::from_utf8(bytes).ok()
}

/// msticpy's `cmd_speed` over commands in time order: each window of `events` commands
/// whose first and the next after its last are less than `within` µs apart, latest first
/// as msticpy lists them.
pub fn bursts(commands: &[(usize, i64, String)], events: usize, within: i64) -> Vec<Burst> {
    if events == 0 || commands.len() < events + 1 {
        return Vec::new();
    }
    (0..commands.len() - events)
        .rev()
        .filter_map(|i| {
            let span = commands[i + events].1 - commands[i].1;
            (span < within).then(|| Burst {
                rows: commands[i..i + events].iter().map(|c| c.0).collect(),
                span,
                at: commands[(i + 1).min(commands.len() - 1)].1,
            })
        })
        .collect()
}

/// msticpy's `risky_sudo_sessions`: for each session, the risky commands whose time falls
/// within it (ends included), and whether a burst is placed within it. Each session finds
/// its own by binary search over the times, so a million events take no longer than their
/// sort (msticpy compares every session with every command).
pub fn flag(sessions: &[PamSession], risky: &[Risky], bursts: &[Burst]) -> Vec<(Vec<usize>, bool)> {
    let mut by_time: Vec<usize> = (0..risky.len()).collect();
    by_time.sort_by_key(|&k| risky[k].time);
    let mut burst_times: Vec<i64> = bursts.iter().map(|b| b.at).collect();
    burst_times.sort_unstable();
    sessions
        .iter()
        .map(|s| {
            let from = by_time.partition_point(|&k| risky[k].time < s.start);
            let to = by_time.partition_point(|&k| risky[k].time <= s.end);
            let mut found = by_time[from..to.max(from)].to_vec();
            found.sort_unstable();
            let next = burst_times.partition_point(|&t| t < s.start);
            (found, burst_times.get(next).is_some_and(|&t| t <= s.end))
        })
        .collect()
}

/// The session `t` falls in (ends included). Sessions from [`pam_sessions`] are in time
/// order and do not overlap, so a binary search finds it.
pub fn session_at(sessions: &[PamSession], t: i64) -> Option<usize> {
    let i = sessions.partition_point(|s| s.start <= t).checked_sub(1)?;
    (t <= sessions[i].end).then_some(i)
}

/// How many of `commands` (in time order, as [`commands`] gives them) fall within each
/// session, ends included.
pub fn commands_within(sessions: &[PamSession], commands: &[(usize, i64, String)]) -> Vec<i64> {
    sessions
        .iter()
        .map(|s| {
            let from = commands.partition_point(|c| c.1 < s.start);
            let to = commands.partition_point(|c| c.1 <= s.end);
            to.saturating_sub(from) as i64
        })
        .collect()
}

/// Columns with their defaults filled in as msticpy reads them: the user from `User`, else
/// `Sudoer`; the command from `Command`; the process from `ProcessName`, when they exist.
pub fn default_columns(df: &DataFrame, time: String, message: Option<String>) -> Result<Columns> {
    let has = |n: &str| df.column(n).is_ok();
    let message = message.unwrap_or_else(|| "SyslogMessage".into());
    for name in [&time, &message] {
        if !has(name) {
            return Err(no_column(df, name));
        }
    }
    let first = |names: &[&str]| names.iter().find(|n| has(n)).map(|n| n.to_string());
    Ok(Columns {
        time,
        message,
        process: first(&["ProcessName"]),
        user: first(&["User", "Sudoer"]),
        command: first(&["Command"]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The binary searches give what comparing every session with every event gives.
    #[test]
    fn flags_and_counts_are_the_plain_comparisons() {
        let sessions: Vec<PamSession> = (0..50)
            .map(|k| PamSession {
                user: None,
                start: k * 100,
                end: k * 100 + (k % 7) * 10,
            })
            .collect();
        let commands: Vec<(usize, i64, String)> =
            (0..800).map(|i| (i, (i as i64 * 37) % 5000, String::new())).collect();
        let mut sorted = commands.clone();
        sorted.sort_by_key(|c| c.1);
        let risky: Vec<Risky> = sorted
            .iter()
            .step_by(3)
            .map(|c| Risky {
                row: c.0,
                time: c.1,
                command: String::new(),
                rule: String::new(),
                decoded: false,
            })
            .collect();
        let bursts: Vec<Burst> = (0..40)
            .map(|k| Burst {
                rows: Vec::new(),
                span: 0,
                at: k * 123,
            })
            .collect();
        let within = |s: &PamSession, t: i64| s.start <= t && t <= s.end;
        let plain: Vec<(Vec<usize>, bool)> = sessions
            .iter()
            .map(|s| {
                let found = (0..risky.len()).filter(|&k| within(s, risky[k].time)).collect();
                (found, bursts.iter().any(|b| within(s, b.at)))
            })
            .collect();
        assert_eq!(flag(&sessions, &risky, &bursts), plain);
        let counts: Vec<i64> = sessions
            .iter()
            .map(|s| sorted.iter().filter(|c| within(s, c.1)).count() as i64)
            .collect();
        assert_eq!(commands_within(&sessions, &sorted), counts);
        for t in [-1, 0, 5, 60, 61, 4960, 99_999] {
            assert_eq!(
                session_at(&sessions, t),
                sessions.iter().position(|s| within(s, t)),
                "{t}"
            );
        }
    }

    #[test]
    fn rules_match_from_the_start_and_base64_is_read() {
        let rules = Rules::defaults();
        assert_eq!(rules.matching("/bin/bash -i"), Some(r".*/bin/bash.*"));
        assert_eq!(rules.matching("curl http://x | sh"), Some(r".*(wget|curl).*\|?.*sh.*"));
        assert_eq!(rules.matching("/usr/bin/id"), None);
        assert_eq!(
            rules.matching("x :(){:|:&};:"),
            Some(r".*(:\(\){:\|:&};:).*"),
            "Python's literal braces"
        );
        assert_eq!(python_braces(r"a{2,3}\{b{"), r"a{2,3}\{b\{");
        let only_anchored = Rules::new(&["bash"]).unwrap();
        assert_eq!(
            only_anchored.matching("/bin/bash"),
            None,
            "re.match anchors at the start"
        );
        // "cat ~/.ssh/authorized_keys" in Base64.
        let encoded = base64::engine::general_purpose::STANDARD.encode("cat ~/.ssh/authorized_keys");
        let found = risky(&[(7, 1, encoded)], &rules);
        assert_eq!(found.len(), 1);
        assert!(found[0].decoded && found[0].command.contains("authorized_keys"));
        let e = Rules::new(&["(?<=x)y"]).unwrap_err().to_string();
        assert!(e.contains("(?<=x)y"), "{e}");
    }
}

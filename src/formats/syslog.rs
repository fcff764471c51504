//! Syslog text files to frames: RFC 3164 (`<PRI>Mmm dd hh:mm:ss host tag[pid]: message`,
//! the classic `/var/log/messages` and `auth.log` shape, with or without the `<PRI>`) and
//! RFC 5424 (`<PRI>1 2003-10-11T22:14:15.003Z host app procid msgid [sd] message`).
//!
//! Columns follow the Sentinel `Syslog` table an analyst already knows: `TimeGenerated`
//! (UTC), `Computer`, `ProcessName`, `ProcessID`, `Facility`, `SeverityLevel`,
//! `SyslogMessage`, plus `MsgId` and `StructuredData` for RFC 5424 lines and `LineNumber`.
//!
//! RFC 3164 timestamps carry no year. Lines are placed in consecutive years from the file's
//! own order (a month that goes backwards is the new year), ending no later than `now`, and
//! a warning says which year was assumed, so a window query over the file is not silently
//! empty. Lines that are neither form (continuations, banners) are skipped and counted in a
//! warning with the first line number.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone as _, Utc};
use polars::prelude::*;
use regex::Regex;
use std::sync::LazyLock;

use super::lines::parse_lines;
use super::{Format, Input};
use crate::error::Result;
use crate::frame::Warned;

// A Zeek log's header is not syslog, whatever its first lines look like.
pub const SYSLOG: Format = Format::new("syslog", "syslog", &["log"], |input: &Input| {
    read_syslog_text(&input.text()?, &input.name(), Utc::now())
})
.sniff(|head| looks_like_syslog(head) && !super::zeek::looks_like_zeek(head))
.table("Syslog");

const FACILITIES: [&str; 24] = [
    "kern",
    "user",
    "mail",
    "daemon",
    "auth",
    "syslog",
    "lpr",
    "news",
    "uucp",
    "cron",
    "authpriv",
    "ftp",
    "ntp",
    "security",
    "console",
    "solaris-cron",
    "local0",
    "local1",
    "local2",
    "local3",
    "local4",
    "local5",
    "local6",
    "local7",
];
const SEVERITIES: [&str; 8] = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];

static RFC3164: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:<(?P<pri>\d{1,3})>)?(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(?P<day>\d{1,2}) (?P<h>\d\d):(?P<m>\d\d):(?P<s>\d\d) (?P<host>\S+) (?P<rest>.*)$",
    )
    .expect("valid regex")
});

static RFC5424: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^<(?P<pri>\d{1,3})>1 (?P<ts>\S+) (?P<host>\S+) (?P<app>\S+) (?P<procid>\S+) (?P<msgid>\S+) (?P<rest>.*)$",
    )
    .expect("valid regex")
});

/// `tag[pid]: message` (the tag may hold spaces, as `-- root[2421]:` does), `tag: message`,
/// or a message with no tag.
static TAG_PID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?P<tag>[^:\[\]]{1,48}?)\[(?P<pid>[^\]]*)\]: ?(?P<msg>.*)$").expect("valid regex"));
static TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?P<tag>[^:\[\]]{1,48}?): ?(?P<msg>.*)$").expect("valid regex"));

/// One parsed line.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Line {
    pub line_number: i64,
    /// Microseconds since the epoch. For RFC 3164 lines, in year 0 until years are assigned.
    pub time: Option<i64>,
    month_day: Option<(u32, u32, u32)>,
    pub host: Option<String>,
    pub program: Option<String>,
    pub pid: Option<String>,
    pub facility: Option<&'static str>,
    pub severity: Option<&'static str>,
    pub message: String,
    pub msg_id: Option<String>,
    pub structured_data: Option<String>,
}

/// Whether text looks like syslog: its first non-empty line is RFC 3164 or 5424.
pub fn looks_like_syslog(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| RFC5424.is_match(l.trim_end()) || RFC3164.is_match(l.trim_end()))
}

fn pri(text: Option<&str>) -> (Option<&'static str>, Option<&'static str>) {
    match text.and_then(|p| p.parse::<usize>().ok()) {
        Some(p) if p < 192 => (Some(FACILITIES[p / 8]), Some(SEVERITIES[p % 8])),
        _ => (None, None),
    }
}

fn nil(text: &str) -> Option<String> {
    (text != "-").then(|| text.to_string())
}

/// Parses one line; `None` when it is neither RFC 3164 nor RFC 5424.
pub fn parse_line(line: &str, line_number: i64) -> Option<Line> {
    let line = line.trim_end_matches(['\r', '\n']);
    if let Some(c) = RFC5424.captures(line) {
        let (facility, severity) = pri(c.name("pri").map(|m| m.as_str()));
        let time = match &c["ts"] {
            "-" => None,
            ts => Some(
                DateTime::parse_from_rfc3339(ts)
                    .ok()?
                    .with_timezone(&Utc)
                    .timestamp_micros(),
            ),
        };
        let (sd, msg) = split_structured_data(&c["rest"])?;
        return Some(Line {
            line_number,
            time,
            host: nil(&c["host"]),
            program: nil(&c["app"]),
            pid: nil(&c["procid"]),
            facility,
            severity,
            message: msg.trim_start_matches('\u{feff}').to_string(),
            msg_id: nil(&c["msgid"]),
            structured_data: sd,
            ..Line::default()
        });
    }
    let c = RFC3164.captures(line)?;
    let (facility, severity) = pri(c.name("pri").map(|m| m.as_str()));
    let month = 1 + [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == &c["mon"])? as u32;
    let day: u32 = c["day"].parse().ok()?;
    let seconds: u32 =
        c["h"].parse::<u32>().ok()? * 3600 + c["m"].parse::<u32>().ok()? * 60 + c["s"].parse::<u32>().ok()?;
    let rest = c["rest"].trim_start();
    let (program, pid, message) = match TAG_PID.captures(rest).or_else(|| TAG.captures(rest)) {
        Some(t) => (
            Some(t["tag"].to_string()),
            t.name("pid").map(|p| p.as_str().to_string()),
            t["msg"].to_string(),
        ),
        None => (None, None, rest.to_string()),
    };
    Some(Line {
        line_number,
        time: None,
        month_day: Some((month, day, seconds)),
        host: Some(c["host"].to_string()),
        program,
        pid,
        facility,
        severity,
        message,
        ..Line::default()
    })
}

/// `[id k="v"][id2 …] message` or `- message`: the structured data and the message.
fn split_structured_data(rest: &str) -> Option<(Option<String>, &str)> {
    if let Some(msg) = rest.strip_prefix('-') {
        return Some((None, msg.strip_prefix(' ').unwrap_or(msg)));
    }
    if !rest.starts_with('[') {
        return None;
    }
    // Walk the SD-ELEMENTs, honouring \" \] \\ escapes inside quoted values.
    let bytes = rest.as_bytes();
    let (mut i, mut quoted) = (0, false);
    loop {
        match bytes.get(i) {
            None => return None,
            Some(b'\\') if quoted => i += 1,
            Some(b'"') => quoted = !quoted,
            Some(b']') if !quoted && bytes.get(i + 1) != Some(&b'[') => {
                let msg = &rest[i + 1..];
                return Some((Some(rest[..=i].to_string()), msg.strip_prefix(' ').unwrap_or(msg)));
            }
            _ => {}
        }
        i += 1;
    }
}

/// Reads syslog text. RFC 3164 lines get years ending at `now` (see the module note).
pub fn read_syslog_text(text: &str, name: &str, now: DateTime<Utc>) -> Result<Warned<DataFrame>> {
    let (mut lines, skipped) = parse_lines(text, |raw, number| parse_line(raw, number as i64));
    let mut warnings = Vec::new();
    if let Some(year) = assign_years(&mut lines, now) {
        warnings.push(format!(
            "{name}: RFC 3164 lines carry no year; assumed the file ends in {year} (the latest year not after today)"
        ));
    }
    if skipped.count > 0 {
        warnings.push(format!(
            "{name}: {} line(s) are not syslog and were skipped (first at line {})",
            skipped.count, skipped.first_line
        ));
    }
    if lines.is_empty() {
        return Err(crate::error::Error::Format {
            path: name.into(),
            format: "syslog",
            message: "no line is RFC 3164 or RFC 5424 syslog".into(),
        });
    }
    Ok(Warned {
        value: to_frame(&lines)?,
        warnings,
    })
}

/// Gives RFC 3164 lines their years; returns the year of the last such line.
fn assign_years(lines: &mut [Line], now: DateTime<Utc>) -> Option<i32> {
    // Year offsets relative to the first line: a month going backwards starts a new year.
    let mut offsets = Vec::new();
    let (mut offset, mut last_month) = (0i32, None);
    for l in lines.iter() {
        if let Some((month, _, _)) = l.month_day {
            if last_month.is_some_and(|m| month < m) {
                offset += 1;
            }
            last_month = Some(month);
            offsets.push(offset);
        }
    }
    let (&last_offset, (last_month, last_day, last_secs)) =
        (offsets.last()?, lines.iter().rev().find_map(|l| l.month_day)?);
    let mut end_year = now.year();
    let last_time = |year: i32| stamp(year, last_month, last_day, last_secs);
    if last_time(end_year).is_none_or(|t| t > now.timestamp_micros()) {
        end_year -= 1;
    }
    let base = end_year - last_offset;
    let mut k = 0;
    for l in lines.iter_mut() {
        if let Some((month, day, secs)) = l.month_day {
            l.time = stamp(base + offsets[k], month, day, secs);
            k += 1;
        }
    }
    Some(end_year)
}

fn stamp(year: i32, month: u32, day: u32, seconds: u32) -> Option<i64> {
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let dt = date.and_hms_opt(seconds / 3600, seconds / 60 % 60, seconds % 60)?;
    Some(Utc.from_utc_datetime(&dt).timestamp_micros())
}

fn to_frame(lines: &[Line]) -> Result<DataFrame> {
    let strings = |f: &dyn Fn(&Line) -> Option<&str>| -> Vec<Option<&str>> { lines.iter().map(f).collect() };
    let any_5424 = lines.iter().any(|l| l.month_day.is_none());
    let time = crate::frame::utc_times("TimeGenerated", lines.iter().map(|l| l.time));
    let mut columns = vec![
        time,
        Column::new("Computer".into(), strings(&|l| l.host.as_deref())),
        Column::new("ProcessName".into(), strings(&|l| l.program.as_deref())),
        Column::new("ProcessID".into(), strings(&|l| l.pid.as_deref())),
        Column::new("Facility".into(), strings(&|l| l.facility)),
        Column::new("SeverityLevel".into(), strings(&|l| l.severity)),
        Column::new("SyslogMessage".into(), strings(&|l| Some(l.message.as_str()))),
    ];
    if any_5424 {
        columns.push(Column::new("MsgId".into(), strings(&|l| l.msg_id.as_deref())));
        columns.push(Column::new(
            "StructuredData".into(),
            strings(&|l| l.structured_data.as_deref()),
        ));
    }
    columns.push(Column::new(
        "LineNumber".into(),
        lines.iter().map(|l| l.line_number).collect::<Vec<_>>(),
    ));
    Ok(DataFrame::new_infer_height(columns)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
    }

    #[test]
    fn rfc5424_examples_from_the_rfc() {
        // RFC 5424 §6.5, examples 1, 3 and 4.
        let l = parse_line(
            "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - 'su root' failed for lonvick on /dev/pts/8",
            1,
        )
        .unwrap();
        assert_eq!(l.facility, Some("auth"));
        assert_eq!(l.severity, Some("crit"));
        assert_eq!(l.host.as_deref(), Some("mymachine.example.com"));
        assert_eq!(l.program.as_deref(), Some("su"));
        assert_eq!(l.pid, None);
        assert_eq!(l.msg_id.as_deref(), Some("ID47"));
        assert_eq!(l.message, "'su root' failed for lonvick on /dev/pts/8");
        assert_eq!(l.time, Some(1_065_910_455_003_000));
        let l = parse_line(
            r#"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] An application event log entry..."#,
            2,
        )
        .unwrap();
        assert_eq!(l.facility, Some("local4"));
        assert_eq!(l.severity, Some("notice"));
        assert_eq!(
            l.structured_data.as_deref(),
            Some(r#"[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"]"#)
        );
        assert_eq!(l.message, "An application event log entry...");
        let l = parse_line(
            r#"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Appl\]ication"][examplePriority@32473 class="high"]"#,
            3,
        )
        .unwrap();
        assert!(
            l.structured_data
                .unwrap()
                .ends_with(r#"[examplePriority@32473 class="high"]"#)
        );
        assert_eq!(l.message, "");
    }

    #[test]
    fn rfc3164_with_and_without_pri() {
        let l = parse_line("<13>Feb  5 17:32:18 10.0.0.99 myapp[4242]: Use the BFG!", 1).unwrap();
        assert_eq!(l.facility, Some("user"));
        assert_eq!(l.severity, Some("notice"));
        assert_eq!(l.program.as_deref(), Some("myapp"));
        assert_eq!(l.pid.as_deref(), Some("4242"));
        assert_eq!(l.message, "Use the BFG!");
        let l = parse_line(
            "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; rhost=218.188.2.4",
            2,
        )
        .unwrap();
        assert_eq!(l.host.as_deref(), Some("combo"));
        assert_eq!(l.program.as_deref(), Some("sshd(pam_unix)"));
        assert_eq!(l.facility, None);
        let l = parse_line("Jul 27 14:41:57 combo kernel: Linux version 2.6.5", 3).unwrap();
        assert_eq!(l.program.as_deref(), Some("kernel"));
        assert_eq!(l.pid, None);
        assert!(parse_line("not syslog at all", 4).is_none());
    }

    fn times(df: &DataFrame) -> Int64Chunked {
        df.column("TimeGenerated")
            .unwrap()
            .datetime()
            .unwrap()
            .physical()
            .clone()
    }

    #[test]
    fn years_roll_over_and_end_before_now() {
        let text = "Dec 31 23:59:00 h a: one\nJan  1 00:01:00 h a: two\n";
        let df = read_syslog_text(text, "t", now()).unwrap();
        let t = times(&df.value);
        assert_eq!(t.get(0), stamp(2025, 12, 31, 86340));
        assert_eq!(t.get(1), stamp(2026, 1, 1, 60));
        assert!(df.warnings[0].contains("2026"));
        // A December line read in November cannot be this year's.
        let df = read_syslog_text("Dec  1 00:00:00 h a: x\n", "t", now()).unwrap();
        let t = times(&df.value);
        assert_eq!(t.get(0), stamp(2025, 12, 1, 0));
    }

    #[test]
    fn skipped_lines_are_counted() {
        let df = read_syslog_text(
            "Jun 14 15:16:01 h a: x\n  continuation\nJun 14 15:16:02 h a: y\n",
            "f.log",
            now(),
        )
        .unwrap();
        assert_eq!(df.value.height(), 2);
        assert!(
            df.warnings
                .iter()
                .any(|w| w.contains("1 line(s)") && w.contains("line 2")),
            "{:?}",
            df.warnings
        );
        assert!(read_syslog_text("nothing here\n", "f.log", now()).is_err());
    }
}

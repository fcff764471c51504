//! Which columns a table shows when a frame is too wide to read.
//!
//! A Sysmon or 4688 frame has thirty to sixty columns; shown in file order, the time, host,
//! account, process and command line an analyst reads first are a sideways scroll away,
//! behind GUIDs and flags. Up to [`MAX_COLUMNS`] columns are shown as they are (the order
//! of a `SELECT` is the author's). A wider frame shows the columns that tell the story
//! first, in this order — time, host, account, event (and logon type or result), process,
//! command line, addresses —
//! then the others in frame order up to the limit, and names every column left out of the
//! view (the frame keeps them all; `%show --columns` picks others).

use polars::prelude::*;

/// The most columns a table shows before it chooses.
pub const MAX_COLUMNS: usize = 16;

/// The columns that tell the story, by role, in the order shown. Names are matched
/// without regard to case; within a role, the first name present wins a place and the
/// others follow it.
const KEY_COLUMNS: &[&[&str]] = &[
    &[
        "TimeGenerated",
        "TimeCreated",
        "Timestamp",
        "@timestamp",
        "EventTime",
        "UtcTime",
        "TimeCreatedUtc",
        "StartTimeUtc",
        "StartTime",
        "ts",
        "time",
        "datetime",
        "date",
    ],
    &[
        "Computer",
        "DeviceName",
        "HostName",
        "Hostname",
        "Host",
        "ComputerName",
        "hostname",
        "host",
    ],
    &[
        "Account",
        "SubjectUserName",
        "TargetUserName",
        "AccountName",
        "UserName",
        "User",
        "UserPrincipalName",
        "user",
        "uid",
    ],
    &[
        "EventID",
        "EventId",
        "ActionType",
        "Activity",
        "OperationName",
        "AlertName",
        "LogonType",
        "LogonTypeName",
        "ResultType",
        "Status",
        "Task",
    ],
    &[
        "NewProcessName",
        "ProcessName",
        "Image",
        "FileName",
        "ProcessId",
        "NewProcessId",
        "ParentProcessName",
        "ParentImage",
        "InitiatingProcessFileName",
        "exe",
        "comm",
    ],
    &[
        "CommandLine",
        "ProcessCommandLine",
        "InitiatingProcessCommandLine",
        "cmdline",
        "ParentCommandLine",
    ],
    &[
        "IpAddress",
        "SourceIp",
        "SourceIP",
        "DestinationIp",
        "DestinationIP",
        "RemoteIP",
        "RemoteIp",
        "LocalIP",
        "SourcePort",
        "DestinationPort",
        "RemotePort",
        "TargetFilename",
        "TargetObject",
        "GrantedAccess",
    ],
];

/// The columns to show (indices into the frame, in display order) and the names of those
/// left out of the view.
pub fn choose(df: &DataFrame, max: usize) -> (Vec<usize>, Vec<String>) {
    let names: Vec<&str> = df.columns().iter().map(|c| c.name().as_str()).collect();
    if names.len() <= max {
        return ((0..names.len()).collect(), Vec::new());
    }
    let mut shown: Vec<usize> = Vec::with_capacity(max);
    for role in KEY_COLUMNS {
        for key in *role {
            if shown.len() == max {
                break;
            }
            if let Some(i) = names
                .iter()
                .position(|n| n.eq_ignore_ascii_case(key))
                .filter(|i| !shown.contains(i))
            {
                shown.push(i);
            }
        }
    }
    for i in 0..names.len() {
        if shown.len() == max {
            break;
        }
        if !shown.contains(&i) {
            shown.push(i);
        }
    }
    let left_out = (0..names.len())
        .filter(|i| !shown.contains(i))
        .map(|i| names[i].to_string())
        .collect();
    (shown, left_out)
}

/// The line that names the columns left out of the view; `None` when all are shown.
pub fn left_out_line(left_out: &[String], shown: usize) -> Option<String> {
    if left_out.is_empty() {
        return None;
    }
    Some(format!(
        "{shown} of {} columns shown, the ones that tell the story first; not shown: {}",
        shown + left_out.len(),
        left_out.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(names: &[&str]) -> DataFrame {
        DataFrame::new(1, names.iter().map(|n| Column::new((*n).into(), [1i32])).collect()).unwrap()
    }

    #[test]
    fn narrow_frames_keep_their_order() {
        let df = frame(&["b", "CommandLine", "TimeGenerated"]);
        assert_eq!(choose(&df, 16), (vec![0, 1, 2], vec![]));
    }

    #[test]
    fn wide_frames_show_the_story_first_and_name_the_rest() {
        let mut names: Vec<String> = (0..30).map(|i| format!("Flag{i}")).collect();
        for (at, key) in [
            (3, "commandline"),
            (7, "Computer"),
            (20, "TimeCreated"),
            (25, "TargetUserName"),
        ] {
            names[at] = key.to_string();
        }
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let (shown, left_out) = choose(&frame(&refs), 8);
        let shown: Vec<&str> = shown.iter().map(|&i| refs[i]).collect();
        assert_eq!(
            shown,
            [
                "TimeCreated",
                "Computer",
                "TargetUserName",
                "commandline",
                "Flag0",
                "Flag1",
                "Flag2",
                "Flag4"
            ]
        );
        assert_eq!(left_out.len(), 22);
        assert!(left_out.contains(&"Flag5".to_string()) && !left_out.contains(&"Computer".to_string()));
        let line = left_out_line(&left_out, 8).unwrap();
        assert!(
            line.starts_with("8 of 30 columns shown") && line.ends_with("Flag29"),
            "{line}"
        );
        assert_eq!(left_out_line(&[], 3), None);
    }
}

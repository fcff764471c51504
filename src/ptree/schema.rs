//! The event schemas a tree is built from, and how one is recognised from the columns.

use polars::prelude::*;

use crate::error::{Error, Result};

/// Where one schema keeps what a tree needs. Names are column names.
#[derive(Debug)]
pub struct Schema {
    pub name: &'static str,
    pub time: &'static str,
    pub process_name: &'static str,
    pub process_id: &'static str,
    pub parent_id: &'static str,
    pub parent_name: Option<&'static str>,
    pub cmd_line: Option<&'static str>,
    pub user: Option<&'static str>,
    pub host: Option<&'static str>,
    /// Only rows where this column holds this value are process creations.
    pub event: Option<(&'static str, &'static str)>,
    /// Defender: the parent's creation time and the grandparent's id, name and time.
    pub parent_time: Option<&'static str>,
    pub grandparent: Option<(&'static str, &'static str, &'static str)>,
}

pub const SCHEMAS: &[Schema] = &[
    Schema {
        name: "win4688",
        time: "TimeGenerated",
        process_name: "NewProcessName",
        process_id: "NewProcessId",
        parent_id: "ProcessId",
        parent_name: Some("ParentProcessName"),
        cmd_line: Some("CommandLine"),
        user: Some("SubjectUserName"),
        host: Some("Computer"),
        event: Some(("EventID", "4688")),
        parent_time: None,
        grandparent: None,
    },
    Schema {
        name: "sysmon",
        time: "UtcTime",
        process_name: "Image",
        process_id: "ProcessId",
        parent_id: "ParentProcessId",
        parent_name: Some("ParentImage"),
        cmd_line: Some("CommandLine"),
        user: Some("User"),
        host: Some("Computer"),
        event: Some(("EventID", "1")),
        parent_time: None,
        grandparent: None,
    },
    Schema {
        name: "auditd",
        time: "TimeGenerated",
        process_name: "exe",
        process_id: "pid",
        parent_id: "ppid",
        parent_name: None,
        cmd_line: Some("cmdline"),
        user: Some("acct"),
        host: Some("Computer"),
        event: Some(("EventType", "SYSCALL_EXECVE")),
        parent_time: None,
        grandparent: None,
    },
    Schema {
        name: "mde",
        time: "ProcessCreationTime",
        process_name: "FileName",
        process_id: "ProcessId",
        parent_id: "InitiatingProcessId",
        parent_name: Some("InitiatingProcessFileName"),
        cmd_line: Some("ProcessCommandLine"),
        user: Some("AccountName"),
        host: Some("DeviceName"),
        event: Some(("ActionType", "ProcessCreated")),
        parent_time: Some("InitiatingProcessCreationTime"),
        grandparent: Some((
            "InitiatingProcessParentId",
            "InitiatingProcessParentFileName",
            "InitiatingProcessParentCreationTime",
        )),
    },
    Schema {
        name: "mde-internal",
        time: "CreatedProcessCreationTime",
        process_name: "CreatedProcessName",
        process_id: "CreatedProcessId",
        parent_id: "InitiatingProcessId",
        parent_name: Some("InitiatingProcessName"),
        cmd_line: Some("CreatedProcessCommandLine"),
        user: Some("CreatedProcessAccountName"),
        host: Some("ComputerDnsName"),
        event: None,
        parent_time: Some("InitiatingProcessCreationTime"),
        grandparent: Some((
            "InitiatingProcessParentProcessId",
            "InitiatingProcessParentProcessName",
            "InitiatingProcessParentCreationTime",
        )),
    },
    Schema {
        name: "volatility",
        time: "CreateTime",
        process_name: "ImageFileName",
        process_id: "PID",
        parent_id: "PPID",
        parent_name: None,
        cmd_line: None,
        user: None,
        host: None,
        event: None,
        parent_time: None,
        grandparent: None,
    },
    Schema {
        name: "osquery",
        time: "calendarTime",
        process_name: "name",
        process_id: "pid",
        parent_id: "parent",
        parent_name: None,
        cmd_line: Some("cmdline"),
        user: Some("username"),
        host: Some("hostIdentifier"),
        event: None,
        parent_time: None,
        grandparent: None,
    },
];

impl Schema {
    pub fn named(name: &str) -> Option<&'static Schema> {
        SCHEMAS.iter().find(|s| s.name.eq_ignore_ascii_case(name))
    }

    pub(super) fn required(&self) -> [&'static str; 4] {
        [self.time, self.process_name, self.process_id, self.parent_id]
    }

    fn all_columns(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.required()
            .into_iter()
            .chain(self.parent_name)
            .chain(self.cmd_line)
            .chain(self.user)
            .chain(self.host)
            .chain(self.parent_time)
    }

    /// The schema whose columns the frame holds, as msticpy's `infer_schema`: all required
    /// columns present, then the most optional ones.
    pub fn infer(df: &DataFrame) -> Result<&'static Schema> {
        let has = |c: &str| df.column(c).is_ok();
        SCHEMAS
            .iter()
            .filter(|s| s.required().iter().all(|c| has(c)))
            .max_by_key(|s| s.all_columns().filter(|c| has(c)).count())
            .ok_or_else(|| {
                Error::Sql(format!(
                    "the frame has no process-creation schema Huntbook knows: it needs the time, process name, \
                     process id and parent id columns of one of {} (e.g. 4688: {})",
                    SCHEMAS.iter().map(|s| s.name).collect::<Vec<_>>().join(", "),
                    SCHEMAS[0].required().join(", ")
                ))
            })
    }
}

//! `%pam FRAME`: Linux logon and sudo sessions from syslog's PAM messages, with the
//! commands that match risky-command rules and the runs of commands too fast for a person,
//! and the sessions they fall in (msticpy's syslog_utils and cmd_line).

use huntbook::Frame;
use huntbook::frame::utc_times;
use huntbook::linux::{self, Burst, PamSession, Risky, Rules};
use huntbook::render::table::thousands;
use polars::prelude::*;

use crate::args::Args;
use crate::columns::{TIME_OPTION, named_column, time_column};
use crate::diag::Diagnostic;
use crate::display::table;
use crate::registry::{Context, Magic, Outcome, Value};
use crate::signature::{Example, Forms, Kind, Opt, Param, Signature};

pub struct PamMagic;

static SIGNATURE: Signature = Signature {
    name: "pam",
    summary: "Linux logon and sudo sessions from syslog, and the risky or too-fast commands in them",
    description: "Pairs PAM's 'session opened' and 'session closed' messages into sessions (msticpy's \
cluster_syslog_logons_df), matches each command against risky-command rules (risky_cmd_line: a rule matches from the \
start of the command, as Python's re.match; a command that is Base64 to its end is also matched decoded), finds runs \
of --burst commands within --within (cmd_speed), and flags the sessions they fall in (risky_sudo_sessions). The rules \
are --rules FILE (msticpy's JSON, its Syslog list), else linux: risky_commands: in huntbook.yaml, else msticpy's five \
defaults (authorized_keys, a download piped to a shell, a fork bomb, a move to /dev/null, /bin/bash). The message is \
SyslogMessage unless --message names another; the user is --user, else User or Sudoer, else the user the message \
names; the command is --cmd, else Command, else sudo's COMMAND= in the message. The frame has a row per session \
(User, Start, End, Commands, Risky, Burst); --commands gives the flagged commands instead.",
    forms: Forms::Line,
    params: &[Param::new("frame", Kind::Frame, "syslog events").required()],
    options: &[
        Opt::value("message", "COL", Kind::Text, "the syslog message column"),
        Opt::value("user", "COL", Kind::Text, "the user column"),
        Opt::value("cmd", "COL", Kind::Text, "the command-line column"),
        TIME_OPTION,
        Opt::value(
            "rules",
            "FILE",
            Kind::Text,
            "risky-command rules: msticpy's JSON ({\"Syslog\": [regex, …]})",
        ),
        Opt::value("burst", "N", Kind::Int { min: 2 }, "commands in a run that is too fast").default("10"),
        Opt::value(
            "within",
            "SPAN",
            Kind::Text,
            "how fast a run of --burst commands is too fast",
        )
        .default("5s"),
        Opt::flag("commands", "give the flagged commands, not the sessions"),
        Opt::value("rows", "N", Kind::Int { min: 1 }, "rows shown").default("20"),
    ],
    body: None,
    returns: "a frame of sessions (or, with --commands, of flagged commands)",
    examples: &[
        Example::new(
            "%pam syslog",
            "sudo and logon sessions, those with risky commands or bursts flagged",
        ),
        Example::new(
            "%pam syslog --commands --rules ../shared/data/msticpy/linux/risky_cmd_rules_custom.json",
            "the commands msticpy's custom rules flag",
        ),
    ],
};

impl Magic for PamMagic {
    fn signature(&self) -> &'static Signature {
        &SIGNATURE
    }

    fn run(&self, args: &Args, ctx: &mut Context) -> Result<Outcome, Diagnostic> {
        let arg = args.required("frame")?;
        let frame = ctx.session.frame(arg)?;
        let time = time_column(frame, args.option("time"))?;
        let message = args.option("message").map(|m| named_column(frame, m)).transpose()?;
        let mut columns = linux::default_columns(&frame.data, time, message)
            .map_err(|e| Diagnostic::engine(e, Some(arg.span.clone())))?;
        if let Some(user) = args.option("user") {
            columns.user = Some(named_column(frame, user)?);
        }
        if let Some(cmd) = args.option("cmd") {
            columns.command = Some(named_column(frame, cmd)?);
        }
        let (rules, rules_from) = rules(args, ctx)?;
        let (within_us, within) = args.span_micros("within")?;
        let within = &within.text;
        let burst = args.count("burst")?;
        let engine = |e| Diagnostic::engine(e, Some(arg.span.clone()));
        let sessions = linux::pam_sessions(&frame.data, &columns).map_err(engine)?;
        let commands = linux::commands(&frame.data, &columns).map_err(engine)?;
        let risky = linux::risky(&commands, &rules);
        let bursts = linux::bursts(&commands, burst, within_us);
        let flags = linux::flag(&sessions, &risky, &bursts);
        let mut warnings = Vec::new();
        if sessions.is_empty() {
            warnings.push(format!(
                "no PAM 'session opened' and 'session closed' messages paired in {}: no sessions",
                columns.message
            ));
        }
        if commands.is_empty() {
            warnings.push(format!(
                "no commands: {} (no Command column, and no sudo COMMAND= in {})",
                columns
                    .command
                    .as_deref()
                    .map_or("none".into(), |c| format!("{c} is empty")),
                columns.message
            ));
        }
        let flagged = flags.iter().filter(|(r, b)| !r.is_empty() || *b).count();
        let heading = format!(
            "{} sessions from PAM messages (user: {}); {} of {} commands risky ({rules_from}), {} runs of {burst} \
             commands within {within}; {flagged} sessions flagged",
            thousands(sessions.len()),
            columns.user.as_deref().unwrap_or("as the message names it"),
            thousands(risky.len()),
            thousands(commands.len()),
            thousands(bursts.len()),
        );
        let df = if args.flag("commands") {
            commands_frame(&frame.data, &columns, &risky, &bursts, &sessions)
        } else {
            sessions_frame(&sessions, &risky, &flags, &commands)
        }
        .map_err(|e| Diagnostic::engine(e.into(), None))?;
        let mut out = Frame::new(df, frame.provenance.source.clone());
        out.provenance.query = Some(format!("%pam {}", arg.text));
        let figure = table(&out, None, args.count("rows")?).heading(heading);
        Ok(Outcome::warned(Value::Shown(out, figure), warnings))
    }
}

/// The rules and where they came from: --rules, huntbook.yaml, or msticpy's defaults.
fn rules(args: &Args, ctx: &mut Context) -> Result<(Rules, String), Diagnostic> {
    if let Some(file) = args.option("rules") {
        let bad = |e: String| Diagnostic::new("bad-rules", e).at(file.span.clone());
        let text = std::fs::read_to_string(&file.text).map_err(|e| bad(format!("cannot read {}: {e}", file.text)))?;
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| bad(format!("{} is not JSON: {e}", file.text)))?;
        let list = json.get("Syslog").unwrap_or(&json);
        let patterns: Vec<String> = list
            .as_array()
            .map(|a| a.iter().filter_map(|p| p.as_str().map(str::to_string)).collect())
            .ok_or_else(|| {
                bad(format!(
                    "{} holds no list of rules (msticpy's form: {{\"Syslog\": [regex, …]}})",
                    file.text
                ))
            })?;
        let rules = Rules::new(&patterns).map_err(|e| bad(e.to_string()))?;
        return Ok((rules, format!("{} rules from {}", patterns.len(), file.text)));
    }
    if let Some(rules) = &ctx.sources.config().risky_commands {
        return Ok((rules.clone(), format!("{} rules from huntbook.yaml", rules.len())));
    }
    Ok((Rules::defaults(), "msticpy's 5 default rules".into()))
}

/// One row per session: who, when, how many commands, the risky ones, and whether a
/// burst falls in it.
fn sessions_frame(
    sessions: &[PamSession],
    risky: &[Risky],
    flags: &[(Vec<usize>, bool)],
    commands: &[(usize, i64, String)],
) -> PolarsResult<DataFrame> {
    DataFrame::new_infer_height(vec![
        Column::new(
            "User".into(),
            sessions.iter().map(|s| s.user.clone()).collect::<Vec<_>>(),
        ),
        utc_times("Start", sessions.iter().map(|s| Some(s.start))),
        utc_times("End", sessions.iter().map(|s| Some(s.end))),
        Column::new("Commands".into(), linux::commands_within(sessions, commands)),
        Column::new(
            "Risky".into(),
            flags
                .iter()
                .map(|(found, _)| {
                    found
                        .iter()
                        .map(|&k| risky[k].command.as_str())
                        .collect::<Vec<_>>()
                        .join(" · ")
                })
                .collect::<Vec<_>>(),
        ),
        Column::new("Burst".into(), flags.iter().map(|(_, b)| *b).collect::<Vec<_>>()),
    ])
}

/// The flagged commands, in time order: each risky one with its rule, and each command of
/// a burst that no rule flagged, with the burst it is in; and the session it falls in.
fn commands_frame(
    df: &DataFrame,
    columns: &linux::Columns,
    risky: &[Risky],
    bursts: &[Burst],
    sessions: &[PamSession],
) -> PolarsResult<DataFrame> {
    // Each row once: its rule, and the command as decoded when only that matched.
    let mut rows: Vec<(usize, String, Option<String>)> = risky
        .iter()
        .map(|r| (r.row, r.rule.clone(), r.decoded.then(|| r.command.clone())))
        .collect();
    let mut seen: std::collections::HashSet<usize> = rows.iter().map(|r| r.0).collect();
    for b in bursts {
        for &row in &b.rows {
            if seen.insert(row) {
                let why = format!("{} commands in {:.1} s", b.rows.len(), b.span as f64 / 1e6);
                rows.push((row, why, None));
            }
        }
    }
    let picked = IdxCa::from_vec("".into(), rows.iter().map(|r| r.0 as IdxSize).collect());
    let mut out = df.take(&picked)?;
    let times = huntbook::frame::time_values(&out, &columns.time).map_err(|e| polars_err!(ComputeError: "{e}"))?;
    let session_of = |t: Option<i64>| t.and_then(|t| linux::session_at(sessions, t)).map(|i| i as i64);
    out.with_column(Column::new(
        "Flag".into(),
        rows.iter().map(|r| r.1.clone()).collect::<Vec<_>>(),
    ))?;
    out.with_column(Column::new(
        "Decoded".into(),
        rows.iter().map(|r| r.2.clone()).collect::<Vec<_>>(),
    ))?;
    out.with_column(Column::new(
        "Session".into(),
        times.iter().map(|t| session_of(*t)).collect::<Vec<_>>(),
    ))?;
    // What was flagged first, then the event's own columns.
    let mut order: Vec<String> = vec![columns.time.clone(), "Flag".into(), "Session".into()];
    order.extend(columns.command.iter().cloned());
    order.push("Decoded".into());
    let rest: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .filter(|n| !order.contains(n))
        .collect();
    order.extend(rest);
    out.select(order)?.sort(
        [columns.time.as_str()],
        SortMultipleOptions::default().with_maintain_order(true),
    )
}

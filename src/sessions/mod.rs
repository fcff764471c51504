//! Sessions and how rare they are, as msticpy's `anomalous_sequence` (commands only):
//! events cut into sessions per user (`sessionize_data`), a first-order Markov model of the
//! commands with start, end and unknown tokens and Laplace smoothing (`Model.train`), and
//! each session's rarest window of `w` commands (`score_sessions`). Scores equal msticpy's
//! to the last bit: the same counts, divided and multiplied in the same order.

use std::collections::HashMap;

use polars::prelude::*;

use crate::frame::{Warned, no_column, text_values, time_values};
use crate::{Error, Result};

/// How events become sessions: a new one when a user column changes, after a gap longer
/// than `gap`, or when the session would pass `max_length` (µs).
#[derive(Debug, Clone)]
pub struct Params {
    pub users: Vec<String>,
    pub time: String,
    pub event: String,
    pub gap: i64,
    pub max_length: i64,
}

/// One session: its user values, first and last time, and commands in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub user: Vec<Option<String>>,
    pub start: i64,
    pub end: i64,
    pub commands: Vec<String>,
}

/// msticpy's `sessionize_data`: events sorted by user and time (stable: events at the
/// same time keep their order), cut where a user value changes, where the gap to the
/// previous event passes `gap`, or where the time since the session's start passes
/// `max_length`. Events with no time are left out and counted; a null command is empty.
pub fn sessionize(df: &DataFrame, params: &Params) -> Result<Warned<Vec<Session>>> {
    for name in params.users.iter().chain([&params.time, &params.event]) {
        if df.column(name).is_err() {
            return Err(no_column(df, name));
        }
    }
    let users: Vec<StringChunked> = params.users.iter().map(|u| text_values(df, u)).collect::<Result<_>>()?;
    let times = time_values(df, &params.time)?;
    let events = text_values(df, &params.event)?;
    let mut warnings = Vec::new();
    let user_of = |i: usize| -> Vec<Option<&str>> { users.iter().map(|u| u.get(i)).collect() };
    let mut order: Vec<usize> = (0..df.height()).filter(|&i| times[i].is_some()).collect();
    if order.len() < df.height() {
        warnings.push(format!(
            "{} of {} events have no time in {} and are in no session",
            df.height() - order.len(),
            df.height(),
            params.time
        ));
    }
    // pandas sorts a missing user value as msticpy's placeholder text "dummy_str".
    let keys: Vec<Vec<&str>> = (0..df.height())
        .map(|i| user_of(i).into_iter().map(|u| u.unwrap_or("dummy_str")).collect())
        .collect();
    let key = |i: usize| &keys[i];
    order.sort_by(|&a, &b| key(a).cmp(key(b)).then(times[a].cmp(&times[b])));
    let nulls = order.iter().filter(|&&i| events.get(i).is_none()).count();
    if nulls > 0 {
        warnings.push(format!(
            "{nulls} events have no {}: counted as an empty command",
            params.event
        ));
    }
    let mut sessions: Vec<Session> = Vec::new();
    let mut since_start = 0i64;
    for (k, &i) in order.iter().enumerate() {
        let t = times[i].unwrap_or_default();
        let command = events.get(i).unwrap_or("").to_string();
        let new = match k {
            0 => true,
            _ => {
                let prev = order[k - 1];
                let gap = t - times[prev].unwrap_or_default();
                let cumulative = since_start + gap;
                let cut = key(i) != key(prev) || gap > params.gap || cumulative > params.max_length;
                since_start = if cut { 0 } else { cumulative };
                cut
            }
        };
        if new {
            sessions.push(Session {
                user: user_of(i).into_iter().map(|u| u.map(str::to_string)).collect(),
                start: t,
                end: t,
                commands: vec![command],
            });
        } else if let Some(s) = sessions.last_mut() {
            s.end = t;
            s.commands.push(command);
        }
    }
    Ok(Warned {
        value: sessions,
        warnings,
    })
}

const START: usize = 0;
const END: usize = 1;
const UNK: usize = 2;

/// msticpy's commands-only `Model`, trained: smoothed counts and the probabilities they
/// give. Commands are numbered; 0, 1 and 2 are the start, end and unknown tokens.
pub struct Model {
    ids: HashMap<String, usize>,
    /// Smoothed count of each token (msticpy's `seq1_counts` after smoothing).
    counts: Vec<u64>,
    total: u64,
    /// Raw transition counts, by (previous, current).
    transitions: HashMap<(usize, usize), u64>,
    /// Raw transitions out of each token.
    out_of: Vec<u64>,
}

impl Model {
    /// Trains on `sessions` (lists of commands), as `Model(sessions).train()`.
    pub fn train(sessions: &[Vec<String>]) -> Model {
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut raw = vec![0u64; 3];
        let mut transitions: HashMap<(usize, usize), u64> = HashMap::new();
        let mut out_of = vec![0u64; 3];
        let mut id = |name: &str, raw: &mut Vec<u64>, out_of: &mut Vec<u64>| -> usize {
            if let Some(&i) = ids.get(name) {
                return i;
            }
            let i = raw.len();
            ids.insert(name.to_string(), i);
            raw.push(0);
            out_of.push(0);
            i
        };
        for session in sessions {
            let mut prev = START;
            raw[START] += 1;
            for command in session {
                let cur = id(command, &mut raw, &mut out_of);
                raw[cur] += 1;
                *transitions.entry((prev, cur)).or_default() += 1;
                out_of[prev] += 1;
                prev = cur;
            }
            *transitions.entry((prev, END)).or_default() += 1;
            out_of[prev] += 1;
            raw[END] += 1;
        }
        // Laplace smoothing over every pair of tokens but (END, ·) and (·, START): each
        // adds one to the pair and one to the count of each side (msticpy's
        // laplace_smooth_cmd_counts). The unknown token takes part; the start and end
        // tokens are counted only when a session put them in the counts (always).
        let k = raw.len() as u64;
        let counts: Vec<u64> = (0..raw.len())
            .map(|x| raw[x] + if x != END { k - 1 } else { 0 } + if x != START { k - 1 } else { 0 })
            .collect();
        let total = counts.iter().sum();
        let mut model = Model {
            ids,
            counts,
            total,
            transitions,
            out_of,
        };
        // Smoothing adds k-1 transitions out of every token but END.
        for x in 0..model.out_of.len() {
            if x != END {
                model.out_of[x] += k - 1;
            }
        }
        model
    }

    fn id(&self, command: &str) -> usize {
        self.ids.get(command).copied().unwrap_or(UNK)
    }

    /// `prior_probs[x]`.
    fn prior(&self, x: usize) -> f64 {
        self.counts[x] as f64 / self.total as f64
    }

    /// `trans_probs[prev][cur]`: a row or column msticpy's StateMatrix does not hold is
    /// read as the unknown token's.
    fn transition(&self, prev: usize, cur: usize) -> f64 {
        let prev = if prev == END { UNK } else { prev };
        let cur = if cur == START { UNK } else { cur };
        let count = self.transitions.get(&(prev, cur)).copied().unwrap_or(0) + 1;
        count as f64 / self.out_of[prev] as f64
    }

    /// msticpy's `rarest_window_session` with start and end tokens and no geometric mean:
    /// the commands of the least likely window of `window` (cut at the session's end) and
    /// its likelihood, and where it starts; NaN (and no start) for a session shorter than
    /// `window` − 1 commands.
    pub fn rarest_window(&self, session: &[String], window: usize) -> Rarest {
        let mut ids: Vec<usize> = session.iter().map(|c| self.id(c)).collect();
        ids.push(END);
        if window == 0 || ids.len() < window {
            return Rarest {
                start: None,
                commands: Vec::new(),
                likelihood: f64::NAN,
            };
        }
        let mut best: Option<(usize, f64)> = None;
        for i in 0..=ids.len() - window {
            let w = &ids[i..i + window];
            let mut likelihood = if i == 0 {
                self.transition(START, w[0])
            } else {
                self.prior(w[0])
            };
            for j in 1..window {
                likelihood *= self.transition(w[j - 1], w[j]);
            }
            if best.is_none_or(|(_, b)| likelihood < b) {
                best = Some((i, likelihood));
            }
        }
        let (at, likelihood) = best.unwrap_or((0, f64::NAN));
        let end = (at + window).min(session.len());
        Rarest {
            start: Some(at),
            commands: session[at.min(end)..end].to_vec(),
            likelihood,
        }
    }
}

/// A session's least likely window.
#[derive(Debug, Clone)]
pub struct Rarest {
    /// Its first command's place in the session.
    pub start: Option<usize>,
    /// Its commands (the end token left out, so a window at the end may be shorter).
    pub commands: Vec<String>,
    pub likelihood: f64,
}

/// Sessions scored by their rarest window, as a frame, rarest first: the user columns,
/// `{time}_min`, `{time}_max`, `duration_s`, `number_events`, `{event}_list` (commands
/// joined by " → "), `rarest_window{w}_likelihood`, `rarest_window{w}`.
/// Also gives, rarest first, each session's index and its rarest window.
pub fn scored_frame(sessions: &[Session], params: &Params, window: usize) -> Result<(DataFrame, Vec<(usize, Rarest)>)> {
    if window == 0 {
        return Err(Error::Invalid("the window must hold at least one command".into()));
    }
    let lists: Vec<Vec<String>> = sessions.iter().map(|s| s.commands.clone()).collect();
    let model = Model::train(&lists);
    let scored: Vec<Rarest> = lists.iter().map(|s| model.rarest_window(s, window)).collect();
    let mut order: Vec<usize> = (0..sessions.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (scored[a].likelihood, scored[b].likelihood);
        x.is_nan()
            .cmp(&y.is_nan())
            .then(x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal))
    });
    let mut columns: Vec<Column> = params
        .users
        .iter()
        .enumerate()
        .map(|(u, name)| {
            Column::new(
                name.as_str().into(),
                order.iter().map(|&i| sessions[i].user[u].clone()).collect::<Vec<_>>(),
            )
        })
        .collect();
    let time = |values: Vec<i64>, name: String| {
        Int64Chunked::from_vec(name.as_str().into(), values)
            .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
            .into_column()
    };
    columns.push(time(
        order.iter().map(|&i| sessions[i].start).collect(),
        format!("{}_min", params.time),
    ));
    columns.push(time(
        order.iter().map(|&i| sessions[i].end).collect(),
        format!("{}_max", params.time),
    ));
    let seconds: Vec<f64> = order
        .iter()
        .map(|&i| (sessions[i].end - sessions[i].start) as f64 / 1e6)
        .collect();
    columns.push(Column::new("duration_s".into(), seconds));
    let counts: Vec<i64> = order.iter().map(|&i| sessions[i].commands.len() as i64).collect();
    columns.push(Column::new("number_events".into(), counts));
    let joined = |c: &[String]| c.join(" → ");
    columns.push(Column::new(
        format!("{}_list", params.event).as_str().into(),
        order.iter().map(|&i| joined(&sessions[i].commands)).collect::<Vec<_>>(),
    ));
    columns.push(Column::new(
        format!("rarest_window{window}_likelihood").as_str().into(),
        order
            .iter()
            .map(|&i| Some(scored[i].likelihood).filter(|x| !x.is_nan()))
            .collect::<Vec<_>>(),
    ));
    columns.push(Column::new(
        format!("rarest_window{window}").as_str().into(),
        order.iter().map(|&i| joined(&scored[i].commands)).collect::<Vec<_>>(),
    ));
    let ranked = order.iter().map(|&i| (i, scored[i].clone())).collect();
    Ok((DataFrame::new_infer_height(columns)?, ranked))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(commands: &[&str]) -> Vec<String> {
        commands.iter().map(|c| c.to_string()).collect()
    }

    /// msticpy's own unit-test sessions (test_anom_seq_cmds_only.py): two sessions over
    /// three commands.
    #[test]
    fn smoothed_probabilities_are_msticpys() {
        let sessions = vec![
            s(&["Set-User", "Set-User"]),
            s(&["Set-Mailbox", "Set-User", "Set-User"]),
        ];
        let model = Model::train(&sessions);
        // Tokens: START, END, UNK, Set-User, Set-Mailbox → k = 5; raw counts START 2,
        // END 2, Set-User 4, Set-Mailbox 1; each +4 (not END) +4 (not START).
        assert_eq!(model.counts, vec![6, 6, 8, 12, 9]);
        // START → Set-User once, START → Set-Mailbox once; 2 raw + 4 smoothing out of START.
        assert_eq!(model.transition(START, model.id("Set-User")), 2.0 / 6.0);
        assert_eq!(model.transition(model.id("Nope"), model.id("Set-User")), 1.0 / 4.0);
    }
}

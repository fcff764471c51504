//! Sessions and how rare they are, as msticpy's `anomalous_sequence`: events cut into
//! sessions per user (`sessionize_data`), a first-order Markov model of the commands (and
//! optionally of their parameters and values) with start, end and unknown tokens and
//! Laplace smoothing (`Model.train`, in [`model`]), and each session's rarest window of `w`
//! commands (`score_sessions`).

mod model;
mod parameters;

use polars::prelude::*;
use rayon::prelude::*;

use crate::frame::{Warned, text_values, time_values, utc_times};
use crate::{Error, Result};

pub use model::{Kind, Model, Rarest};
pub use parameters::Parameters;
use parameters::{Names, Raw, intern, parse_raw};

/// How events become sessions: a new one when a user column changes, after a gap longer
/// than `gap`, or when the session would pass `max_length` (µs). With `parameters`, each
/// event's parameters are read from that column, for the models that use them, and with
/// `values` their values too (for the values model).
#[derive(Debug, Clone)]
pub struct Params {
    pub users: Vec<String>,
    pub time: String,
    pub event: String,
    pub parameters: Option<String>,
    pub values: bool,
    pub gap: i64,
    pub max_length: i64,
}

/// One session: its user values, first and last time, and commands in time order with
/// their parameters (none read when no parameter column was given: `parameters` is empty).
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub user: Vec<Option<String>>,
    pub start: i64,
    pub end: i64,
    pub commands: Vec<String>,
    pub parameters: Vec<Parameters>,
}

/// msticpy's `sessionize_data`: events sorted by user and time (stable: events at the
/// same time keep their order), cut where a user value changes, where the gap to the
/// previous event passes `gap`, or where the time since the session's start passes
/// `max_length`. Events with no time are left out and counted; a null command is empty.
pub fn sessionize(df: &DataFrame, params: &Params) -> Result<Warned<Vec<Session>>> {
    let users: Vec<StringChunked> = params.users.iter().map(|u| text_values(df, u)).collect::<Result<_>>()?;
    let times = time_values(df, &params.time)?;
    let events = text_values(df, &params.event)?;
    let parameters = params.parameters.as_ref().map(|p| text_values(df, p)).transpose()?;
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
    let (mut unread, mut first_unread) = (0usize, None);
    let mut names = Names::default();
    // Reading the JSON is most of the work on a large frame: it runs on every core.
    let mut raw: Vec<std::result::Result<Raw, String>> = match &parameters {
        Some(texts) => (0..df.height())
            .into_par_iter()
            .map(|i| parse_raw(texts.get(i).unwrap_or(""), params.values))
            .collect(),
        None => Vec::new(),
    };
    let mut read = |i: usize| -> Option<Parameters> {
        let parsed = std::mem::replace(raw.get_mut(i)?, Ok(Vec::new()));
        Some(match parsed {
            Ok(r) => intern(r, &mut names),
            Err(e) => {
                unread += 1;
                first_unread.get_or_insert((i, e));
                Vec::new()
            }
        })
    };
    for (k, &i) in order.iter().enumerate() {
        let t = times[i].unwrap_or_default();
        let command = events.get(i).unwrap_or("").to_string();
        let parameters = read(i);
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
                parameters: parameters.into_iter().collect(),
            });
        } else if let Some(s) = sessions.last_mut() {
            s.end = t;
            s.commands.push(command);
            s.parameters.extend(parameters);
        }
    }
    if let (Some((row, e)), Some(column)) = (first_unread, &params.parameters) {
        warnings.push(format!(
            "{unread} events have a {column} that is not a list of parameters, and count as having none \
             (the first, row {row}: {e})"
        ));
    }
    Ok(Warned {
        value: sessions,
        warnings,
    })
}

/// Sessions scored by their rarest window, as a frame, rarest first: the user columns,
/// `{time}_min`, `{time}_max`, `duration_s`, `number_events`, `{event}_list` (commands
/// joined by " → "), `rarest_window{w}_likelihood`, `rarest_window{w}`, and with a model
/// of parameters `rarest_window{w}_parameters` (see [`window_parameters`]).
/// Also gives, rarest first, each session's index and its rarest window.
pub fn scored_frame(
    sessions: &[Session],
    params: &Params,
    window: usize,
    kind: Kind,
) -> Result<(DataFrame, Vec<(usize, Rarest)>)> {
    if window == 0 {
        return Err(Error::Invalid("the window must hold at least one command".into()));
    }
    if kind != Kind::Commands && params.parameters.is_none() {
        return Err(Error::Invalid(
            "a model of parameters needs the column of each event's parameters".into(),
        ));
    }
    if kind == Kind::Values && !params.values {
        return Err(Error::Invalid(
            "the values model needs the sessions read with their parameters' values".into(),
        ));
    }
    let model = Model::train(sessions, kind);
    let scored: Vec<Rarest> = sessions.iter().map(|s| model.rarest_window(s, window)).collect();
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
    columns.push(utc_times(
        &format!("{}_min", params.time),
        order.iter().map(|&i| Some(sessions[i].start)),
    ));
    columns.push(utc_times(
        &format!("{}_max", params.time),
        order.iter().map(|&i| Some(sessions[i].end)),
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
    if kind != Kind::Commands {
        columns.push(Column::new(
            format!("rarest_window{window}_parameters").as_str().into(),
            order
                .iter()
                .map(|&i| window_parameters(&sessions[i], &scored[i], kind == Kind::Values))
                .collect::<Vec<_>>(),
        ));
    }
    let ranked = order.iter().map(|&i| (i, scored[i].clone())).collect();
    Ok((DataFrame::new_infer_height(columns)?, ranked))
}

/// The parameters of a session's rarest window, as text: each command's names (with
/// `=value` when `values`), comma-separated, the commands joined by " → ".
pub fn window_parameters(session: &Session, rarest: &Rarest, values: bool) -> String {
    let Some(start) = rarest.start else {
        return String::new();
    };
    let end = (start + rarest.commands.len()).min(session.parameters.len());
    session.parameters[start.min(end)..end]
        .iter()
        .map(|ps| {
            ps.iter()
                .map(|(name, value)| match value {
                    Some(v) if values => format!("{name}={v}"),
                    _ => name.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect::<Vec<_>>()
        .join(" → ")
}

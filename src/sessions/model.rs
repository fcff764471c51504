//! msticpy's Markov session models (`anomalous_sequence.Model`), all three: commands
//! only; commands with the set of their parameters (each parameter an independent
//! Bernoulli given the command); and commands with parameters and values (a value modelled
//! only for the parameters msticpy finds "modellable"). Start, end and unknown tokens and
//! Laplace smoothing as msticpy's; counts are divided and multiplied in the same order, so
//! the likelihoods are msticpy's to the last bit or two (msticpy's own last bit moves with
//! Python's hash seed, which orders its sets).

use std::collections::HashMap;

use super::{Parameters, Session};

/// Which of msticpy's models: what an event is to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The command alone (`list[str]` sessions).
    Commands,
    /// The command and which parameters it had (`Cmd(name, params=set)`).
    Parameters,
    /// The command, its parameters and their values (`Cmd(name, params=dict)`).
    Values,
}

const START: usize = 0;
const END: usize = 1;
const UNK: usize = 2;
/// The unknown parameter (msticpy's `##UNK##` among parameters).
const UNK_PARAM: usize = 0;

/// A trained model: smoothed counts of commands and of their transitions, and for the
/// models with parameters, the probability of each parameter given the command.
/// Commands are numbered; 0, 1 and 2 are the start, end and unknown tokens.
pub struct Model {
    ids: HashMap<String, usize>,
    /// Smoothed count of each token (msticpy's `seq1_counts` after smoothing).
    counts: Vec<u64>,
    total: u64,
    /// Raw transition counts, by (previous, current).
    transitions: HashMap<(usize, usize), u64>,
    /// Transitions out of each token, smoothing included.
    out_of: Vec<u64>,
    params: Option<ParamModel>,
}

/// Parameters given the command (msticpy's `param_cond_cmd_probs`) and, for the values
/// model, values given the parameter (`value_cond_param_probs`).
struct ParamModel {
    /// Parameter numbers; 0 is the unknown parameter.
    ids: HashMap<String, usize>,
    /// For each command token, the parameters seen with it and each one's probability,
    /// the unknown parameter last: the order msticpy multiplies them in.
    given: Vec<Vec<(usize, f64)>>,
    values: Option<ValueModel>,
}

struct ValueModel {
    /// Whether a parameter's values are modelled: it has at most 20 distinct values, was
    /// seen at least 20 times, and its distinct values are at most 10% of those times.
    modellable: Vec<bool>,
    /// Raw count of each value of each parameter (empty values are not counted).
    counts: Vec<HashMap<String, u64>>,
    /// Each parameter's smoothed total: its values, plus one per distinct value and one
    /// for the unknown value.
    totals: Vec<u64>,
}

/// Numbers `name`, growing `counts` (and any other per-token tables) for a new one.
fn number(ids: &mut HashMap<String, usize>, name: &str, tables: &mut [&mut Vec<u64>]) -> usize {
    if let Some(&i) = ids.get(name) {
        return i;
    }
    let i = tables.first().map_or(ids.len(), |t| t.len());
    ids.insert(name.to_string(), i);
    for t in tables.iter_mut() {
        t.push(0);
    }
    i
}

impl Model {
    /// Trains on `sessions` as `Model(sessions).train()` does, with the events as `kind`
    /// says (a session without parameters counts as having none).
    pub fn train(sessions: &[Session], kind: Kind) -> Model {
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut raw = vec![0u64; 3];
        let mut transitions: HashMap<(usize, usize), u64> = HashMap::new();
        let mut out_of = vec![0u64; 3];
        for session in sessions {
            let mut prev = START;
            raw[START] += 1;
            for command in &session.commands {
                let cur = number(&mut ids, command, &mut [&mut raw, &mut out_of]);
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
        // laplace_smooth_cmd_counts). The unknown token takes part.
        let k = raw.len() as u64;
        let counts: Vec<u64> = (0..raw.len())
            .map(|x| raw[x] + if x != END { k - 1 } else { 0 } + if x != START { k - 1 } else { 0 })
            .collect();
        for (x, out) in out_of.iter_mut().enumerate() {
            if x != END {
                *out += k - 1;
            }
        }
        let params = (kind != Kind::Commands).then(|| ParamModel::train(sessions, &ids, &counts, kind));
        Model {
            ids,
            total: counts.iter().sum(),
            counts,
            transitions,
            out_of,
            params,
        }
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
    pub fn rarest_window(&self, session: &Session, window: usize) -> Rarest {
        let mut ids: Vec<usize> = session.commands.iter().map(|c| self.id(c)).collect();
        ids.push(END);
        if window == 0 || ids.len() < window {
            return Rarest {
                start: None,
                commands: Vec::new(),
                likelihood: f64::NAN,
            };
        }
        // Each event's probability of its parameters; the end token has none (1).
        let given: Vec<f64> = match &self.params {
            Some(p) => (0..ids.len())
                .map(|i| session.parameters.get(i).map_or(1.0, |ps| p.likelihood(ids[i], ps)))
                .collect(),
            None => vec![1.0; ids.len()],
        };
        let mut best: Option<(usize, f64)> = None;
        for i in 0..=ids.len() - window {
            let w = &ids[i..i + window];
            let first = if i == 0 {
                self.transition(START, w[0])
            } else {
                self.prior(w[0])
            };
            let mut likelihood = first * given[i];
            for j in 1..window {
                likelihood *= self.transition(w[j - 1], w[j]);
                likelihood *= given[i + j];
            }
            if best.is_none_or(|(_, b)| likelihood < b) {
                best = Some((i, likelihood));
            }
        }
        let (at, likelihood) = best.unwrap_or((0, f64::NAN));
        let end = (at + window).min(session.commands.len());
        Rarest {
            start: Some(at),
            commands: session.commands[at.min(end)..end].to_vec(),
            likelihood,
        }
    }
}

impl ParamModel {
    /// Counts parameters per command (and values per parameter), smoothed as msticpy's
    /// `laplace_smooth_param_counts` and `laplace_smooth_value_counts`: one more for each
    /// pair seen and one for the unknown parameter (value) of every command (parameter).
    fn train(sessions: &[Session], commands: &HashMap<String, usize>, counts: &[u64], kind: Kind) -> ParamModel {
        let mut ids: HashMap<String, usize> = HashMap::from([("##UNK##".to_string(), UNK_PARAM)]);
        let mut seen = vec![0u64; 1];
        let mut with: Vec<Vec<(usize, u64)>> = vec![Vec::new(); counts.len()];
        let mut values: Vec<HashMap<String, u64>> = vec![HashMap::new()];
        for session in sessions {
            for (command, parameters) in session.commands.iter().zip(&session.parameters) {
                let c = commands[command.as_str()];
                for (name, value) in parameters {
                    let p = number(&mut ids, name, &mut [&mut seen]);
                    values.resize_with(seen.len(), HashMap::new);
                    seen[p] += 1;
                    match with[c].iter_mut().find(|(q, _)| *q == p) {
                        Some((_, n)) => *n += 1,
                        None => with[c].push((p, 1)),
                    }
                    if let Some(v) = value.as_deref().filter(|_| kind == Kind::Values) {
                        // Most values were seen before: no key is made for them.
                        match values[p].get_mut(v) {
                            Some(n) => *n += 1,
                            None => {
                                values[p].insert(v.to_string(), 1);
                            }
                        }
                    }
                }
            }
        }
        let given = with
            .iter()
            .zip(counts)
            .map(|(params, &n)| {
                let mut probs: Vec<(usize, f64)> = params
                    .iter()
                    .map(|&(p, count)| (p, (count + 1) as f64 / n as f64))
                    .collect();
                probs.push((UNK_PARAM, 1.0 / n as f64));
                probs
            })
            .collect();
        let values = (kind == Kind::Values).then(|| ValueModel {
            modellable: values
                .iter()
                .zip(&seen)
                .map(|(vals, &n)| {
                    let distinct = vals.len() as u64;
                    distinct > 0 && distinct <= 20 && n >= 20 && (100 * distinct) as f64 / n as f64 <= 10.0
                })
                .collect(),
            totals: values
                .iter()
                .map(|v| v.values().sum::<u64>() + v.len() as u64 + 1)
                .collect(),
            counts: values,
        });
        ParamModel { ids, given, values }
    }

    /// msticpy's `compute_prob_setofparams_given_cmd` with the geometric mean: each
    /// parameter seen with the command multiplies in its probability if the event has it
    /// (times its value's, if modelled) and one minus it if not; parameters never seen with
    /// the command are ignored. An event with no parameters is 1.
    fn likelihood(&self, command: usize, parameters: &Parameters) -> f64 {
        if parameters.is_empty() {
            return 1.0;
        }
        let given = &self.given[command];
        let present: Vec<(usize, Option<&str>)> = parameters
            .iter()
            .filter_map(|(name, value)| Some((*self.ids.get(&**name)?, value.as_deref())))
            .collect();
        let mut likelihood = 1.0;
        let mut modelled = 0;
        for &(p, prob) in given {
            match present.iter().find(|(q, _)| *q == p) {
                Some(&(_, value)) => {
                    likelihood *= prob;
                    if let Some(v) = self.values.as_ref().filter(|v| v.modellable[p]) {
                        modelled += 1;
                        likelihood *= v.probability(p, value);
                    }
                }
                None => likelihood *= 1.0 - prob,
            }
        }
        likelihood.powf(1.0 / (given.len() + modelled) as f64)
    }
}

impl ValueModel {
    /// `value_cond_param_probs[p][value]`: a value never seen with `p` (or none) is the
    /// unknown value's.
    fn probability(&self, p: usize, value: Option<&str>) -> f64 {
        let count = value.and_then(|v| self.counts[p].get(v)).map_or(1, |n| n + 1);
        count as f64 / self.totals[p] as f64
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn session(commands: &[(&str, &[&str])]) -> Session {
        Session {
            user: Vec::new(),
            start: 0,
            end: 0,
            commands: commands.iter().map(|(c, _)| c.to_string()).collect(),
            parameters: commands
                .iter()
                .map(|(_, ps)| ps.iter().map(|p| (Arc::from(*p), None)).collect())
                .collect(),
        }
    }

    /// Two sessions over two commands, counted by hand.
    #[test]
    fn smoothed_probabilities_are_msticpys() {
        let sessions = vec![
            session(&[("Set-User", &["Identity"]), ("Set-User", &["Identity", "City", "Name"])]),
            session(&[
                ("Set-Mailbox", &["Identity"]),
                ("Set-User", &["Identity", "City"]),
                ("Set-User", &["Identity"]),
            ]),
        ];
        let model = Model::train(&sessions, Kind::Parameters);
        // Tokens: START, END, UNK, Set-User, Set-Mailbox → k = 5; raw counts START 2,
        // END 2, Set-User 4, Set-Mailbox 1; each +4 (not END) +4 (not START).
        assert_eq!(model.counts, vec![6, 6, 8, 12, 9]);
        // START → Set-User once, START → Set-Mailbox once; 2 raw + 4 smoothing out of START.
        assert_eq!(model.transition(START, model.id("Set-User")), 2.0 / 6.0);
        assert_eq!(model.transition(model.id("Nope"), model.id("Set-User")), 1.0 / 4.0);
        // Set-User had Identity 4 times, City twice, Name once, of 12 (smoothed): +1 each.
        let p = model.params.as_ref().unwrap();
        let set_user = p.given[model.id("Set-User")].clone();
        let id = |n: &str| p.ids[n];
        assert_eq!(
            set_user,
            vec![
                (id("Identity"), 5.0 / 12.0),
                (id("City"), 3.0 / 12.0),
                (id("Name"), 2.0 / 12.0),
                (UNK_PARAM, 1.0 / 12.0)
            ]
        );
        let event = vec![(Arc::from("Identity"), None), (Arc::from("Unseen"), None)];
        let want: f64 = (5.0 / 12.0) * (1.0 - 3.0 / 12.0) * (1.0 - 2.0 / 12.0) * (1.0 - 1.0 / 12.0);
        assert_eq!(p.likelihood(model.id("Set-User"), &event), want.powf(0.25));
    }
}

//! Phase two of parsing: a statement's words checked against its magic's [`Signature`]
//! into [`Args`] — known options, values of the right kind, required arguments present,
//! declared defaults filled in — that a magic reads into its own typed plan.

use std::collections::BTreeMap;

use crate::diag::{Diagnostic, Span, did_you_mean};
use crate::parse::{MagicCall, Spanned, Token, is_identifier, tokenize};
use crate::signature::{Kind, Opt, Signature};
use crate::values::{Values, Word, in_word};

/// The validated arguments of one magic call.
#[derive(Debug, Clone, Default)]
pub struct Args {
    params: BTreeMap<&'static str, Spanned>,
    /// The words of a [`Kind::Words`] parameter, in order.
    words: Vec<Spanned>,
    options: BTreeMap<&'static str, Spanned>,
    flags: BTreeMap<&'static str, Span>,
    /// Options the call did not give, filled in from their declared defaults.
    defaulted: Vec<&'static str>,
    /// Parameters whose word was quoted: always literal text, never FRAME.COLUMN.
    quoted: Vec<&'static str>,
    /// Words of a [`Kind::Words`] parameter that ended in a list (`host={hosts.Computer}`):
    /// the word's index and the list's values.
    word_lists: BTreeMap<usize, Vec<String>>,
    pub body: Option<Spanned>,
    /// Where the whole call sits, for errors about the call as such.
    pub call_span: Span,
}

impl Args {
    /// Checks the call's arguments against the signature (phase two), with session
    /// values left as written.
    pub fn parse(sig: &Signature, call: &MagicCall) -> Result<Args, Diagnostic> {
        Args::parse_with(sig, call, None)
    }

    /// Checks the call's arguments against the signature, each `{…}` in them replaced by
    /// the session value it names ([`crate::values`]).
    pub fn parse_with(sig: &Signature, call: &MagicCall, values: Option<&Values>) -> Result<Args, Diagnostic> {
        let mut tokens = tokenize(&call.args.text, call.args.span.start)?;
        let lists = match values {
            Some(v) => interpolate(&mut tokens, v)?,
            None => BTreeMap::new(),
        };
        let mut args = Args {
            body: call.body.clone(),
            call_span: call.name.span.start..call.args.span.end,
            ..Args::default()
        };
        let mut positional = 0usize;
        let mut only_positional = false;
        let mut index = 0;
        while index < tokens.len() {
            let token = &tokens[index];
            index += 1;
            if !token.quoted && token.text == "--" && !only_positional {
                only_positional = true;
                continue;
            }
            let is_option = !only_positional
                && !token.quoted
                && token.text.starts_with('-')
                && token.text.len() > 1
                && !token.text[1..].starts_with(|c: char| c.is_ascii_digit() || c == '.');
            if is_option {
                let taken = args.option_at(sig, &tokens, index - 1)?;
                if taken > 0
                    && let Some((_, refused)) = lists.get(&index)
                {
                    return Err(refused.clone());
                }
                index += taken;
            } else if let Some((items, refused)) = lists.get(&(index - 1)) {
                if !args.list_at(sig, &tokens[index - 1], items, positional) {
                    return Err(refused.clone());
                }
            } else if args.positional_at(sig, call, &tokens, index - 1, &mut positional, values)? {
                // A `rest` parameter took every word that was left.
                break;
            }
        }
        args.apply_defaults(sig);
        args.check_complete(sig, call)?;
        Ok(args)
    }

    /// The option `tokens[at]` names, with its value; returns how many tokens after it
    /// were taken (its value's, when not written `--name=value`).
    fn option_at(&mut self, sig: &Signature, tokens: &[Token], at: usize) -> Result<usize, Diagnostic> {
        let token = &tokens[at];
        let (opt, inline_value) = find_option(sig, token)?;
        let key = opt.long;
        if self.options.contains_key(key) || self.flags.contains_key(key) {
            return Err(Diagnostic::new("repeated-option", format!("--{key} is given twice")).at(token.span.clone()));
        }
        let Some((placeholder, kind)) = opt.value else {
            if inline_value.is_some() {
                return Err(
                    Diagnostic::new("unexpected-value", format!("--{key} is a switch and takes no value"))
                        .at(token.span.clone()),
                );
            }
            self.flags.insert(key, token.span.clone());
            return Ok(0);
        };
        let (value, taken) = match (inline_value, tokens.get(at + 1)) {
            (Some(v), _) => (v, 0),
            (None, Some(next)) => (
                Spanned {
                    text: next.text.clone(),
                    span: next.span.clone(),
                },
                1,
            ),
            (None, None) => {
                return Err(
                    Diagnostic::new("missing-value", format!("--{key} needs a value ({placeholder})"))
                        .at(token.span.clone())
                        .hint(opt.help),
                );
            }
        };
        check_kind(kind, &value, &format!("--{key}"))?;
        self.options.insert(key, value);
        Ok(taken)
    }

    /// A word that ended in a list, for a [`Kind::Words`] parameter: one word per value
    /// (`{hosts.Computer}`), or one word that keeps the list (`host={hosts.Computer}`).
    /// Whether the next parameter takes words.
    fn list_at(&mut self, sig: &Signature, token: &Token, items: &[String], positional: usize) -> bool {
        if sig.params.get(positional).is_none_or(|p| p.kind != Kind::Words) {
            return false;
        }
        if token.text.len() == items.join(",").len() {
            for item in items {
                self.words.push(Spanned {
                    text: item.clone(),
                    span: token.span.clone(),
                });
            }
        } else {
            self.word_lists.insert(self.words.len(), items.to_vec());
            self.words.push(Spanned {
                text: token.text.clone(),
                span: token.span.clone(),
            });
        }
        true
    }

    /// The positional word `tokens[at]`, for the next parameter; returns whether it took
    /// the rest of the line.
    fn positional_at(
        &mut self,
        sig: &Signature,
        call: &MagicCall,
        tokens: &[Token],
        at: usize,
        positional: &mut usize,
        values: Option<&Values>,
    ) -> Result<bool, Diagnostic> {
        let token = &tokens[at];
        let Some(param) = sig.params.get(*positional) else {
            let expected = if sig.params.is_empty() {
                format!("%{} takes no arguments", sig.name)
            } else {
                format!("%{} takes at most {} argument(s)", sig.name, sig.params.len())
            };
            return Err(Diagnostic::new(
                "unexpected-argument",
                format!("unexpected argument {:?}: {expected}", token.text),
            )
            .at(token.span.clone())
            .hint(format!("usage: {}", sig.usage()[0])));
        };
        if param.kind == Kind::Words {
            // Stays on this parameter: every further plain word is another one.
            self.words.push(Spanned {
                text: token.text.clone(),
                span: token.span.clone(),
            });
            return Ok(false);
        }
        *positional += 1;
        let value = if param.rest {
            // The rest of the line verbatim, from this word on.
            let from = token.span.start - call.args.span.start;
            let text = call.args.text[from..].trim_end();
            let span = token.span.start..token.span.start + text.len();
            let text = if tokens.len() == at + 1 {
                token.text.clone()
            } else {
                let joined = text.replace("\\\r\n", " ").replace("\\\n", " ");
                match values {
                    Some(v) if joined.contains('{') => match in_word(&joined, &span, joined.len() == text.len(), v)? {
                        Word::Text(t) => t,
                        Word::List { refused, .. } => return Err(*refused),
                    },
                    _ => joined,
                }
            };
            Spanned { text, span }
        } else {
            Spanned {
                text: token.text.clone(),
                span: token.span.clone(),
            }
        };
        check_kind(param.kind, &value, param.name)?;
        if token.quoted {
            self.quoted.push(param.name);
        }
        self.params.insert(param.name, value);
        Ok(param.rest)
    }

    /// Declared defaults, so that no magic restates them. They point at the call.
    fn apply_defaults(&mut self, sig: &Signature) {
        for opt in sig.options {
            if let Some(default) = opt.default
                && !self.options.contains_key(opt.long)
            {
                self.options.insert(
                    opt.long,
                    Spanned {
                        text: default.to_string(),
                        span: self.call_span.clone(),
                    },
                );
                self.defaulted.push(opt.long);
            }
        }
    }

    /// Every required parameter given, and a body where the cell form needs one.
    fn check_complete(&self, sig: &Signature, call: &MagicCall) -> Result<(), Diagnostic> {
        if let Some(missing) = sig
            .params
            .iter()
            .find(|p| p.required && !self.params.contains_key(p.name))
        {
            return Err(Diagnostic::new(
                "missing-argument",
                format!("%{} needs {}", sig.name, missing.name.to_uppercase()),
            )
            .at(call.name.span.start..call.args.span.end.max(call.name.span.end))
            .hint(format!("{} — usage: {}", missing.help, sig.usage()[0])));
        }
        if call.cell && sig.body.is_some() && call.body.as_ref().is_none_or(|b| b.text.trim().is_empty()) {
            return Err(Diagnostic::new(
                "missing-body",
                format!("%%{} needs a body after its first line", sig.name),
            )
            .at(call.name.span.clone())
            .hint(sig.body.unwrap_or_default()));
        }
        Ok(())
    }

    pub fn param(&self, name: &str) -> Option<&Spanned> {
        self.params.get(name)
    }

    /// A parameter the signature marks required: the parser has refused the call without
    /// it, so its absence is a bug, reported as an internal error rather than a panic.
    pub fn required(&self, name: &str) -> Result<&Spanned, Diagnostic> {
        self.params
            .get(name)
            .or_else(|| self.options.get(name))
            .ok_or_else(|| Diagnostic::internal(format!("{name} is required by the signature but was not parsed")))
    }

    /// Whether the parameter's word was quoted (then it is text, never FRAME.COLUMN).
    pub fn quoted(&self, name: &str) -> bool {
        self.quoted.contains(&name)
    }

    /// An option's value: the one given, or its declared default.
    pub fn option(&self, long: &str) -> Option<&Spanned> {
        self.options.get(long)
    }

    /// Whether the call gave the option itself (not its default).
    pub fn given(&self, long: &str) -> bool {
        (self.options.contains_key(long) && !self.defaulted.contains(&long)) || self.flags.contains_key(long)
    }

    /// A number parameter or option ([`Kind::Seconds`]), already checked while parsing.
    pub fn number(&self, name: &str) -> Option<f64> {
        self.params
            .get(name)
            .or_else(|| self.options.get(name))
            .and_then(|v| v.text.parse().ok())
    }

    /// A [`Kind::Choice`] option as the signature spells it (the user's case may differ).
    pub fn choice(&self, sig: &Signature, long: &str) -> Option<&'static str> {
        let value = self.options.get(long)?;
        match sig.option(long)?.value? {
            (_, Kind::Choice(choices)) => choices.iter().copied().find(|c| c.eq_ignore_ascii_case(&value.text)),
            _ => None,
        }
    }

    /// The values of word `i` of a [`Kind::Words`] parameter when it ended in a list
    /// (`host={hosts.Computer}`); its text then holds them joined by commas.
    pub fn word_list(&self, i: usize) -> Option<&[String]> {
        self.word_lists.get(&i).map(Vec::as_slice)
    }

    /// The words given to a [`Kind::Words`] parameter.
    pub fn words(&self) -> &[Spanned] {
        &self.words
    }

    pub fn flag(&self, long: &str) -> bool {
        self.flags.contains_key(long)
    }

    /// An integer option, already checked by [`Kind::Int`].
    pub fn int(&self, long: &str) -> Option<i64> {
        self.options.get(long).and_then(|v| v.text.parse().ok())
    }

    /// The cell form's body, which the parser requires for magics that declare one.
    pub fn body(&self) -> Result<&Spanned, Diagnostic> {
        self.body
            .as_ref()
            .ok_or_else(|| Diagnostic::internal("the cell form needs a body, but none was parsed"))
    }

    /// A span option with a declared default (`--gap 20m`) in µs, and as it was written; a
    /// span that does not read is an error under it.
    pub fn span_micros(&self, long: &str) -> Result<(i64, &Spanned), Diagnostic> {
        let given = self
            .option(long)
            .ok_or_else(|| Diagnostic::internal(format!("--{long} has no declared default")))?;
        let span = huntbook::time::parse_span(&given.text)
            .map_err(|e| Diagnostic::new("bad-value", e).at(given.span.clone()))?;
        Ok((span.num_microseconds().unwrap_or(i64::MAX), given))
    }

    /// A whole-number option with a declared default: always there after parsing.
    pub fn count(&self, long: &str) -> Result<usize, Diagnostic> {
        self.int(long)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| Diagnostic::internal(format!("--{long} has no declared default or is not a whole number")))
    }
}

/// Lists of words, by token index: their values and the error where one value is needed.
type Lists = BTreeMap<usize, (Vec<String>, Diagnostic)>;

/// Each word's `{…}` replaced by its value; the words that ended in a list.
fn interpolate(tokens: &mut [Token], values: &Values) -> Result<Lists, Diagnostic> {
    let mut lists = Lists::new();
    for (i, token) in tokens.iter_mut().enumerate() {
        if !token.text.contains(['{', '}']) {
            continue;
        }
        match in_word(&token.text, &token.span, !token.quoted, values)? {
            Word::Text(t) => token.text = t,
            Word::List { prefix, items, refused } => {
                token.text = format!("{prefix}{}", items.join(","));
                lists.insert(i, (items, *refused));
            }
        }
    }
    Ok(lists)
}

fn find_option(sig: &Signature, token: &Token) -> Result<(&'static Opt, Option<Spanned>), Diagnostic> {
    let text = &token.text;
    let (name, inline) = match text.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (text.as_str(), None),
    };
    let opt = if let Some(long) = name.strip_prefix("--") {
        sig.option(long)
    } else {
        let mut chars = name[1..].chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => sig.short_option(c),
            _ => None,
        }
    };
    let Some(opt) = opt else {
        let bare = name.trim_start_matches('-');
        let mut d =
            Diagnostic::new("unknown-option", format!("%{} has no option {name}", sig.name)).at(token.span.clone());
        d = match did_you_mean(bare, sig.options.iter().map(|o| o.long)) {
            Some(s) => d.hint(format!("did you mean --{s}?")),
            None if sig.options.is_empty() => d.hint(format!("%{} takes no options", sig.name)),
            None => d.hint(format!(
                "options: {}",
                sig.options
                    .iter()
                    .map(|o| format!("--{}", o.long))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        return Err(d);
    };
    let inline = inline.map(|v| {
        let start = token.span.start + name.len() + 1;
        Spanned {
            text: v.to_string(),
            span: start..token.span.end,
        }
    });
    Ok((opt, inline))
}

fn check_kind(kind: Kind, value: &Spanned, what: &str) -> Result<(), Diagnostic> {
    let bad = |message: String| Err(Diagnostic::new("bad-value", message).at(value.span.clone()));
    match kind {
        Kind::Int { min } => match value.text.parse::<i64>() {
            Ok(n) if n >= min => Ok(()),
            Ok(_) => bad(format!("{what} must be at least {min}, not {}", value.text)),
            Err(_) => bad(format!("{what} must be a whole number, not {:?}", value.text)),
        },
        Kind::Seconds => match value.text.parse::<f64>() {
            // A year bounds the wait, and keeps the duration arithmetic far from overflow.
            Ok(n) if (0.0..=31_536_000.0).contains(&n) => Ok(()),
            _ => bad(format!(
                "{what} must be a number of seconds from 0 to 31536000, not {:?}",
                value.text
            )),
        },
        Kind::Choice(choices) => {
            if choices.iter().any(|c| c.eq_ignore_ascii_case(&value.text)) {
                Ok(())
            } else {
                let d = Diagnostic::new(
                    "bad-value",
                    format!("{what} must be one of {}, not {:?}", choices.join(", "), value.text),
                )
                .at(value.span.clone());
                Err(match did_you_mean(&value.text, choices.iter().copied()) {
                    Some(s) => d.hint(format!("did you mean {s}?")),
                    None => d,
                })
            }
        }
        Kind::Frame => {
            if is_identifier(&value.text) {
                Ok(())
            } else {
                bad(format!("{what} must be a frame name, not {:?}", value.text))
            }
        }
        Kind::Text | Kind::Path | Kind::ValueOrColumn | Kind::MagicName | Kind::Words => Ok(()),
    }
}

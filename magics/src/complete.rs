//! Completion, inspection and `is_complete`, all answered from the magics' signatures and
//! the session's frames.
//!
//! Positions here are byte offsets into the cell; the kernel converts Jupyter's code-point
//! cursor positions at its edge.

use std::fmt::Write;

use huntbook::Frame;
use huntbook::render::grid::{Cell, Grid};
use huntbook::render::table::thousands;

use crate::args::Args;
use crate::bundle::MimeBundle;
use crate::figure::Figure;
use crate::interpreter::Interpreter;
use crate::manual::help_bundle;
use crate::parse::{Statement, is_identifier, split_cell, tokenize};
use crate::signature::{Forms, Kind, Signature};

#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub matches: Vec<String>,
    /// The byte range of the cell the matches replace.
    pub start: usize,
    pub end: usize,
    /// What each match is: "magic", "option", "frame", "column", "path", "value".
    pub kinds: Vec<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IsComplete {
    Complete,
    Incomplete(String),
    Invalid,
}

/// Where in the cell the cursor is, as far as completion and inspection care.
enum Place {
    /// Typing a magic's name (`%lo|`).
    MagicName,
    /// In the arguments of a magic's line; `before` holds the words before the cursor's.
    Args {
        sig: &'static Signature,
        before: Vec<String>,
    },
    /// In the body of a cell magic.
    Body {
        sig: &'static Signature,
    },
    Other,
}

impl Interpreter {
    pub fn complete(&self, code: &str, cursor: usize) -> Completion {
        let cursor = floor_char_boundary(code, cursor);
        if let Some(c) = code_at(code, cursor) {
            return self.complete_code(&c, cursor);
        }
        if let Some(c) = crate::values::assist::complete(&self.values(), code, cursor) {
            return c;
        }
        let word_start = code[..cursor]
            .rfind(|c: char| c.is_whitespace() || c == '(' || c == ',')
            .map_or(0, |i| i + code[i..].chars().next().map_or(1, char::len_utf8));
        let word = &code[word_start..cursor];
        let mut candidates: Vec<(String, &'static str)> = Vec::new();
        match self.place(code, word_start) {
            Place::MagicName => {
                let cell_form = word.starts_with("%%");
                for sig in self.registry().signatures() {
                    if !cell_form && sig.forms.line() {
                        candidates.push((format!("%{}", sig.name), "magic"));
                    }
                    if sig.forms.cell() && (cell_form || sig.forms == Forms::Cell) {
                        candidates.push((format!("%%{}", sig.name), "magic"));
                    }
                }
            }
            Place::Args { sig, before } => {
                if word.starts_with('-') {
                    candidates.extend(sig.options.iter().map(|o| (format!("--{}", o.long), "option")));
                } else {
                    let kind = kind_at(sig, &before);
                    self.values_for(kind, word, &mut candidates);
                }
            }
            Place::Body { sig } if sig.name == "sql" => {
                for (name, frame) in self.session().iter() {
                    candidates.push((name.to_string(), "frame"));
                    candidates.extend(frame.column_names().into_iter().map(|c| (c, "column")));
                }
                candidates.sort();
                candidates.dedup();
            }
            Place::Body { .. } | Place::Other => {}
        }
        let mut matched: Vec<(String, &'static str)> = candidates
            .iter()
            .filter(|(c, _)| c.starts_with(word))
            .cloned()
            .collect();
        if matched.is_empty() {
            let lower = word.to_lowercase();
            matched = candidates
                .into_iter()
                .filter(|(c, _)| c.to_lowercase().starts_with(&lower))
                .collect();
        }
        Completion {
            kinds: matched.iter().map(|(_, k)| *k).collect(),
            matches: matched.into_iter().map(|(m, _)| m).collect(),
            start: word_start,
            end: cursor,
        }
    }

    fn values_for(&self, kind: Option<Kind>, word: &str, out: &mut Vec<(String, &'static str)>) {
        match kind {
            Some(Kind::Frame) => out.extend(self.session().names().map(|n| (n.to_string(), "frame"))),
            Some(Kind::ValueOrColumn) => match word.split_once('.') {
                Some((frame, _)) if self.session().get(frame).is_some() => {
                    let columns = self.session().get(frame).map(Frame::column_names).unwrap_or_default();
                    out.extend(columns.into_iter().map(|c| (format!("{frame}.{c}"), "column")));
                }
                _ => out.extend(self.session().names().map(|n| (format!("{n}."), "frame"))),
            },
            Some(Kind::Path) => out.extend(path_candidates(word).into_iter().map(|p| (p, "path"))),
            Some(Kind::Choice(choices)) => out.extend(choices.iter().map(|c| (c.to_string(), "value"))),
            Some(Kind::MagicName) => out.extend(self.registry().signatures().map(|s| (s.name.to_string(), "magic"))),
            Some(Kind::Text | Kind::Int { .. } | Kind::Seconds | Kind::Words) | None => {}
        }
    }

    /// Classifies the position `at` (the start of the word under the cursor).
    fn place(&self, code: &str, at: usize) -> Place {
        let line_start = code[..at].rfind('\n').map_or(0, |i| i + 1);
        let first_line_end = code.find('\n').unwrap_or(code.len());
        // The body of a cell magic: anything below its first line.
        if line_start > 0
            && let Some(sig) = self.cell_magic_of(code)
            && at > first_line_end
        {
            return Place::Body { sig };
        }
        let before = &code[line_start..at];
        let head = before.trim_start();
        let is_assignment_prefix = head
            .split_once('=')
            .is_some_and(|(name, rest)| is_identifier(name.trim()) && rest.trim().is_empty());
        if head.is_empty() || is_assignment_prefix {
            return if code[at..].starts_with('%') {
                Place::MagicName
            } else {
                Place::Other
            };
        }
        let line_end = code[at..].find('\n').map_or(code.len(), |i| at + i);
        let Ok(statements) = split_cell(&code[line_start..line_end]) else {
            return Place::Other;
        };
        let Some(Statement::Magic(call)) = statements.into_iter().next() else {
            return Place::Other;
        };
        let Some(magic) = self.registry().get(&call.name.text) else {
            return Place::Other;
        };
        let args_start = call.args.span.start.min(before.len());
        let words = tokenize(&before[args_start..], 0)
            .map(|t| t.into_iter().map(|t| t.text).collect())
            .unwrap_or_default();
        Place::Args {
            sig: magic.signature(),
            before: words,
        }
    }

    fn cell_magic_of(&self, code: &str) -> Option<&'static Signature> {
        let first = code.lines().find(|l| !l.trim().is_empty())?;
        let name = first.trim_start().strip_prefix("%%")?;
        let name: String = name
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        self.registry().get(&name).map(|m| m.signature())
    }

    /// Completion in a run of Rust: session frame names inside `frame("…`, else what the
    /// code runner (rust-analyzer, through evcxr) offers.
    fn complete_code(&self, c: &crate::parse::Spanned, cursor: usize) -> Completion {
        let before = &c.text[..cursor - c.span.start];
        if let Some(at) = before.rfind("frame(\"")
            && !before[at + 7..].contains('"')
        {
            let prefix = &before[at + 7..];
            let matches: Vec<String> = self
                .session()
                .names()
                .filter(|n| n.starts_with(prefix))
                .map(str::to_string)
                .collect();
            return Completion {
                kinds: vec!["frame"; matches.len()],
                matches,
                start: cursor - prefix.len(),
                end: cursor,
            };
        }
        let mut guard = self.code_runner();
        let found = guard
            .as_mut()
            .ok()
            .and_then(|runner| runner.complete(&c.text, cursor - c.span.start));
        match found {
            Some((matches, start, end)) => Completion {
                kinds: vec!["rust"; matches.len()],
                matches,
                start: c.span.start + start,
                end: c.span.start + end,
            },
            None => Completion {
                matches: Vec::new(),
                start: cursor,
                end: cursor,
                kinds: Vec::new(),
            },
        }
    }

    /// Shift-tab help: a magic's page, a frame's shape or a column's profile.
    pub fn inspect(&self, code: &str, cursor: usize) -> Option<MimeBundle> {
        let cursor = floor_char_boundary(code, cursor);
        if let Some(c) = code_at(code, cursor) {
            let mut guard = self.code_runner();
            if let Ok(runner) = guard.as_mut()
                && let Some(found) = runner.inspect(&c.text, cursor - c.span.start)
            {
                return Some(found);
            }
        }
        if let Some(b) = crate::values::assist::inspect(&self.values(), code, cursor) {
            return Some(b);
        }
        let is_word = |c: char| c.is_alphanumeric() || matches!(c, '_' | '.' | '%');
        // The delimiter may be any character, a multi-byte one included (NBSP, em dash).
        let start = code[..cursor]
            .rfind(|c: char| !is_word(c))
            .map_or(0, |i| i + code[i..].chars().next().map_or(1, char::len_utf8));
        let end = code[cursor..]
            .find(|c: char| !is_word(c))
            .map_or(code.len(), |i| cursor + i);
        let word = code[start..end].trim_end_matches('.');
        if let Some(name) = word.strip_prefix('%') {
            let name = name.trim_start_matches('%');
            if let Some(magic) = self.registry().get(name) {
                return Some(help_bundle(magic.signature()));
            }
        }
        if let Some(frame) = self.session().get(word) {
            return Some(frame_info(word, frame));
        }
        if let Some((frame_name, column)) = word.split_once('.')
            && let Some(frame) = self.session().get(frame_name)
            && let Ok(col) = frame.data.column(column)
        {
            return Some(column_info(frame_name, col));
        }
        // Anywhere else on a magic's line (or in its body), the magic's own help.
        match self.place(code, start) {
            Place::Args { sig, .. } | Place::Body { sig } => Some(help_bundle(sig)),
            _ => None,
        }
    }

    pub fn is_complete(&self, code: &str) -> IsComplete {
        if code.trim().is_empty() {
            return IsComplete::Complete;
        }
        let statements = match split_cell(code) {
            Ok(s) => s,
            Err(_) => return IsComplete::Invalid,
        };
        for statement in &statements {
            let call = match statement {
                Statement::Code(c) => return rust_is_complete(&c.text),
                Statement::Magic(call) => call,
            };
            let Some(magic) = self.registry().get(&call.name.text) else {
                return IsComplete::Invalid;
            };
            let sig = magic.signature();
            if call.help {
                continue;
            }
            if call.cell {
                if !sig.forms.cell() {
                    return IsComplete::Invalid;
                }
                // As in IPython: a cell magic's input ends with an empty line — or, for
                // SQL, with a semicolon.
                let body = call.body.as_ref().map_or("", |b| b.text.as_str());
                let without_newline = code.strip_suffix('\n').unwrap_or(code);
                let last_line = without_newline.rsplit('\n').next().unwrap_or_default();
                let sql_ended = sig.name == "sql" && body.trim_end().ends_with(';');
                if body.trim().is_empty() || !(last_line.trim().is_empty() || sql_ended) {
                    return IsComplete::Incomplete(String::new());
                }
                return IsComplete::Complete;
            }
            if call.args.text.trim_end().ends_with('\\') {
                return IsComplete::Incomplete(String::new());
            }
            match Args::parse(sig, call) {
                Ok(_) => {}
                Err(d) if d.code == "unclosed-quote" => return IsComplete::Incomplete(String::new()),
                Err(_) => return IsComplete::Invalid,
            }
        }
        IsComplete::Complete
    }
}

fn kind_at(sig: &Signature, before: &[String]) -> Option<Kind> {
    // The value of an option that takes one?
    if let Some(last) = before.last()
        && let Some(long) = last.strip_prefix("--")
        && let Some(opt) = sig.option(long)
        && let Some((_, kind)) = opt.value
    {
        return Some(kind);
    }
    // Otherwise the next positional parameter: count the words that were not options or
    // option values.
    let mut positional = 0;
    let mut skip = false;
    for w in before {
        if skip {
            skip = false;
            continue;
        }
        if let Some(long) = w.strip_prefix("--") {
            skip = sig.option(long).is_some_and(|o| o.value.is_some()) && !long.contains('=');
            continue;
        }
        positional += 1;
    }
    sig.params
        .get(positional)
        .or(sig.params.last().filter(|p| p.rest))
        .map(|p| p.kind)
}

fn path_candidates(word: &str) -> Vec<String> {
    let (dir, prefix) = match word.rfind('/') {
        Some(i) => (&word[..=i], &word[i + 1..]),
        None => ("", word),
    };
    let read_from = if dir.is_empty() { "." } else { dir };
    let Ok(entries) = std::fs::read_dir(read_from) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            if !name.starts_with(prefix) || (name.starts_with('.') && !prefix.starts_with('.')) {
                return None;
            }
            let slash = if e.path().is_dir() { "/" } else { "" };
            Some(format!("{dir}{name}{slash}"))
        })
        .collect();
    out.sort();
    out
}

fn frame_info(name: &str, frame: &Frame) -> MimeBundle {
    let mut text = String::new();
    let mut grid = Grid::new(["column", "type"]);
    for col in frame.data.columns() {
        let _ = writeln!(text, "  {:<28} {}", col.name().as_str(), col.dtype());
        grid.row([Cell::Code(col.name().to_string()), Cell::Text(col.dtype().to_string())]);
    }
    Figure::rich(grid.html(), text.trim_end())
        .heading(crate::display::frame_summary(name, frame))
        .bundle()
}

fn column_info(frame: &str, col: &polars::prelude::Column) -> MimeBundle {
    let nulls = col.null_count();
    let distinct = col.n_unique().unwrap_or(0);
    let mut examples = Vec::new();
    for i in 0..col.len() {
        if examples.len() == 5 {
            break;
        }
        if let Ok(v) = col.get(i) {
            let s = match v {
                polars::prelude::AnyValue::Null => continue,
                polars::prelude::AnyValue::String(s) => s.to_string(),
                other => other.to_string(),
            };
            if !examples.contains(&s) {
                examples.push(s);
            }
        }
    }
    let text = format!(
        "{frame}.{}: {}, {} values, {} null, {} distinct\nexamples: {}",
        col.name(),
        col.dtype(),
        thousands(col.len()),
        thousands(nulls),
        thousands(distinct),
        examples.join(" | ")
    );
    Figure::preformatted(text).bundle()
}

/// A heuristic for Rust code typed at a console: brackets that are still open mean more
/// is coming; a bracket closed that was never opened cannot be fixed by typing more.
fn rust_is_complete(code: &str) -> IsComplete {
    let mut depth: Vec<char> = Vec::new();
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '"' => {
                let mut closed = false;
                while let Some(c) = chars.next() {
                    if c == '\\' {
                        chars.next();
                    } else if c == '"' {
                        closed = true;
                        break;
                    }
                }
                if !closed {
                    return IsComplete::Incomplete(String::new());
                }
            }
            '(' | '[' | '{' => depth.push(c),
            ')' | ']' | '}' => {
                let open = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                if depth.pop() != Some(open) {
                    return IsComplete::Invalid;
                }
            }
            _ => {}
        }
    }
    if depth.is_empty() {
        IsComplete::Complete
    } else {
        IsComplete::Incomplete("    ".repeat(depth.len()))
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The run of code lines the cursor is in, if it is in one.
fn code_at(code: &str, cursor: usize) -> Option<crate::parse::Spanned> {
    split_cell(code).ok()?.into_iter().find_map(|s| match s {
        Statement::Code(c) if c.span.start <= cursor && cursor <= c.span.end => Some(c),
        _ => None,
    })
}

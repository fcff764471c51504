//! Parsing a cell, in two phases.
//!
//! Phase one ([`split_cell`]) cuts the cell into statements — `name = %magic args`,
//! `%%magic args` with its body, or code that is not a magic — keeping the byte position
//! of everything so diagnostics can point into the cell; [`tokenize`] splits a statement's
//! arguments into words. Phase two ([`crate::args::Args::parse`]) checks the words
//! of one statement against the magic's signature: known options, values of the right
//! kind, required arguments present, defaults filled in. A magic's `run` only ever sees
//! the validated [`crate::args::Args`].

use crate::diag::{Diagnostic, Span};

/// A piece of the cell with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned {
    pub text: String,
    pub span: Span,
}

/// One statement of a cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    Magic(MagicCall),
    /// Code that is not a magic: Rust.
    Code(Spanned),
}

#[derive(Debug, Clone, PartialEq)]
pub struct MagicCall {
    /// `name` in `name = %magic …`.
    pub assign: Option<Spanned>,
    /// The magic's name, without `%`; the span covers the `%` too.
    pub name: Spanned,
    /// `%%name`: the cell form.
    pub cell: bool,
    /// `%name?`: a request for help instead of a run.
    pub help: bool,
    /// The text after the name on its line, and where it starts.
    pub args: Spanned,
    /// For the cell form, everything after the first line.
    pub body: Option<Spanned>,
}

/// Splits a cell into statements. Blank lines and comment lines (`#`, `//`) between
/// magics separate nothing and are skipped; a line ending in `\` continues on the next.
/// Lines that are not magics are code (Rust), one statement for each run of them, so
/// magics and code run in the order they are written; `#[…]` and `#!` lines are Rust
/// attributes, not comments.
pub fn split_cell(code: &str) -> Result<Vec<Statement>, Diagnostic> {
    let mut statements = Vec::new();
    let mut offset = 0;
    let mut lines = code.split_inclusive('\n').peekable();
    let mut first = true;
    // The run of code lines being gathered: where it starts and ends.
    let mut pending: Option<(usize, usize)> = None;
    let flush = |pending: &mut Option<(usize, usize)>, statements: &mut Vec<Statement>| {
        if let Some((start, end)) = pending.take() {
            statements.push(Statement::Code(Spanned {
                text: code[start..end].to_string(),
                span: start..end,
            }));
        }
    };
    while let Some(raw) = lines.next() {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim_start();
        let attribute = trimmed.starts_with("#[") || trimmed.starts_with("#!");
        if trimmed.is_empty() || (trimmed.starts_with('#') && !attribute) || trimmed.starts_with("//") {
            if let Some((_, end)) = &mut pending {
                *end = offset;
            }
            continue;
        }
        let indent = line.len() - trimmed.len();
        let Some(call) = magic_head(line, start + indent)? else {
            match &mut pending {
                Some((_, end)) => *end = offset,
                None => pending = Some((start, offset)),
            }
            first = false;
            continue;
        };
        flush(&mut pending, &mut statements);
        if call.cell {
            if !first {
                return Err(Diagnostic::new(
                    "misplaced-cell-magic",
                    format!("%%{} must be on the first line of the cell", call.name.text),
                )
                .at(call.name.span.clone())
                .hint(format!(
                    "move it to the top of the cell, or use the line form %{}",
                    call.name.text
                )));
            }
            let body = Spanned {
                text: code[offset..].to_string(),
                span: offset..code.len(),
            };
            statements.push(Statement::Magic(MagicCall {
                body: Some(body),
                ..call
            }));
            return Ok(statements);
        }
        // Continuation lines: `\` at the end joins the next line into the arguments.
        // The arguments keep the raw text so every span still points into the cell;
        // the tokenizer reads `\` + newline as white space.
        let mut call = call;
        let mut end = start + line.len();
        while code[..end].ends_with('\\') {
            let Some(next) = lines.next() else { break };
            offset += next.len();
            end = offset - (next.len() - next.trim_end_matches(['\n', '\r']).len());
        }
        call.args.text = code[call.args.span.start..end].to_string();
        call.args.span.end = end;
        statements.push(Statement::Magic(call));
        first = false;
    }
    flush(&mut pending, &mut statements);
    Ok(statements)
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Whether `name` is usable as a frame name.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(is_ident_start) && chars.all(is_ident)
}

/// Recognises `[name =] %name…` or `%%name…` at the start of `line` (which starts at
/// byte `at` of the cell). Returns `None` when the line is not a magic.
fn magic_head(line: &str, at: usize) -> Result<Option<MagicCall>, Diagnostic> {
    let text = line.trim_start();
    let mut pos = 0;
    let mut assign = None;
    // `name = %magic`: an identifier, `=`, then `%`.
    let ident_len = text.find(|c: char| !is_ident(c)).unwrap_or(text.len());
    if ident_len > 0 && text.starts_with(is_ident_start) {
        let after = &text[ident_len..];
        let after_ws = after.trim_start();
        if let Some(rest) = after_ws.strip_prefix('=')
            && !rest.starts_with('=')
            && rest.trim_start().starts_with('%')
        {
            assign = Some(Spanned {
                text: text[..ident_len].to_string(),
                span: at..at + ident_len,
            });
            pos = text.len() - rest.trim_start().len();
        }
    }
    let head = &text[pos..];
    if !head.starts_with('%') {
        return Ok(None);
    }
    let cell = head.starts_with("%%");
    let sigils = if cell { 2 } else { 1 };
    let name_len = head[sigils..]
        .find(|c: char| !is_ident(c))
        .unwrap_or(head.len() - sigils);
    let name_start = at + pos;
    let name = &head[sigils..sigils + name_len];
    if name.is_empty() {
        return Err(Diagnostic::new("missing-magic-name", "a magic name must follow %")
            .at(name_start..name_start + sigils)
            .hint("%lsmagic lists the magics"));
    }
    let mut rest_start = sigils + name_len;
    let mut help = false;
    while head[rest_start..].starts_with('?') {
        help = true;
        rest_start += 1;
    }
    let args_text = &head[rest_start..];
    Ok(Some(MagicCall {
        assign,
        name: Spanned {
            text: name.to_string(),
            span: name_start..name_start + sigils + name_len,
        },
        cell,
        help,
        args: Spanned {
            text: args_text.to_string(),
            span: at + pos + rest_start..at + pos + rest_start + args_text.len(),
        },
        body: None,
    }))
}

/// A `\` that ends a line joins lines; it is white space, not part of a word.
fn is_continuation(text: &str, at: usize) -> bool {
    let rest = &text[at..];
    rest.starts_with("\\\n") || rest.starts_with("\\\r\n")
}

/// One word of a magic's arguments, with quotes removed.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub text: String,
    pub span: Span,
    pub quoted: bool,
}

/// Splits arguments into words the way a shell does: white space separates, `'…'` is
/// literal, `"…"` allows `\"` and `\\`. `base` is the byte offset of `text` in the cell.
pub fn tokenize(text: &str, base: usize) -> Result<Vec<Token>, Diagnostic> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() || is_continuation(text, start) {
            chars.next();
            continue;
        }
        let mut word = String::new();
        let mut quoted = false;
        let mut end = start;
        while let Some(&(i, c)) = chars.peek() {
            if c.is_whitespace() || is_continuation(text, i) {
                break;
            }
            chars.next();
            end = i + c.len_utf8();
            match c {
                '\'' | '"' => {
                    quoted = true;
                    let mut closed = false;
                    while let Some((j, q)) = chars.next() {
                        end = j + q.len_utf8();
                        if q == c {
                            closed = true;
                            break;
                        }
                        if c == '"'
                            && q == '\\'
                            && let Some(&(k, esc)) = chars.peek()
                            && (esc == '"' || esc == '\\')
                        {
                            chars.next();
                            end = k + esc.len_utf8();
                            word.push(esc);
                            continue;
                        }
                        word.push(q);
                    }
                    if !closed {
                        return Err(
                            Diagnostic::new("unclosed-quote", format!("the quote {c} is never closed"))
                                .at(base + i..base + text.len())
                                .hint(format!("add a closing {c}")),
                        );
                    }
                }
                c => word.push(c),
            }
        }
        tokens.push(Token {
            text: word,
            span: base + start..base + end,
            quoted,
        });
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn magic(code: &str) -> MagicCall {
        match split_cell(code).unwrap().remove(0) {
            Statement::Magic(m) => m,
            other => panic!("not a magic: {other:?}"),
        }
    }

    #[test]
    fn assignment_and_arguments_keep_their_positions() {
        let code = "procs = %load  data/x.csv --format csv";
        let m = magic(code);
        assert_eq!(m.assign.as_ref().unwrap().text, "procs");
        assert_eq!(m.name.text, "load");
        assert_eq!(&code[m.name.span.clone()], "%load");
        assert_eq!(&code[m.args.span.clone()], "  data/x.csv --format csv");
    }

    #[test]
    fn cell_magic_takes_the_rest_as_body() {
        let m = magic("%%sql\nSELECT *\nFROM t");
        assert!(m.cell);
        assert_eq!(m.body.unwrap().text, "SELECT *\nFROM t");
    }

    #[test]
    fn several_line_magics_and_comments() {
        let s = split_cell("# load\n%load a.csv\n\n%vars\n").unwrap();
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn non_magic_code_is_code() {
        let s = split_cell("let x = 1;").unwrap();
        assert!(matches!(&s[0], Statement::Code(c) if c.text == "let x = 1;"));
        // `a == %b` is not an assignment.
        let s = split_cell("a == %b").unwrap();
        assert!(matches!(&s[0], Statement::Code(_)));
    }

    #[test]
    fn magics_and_code_runs_alternate_in_order() {
        let code = "%load a.csv\n#[derive(Debug)]\nstruct A;\n\n// note\nlet x = 1;\nx_ = %vars\nlet y = 2;\n";
        let s = split_cell(code).unwrap();
        let kinds: Vec<String> = s
            .iter()
            .map(|s| match s {
                Statement::Magic(m) => format!("%{}", m.name.text),
                Statement::Code(c) => c.text.clone(),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "%load",
                "#[derive(Debug)]\nstruct A;\n\n// note\nlet x = 1;\n",
                "%vars",
                "let y = 2;\n"
            ]
        );
        let Statement::Code(c) = &s[1] else { panic!() };
        assert_eq!(&code[c.span.clone()], c.text);
    }

    #[test]
    fn continuation_lines_join_with_exact_spans() {
        let code = "%load a.csv \\\n  --format csv\n%vars";
        let s = split_cell(code).unwrap();
        assert_eq!(s.len(), 2);
        let Statement::Magic(m) = &s[0] else { panic!() };
        let t = tokenize(&m.args.text, m.args.span.start).unwrap();
        let words: Vec<_> = t.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(words, ["a.csv", "--format", "csv"]);
        assert_eq!(&code[t[2].span.clone()], "csv");
    }

    #[test]
    fn help_suffix() {
        let m = magic("%iptype?");
        assert!(m.help);
        assert_eq!(m.name.text, "iptype");
    }

    #[test]
    fn quotes_group_and_unclosed_quotes_are_errors() {
        let t = tokenize(r#"a "b c" 'd\e' "x\"y""#, 0).unwrap();
        let words: Vec<_> = t.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(words, ["a", "b c", r"d\e", "x\"y"]);
        let e = tokenize("a 'b", 10).unwrap_err();
        assert_eq!(e.code, "unclosed-quote");
        assert_eq!(e.span, Some(12..14));
    }
}

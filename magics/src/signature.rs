//! The declaration of a magic: its name, arguments, options, body and examples.
//!
//! One declaration serves the parser, `%help`, `%magic?`, shift-tab inspection, tab
//! completion and `is_complete`, so they can never disagree about what a magic accepts.

/// What kind of value an argument holds; drives validation and completion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// Free text.
    Text,
    /// A file, folder or glob pattern.
    Path,
    /// A whole number no smaller than `min`.
    Int { min: i64 },
    /// A number (fractions allowed) no smaller than zero.
    Seconds,
    /// One of a fixed set of words.
    Choice(&'static [&'static str]),
    /// The name of a frame in the session.
    Frame,
    /// A literal value, or `frame.Column` to apply to a whole column.
    ValueOrColumn,
    /// The name of a magic.
    MagicName,
    /// Any number of words (only as the last parameter, with `rest`), each kept apart
    /// with its place, with options allowed between them — `name=value` query parameters.
    Words,
}

#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub help: &'static str,
    pub kind: Kind,
    pub required: bool,
    /// Takes the rest of the line verbatim, spaces and all (only as the last parameter).
    pub rest: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct Opt {
    pub long: &'static str,
    pub short: Option<char>,
    /// The value's placeholder and kind; `None` for a flag.
    pub value: Option<(&'static str, Kind)>,
    pub help: &'static str,
    pub default: Option<&'static str>,
}

#[derive(Debug, Clone, Copy)]
pub struct Example {
    pub code: &'static str,
    pub about: &'static str,
    /// The `text/plain` result the example gives, checked by the test suite.
    pub expect: Option<&'static str>,
}

// Builders: a declaration states only what differs from the default (an optional
// parameter, an option without a short form or default, an example without an expected
// output), so a signature reads as a list of what the magic takes.

impl Param {
    /// An optional parameter of this kind.
    pub const fn new(name: &'static str, kind: Kind, help: &'static str) -> Param {
        Param {
            name,
            help,
            kind,
            required: false,
            rest: false,
        }
    }

    /// The call is refused without it.
    pub const fn required(self) -> Param {
        Param { required: true, ..self }
    }

    /// Takes the rest of the line verbatim (only as the last parameter).
    pub const fn rest(self) -> Param {
        Param { rest: true, ..self }
    }
}

impl Opt {
    /// A switch: present or not, no value.
    pub const fn flag(long: &'static str, help: &'static str) -> Opt {
        Opt {
            long,
            short: None,
            value: None,
            help,
            default: None,
        }
    }

    /// An option that takes a value of this kind, shown as `placeholder` in usage lines.
    pub const fn value(long: &'static str, placeholder: &'static str, kind: Kind, help: &'static str) -> Opt {
        Opt {
            long,
            short: None,
            value: Some((placeholder, kind)),
            help,
            default: None,
        }
    }

    /// Also written `-c`.
    pub const fn short(self, c: char) -> Opt {
        Opt { short: Some(c), ..self }
    }

    /// The value the parser fills in when the option is not given; a magic never restates
    /// it. Every default is checked against the option's kind by the test suite.
    pub const fn default(self, value: &'static str) -> Opt {
        Opt {
            default: Some(value),
            ..self
        }
    }
}

impl Example {
    pub const fn new(code: &'static str, about: &'static str) -> Example {
        Example {
            code,
            about,
            expect: None,
        }
    }

    /// The `text/plain` result the example gives; the test suite runs it and compares.
    pub const fn expect(self, text: &'static str) -> Example {
        Example {
            expect: Some(text),
            ..self
        }
    }
}

/// Whether a magic is written `%name` (line), `%%name` (cell), or either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forms {
    Line,
    Cell,
    Both,
}

impl Forms {
    pub fn line(self) -> bool {
        matches!(self, Forms::Line | Forms::Both)
    }
    pub fn cell(self) -> bool {
        matches!(self, Forms::Cell | Forms::Both)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Signature {
    pub name: &'static str,
    pub summary: &'static str,
    pub description: &'static str,
    pub forms: Forms,
    pub params: &'static [Param],
    pub options: &'static [Opt],
    /// What the body of `%%name` holds, for cell magics.
    pub body: Option<&'static str>,
    /// What the magic gives back, in a few words.
    pub returns: &'static str,
    pub examples: &'static [Example],
}

impl Signature {
    pub fn option(&self, long: &str) -> Option<&'static Opt> {
        self.options.iter().find(|o| o.long == long)
    }

    pub fn short_option(&self, short: char) -> Option<&'static Opt> {
        self.options.iter().find(|o| o.short == Some(short))
    }

    /// `%load PATH [--format csv|json|ndjson|parquet]`, and the `%%` form where there is one.
    pub fn usage(&self) -> Vec<String> {
        let mut args = String::new();
        for p in self.params {
            let name = p.name.to_uppercase();
            if p.required {
                args.push_str(&format!(" {name}"));
            } else {
                args.push_str(&format!(" [{name}]"));
            }
        }
        for o in self.options {
            let value = match o.value {
                Some((_, Kind::Choice(choices))) => format!(" {}", choices.join("|")),
                Some((placeholder, _)) => format!(" {placeholder}"),
                None => String::new(),
            };
            args.push_str(&format!(" [--{}{value}]", o.long));
        }
        let mut forms = Vec::new();
        if self.forms.line() {
            forms.push(format!("%{}{args}", self.name));
        }
        if self.forms.cell() {
            let body = self.body.unwrap_or("BODY");
            forms.push(format!("%%{}{args}\n{body}", self.name));
        }
        forms
    }
}

//! The one decision "literal text, a frame, or FRAME.COLUMN" for every magic argument of
//! [`Kind::ValueOrColumn`](crate::signature::Kind::ValueOrColumn).
//!
//! The rules, in order:
//! 1. A quoted word, or one with white space in it, is text.
//! 2. A frame's name is the frame, where the magic takes whole frames.
//! 3. `name.Rest` where `name` is a frame of the session is that frame's column(s):
//!    `Rest` is one column, or `A,B,C` where the magic takes several.
//! 4. `name.Rest` that reads as a column reference — `name` an identifier, `Rest`
//!    identifiers (comma-separated), and `Rest` not a public suffix written in one case (`evil.com`, `EVIL.COM` are domains; `x.Computer`, `x.User_Name`
//!    are columns) — is an error naming the frames that exist, never silent text.
//! 5. Anything else (an IP address, a URL, a dotted host name) is text.

use huntbook::Frame;

use crate::args::Args;
use crate::diag::{Diagnostic, column_hint};
use crate::parse::{Spanned, is_identifier};
use crate::session::Session;

/// What an argument stands for.
#[derive(Debug)]
pub enum Target<'a> {
    /// Literal text.
    Text(&'a str),
    /// A whole frame (where the magic takes one).
    Frame(&'a Frame),
    /// One or more columns of one frame.
    Columns { frame: &'a Frame, columns: Vec<String> },
}

impl<'a> Target<'a> {
    /// The one column of a single-column target.
    pub fn column(&self) -> Option<(&'a Frame, &str)> {
        match self {
            Target::Columns { frame, columns } if columns.len() == 1 => Some((*frame, columns[0].as_str())),
            _ => None,
        }
    }
}

/// What a magic's argument may stand for besides text and one column.
#[derive(Debug, Clone, Copy, Default)]
pub struct Accepts {
    /// A bare frame name is the whole frame.
    pub frame: bool,
    /// `FRAME.A,B,C` names several columns.
    pub columns: bool,
}

impl Accepts {
    /// Text or one column.
    pub const ONE_COLUMN: Accepts = Accepts {
        frame: false,
        columns: false,
    };
    /// Text, a frame, or several columns.
    pub const ANY: Accepts = Accepts {
        frame: true,
        columns: true,
    };
}

/// Resolves parameter `name` of `args` against the session.
pub fn resolve<'a>(
    args: &'a Args,
    name: &str,
    session: &'a Session,
    accepts: Accepts,
) -> Result<Option<Target<'a>>, Diagnostic> {
    let Some(arg) = args.param(name) else { return Ok(None) };
    resolve_word(arg, args.quoted(name), session, accepts).map(Some)
}

/// [`resolve`] for a magic that takes text or one column: the frame and the column when
/// the argument names one, `None` for text (or no argument).
pub fn resolve_column<'a>(
    args: &'a Args,
    name: &str,
    session: &'a Session,
) -> Result<Option<(&'a Frame, String)>, Diagnostic> {
    Ok(match resolve(args, name, session, Accepts::ONE_COLUMN)? {
        Some(Target::Columns { frame, mut columns }) if columns.len() == 1 => columns.pop().map(|c| (frame, c)),
        _ => None,
    })
}

/// [`resolve`] for one word, `quoted` if it was written in quotes.
fn resolve_word<'a>(
    arg: &'a Spanned,
    quoted: bool,
    session: &'a Session,
    accepts: Accepts,
) -> Result<Target<'a>, Diagnostic> {
    let text = arg.text.trim();
    if quoted || text.contains(char::is_whitespace) {
        return Ok(Target::Text(&arg.text));
    }
    if accepts.frame
        && let Some(frame) = session.get(text)
    {
        return Ok(Target::Frame(frame));
    }
    let Some((frame_name, rest)) = text.split_once('.') else {
        return Ok(Target::Text(&arg.text));
    };
    if let Some(frame) = session.get(frame_name) {
        return columns(arg, frame_name, frame, rest, accepts).map(|columns| Target::Columns { frame, columns });
    }
    if reads_as_column(frame_name, rest) {
        let frame_arg = Spanned {
            text: frame_name.to_string(),
            span: arg.span.start..arg.span.start + frame_name.len(),
        };
        let d = session.no_frame(&frame_arg);
        let hint = d.hint.clone().unwrap_or_default();
        return Err(d.hint(format!("{hint}; to pass {text:?} as text, quote it: '{text}'")));
    }
    Ok(Target::Text(&arg.text))
}

/// Whether `name.rest` is written like a column reference rather than a value.
fn reads_as_column(name: &str, rest: &str) -> bool {
    let columns = rest.split(',').all(is_identifier);
    let one_case = !(rest.chars().any(|c| c.is_ascii_uppercase()) && rest.chars().any(|c| c.is_ascii_lowercase()));
    let domain_like = one_case && !rest.contains('_') && huntbook::domain::is_public_suffix(rest);
    is_identifier(name) && columns && !domain_like
}

/// The columns `rest` names in `frame` (several only where the magic takes them), each
/// checked, with the likely one named when it is not there.
fn columns(
    arg: &Spanned,
    frame_name: &str,
    frame: &Frame,
    rest: &str,
    accepts: Accepts,
) -> Result<Vec<String>, Diagnostic> {
    let names = frame.column_names();
    let wanted: Vec<&str> = if accepts.columns {
        rest.split(',').collect()
    } else {
        vec![rest]
    };
    let mut at = arg.span.start + frame_name.len() + 1;
    let mut found = Vec::with_capacity(wanted.len());
    for column in wanted {
        if !names.iter().any(|n| n == column) {
            let d = Diagnostic::new(
                "no-such-column",
                format!("frame {frame_name:?} has no column {column:?}"),
            )
            .at(at..(at + column.len()).min(arg.span.end).max(at));
            return Err(column_hint(d, column, &names, &format!("{frame_name}.")));
        }
        found.push(column.to_string());
        at += column.len() + 1;
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_references_and_values_are_told_apart() {
        for column in [
            "procs.CommandLine",
            "x.Computer",
            "x.User_Name",
            "nosuch.Col",
            "a.B,C",
            "face.Value",
            "x.ip",
        ] {
            let (n, r) = column.split_once('.').unwrap();
            assert!(reads_as_column(n, r), "{column} should read as a column");
        }
        for value in [
            "evil.com",
            "EVIL.COM",
            "example.co.uk",
            "cafe.com",
            "::ffff:1.2.3.4",
            "10.1.2.3",
            "evil.zip",
            "a.b c",
        ] {
            let (n, r) = value.split_once('.').unwrap();
            assert!(!reads_as_column(n, r), "{value} should read as a value");
        }
    }
}

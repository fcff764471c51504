//! Completion and inspection inside a `{…}`: the session's frames (and `start`, `end`)
//! after `{`, a frame's columns after `.`, the functions after `|`; and shift-tab on a
//! reference shows the value it stands for now.

use super::render::word;
use super::{FUNCTIONS, Got, Val, Values, refs};
use crate::bundle::MimeBundle;
use crate::complete::Completion;
use crate::figure::Figure;

/// Completion when the cursor is inside an unclosed `{` on its line.
pub fn complete(values: &Values, code: &str, cursor: usize) -> Option<Completion> {
    let line_start = code[..cursor].rfind('\n').map_or(0, |i| i + 1);
    let open = line_start + code[line_start..cursor].rfind('{')?;
    let typed = &code[open + 1..cursor];
    if !typed
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '|'))
    {
        return None;
    }
    let (from, candidates, kind): (usize, Vec<String>, &'static str) = if let Some(bar) = typed.find('|') {
        (
            open + 2 + bar,
            FUNCTIONS.iter().map(|f| f.to_string()).collect(),
            "function",
        )
    } else if let Some((frame, _)) = typed.split_once('.') {
        let columns = values.session.get(frame)?.column_names();
        (open + 2 + frame.len(), columns, "column")
    } else {
        let mut names: Vec<String> = values.session.names().map(str::to_string).collect();
        names.extend(["start".to_string(), "end".to_string()]);
        (open + 1, names, "frame")
    };
    let prefix = &code[from..cursor];
    let matches: Vec<String> = candidates.into_iter().filter(|c| c.starts_with(prefix)).collect();
    Some(Completion {
        kinds: vec![kind; matches.len()],
        matches,
        start: from,
        end: cursor,
    })
}

/// Shift-tab on a whole `{…}`: what it stands for now, or why it stands for nothing.
pub fn inspect(values: &Values, code: &str, cursor: usize) -> Option<MimeBundle> {
    let line_start = code[..cursor].rfind('\n').map_or(0, |i| i + 1);
    let line_end = code[cursor..].find('\n').map_or(code.len(), |i| cursor + i);
    let line = &code[line_start..line_end];
    let r = refs(line)
        .into_iter()
        .find(|r| (line_start + r.at.start..=line_start + r.at.end).contains(&cursor))?;
    let whole = &line[r.at.clone()];
    let text = match values.resolve(&r, 0..0) {
        Ok(Got::One(v)) => format!("{whole} = {}", shown(&v)),
        Ok(Got::Many(vs)) => {
            let head: Vec<String> = vs.iter().take(10).map(shown).collect();
            let more = if vs.len() > 10 {
                format!(", … ({} more)", vs.len() - 10)
            } else {
                String::new()
            };
            format!("{whole} = a list of {} value(s): {}{more}", vs.len(), head.join(", "))
        }
        Err(d) => format!(
            "{whole}: {}{}",
            d.message,
            d.hint.map(|h| format!(" ({h})")).unwrap_or_default()
        ),
    };
    Some(Figure::text(text).bundle())
}

fn shown(v: &Val) -> String {
    match v {
        Val::Text(s) => format!("{s:?}"),
        other => word(other).unwrap_or_else(|_| "null".into()),
    }
}

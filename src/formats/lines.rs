//! What the line-oriented readers (auditd, syslog) share: parse every line, keep what
//! parses, count what does not.

/// Lines a line-oriented reader could not parse: how many, and the first one's number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Unparsed {
    pub count: usize,
    pub first_line: usize,
}

/// Parses every non-blank line of `text` with `parse` (given the line and its 1-based
/// number), keeping what parses and counting what does not.
pub fn parse_lines<T>(text: &str, mut parse: impl FnMut(&str, usize) -> Option<T>) -> (Vec<T>, Unparsed) {
    let mut parsed = Vec::new();
    let mut unparsed = Unparsed::default();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match parse(line, i + 1) {
            Some(item) => parsed.push(item),
            None => {
                if unparsed.count == 0 {
                    unparsed.first_line = i + 1;
                }
                unparsed.count += 1;
            }
        }
    }
    (parsed, unparsed)
}

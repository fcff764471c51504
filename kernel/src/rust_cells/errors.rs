//! What a Rust cell's failure looks like: the compiler's messages against the cell's own
//! lines, a panic's message, a crashed child process, or Rust being unavailable.

use huntbook_magics::CellError;

fn error(ename: &str, evalue: String, traceback: Vec<String>) -> CellError {
    CellError {
        ename: ename.into(),
        evalue,
        traceback,
    }
}

pub fn first_line(text: &str) -> &str {
    text.lines().find(|l| !l.trim().is_empty()).unwrap_or(text).trim()
}

pub fn unavailable(why: &str) -> CellError {
    error(
        "rust-unavailable",
        format!("Rust cells are not available: {why}"),
        vec![
            format!("Rust cells are not available: {why}"),
            "every magic still works; start a line with % to run one (%lsmagic lists them)".into(),
        ],
    )
}

pub fn interrupted(when: &str) -> CellError {
    error(
        "interrupted",
        format!("interrupted {when}"),
        vec![format!(
            "interrupted {when}: the Rust process was stopped and a new one started; variables of earlier Rust cells \
             are gone, the session's frames are intact"
        )],
    )
}

/// The child's stderr during a cell, relayed as it comes, except a panic's report
/// (`thread '…' panicked at …` and every line after it in the cell), which is the error's,
/// so a failed cell shows its failure once. Blank lines wait for the next line: the one
/// before a panic's report belongs to it.
#[derive(Default)]
pub struct Stderr {
    blank: usize,
    panic: Vec<String>,
}

impl Stderr {
    pub fn line(&mut self, line: &str, io: &mut dyn huntbook_magics::Io) {
        if !self.panic.is_empty() || line.contains("panicked at") {
            self.blank = 0;
            if !line.starts_with("note: run with `RUST_BACKTRACE=1`") {
                self.panic.push(line.to_string());
            }
            return;
        }
        if line.trim().is_empty() {
            self.blank += 1;
            return;
        }
        let blank = "\n".repeat(std::mem::take(&mut self.blank));
        io.stream(huntbook_magics::Stream::Stderr, &format!("{blank}{line}\n"));
    }

    /// The panic's report, if there was one (blank lines still waiting are relayed).
    pub fn finish(self, io: &mut dyn huntbook_magics::Io) -> Vec<String> {
        if self.panic.is_empty() && self.blank > 0 {
            io.stream(huntbook_magics::Stream::Stderr, &"\n".repeat(self.blank));
        }
        self.panic
    }
}

pub fn panicked(lines: &[String]) -> CellError {
    let message = lines.get(1).or(lines.first()).cloned().unwrap_or_default();
    let mut traceback = lines.to_vec();
    traceback.push("the panic ended this cell; the session's frames are intact".into());
    error("panic", message, traceback)
}

/// evcxr's error, the compiler's spans moved to the cell's lines (`code` starts on line
/// `start_line` of the cell).
pub fn from_evcxr(e: evcxr::Error, code: &str, start_line: usize) -> CellError {
    match e {
        evcxr::Error::CompilationErrors(errors) => {
            let lines: Vec<&str> = code.lines().collect();
            let mut traceback = Vec::new();
            let mut first = None;
            for err in &errors {
                let head = match err.code() {
                    Some(c) => format!("error[{c}]: {}", err.message()),
                    None => format!("error: {}", err.message()),
                };
                first.get_or_insert_with(|| head.clone());
                traceback.push(head);
                for m in err.spanned_messages().iter().chain(err.help_spanned()) {
                    let Some(span) = &m.span else {
                        if !m.label.is_empty() {
                            traceback.push(format!("  = {}", m.label));
                        }
                        continue;
                    };
                    let line = start_line + span.start_line - 1;
                    let source = lines.get(span.start_line - 1).copied().unwrap_or_default();
                    let width = line.to_string().len();
                    traceback.push(format!("{:width$}--> cell line {line}, column {}", "", span.start_column));
                    traceback.push(format!("{line} | {source}"));
                    let start = span.start_column.saturating_sub(1);
                    let len = if span.end_line == span.start_line {
                        span.end_column.saturating_sub(span.start_column).max(1)
                    } else {
                        source.chars().count().saturating_sub(start).max(1)
                    };
                    traceback.push(format!(
                        "{:width$} | {}{} {}",
                        "",
                        " ".repeat(start),
                        "^".repeat(len),
                        m.label
                    ));
                }
                for help in err.help() {
                    traceback.push(format!("  = help: {help}"));
                }
                traceback.push(String::new());
            }
            let evalue = first.unwrap_or_else(|| "the cell did not compile".into());
            error("compile-error", evalue, traceback)
        }
        evcxr::Error::SubprocessTerminated(why) => error(
            "rust-crashed",
            format!("the Rust process ended: {}", first_line(&why)),
            vec![
                why.trim().to_string(),
                "a new Rust process was started: variables of earlier Rust cells are gone, the session's frames are intact"
                    .into(),
            ],
        ),
        evcxr::Error::TypeRedefinedVariablesLost(vars) => error(
            "rust-error",
            format!("variables lost because their type was redefined: {}", vars.join(", ")),
            Vec::new(),
        ),
        other => {
            let text = other.to_string();
            error("rust-error", first_line(&text).to_string(), text.lines().map(str::to_string).collect())
        }
    }
}

//! Running a cell: split it into statements, check each against its magic's signature,
//! run it, store frame results, and turn the last value into the cell's result.
//!
//! Each magic runs under `catch_unwind`: a panic is a bug, but it ends as an error output
//! and the session — every frame loaded so far — stays as it was. Results are stored only
//! after a magic returns, so a failed or panicking magic never leaves half a result behind.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::args::Args;
use crate::bundle::MimeBundle;
use crate::code::CodeRunner;
use crate::diag::{Diagnostic, did_you_mean, panic_message};
use crate::display::{DEFAULT_ROWS, frame_summary, table};
use crate::figure::Figure;
use crate::io::{Io, Stream};
use crate::manual::help_bundle;
use crate::parse::{MagicCall, Statement, split_cell};
use crate::registry::{Context, Outcome, Registry, Value};
use crate::secrets::Secrets;
use crate::session::{LAST, Session};

/// What a cell produced, beyond what it streamed and displayed while running.
#[derive(Debug, Default)]
pub struct CellOutcome {
    /// The cell's result (`execute_result`).
    pub result: Option<MimeBundle>,
    /// Pager pages (`%magic?`).
    pub pages: Vec<MimeBundle>,
    pub error: Option<CellError>,
}

/// A failed cell, in the shape Jupyter's error messages take.
#[derive(Debug, Clone, PartialEq)]
pub struct CellError {
    pub ename: String,
    pub evalue: String,
    pub traceback: Vec<String>,
}

impl CellError {
    pub fn from_diagnostic(d: &Diagnostic, code: &str) -> Self {
        CellError {
            ename: d.code.to_string(),
            evalue: huntbook::render::visible_text(&d.message).into_owned(),
            traceback: d.render(code),
        }
    }
}

pub struct Interpreter {
    registry: Registry,
    session: Session,
    secrets: Secrets,
    clock: crate::clock::Clock,
    sources: crate::sources::Sources,
    /// What runs cells that are not magics (Rust), or why nothing does.
    code: std::cell::RefCell<Result<Box<dyn CodeRunner>, String>>,
    shared: crate::code::Shared,
}

impl Default for Interpreter {
    fn default() -> Self {
        Interpreter::new(Registry::standard())
    }
}

impl Interpreter {
    pub fn new(registry: Registry) -> Self {
        Interpreter {
            registry,
            session: Session::default(),
            secrets: Secrets::default(),
            clock: crate::clock::Clock::default(),
            sources: crate::sources::Sources::default(),
            code: std::cell::RefCell::new(Err(
                "this kernel was built without Rust cells (the cargo feature rust-cells is off)".into(),
            )),
            shared: crate::code::Shared::default(),
        }
    }

    /// Cells that are not magics run with `runner` from now on.
    pub fn set_code_runner(&mut self, runner: Box<dyn CodeRunner>) {
        *self.code.get_mut() = Ok(runner);
    }

    /// Cells that are not magics are refused, saying `why`.
    pub fn set_code_unavailable(&mut self, why: impl Into<String>) {
        *self.code.get_mut() = Err(why.into());
    }

    /// The code runner, for completion and inspection inside code.
    pub(crate) fn code_runner(&self) -> std::cell::RefMut<'_, Result<Box<dyn CodeRunner>, String>> {
        self.code.borrow_mut()
    }

    /// Reads the configuration from `file` instead of discovering `huntbook.yaml` (for
    /// embedding and tests, where the environment is shared).
    pub fn use_config(&mut self, file: &std::path::Path) -> Result<(), String> {
        self.sources.set_config(crate::sources::Config::read(file)?);
        Ok(())
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// What `{…}` in a cell can refer to now.
    pub fn values(&self) -> crate::values::Values<'_> {
        crate::values::Values {
            session: &self.session,
            window: self.clock.window,
        }
    }

    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    pub fn execute(&mut self, code: &str, io: &mut dyn Io) -> CellOutcome {
        // Everything the cell streams or displays reaches the front end with data's control
        // characters and bidi overrides shown, not obeyed.
        let io = &mut Visible(io);
        let mut outcome = CellOutcome::default();
        let statements = match split_cell(code) {
            Ok(s) => s,
            Err(d) => {
                outcome.error = Some(CellError::from_diagnostic(&d, code));
                return outcome;
            }
        };
        let count = statements.len();
        for (index, statement) in statements.into_iter().enumerate() {
            let last = index + 1 == count;
            let result = match statement {
                Statement::Code(c) => match self.run_code(&c, code, last, io, &mut outcome) {
                    Ok(()) => continue,
                    Err(Ok(e)) => {
                        outcome.error = Some(e);
                        return outcome;
                    }
                    Err(Err(d)) => Err(d),
                },
                Statement::Magic(call) => check_target(&call)
                    .and_then(|()| self.run_call(&call, io))
                    .map(|o| (call, o)),
            };
            match result {
                Ok((call, o)) => {
                    if let Some(page) = o.page.clone() {
                        outcome.pages.push(page);
                    }
                    if let Err(d) = self.settle(&call, o, last, io, &mut outcome) {
                        outcome.error = Some(CellError::from_diagnostic(&d, code));
                        return outcome;
                    }
                }
                Err(d) => {
                    outcome.error = Some(CellError::from_diagnostic(&d, code));
                    return outcome;
                }
            }
        }
        outcome
    }

    /// Runs one run of code lines: the frames it names shared first, the frames it
    /// published taken after (whether it failed or not: what it published, it published).
    fn run_code(
        &mut self,
        c: &crate::parse::Spanned,
        cell: &str,
        last: bool,
        io: &mut dyn Io,
        outcome: &mut CellOutcome,
    ) -> Result<(), Result<CellError, Diagnostic>> {
        let mut guard = self.code.borrow_mut();
        let runner = match guard.as_mut() {
            Ok(r) => r,
            Err(why) => {
                return Err(Err(Diagnostic::new(
                    "not-a-magic",
                    format!("this is not a magic, and {why}"),
                )
                .at(c.span.start..c.span.start + c.text.lines().next().unwrap_or_default().len())
                .hint("start the line with % to run a magic; %lsmagic lists them")));
            }
        };
        let dir = runner.exchange().to_path_buf();
        self.shared.share(&c.text, &self.session, &dir).map_err(Ok)?;
        let first_line = cell[..c.span.start].matches('\n').count() + 1;
        let ran = runner.run(&c.text, first_line, io);
        drop(guard);
        for (name, read) in crate::code::Shared::take_published(&dir) {
            match read {
                Ok(frame) => {
                    io.stream(Stream::Stdout, &format!("{}\n", frame_summary(&name, &frame)));
                    self.session.insert(name, frame);
                }
                Err(e) => io.stream(
                    Stream::Stderr,
                    &format!(
                        "{}\n",
                        huntbook::render::warning_text(&format!("frame {name} was not published: {e}"))
                    ),
                ),
            }
        }
        if let Some(bundle) = ran.map_err(Ok)?.map(|bundle| self.shown_frame(bundle)) {
            if last {
                outcome.result = Some(bundle);
            } else {
                io.display(&bundle, None);
            }
        }
        Ok(())
    }

    /// A code cell's display: a frame it showed (its file in the exchange folder) becomes
    /// the magics' table and the last result `_`; anything else is shown as it is.
    fn shown_frame(&mut self, bundle: MimeBundle) -> MimeBundle {
        let Some(path) = bundle.data.get(huntbook_cell::FRAME_MIME).and_then(|v| v.as_str()) else {
            return bundle;
        };
        match crate::code::shown_frame(std::path::Path::new(path.trim()), "a Rust cell") {
            Ok((frame, table)) => {
                self.session.insert(LAST, frame);
                table
            }
            Err(e) => {
                let mut bundle = bundle;
                bundle.data.remove(huntbook_cell::FRAME_MIME);
                let plain = format!("{}\n(the frame could not be read back: {e})", bundle.plain());
                bundle.data.insert("text/plain".into(), plain.into());
                bundle
            }
        }
    }

    /// Resolves, checks and runs one magic call.
    fn run_call(&mut self, call: &MagicCall, io: &mut dyn Io) -> Result<Outcome, Diagnostic> {
        let Some(magic) = self.registry.get(&call.name.text) else {
            let sigil = if call.cell { "%%" } else { "%" };
            let d = Diagnostic::new("unknown-magic", format!("there is no magic {sigil}{}", call.name.text))
                .at(call.name.span.clone());
            return Err(
                match did_you_mean(&call.name.text, self.registry.signatures().map(|s| s.name)) {
                    Some(s) => d.hint(format!("did you mean {sigil}{s}? (%lsmagic lists the magics)")),
                    None => d.hint("%lsmagic lists the magics"),
                },
            );
        };
        let sig = magic.signature();
        if call.help {
            let mut o = Outcome::new(Value::Nothing);
            o.page = Some(help_bundle(sig));
            return Ok(o);
        }
        if call.cell && !sig.forms.cell() {
            return Err(Diagnostic::new(
                "not-a-cell-magic",
                format!("%{} is a line magic; %%{} does not exist", sig.name, sig.name),
            )
            .at(call.name.span.clone())
            .hint(format!("usage: {}", sig.usage()[0])));
        }
        if !call.cell && !sig.forms.line() {
            return Err(Diagnostic::new(
                "not-a-line-magic",
                format!("%%{} is a cell magic: it reads the rest of the cell", sig.name),
            )
            .at(call.name.span.clone())
            .hint(format!(
                "write %%{} on the first line and the {} below it",
                sig.name,
                sig.body.unwrap_or("body")
            )));
        }
        let args = Args::parse_with(sig, call, Some(&self.values()))?;
        let mut ctx = Context {
            session: &self.session,
            secrets: &mut self.secrets,
            clock: &mut self.clock,
            sources: &mut self.sources,
            io,
            registry: &self.registry,
        };
        match catch_unwind(AssertUnwindSafe(|| magic.run(&args, &mut ctx))) {
            Ok(result) => result,
            Err(payload) => Err(Diagnostic::internal(format!(
                "%{} failed unexpectedly: {}",
                sig.name,
                panic_message(payload.as_ref())
            ))
            .at(call.name.span.clone())),
        }
    }

    /// Stores and shows what one statement gave back.
    fn settle(
        &mut self,
        call: &MagicCall,
        outcome: Outcome,
        last: bool,
        io: &mut dyn Io,
        cell: &mut CellOutcome,
    ) -> Result<(), Diagnostic> {
        let Outcome { value, warnings, .. } = outcome;
        if let Some(target) = &call.assign {
            let (frame, display) = match value {
                Value::Frame(frame) => (frame, None),
                // A display of its own (a results browser, a tree, a chart) is what the
                // analyst assigned it to look at: it is shown under the summary line.
                Value::Shown(frame, bundle) => (frame, Some(bundle)),
                _ => {
                    return Err(Diagnostic::new(
                        "not-a-frame",
                        format!(
                            "%{} does not give a frame, so there is nothing to store in {}",
                            call.name.text, target.text
                        ),
                    )
                    .at(call.name.span.clone())
                    .hint("only magics that give frames can be assigned"));
                }
            };
            if display.is_none() {
                warn(io, &warnings);
            }
            io.stream(Stream::Stdout, &format!("{}\n", frame_summary(&target.text, &frame)));
            if let Some(figure) = display {
                let last = shown(io, figure.warn(warnings));
                io.display(&last, None);
            }
            self.session.insert(LAST, frame.clone());
            self.session.insert(target.text.clone(), frame);
            return Ok(());
        }
        let shown = match value {
            Value::Frame(frame) => {
                let bundle = table(&frame, None, DEFAULT_ROWS).warn(warnings).bundle();
                self.session.insert(LAST, frame);
                Some(bundle)
            }
            Value::Shown(frame, figure) => {
                self.session.insert(LAST, frame);
                Some(shown(io, figure.warn(warnings)))
            }
            Value::Result(figure) => Some(shown(io, figure.warn(warnings))),
            Value::Display(figure) => {
                let last = shown(io, figure.warn(warnings));
                io.display(&last, None);
                None
            }
            Value::Nothing => {
                warn(io, &warnings);
                None
            }
        };
        if let Some(bundle) = shown {
            if last {
                cell.result = Some(bundle);
            } else {
                io.display(&bundle, None);
            }
        }
        Ok(())
    }
}

/// Displays all but the last of a figure's bundles (what comes before its last part, a
/// chart among them) and gives the last, which may be the cell's result.
fn shown(io: &mut dyn Io, figure: Figure) -> MimeBundle {
    let mut bundles = figure.bundles();
    let last = bundles.pop().unwrap_or_default();
    for bundle in &bundles {
        io.display(bundle, None);
    }
    last
}

/// Refuses an assignment to `_` before the magic runs, so a long load is not wasted.
fn check_target(call: &MagicCall) -> Result<(), Diagnostic> {
    match &call.assign {
        Some(target) if target.text == LAST => Err(Diagnostic::new(
            "reserved-name",
            "_ always holds the last result and cannot be assigned",
        )
        .at(target.span.clone())
        .hint("choose another name")),
        _ => Ok(()),
    }
}

/// Warnings of a value that has no figure of its own (a stored frame, nothing) go to
/// stderr, worded as every figure words them.
fn warn(io: &mut dyn Io, warnings: &[String]) {
    for warning in warnings {
        io.stream(
            Stream::Stderr,
            &format!("{}\n", huntbook::render::warning_text(warning)),
        );
    }
}

/// The [`Io`] a cell runs with: streams and displayed text pass through
/// [`huntbook::render::visible_text`] (results are [`crate::figure::Figure`]s, which do the
/// same), whatever magic or message wrote them.
struct Visible<'a>(&'a mut dyn Io);

impl Visible<'_> {
    fn visible(bundle: &MimeBundle) -> std::borrow::Cow<'_, MimeBundle> {
        let plain = bundle.plain();
        match huntbook::render::visible_text(plain) {
            std::borrow::Cow::Borrowed(_) => std::borrow::Cow::Borrowed(bundle),
            std::borrow::Cow::Owned(shown) => {
                let mut bundle = bundle.clone();
                bundle.data.insert("text/plain".into(), shown.into());
                std::borrow::Cow::Owned(bundle)
            }
        }
    }
}

impl Io for Visible<'_> {
    fn stream(&mut self, stream: Stream, text: &str) {
        self.0.stream(stream, &huntbook::render::visible_text(text));
    }
    fn display(&mut self, bundle: &MimeBundle, display_id: Option<&str>) {
        self.0.display(&Self::visible(bundle), display_id);
    }
    fn update_display(&mut self, bundle: &MimeBundle, display_id: &str) {
        self.0.update_display(&Self::visible(bundle), display_id);
    }
    fn clear_output(&mut self, wait: bool) {
        self.0.clear_output(wait);
    }
    fn interrupted(&self) -> bool {
        self.0.interrupted()
    }
    fn prompt(&mut self, prompt: &str, password: bool) -> Result<String, crate::io::PromptError> {
        self.0.prompt(prompt, password)
    }
}

//! Rust cells: evcxr embedded in the kernel.
//!
//! One evaluation context per kernel, started on a thread of its own when the kernel
//! starts, so the first Rust cell does not pay the start-up (evcxr compiles a first crate,
//! then the prelude: [`huntbook_cell`], written to the exchange folder and added with
//! `:dep`). User code runs in evcxr's child process — this same binary, which
//! `evcxr::runtime_hook()` turns into the runtime — so a crash in a cell ends that process,
//! not the kernel: evcxr starts a new one and the session's frames, which live in the
//! kernel, are untouched.
//!
//! The context lives on its thread; a cell is sent to it, and while it runs the executor
//! relays the child's stdout and stderr as they come and watches the interrupt flag (an
//! interrupt kills the child process: evcxr restarts it).

mod errors;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, select};
use evcxr::{CommandContext, EvalContext};
use huntbook_magics::code::CodeRunner;
use huntbook_magics::{CellError, Io, MimeBundle, Stream};

/// The prelude every context starts with: the cell crate and its names in scope.
const PRELUDE: &str = "use huntbook_cell::{Frame, Values, frame, frames, html, publish, show, svg};";

/// The cell crate's sources, written beside the exchange folder for `:dep`.
const CELL_LIB: &str = include_str!("../../cell/src/lib.rs");
const CELL_CODEC: &str = include_str!("../../cell/src/codec.rs");

enum Request {
    Run(String),
    Complete(String, usize),
    Inspect(String, usize),
}

enum Reply {
    Ran(Result<evcxr::EvalOutputs, evcxr::Error>),
    Completions(Option<(Vec<String>, usize, usize)>),
    Hover(Option<String>),
}

/// What the context's thread sends once it has started (or failed to).
struct Started {
    stdout: Receiver<String>,
    stderr: Receiver<String>,
    child: Arc<Mutex<std::process::Child>>,
}

pub struct RustCells {
    exchange: PathBuf,
    requests: mpsc::Sender<Request>,
    replies: mpsc::Receiver<Reply>,
    started: mpsc::Receiver<Result<Started, String>>,
    state: Option<Result<Started, String>>,
    interrupt: Arc<AtomicBool>,
    /// Kept so the folder lives (and is removed) with the kernel.
    _dir: tempfile::TempDir,
}

impl RustCells {
    /// Starts the context on a thread of its own; the kernel's `interrupt` flag stops a
    /// running cell.
    pub fn start(interrupt: Arc<AtomicBool>) -> Result<RustCells, String> {
        let dir = tempfile::Builder::new()
            .prefix("huntbook-rust-")
            .tempdir()
            .map_err(|e| format!("cannot make the Rust cells' folder: {e}"))?;
        let exchange = dir.path().join("exchange");
        let crate_dir = dir.path().join("huntbook-cell");
        write_cell_crate(&crate_dir).map_err(|e| format!("cannot write the cell crate: {e}"))?;
        let (requests, requests_in) = mpsc::channel();
        let (replies_out, replies) = mpsc::channel();
        let (started_out, started) = mpsc::channel();
        let work = exchange.clone();
        std::thread::Builder::new()
            .name("rust-cells".into())
            .spawn(move || run_context(&work, &crate_dir, started_out, requests_in, replies_out))
            .map_err(|e| format!("cannot start the Rust cells' thread: {e}"))?;
        Ok(RustCells {
            exchange,
            requests,
            replies,
            started,
            state: None,
            interrupt,
            _dir: dir,
        })
    }

    /// Waits for the context to have started, saying so while it waits.
    fn ready(&mut self, io: &mut dyn Io) -> Result<&Started, CellError> {
        if self.state.is_none() {
            let begun = Instant::now();
            let mut said = false;
            loop {
                match self.started.recv_timeout(Duration::from_millis(100)) {
                    Ok(s) => {
                        self.state = Some(s);
                        break;
                    }
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        if !said && begun.elapsed() > Duration::from_millis(300) {
                            io.stream(
                                Stream::Stderr,
                                "Rust is still starting (evcxr compiles its first crate and the prelude)…\n",
                            );
                            said = true;
                        }
                        if io.interrupted() {
                            return Err(errors::interrupted("while Rust was starting"));
                        }
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => {
                        self.state = Some(Err("the Rust cells' thread ended".into()));
                        break;
                    }
                }
            }
        }
        match self.state.as_ref().expect("set above") {
            Ok(s) => Ok(s),
            Err(why) => Err(errors::unavailable(why)),
        }
    }
}

impl CodeRunner for RustCells {
    fn run(&mut self, code: &str, first_line: usize, io: &mut dyn Io) -> Result<Option<MimeBundle>, CellError> {
        let interrupt = self.interrupt.clone();
        let started = self.ready(io)?;
        let (stdout, stderr, child) = (started.stdout.clone(), started.stderr.clone(), started.child.clone());
        self.requests
            .send(Request::Run(code.to_string()))
            .map_err(|_| errors::unavailable("the Rust cells' thread ended"))?;
        let mut err = errors::Stderr::default();
        let mut killed = false;
        let ran = loop {
            if let Ok(Reply::Ran(r)) = self.replies.try_recv() {
                break r;
            }
            if interrupt.load(Ordering::SeqCst) && !killed {
                // evcxr sees its child gone and starts a new one.
                let _ = child.lock().map(|mut c| c.kill());
                killed = true;
            }
            select! {
                recv(stdout) -> line => if let Ok(line) = line { relay(&line, &self.exchange, io) },
                recv(stderr) -> line => if let Ok(line) = line {
                    err.line(&line, io);
                },
                default(Duration::from_millis(20)) => {},
            }
        };
        // What the child wrote before it finished.
        for line in stdout.try_iter() {
            relay(&line, &self.exchange, io);
        }
        // evcxr waits for the child's stdout only; its stderr (a panic's report) may still
        // be on the way: it is taken until it has been quiet a moment.
        while let Ok(line) = stderr.recv_timeout(Duration::from_millis(40)) {
            err.line(&line, io);
        }
        let panic = err.finish(io);
        if killed {
            return Err(errors::interrupted("in a Rust cell"));
        }
        let outputs = ran.map_err(|e| errors::from_evcxr(e, code, first_line))?;
        if !panic.is_empty() {
            return Err(errors::panicked(&panic));
        }
        Ok(bundle(outputs))
    }

    fn exchange(&self) -> &Path {
        &self.exchange
    }

    fn complete(&mut self, code: &str, cursor: usize) -> Option<(Vec<String>, usize, usize)> {
        if !matches!(self.state, Some(Ok(_))) {
            return None;
        }
        self.requests.send(Request::Complete(code.to_string(), cursor)).ok()?;
        match self.replies.recv_timeout(Duration::from_secs(10)).ok()? {
            Reply::Completions(c) => c,
            _ => None,
        }
    }

    fn inspect(&mut self, code: &str, cursor: usize) -> Option<MimeBundle> {
        if !matches!(self.state, Some(Ok(_))) {
            return None;
        }
        self.requests.send(Request::Inspect(code.to_string(), cursor)).ok()?;
        match self.replies.recv_timeout(Duration::from_secs(10)).ok()? {
            Reply::Hover(Some(text)) => Some(MimeBundle::text(&text)),
            _ => None,
        }
    }
}

/// One line of the child's stdout: printed text, or a display the cell asked for (a file
/// in the exchange folder, named on a [`huntbook_cell::SHOW_MARKER`] line).
fn relay(line: &str, exchange: &Path, io: &mut dyn Io) {
    let asked = line
        .strip_prefix(huntbook_cell::SHOW_MARKER)
        .and_then(|rest| rest.trim_start().split_once(' '))
        .map(|(mime, path)| (mime, PathBuf::from(path)))
        .filter(|(_, path)| path.starts_with(exchange));
    let Some((mime, path)) = asked else {
        io.stream(Stream::Stdout, &format!("{line}\n"));
        return;
    };
    match shown(mime, &path) {
        Ok(bundle) => io.display(&bundle, None),
        Err(e) => io.stream(Stream::Stderr, &format!("a display could not be shown: {e}\n")),
    }
}

/// The bundle for a displayed file, which is read and removed: a frame as the magics'
/// table, markup as it is.
fn shown(mime: &str, path: &Path) -> Result<MimeBundle, String> {
    if mime == huntbook_cell::FRAME_MIME {
        return huntbook_magics::code::shown_frame(path, "a Rust cell (show)").map(|(_, table)| table);
    }
    let content = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()));
    let _ = std::fs::remove_file(path);
    let content = content?;
    let mut bundle = MimeBundle::text(format!("({mime}, {} bytes)", content.len()));
    bundle.data.insert(mime.to_string(), content.into());
    Ok(bundle)
}

/// evcxr's outputs as a bundle (`None` when there are none).
fn bundle(outputs: evcxr::EvalOutputs) -> Option<MimeBundle> {
    if outputs.content_by_mime_type.is_empty() {
        return None;
    }
    let mut bundle = MimeBundle::default();
    for (mime, content) in outputs.content_by_mime_type {
        bundle.data.insert(mime, content.into());
    }
    if !bundle.data.contains_key("text/plain") {
        bundle.data.insert("text/plain".into(), "".into());
    }
    Some(bundle)
}

/// The cell crate as a standalone package (the repository's manifest inherits from the
/// workspace, which is not there at run time).
fn write_cell_crate(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"huntbook-cell\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n",
    )?;
    std::fs::write(dir.join("src/lib.rs"), CELL_LIB)?;
    std::fs::write(dir.join("src/codec.rs"), CELL_CODEC)
}

/// The context's thread: start, then answer requests until the kernel ends.
fn run_context(
    exchange: &Path,
    crate_dir: &Path,
    started: mpsc::Sender<Result<Started, String>>,
    requests: mpsc::Receiver<Request>,
    replies: mpsc::Sender<Reply>,
) {
    let mut ctx = match start_context(exchange, crate_dir) {
        Ok((ctx, s)) => {
            let _ = started.send(Ok(s));
            ctx
        }
        Err(why) => {
            let _ = started.send(Err(why));
            return;
        }
    };
    for request in requests {
        let reply = match request {
            Request::Run(code) => {
                let ran = ctx.execute(&code);
                // `:clear` forgets the prelude's names too: they come back.
                if code.lines().any(|l| l.trim() == ":clear") {
                    let _ = ctx.execute(PRELUDE);
                }
                Reply::Ran(ran)
            }
            Request::Complete(code, cursor) => Reply::Completions(ctx.completions(&code, cursor).ok().map(|c| {
                (
                    c.completions.into_iter().map(|c| c.code).collect(),
                    c.start_offset,
                    c.end_offset,
                )
            })),
            Request::Inspect(code, cursor) => Reply::Hover(
                ctx.hover_at(&code, cursor)
                    .ok()
                    .map(|(text, _)| text)
                    .filter(|t| !t.trim().is_empty()),
            ),
        };
        if replies.send(reply).is_err() {
            return;
        }
    }
}

/// A context with the prelude in it, and what the executor needs of it.
fn start_context(exchange: &Path, crate_dir: &Path) -> Result<(CommandContext, Started), String> {
    for tool in ["cargo", "rustc"] {
        if which(tool).is_none() {
            return Err(format!(
                "Rust cells need a Rust toolchain, and {tool} is not on PATH (install it with rustup, then restart the kernel)"
            ));
        }
    }
    std::fs::create_dir_all(exchange).map_err(|e| format!("cannot make {}: {e}", exchange.display()))?;
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program's path: {e}"))?;
    let mut command = std::process::Command::new(exe);
    command.env(huntbook_cell::DIR_ENV, exchange);
    let (eval, outputs) = EvalContext::with_subprocess_command(command)
        .map_err(|e| format!("evcxr could not start: {}", errors::first_line(&e.to_string())))?;
    let mut ctx = CommandContext::with_eval_context(eval);
    let dep = format!(
        ":dep huntbook-cell = {{ path = {:?} }}\n{PRELUDE}",
        crate_dir.display().to_string()
    );
    ctx.execute(&dep).map_err(|e| {
        format!(
            "the Rust prelude did not compile: {}",
            errors::first_line(&e.to_string())
        )
    })?;
    let child = ctx.process_handle();
    Ok((
        ctx,
        Started {
            stdout: outputs.stdout,
            stderr: outputs.stderr,
            child,
        },
    ))
}

/// `tool` on PATH.
fn which(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(tool))
            .find(|p| p.is_file())
    })
}

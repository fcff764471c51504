//! The shell executor: one thread that owns the interpreter and answers shell requests in
//! the order they came.
//!
//! Every request is wrapped in `busy` … `idle` with the request as parent. An execution
//! publishes `execute_input`, whatever the magics stream or display, then the result or
//! exactly one `error`, then replies. When a cell fails and the request asked for
//! `stop_on_error`, execute requests already queued behind it are answered `aborted`, as
//! ipykernel does, so a notebook run stops at the first failing cell.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use huntbook_magics::diag::panic_message;
use huntbook_magics::{
    CellError, CellOutcome, Interpreter, Io, IsComplete, MimeBundle, PromptError, RecordingIo, Stream,
};
use serde_json::{Map, Value, json};
use tokio::sync::mpsc::UnboundedSender;

use crate::history::{self, History};
use crate::log;
use crate::replies::{self, After};
use crate::shared::Shared;
use crate::wire::Message;

/// How long after a failed cell newly arriving execute requests are still aborted.
const ABORT_WINDOW: Duration = Duration::from_millis(100);

pub struct Executor {
    shared: Shared,
    shell_out: UnboundedSender<Message>,
    stdin_out: UnboundedSender<Message>,
    input_replies: Receiver<Message>,
    interpreter: Interpreter,
    history: History,
    execution_count: u64,
    pending: VecDeque<Message>,
}

impl Executor {
    pub fn new(
        shared: Shared,
        shell_out: UnboundedSender<Message>,
        stdin_out: UnboundedSender<Message>,
        input_replies: Receiver<Message>,
    ) -> Self {
        let mut interpreter = Interpreter::default();
        rust_cells(&mut interpreter, &shared);
        Executor {
            shared,
            shell_out,
            stdin_out,
            input_replies,
            interpreter,
            history: History::open(history::default_file()),
            execution_count: 0,
            pending: VecDeque::new(),
        }
    }

    pub fn run(mut self, requests: Receiver<Message>) {
        loop {
            let request = match self.pending.pop_front() {
                Some(m) => m,
                None => match requests.recv() {
                    Ok(m) => m,
                    Err(_) => return,
                },
            };
            self.shared.status(&request, "busy");
            self.answer(&request, &requests);
            self.shared.status(&request, "idle");
        }
    }

    /// Handles one request under `catch_unwind`: a panic anywhere in a handler (not only
    /// in a magic, which the interpreter already isolates) becomes an error reply, and the
    /// shell thread, with the session and its frames, lives on.
    fn answer(&mut self, request: &Message, requests: &Receiver<Message>) {
        let handled = catch_unwind(AssertUnwindSafe(|| self.handle(request, requests)));
        if let Err(payload) = handled {
            let what = panic_message(payload.as_ref());
            // The panic's text can quote the request (a cell's code): it goes to the client
            // that sent it, never to the log.
            log::error(&format!(
                "{} {} failed unexpectedly",
                request.msg_type(),
                request.msg_id()
            ));
            if let Some(base) = request.msg_type().strip_suffix("_request") {
                self.reply(
                    request,
                    &format!("{base}_reply"),
                    json!({"status": "error", "ename": "internal-error",
                           "evalue": format!("Huntbook failed unexpectedly while answering {}: {what}", request.msg_type()),
                           "traceback": ["internal error: this is a bug in Huntbook; the session and its frames are intact"]}),
                );
            }
        }
    }

    fn reply(&self, request: &Message, msg_type: &str, content: Value) {
        let _ = self
            .shell_out
            .send(self.shared.session.child(request, msg_type, content, true));
    }

    fn handle(&mut self, request: &Message, requests: &Receiver<Message>) {
        let content = &request.content;
        match request.msg_type() {
            "execute_request" => self.execute(request, requests),
            "complete_request" => {
                let (code, cursor) = code_and_cursor(content);
                let c = self.interpreter.complete(code, cursor);
                let start = code[..c.start].chars().count();
                let end = code[..c.end].chars().count();
                let types: Vec<Value> = c
                    .matches
                    .iter()
                    .zip(&c.kinds)
                    .map(|(m, k)| json!({"start": start, "end": end, "text": m, "type": k}))
                    .collect();
                self.reply(
                    request,
                    "complete_reply",
                    json!({"status": "ok", "matches": c.matches, "cursor_start": start, "cursor_end": end,
                           "metadata": {"_jupyter_types_experimental": types}}),
                );
            }
            "inspect_request" => {
                let (code, cursor) = code_and_cursor(content);
                let found = self.interpreter.inspect(code, cursor);
                let data = found.as_ref().map_or_else(Map::new, |b| b.data.clone());
                self.reply(
                    request,
                    "inspect_reply",
                    json!({"status": "ok", "found": found.is_some(), "data": data, "metadata": {}}),
                );
            }
            "is_complete_request" => {
                let reply = match self.interpreter.is_complete(str_field(content, "code")) {
                    IsComplete::Complete => json!({"status": "complete"}),
                    IsComplete::Incomplete(indent) => json!({"status": "incomplete", "indent": indent}),
                    IsComplete::Invalid => json!({"status": "invalid"}),
                };
                self.reply(request, "is_complete_reply", reply);
            }
            "history_request" => {
                let history = self.history.answer(&history::Request::from_content(content));
                self.reply(request, "history_reply", json!({"status": "ok", "history": history}));
            }
            "comm_info_request" => self.reply(request, "comm_info_reply", json!({"status": "ok", "comms": {}})),
            "comm_open" => {
                // No comm targets are registered: close the comm so the front end does not
                // wait on it, as the protocol asks for an unknown target.
                let comm_id = content.get("comm_id").cloned().unwrap_or(Value::Null);
                log::warn(&format!(
                    "comm target {:?} is not known; closing the comm",
                    content.get("target_name")
                ));
                self.shared
                    .publish(request, "comm_close", json!({"comm_id": comm_id, "data": {}}));
            }
            "comm_msg" | "comm_close" => log::debug(&format!("{} for an unknown comm ignored", request.msg_type())),
            _ => {
                if let Some((reply_type, reply, after)) = replies::answer(request, &self.shared) {
                    self.reply(request, &reply_type, reply);
                    if let After::Exit { restart } = after {
                        self.shared.status(request, "idle");
                        std::thread::sleep(replies::LINGER);
                        replies::exit(restart);
                    }
                } else if let Some((reply_type, reply)) = replies::unsupported(request, "shell") {
                    self.reply(request, &reply_type, reply);
                }
            }
        }
    }

    fn execute(&mut self, request: &Message, requests: &Receiver<Message>) {
        let content = &request.content;
        let flag = |k: &str, default: bool| content.get(k).and_then(Value::as_bool).unwrap_or(default);
        let code = str_field(content, "code").to_string();
        let silent = flag("silent", false);
        let store_history = flag("store_history", !silent) && !silent;
        let allow_stdin = flag("allow_stdin", false);
        let stop_on_error = flag("stop_on_error", true);
        if store_history {
            self.execution_count += 1;
        }
        let count = self.execution_count;
        if !silent {
            self.shared.publish(
                request,
                "execute_input",
                json!({"code": code, "execution_count": count}),
            );
        }
        self.shared.interrupt.store(false, Ordering::SeqCst);
        let mut io = KernelIo {
            shared: &self.shared,
            parent: request,
            silent,
            allow_stdin,
            stdin_out: &self.stdin_out,
            replies: &self.input_replies,
        };
        let interpreter = &mut self.interpreter;
        // The interpreter already isolates each magic; this second net catches a panic in
        // the interpreter itself, so no cell can take the kernel down.
        let outcome =
            catch_unwind(AssertUnwindSafe(|| interpreter.execute(&code, &mut io))).unwrap_or_else(|_| CellOutcome {
                error: Some(CellError {
                    ename: "internal-error".into(),
                    evalue: "Huntbook failed unexpectedly while running this cell".into(),
                    traceback: vec![
                        "internal error: this is a bug in Huntbook; the session and its frames are intact".into(),
                    ],
                }),
                ..CellOutcome::default()
            });
        if let (Some(result), false) = (&outcome.result, silent) {
            self.shared.publish(
                request,
                "execute_result",
                json!({"execution_count": count, "data": result.data, "metadata": result.metadata}),
            );
        }
        if store_history {
            self.history
                .record(count, &code, outcome.result.as_ref().map(|r| r.plain().to_string()));
        }
        match &outcome.error {
            Some(error) => {
                self.shared.publish(
                    request,
                    "error",
                    json!({"ename": error.ename, "evalue": error.evalue, "traceback": error.traceback}),
                );
                // Requests the client sent before it could see this failure are collected
                // first and answered `aborted` after the error reply; anything it sends
                // after the reply runs normally.
                let aborted = if stop_on_error {
                    self.collect_aborted(requests)
                } else {
                    Vec::new()
                };
                self.reply(
                    request,
                    "execute_reply",
                    json!({"status": "error", "execution_count": count, "ename": error.ename, "evalue": error.evalue, "traceback": error.traceback}),
                );
                for message in aborted {
                    self.shared.status(&message, "busy");
                    self.reply(
                        &message,
                        "execute_reply",
                        // No execution count, as ipykernel: the cell did not run, and
                        // front ends show a count as "executed".
                        json!({"status": "aborted"}),
                    );
                    self.shared.status(&message, "idle");
                }
            }
            None => {
                let payload: Vec<Value> = outcome
                    .pages
                    .iter()
                    .map(|p| json!({"source": "page", "data": p.data, "start": 0}))
                    .collect();
                let expressions = self.user_expressions(content.get("user_expressions"));
                self.reply(
                    request,
                    "execute_reply",
                    json!({"status": "ok", "execution_count": count, "payload": payload, "user_expressions": expressions}),
                );
            }
        }
    }

    /// Each user expression is a magic line; its result bundle is returned by name.
    fn user_expressions(&mut self, expressions: Option<&Value>) -> Value {
        let mut out = Map::new();
        let Some(Value::Object(expressions)) = expressions else {
            return Value::Object(out);
        };
        for (name, expression) in expressions {
            let mut io = RecordingIo::default();
            let code = expression.as_str().unwrap_or_default();
            let interpreter = &mut self.interpreter;
            let outcome =
                catch_unwind(AssertUnwindSafe(|| interpreter.execute(code, &mut io))).unwrap_or_else(|p| CellOutcome {
                    error: Some(CellError {
                        ename: "internal-error".into(),
                        evalue: format!(
                            "Huntbook failed unexpectedly on this expression: {}",
                            panic_message(p.as_ref())
                        ),
                        traceback: Vec::new(),
                    }),
                    ..CellOutcome::default()
                });
            let value = match outcome.error {
                Some(e) => json!({"status": "error", "ename": e.ename, "evalue": e.evalue, "traceback": e.traceback}),
                None => {
                    let bundle = outcome.result.unwrap_or_else(|| MimeBundle::text(""));
                    json!({"status": "ok", "data": bundle.data, "metadata": bundle.metadata})
                }
            };
            out.insert(name.clone(), value);
        }
        Value::Object(out)
    }

    /// The execute requests to abort after a failure: those already waiting, and those
    /// arriving within [`ABORT_WINDOW`] — a front end's "run all" sends its cells in a
    /// burst, and the ones still in flight when a cell fails must not run either (the
    /// reason ipykernel has `stop_on_error_timeout`). Other requests are kept for later.
    fn collect_aborted(&mut self, requests: &Receiver<Message>) -> Vec<Message> {
        let deadline = Instant::now() + ABORT_WINDOW;
        let mut queued: VecDeque<Message> = self.pending.drain(..).collect();
        let mut aborted = Vec::new();
        loop {
            let message = match queued.pop_front() {
                Some(m) => m,
                None => match requests.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                    Ok(m) => m,
                    Err(_) => break,
                },
            };
            if message.msg_type() == "execute_request" {
                aborted.push(message);
            } else {
                self.pending.push_back(message);
            }
        }
        aborted
    }
}

struct KernelIo<'a> {
    shared: &'a Shared,
    parent: &'a Message,
    silent: bool,
    allow_stdin: bool,
    stdin_out: &'a UnboundedSender<Message>,
    replies: &'a Receiver<Message>,
}

impl Io for KernelIo<'_> {
    fn stream(&mut self, stream: Stream, text: &str) {
        if self.silent {
            return;
        }
        let name = match stream {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        };
        self.shared
            .publish(self.parent, "stream", json!({"name": name, "text": text}));
    }

    fn display(&mut self, bundle: &MimeBundle, display_id: Option<&str>) {
        // A silent request publishes nothing on iopub but its status.
        if self.silent {
            return;
        }
        let transient = display_id.map_or_else(|| json!({}), |id| json!({"display_id": id}));
        self.shared.publish(
            self.parent,
            "display_data",
            json!({"data": bundle.data, "metadata": bundle.metadata, "transient": transient}),
        );
    }

    fn update_display(&mut self, bundle: &MimeBundle, display_id: &str) {
        // A silent request publishes nothing on iopub but its status.
        if self.silent {
            return;
        }
        self.shared.publish(
            self.parent,
            "update_display_data",
            json!({"data": bundle.data, "metadata": bundle.metadata, "transient": {"display_id": display_id}}),
        );
    }

    fn clear_output(&mut self, wait: bool) {
        // A silent request publishes nothing on iopub but its status.
        if self.silent {
            return;
        }
        self.shared.publish(self.parent, "clear_output", json!({"wait": wait}));
    }

    fn interrupted(&self) -> bool {
        self.shared.interrupt.load(Ordering::SeqCst)
    }

    fn prompt(&mut self, prompt: &str, password: bool) -> Result<String, PromptError> {
        if !self.allow_stdin {
            return Err(PromptError::NotSupported);
        }
        // A reply left over from an abandoned prompt must not answer this one.
        while self.replies.try_recv().is_ok() {}
        let request = self.shared.session.child(
            self.parent,
            "input_request",
            json!({"prompt": prompt, "password": password}),
            true,
        );
        let asked = request.msg_id().to_string();
        if self.stdin_out.send(request).is_err() {
            return Err(PromptError::Cancelled);
        }
        loop {
            match self.replies.recv_timeout(Duration::from_millis(50)) {
                // A reply that names the request it answers must name this one: one to an
                // older prompt is dropped. (jupyter_client's `input` names none.)
                Ok(reply) if answers(&reply, &asked) => return Ok(str_field(&reply.content, "value").to_string()),
                Ok(_) => log::warn("dropped an input_reply that does not answer the pending input_request"),
                Err(RecvTimeoutError::Timeout) if !self.interrupted() => continue,
                Err(_) => return Err(PromptError::Cancelled),
            }
        }
    }
}

/// Whether `reply` answers the input request `asked`: it names it, or names none.
fn answers(reply: &Message, asked: &str) -> bool {
    match reply.parent_header.get("msg_id").and_then(Value::as_str) {
        None | Some("") => true,
        Some(id) => id == asked,
    }
}

fn str_field<'a>(content: &'a Value, key: &str) -> &'a str {
    content.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// The request's code and its cursor as a byte offset (the end of the code when absent).
fn code_and_cursor(content: &Value) -> (&str, usize) {
    let code = str_field(content, "code");
    let cursor = content.get("cursor_pos").and_then(Value::as_u64);
    (code, cursor.map_or(code.len(), |c| byte_offset(code, c)))
}

/// Jupyter counts cursor positions in code points; the interpreter works in bytes.
fn byte_offset(code: &str, code_points: u64) -> usize {
    code.char_indices()
        .nth(code_points as usize)
        .map_or(code.len(), |(i, _)| i)
}

/// Rust cells for the interpreter: evcxr started in the background (or why there are none).
#[cfg(feature = "rust-cells")]
fn rust_cells(interpreter: &mut Interpreter, shared: &Shared) {
    if std::env::var_os("HUNTBOOK_NO_RUST").is_some() {
        interpreter.set_code_unavailable("Rust cells are turned off (HUNTBOOK_NO_RUST is set)");
        return;
    }
    match crate::rust_cells::RustCells::start(shared.interrupt.clone()) {
        Ok(cells) => interpreter.set_code_runner(Box::new(cells)),
        Err(why) => {
            log::warn(&format!("Rust cells are not available: {why}"));
            interpreter.set_code_unavailable(format!("Rust cells are not available: {why}"));
        }
    }
}

/// Without the feature the interpreter keeps its own answer: built without Rust cells.
#[cfg(not(feature = "rust-cells"))]
fn rust_cells(_: &mut Interpreter, _: &Shared) {}

#[cfg(test)]
mod tests;

//! The shell executor on its own: replies, panics, prompts, cursor positions.

use super::*;
use huntbook_magics::signature::Signature;
use huntbook_magics::{Args, Context, Diagnostic, Magic, Outcome, Registry};

/// A magic whose declaration panics: completion, which reads every signature, then
/// panics inside the shell's handler rather than inside a magic's run.
struct Broken;

impl Magic for Broken {
    fn signature(&self) -> &'static Signature {
        panic!("a broken signature")
    }
    fn run(&self, _: &Args, _: &mut Context) -> Result<Outcome, Diagnostic> {
        unreachable!()
    }
}

/// What the kernel's tasks share, with the receiving end of iopub.
fn shared() -> (Shared, tokio::sync::mpsc::UnboundedReceiver<Message>) {
    let (iopub, rx) = tokio::sync::mpsc::unbounded_channel();
    let shared = Shared {
        session: crate::wire::Session::new(),
        signer: crate::wire::Signer::new("key"),
        iopub,
        interrupt: Default::default(),
    };
    (shared, rx)
}

fn request(msg_type: &str, content: Value) -> Message {
    Message {
        identities: Vec::new(),
        header: json!({"msg_id": "m1", "msg_type": msg_type}),
        parent_header: json!({}),
        metadata: json!({}),
        content,
        buffers: Vec::new(),
    }
}

#[test]
fn a_prompt_takes_only_the_reply_to_it() {
    let (shared, _iopub_rx) = shared();
    let (stdin_out, mut asked) = tokio::sync::mpsc::unbounded_channel::<Message>();
    let (replies_tx, replies) = std::sync::mpsc::channel();
    let parent = request("execute_request", json!({}));
    let client = std::thread::spawn(move || {
        let question = loop {
            if let Ok(m) = asked.try_recv() {
                break m;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let reply = |parent_id: &str, value: &str| {
            let mut m = request("input_reply", json!({"value": value}));
            m.parent_header = json!({"msg_id": parent_id});
            m
        };
        replies_tx.send(reply("an-older-prompt", "stale")).unwrap();
        replies_tx.send(reply(question.msg_id(), "fresh")).unwrap();
    });
    let mut io = KernelIo {
        shared: &shared,
        parent: &parent,
        silent: false,
        allow_stdin: true,
        stdin_out: &stdin_out,
        replies: &replies,
    };
    assert_eq!(io.prompt("key: ", true), Ok("fresh".to_string()));
    client.join().unwrap();
}

#[test]
fn a_panicking_handler_answers_with_an_error_and_the_thread_lives() {
    let (shared, _iopub_rx) = shared();
    let (shell_out, mut replies) = tokio::sync::mpsc::unbounded_channel();
    let (stdin_out, _stdin_rx) = tokio::sync::mpsc::unbounded_channel();
    let (_input_tx, input_rx) = std::sync::mpsc::channel();
    let mut executor = Executor::new(shared, shell_out, stdin_out, input_rx);
    executor.history = History::open(None);
    executor.interpreter = Interpreter::new(Registry::standard().with(Box::new(Broken)));
    let (_tx, requests) = std::sync::mpsc::channel();
    executor.answer(
        &request("complete_request", json!({"code": "%", "cursor_pos": 1})),
        &requests,
    );
    let reply = replies.try_recv().expect("a reply");
    assert_eq!(reply.msg_type(), "complete_reply");
    assert_eq!(reply.content["status"], "error", "{}", reply.content);
    assert_eq!(reply.content["ename"], "internal-error");
    assert!(
        reply.content["evalue"]
            .as_str()
            .unwrap_or_default()
            .contains("a broken signature"),
        "{}",
        reply.content
    );
    // The same executor answers the next request.
    executor.answer(&request("kernel_info_request", json!({})), &requests);
    assert_eq!(replies.try_recv().expect("a reply").msg_type(), "kernel_info_reply");
}

#[test]
fn cursor_positions_count_code_points() {
    assert_eq!(byte_offset("é%lo", 2), 3);
    assert_eq!(byte_offset("abc", 99), 3);
}

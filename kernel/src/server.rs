//! The five sockets and the tasks that serve them.
//!
//! Each socket has its own task so that a busy cell never delays a heartbeat, an interrupt
//! or a shutdown. Shell requests go, in order, to one executor thread (see
//! [`crate::executor`]) that owns the interpreter; control requests are answered right
//! here, on their own task, which is what keeps control responsive while a cell runs.
//! IOPub is an XPUB socket: on each subscription it publishes `iopub_welcome` (JEP 65), so
//! clients know their subscription is live before they send the first request.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use zeromq::{RepSocket, RouterSocket, Socket, SocketOptions, SocketRecv, SocketSend, XPubSocket};

use crate::connection::ConnectionInfo;
use crate::executor::Executor;
use crate::log;
use crate::replies::{self, After};
use crate::shared::Shared;
use crate::wire::{Message, Session, Signer, signature_frame};

pub async fn serve(info: ConnectionInfo) -> Result<(), String> {
    let signer = Signer::new(&info.key);
    let session = Session::new();
    let max_bytes = max_message_bytes();
    let options = || {
        let mut options = SocketOptions::default();
        options.max_message_size(max_bytes, MAX_MESSAGE_FRAMES);
        options
    };
    let iopub = bind(XPubSocket::with_options(options()), &info, info.iopub_port, "iopub").await?;
    let shell = bind(RouterSocket::with_options(options()), &info, info.shell_port, "shell").await?;
    let control = bind(
        RouterSocket::with_options(options()),
        &info,
        info.control_port,
        "control",
    )
    .await?;
    let stdin = bind(RouterSocket::with_options(options()), &info, info.stdin_port, "stdin").await?;
    let heartbeat = bind(RepSocket::with_options(options()), &info, info.hb_port, "heartbeat").await?;

    let (iopub_tx, iopub_rx) = unbounded_channel();
    let shared = Shared {
        session: session.clone(),
        signer: signer.clone(),
        iopub: iopub_tx,
        interrupt: Arc::new(AtomicBool::new(false)),
    };
    let _ = shared
        .iopub
        .send(session.orphan("status", json!({"execution_state": "starting"})));

    tokio::spawn(serve_iopub(iopub, iopub_rx, shared.clone()));
    tokio::spawn(serve_heartbeat(heartbeat));

    // Shell: a reader task feeding the executor thread, a writer task sending replies.
    let (shell_send, shell_recv) = shell.split();
    let (shell_out_tx, shell_out_rx) = unbounded_channel();
    tokio::spawn(write_router(shell_send, shell_out_rx, signer.clone(), "shell"));
    let (requests_tx, requests_rx) = std::sync::mpsc::sync_channel(QUEUED_REQUESTS);
    tokio::spawn(read_router(
        shell_recv,
        signer.clone(),
        "shell",
        move |m| match requests_tx.try_send(m) {
            Ok(()) => Offer::Taken,
            Err(std::sync::mpsc::TrySendError::Full(m)) => Offer::Full(Box::new(m)),
            Err(std::sync::mpsc::TrySendError::Disconnected(_)) => Offer::Closed,
        },
    ));

    // Stdin: input requests out, input replies back to the executor.
    let (stdin_send, stdin_recv) = stdin.split();
    let (stdin_out_tx, stdin_out_rx) = unbounded_channel();
    tokio::spawn(write_router(stdin_send, stdin_out_rx, signer.clone(), "stdin"));
    // Only one input request is ever pending, so a short queue of replies is plenty;
    // replies past it are dropped (the executor would drop them as unasked anyway).
    let (replies_tx, replies_rx) = std::sync::mpsc::sync_channel(QUEUED_INPUT_REPLIES);
    let mut ignored = log::Throttle::default();
    tokio::spawn(read_router(stdin_recv, signer.clone(), "stdin", move |m| {
        if m.msg_type() != "input_reply" {
            ignored.warn(&format!("ignored {} on the stdin channel", m.msg_type()));
        } else if let Err(std::sync::mpsc::TrySendError::Full(_)) = replies_tx.try_send(m) {
            ignored.warn("dropped an input_reply: too many are waiting unread");
        }
        Offer::Taken
    }));

    let executor = Executor::new(shared.clone(), shell_out_tx, stdin_out_tx, replies_rx);
    let shell = std::thread::Builder::new()
        .name("huntbook-shell".into())
        .stack_size(SHELL_STACK_BYTES)
        .spawn(move || executor.run(requests_rx))
        .map_err(|e| format!("cannot start the shell thread: {e}"))?;
    // A kernel whose shell thread is gone would answer heartbeats and nothing else; it
    // exits instead, so the front end sees it die and offers a restart.
    std::thread::Builder::new()
        .name("huntbook-shell-watch".into())
        .spawn(move || {
            let how = if shell.join().is_ok() { "stopped" } else { "died" };
            log::error(&format!(
                "the shell thread {how}; the kernel exits so that it can be restarted"
            ));
            std::process::exit(1);
        })
        .map_err(|e| format!("cannot start the shell watcher: {e}"))?;

    log::info(&format!("kernel {} listening on {}", session.id, info.ip));
    serve_control(control, shared).await;
    Ok(())
}

/// Shell requests queued for the executor before the shell socket stops reading (and
/// the senders' TCP buffers fill): enough for any real front end's burst, small enough
/// that a flood of signed requests cannot grow the kernel without end.
const QUEUED_REQUESTS: usize = 1024;
const QUEUED_INPUT_REPLIES: usize = 16;
/// The shell thread runs every magic's parsing; its stack is set rather than left to the
/// platform's default, so the depth limits of the parsers (JSON 100, YAML and serde_json
/// 128 levels) have room to spare. Only address space: pages are used as touched.
const SHELL_STACK_BYTES: usize = 64 << 20;
/// Control requests are answered as they come; the queue only absorbs bursts.
const QUEUED_CONTROL: usize = 256;

/// The largest message any socket accepts, and its most frames. A Jupyter message is
/// a few identities, a delimiter, a signature, four JSON parts and any buffers; the size
/// is settable with `HUNTBOOK_MAX_MESSAGE_MB` for front ends that send large buffers.
const DEFAULT_MAX_MESSAGE_MB: usize = 256;
const MAX_MESSAGE_FRAMES: usize = 4096;

fn max_message_bytes() -> usize {
    let megabytes = std::env::var("HUNTBOOK_MAX_MESSAGE_MB")
        .ok()
        .and_then(|v| match v.trim().parse::<usize>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                log::warn(&format!(
                    "HUNTBOOK_MAX_MESSAGE_MB={v:?} is not a positive whole number; using {DEFAULT_MAX_MESSAGE_MB}"
                ));
                None
            }
        })
        .unwrap_or(DEFAULT_MAX_MESSAGE_MB);
    megabytes.saturating_mul(1 << 20)
}

/// What became of a message offered to the next stage.
enum Offer {
    Taken,
    /// The queue is full: the reader waits and offers it again, which stops reading the
    /// socket, so the pressure goes back to the sender.
    Full(Box<Message>),
    Closed,
}

async fn bind<S: Socket>(mut socket: S, info: &ConnectionInfo, port: u16, what: &str) -> Result<S, String> {
    socket
        .bind(&info.endpoint(port))
        .await
        .map_err(|e| format!("cannot bind the {what} socket on port {port}: {e}"))?;
    Ok(socket)
}

async fn serve_iopub(mut socket: XPubSocket, mut outgoing: UnboundedReceiver<Message>, shared: Shared) {
    loop {
        tokio::select! {
            subscription = socket.recv() => match subscription {
                Ok(frames) => {
                    let Some(first) = frames.get(0) else { continue };
                    if first.first() == Some(&1) {
                        let topic = String::from_utf8_lossy(&first[1..]).to_string();
                        log::debug(&format!("iopub subscription {topic:?}"));
                        let welcome = shared.session.orphan("iopub_welcome", json!({ "subscription": topic }));
                        if let Err(e) = socket.send(welcome.to_zmq(&shared.signer)).await {
                            log::warn(&format!("iopub welcome not sent: {e}"));
                        }
                    }
                }
                Err(e) => {
                    log::warn(&format!("iopub receive failed: {e}"));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            message = outgoing.recv() => match message {
                Some(message) => {
                    if let Err(e) = socket.send(message.to_zmq(&shared.signer)).await {
                        log::warn(&format!("iopub {} not sent: {e}", message.msg_type()));
                    }
                }
                None => return,
            },
        }
    }
}

async fn serve_heartbeat(mut socket: RepSocket) {
    loop {
        match socket.recv().await {
            Ok(ping) => {
                if let Err(e) = socket.send(ping).await {
                    log::warn(&format!("heartbeat reply failed: {e}"));
                }
            }
            Err(e) => {
                log::warn(&format!("heartbeat receive failed: {e}"));
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// Reads a ROUTER socket, verifies and parses each message, and offers it to `deliver`
/// until the next stage is gone. Bad messages are dropped with a throttled warning; the
/// socket keeps serving.
async fn read_router<S: SocketRecv>(
    mut socket: S,
    signer: Signer,
    channel: &'static str,
    mut deliver: impl FnMut(Message) -> Offer,
) {
    let mut seen = crate::wire::SeenSignatures::default();
    let mut dropped = log::Throttle::default();
    loop {
        let frames = match socket.recv().await {
            Ok(m) => m.into_vec(),
            Err(e) => {
                dropped.warn(&format!("{channel} receive failed: {e}"));
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let signature = signature_frame(&frames).cloned();
        let mut message = match Message::from_frames(frames, &signer) {
            Ok(_) if !seen.first_time(signature.as_ref()) => {
                dropped.warn(&format!(
                    "dropped a repeated message on {channel} (its signature was seen before)"
                ));
                continue;
            }
            Ok(message) => message,
            Err(e) => {
                dropped.warn(&format!("dropped a message on {channel}: {e}"));
                continue;
            }
        };
        log::debug(&format!("{channel} <- {} {}", message.msg_type(), message.msg_id()));
        loop {
            match deliver(message) {
                Offer::Taken => break,
                Offer::Closed => return,
                Offer::Full(back) => {
                    message = *back;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
    }
}

async fn write_router<S: SocketSend>(
    mut socket: S,
    mut outgoing: UnboundedReceiver<Message>,
    signer: Signer,
    channel: &'static str,
) {
    while let Some(message) = outgoing.recv().await {
        log::debug(&format!("{channel} -> {}", message.msg_type()));
        if let Err(e) = socket.send(message.to_zmq(&signer)).await {
            log::warn(&format!("{channel} {} not sent: {e}", message.msg_type()));
        }
    }
}

async fn serve_control(socket: RouterSocket, shared: Shared) {
    let (send, recv) = socket.split();
    let (out_tx, out_rx) = unbounded_channel();
    tokio::spawn(write_router(send, out_rx, shared.signer.clone(), "control"));
    let (requests_tx, mut requests_rx) = tokio::sync::mpsc::channel(QUEUED_CONTROL);
    tokio::spawn(read_router(
        recv,
        shared.signer.clone(),
        "control",
        move |m| match requests_tx.try_send(m) {
            Ok(()) => Offer::Taken,
            Err(tokio::sync::mpsc::error::TrySendError::Full(m)) => Offer::Full(Box::new(m)),
            Err(tokio::sync::mpsc::error::TrySendError::Closed(_)) => Offer::Closed,
        },
    ));
    while let Some(request) = requests_rx.recv().await {
        shared.status(&request, "busy");
        let reply = |msg_type: &str, content: Value| shared.session.child(&request, msg_type, content, true);
        if let Some((reply_type, content, after)) = replies::answer(&request, &shared) {
            let _ = out_tx.send(reply(&reply_type, content));
            if let After::Exit { restart } = after {
                shared.status(&request, "idle");
                tokio::time::sleep(replies::LINGER).await;
                replies::exit(restart);
            }
        } else if let Some((reply_type, content)) = replies::unsupported(&request, "control") {
            let _ = out_tx.send(reply(&reply_type, content));
        }
        shared.status(&request, "idle");
    }
}

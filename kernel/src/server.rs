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
use zeromq::{RepSocket, RouterSocket, Socket, SocketRecv, SocketSend, XPubSocket};

use crate::connection::ConnectionInfo;
use crate::executor::Executor;
use crate::log;
use crate::replies::{self, After};
use crate::shared::Shared;
use crate::wire::{Message, Session, Signer, signature_frame};

pub async fn serve(info: ConnectionInfo) -> Result<(), String> {
    let signer = Signer::new(&info.key);
    let session = Session::new();
    let iopub = bind(XPubSocket::new(), &info, info.iopub_port, "iopub").await?;
    let shell = bind(RouterSocket::new(), &info, info.shell_port, "shell").await?;
    let control = bind(RouterSocket::new(), &info, info.control_port, "control").await?;
    let stdin = bind(RouterSocket::new(), &info, info.stdin_port, "stdin").await?;
    let heartbeat = bind(RepSocket::new(), &info, info.hb_port, "heartbeat").await?;

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
    let (requests_tx, requests_rx) = std::sync::mpsc::channel();
    tokio::spawn(read_router(shell_recv, signer.clone(), "shell", move |m| {
        requests_tx.send(m).is_ok()
    }));

    // Stdin: input requests out, input replies back to the executor.
    let (stdin_send, stdin_recv) = stdin.split();
    let (stdin_out_tx, stdin_out_rx) = unbounded_channel();
    tokio::spawn(write_router(stdin_send, stdin_out_rx, signer.clone(), "stdin"));
    let (replies_tx, replies_rx) = std::sync::mpsc::channel();
    tokio::spawn(read_router(stdin_recv, signer.clone(), "stdin", move |m| {
        if m.msg_type() == "input_reply" {
            let _ = replies_tx.send(m);
        } else {
            log::warn(&format!("ignored {} on the stdin channel", m.msg_type()));
        }
        true
    }));

    let executor = Executor::new(shared.clone(), shell_out_tx, stdin_out_tx, replies_rx);
    let shell = std::thread::Builder::new()
        .name("huntbook-shell".into())
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

/// Reads a ROUTER socket, verifies and parses each message, and hands it to `deliver`
/// until `deliver` returns false. Bad messages are logged and dropped; the socket keeps
/// serving.
async fn read_router<S: SocketRecv>(
    mut socket: S,
    signer: Signer,
    channel: &'static str,
    mut deliver: impl FnMut(Message) -> bool,
) {
    let mut seen = crate::wire::SeenSignatures::default();
    loop {
        let frames = match socket.recv().await {
            Ok(m) => m.into_vec(),
            Err(e) => {
                log::warn(&format!("{channel} receive failed: {e}"));
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let signature = signature_frame(&frames).cloned();
        match Message::from_frames(frames, &signer) {
            Ok(_) if !seen.first_time(signature.as_ref()) => {
                log::warn(&format!(
                    "dropped a repeated message on {channel} (its signature was seen before)"
                ));
            }
            Ok(message) => {
                log::debug(&format!("{channel} <- {} {}", message.msg_type(), message.msg_id()));
                if !deliver(message) {
                    return;
                }
            }
            Err(e) => log::warn(&format!("dropped a message on {channel}: {e}")),
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
    let (requests_tx, mut requests_rx) = unbounded_channel();
    tokio::spawn(read_router(recv, shared.signer.clone(), "control", move |m| {
        requests_tx.send(m).is_ok()
    }));
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

//! Answers that do not depend on the channel a request came on: `kernel_info`,
//! `interrupt`, `shutdown` and requests Huntbook does not support. Shell and control both
//! call [`answer`], so the two channels can never answer differently.

use std::sync::atomic::Ordering;

use serde_json::{Value, json};

use crate::log;
use crate::shared::Shared;
use crate::wire::{Message, PROTOCOL_VERSION};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub fn kernel_info() -> Value {
    json!({
        "status": "ok",
        "protocol_version": PROTOCOL_VERSION,
        "implementation": "huntbook",
        "implementation_version": VERSION,
        "language_info": {
            "name": "huntbook",
            "version": VERSION,
            "mimetype": "text/x-huntbook",
            "file_extension": ".hunt",
            "pygments_lexer": "text",
            "codemirror_mode": "text/plain",
            "nbconvert_exporter": "script",
        },
        "banner": format!("Huntbook {VERSION} — security investigation and threat hunting in notebooks.\n%help lists the magics; %name? explains one."),
        "help_links": [
            {"text": "Jupyter messaging protocol", "url": "https://jupyter-client.readthedocs.io/en/stable/messaging.html"},
            {"text": "msticpy (the Python library Huntbook follows)", "url": "https://msticpy.readthedocs.io/"},
        ],
        "debugger": false,
    })
}

/// What the channel does after a common request.
#[derive(Debug, PartialEq)]
pub enum After {
    /// Nothing more: the reply is all.
    Continue,
    /// The reply is sent: the kernel ends (the manager starts a fresh one on `restart`).
    Exit { restart: bool },
}

/// The reply (type and content) to a request every channel answers the same way, and what
/// follows it; `None` for a request the channel handles itself.
pub fn answer(request: &Message, shared: &Shared) -> Option<(String, Value, After)> {
    let content = &request.content;
    Some(match request.msg_type() {
        "kernel_info_request" => ("kernel_info_reply".into(), kernel_info(), After::Continue),
        "interrupt_request" => {
            shared.interrupt.store(true, Ordering::SeqCst);
            ("interrupt_reply".into(), json!({"status": "ok"}), After::Continue)
        }
        "shutdown_request" => {
            let restart = content.get("restart").and_then(Value::as_bool).unwrap_or(false);
            (
                "shutdown_reply".into(),
                json!({"status": "ok", "restart": restart}),
                After::Exit { restart },
            )
        }
        _ => return None,
    })
}

/// The error reply to a request Huntbook does not know, or `None` for a message that is
/// not a request (it gets no reply).
pub fn unsupported(request: &Message, channel: &str) -> Option<(String, Value)> {
    let other = request.msg_type();
    log::warn(&format!("{channel} request {other} is not supported"));
    let base = other.strip_suffix("_request")?;
    Some((
        format!("{base}_reply"),
        json!({"status": "error", "ename": "NotSupported", "evalue": format!("{other} is not supported by Huntbook"), "traceback": []}),
    ))
}

/// How long a channel waits after a shutdown reply, so the last messages leave the
/// sockets before [`exit`].
pub const LINGER: std::time::Duration = std::time::Duration::from_millis(100);

/// Ends the kernel after a shutdown reply (the caller has waited [`LINGER`], on its own
/// thread or task). With `restart` the kernel manager starts a fresh process.
pub fn exit(restart: bool) -> ! {
    log::info(if restart {
        "restart requested: exiting"
    } else {
        "shutdown requested: exiting"
    });
    std::process::exit(0);
}

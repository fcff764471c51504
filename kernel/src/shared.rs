//! What every part of the kernel shares: the session that signs and parents messages,
//! the iopub channel, and the interrupt flag.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedSender;

use crate::wire::{Message, Session, Signer};

/// What every part of the kernel needs to publish and sign.
#[derive(Clone)]
pub struct Shared {
    pub session: Session,
    pub signer: Signer,
    pub iopub: UnboundedSender<Message>,
    /// Set by `interrupt_request`, cleared when the next cell starts.
    pub interrupt: Arc<AtomicBool>,
}

impl Shared {
    pub fn publish(&self, parent: &Message, msg_type: &str, content: Value) {
        let _ = self.iopub.send(self.session.child(parent, msg_type, content, false));
    }

    pub fn status(&self, parent: &Message, state: &str) {
        self.publish(parent, "status", json!({ "execution_state": state }));
    }
}

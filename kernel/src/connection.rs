//! The connection file Jupyter hands a kernel: where to bind and how to sign.

use std::path::Path;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct ConnectionInfo {
    pub ip: String,
    pub transport: String,
    pub shell_port: u16,
    pub iopub_port: u16,
    pub stdin_port: u16,
    pub control_port: u16,
    pub hb_port: u16,
    #[serde(default)]
    pub key: String,
    #[serde(default = "default_scheme")]
    pub signature_scheme: String,
}

fn default_scheme() -> String {
    "hmac-sha256".into()
}

impl ConnectionInfo {
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read connection file {}: {e}", path.display()))?;
        let info: ConnectionInfo =
            serde_json::from_str(&text).map_err(|e| format!("connection file {} is not valid: {e}", path.display()))?;
        if info.transport != "tcp" {
            return Err(format!(
                "transport {:?} is not supported; Huntbook speaks tcp",
                info.transport
            ));
        }
        if info.key.is_empty() {
            crate::log::warn(
                "the connection file has no key: messages are neither signed nor checked, so anyone who can reach \
                 the ports can run cells",
            );
        }
        if !info.key.is_empty() && info.signature_scheme != "hmac-sha256" {
            return Err(format!(
                "signature scheme {:?} is not supported; Huntbook signs with hmac-sha256",
                info.signature_scheme
            ));
        }
        Ok(info)
    }

    pub fn endpoint(&self, port: u16) -> String {
        // zeromq wants IPv6 literals in brackets.
        if self.ip.contains(':') {
            format!("tcp://[{}]:{port}", self.ip)
        } else {
            format!("tcp://{}:{port}", self.ip)
        }
    }
}

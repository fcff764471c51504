//! The sign-in flows that wait on something outside the kernel: a person entering a
//! device code, and the Azure CLI.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::Watch;
use super::azure::{Client, sign_in_failed};
use crate::error::{Error, Result};

impl Client {
    /// The device-code flow: ask for a code, show the person where to enter it, then poll
    /// at the interval the service gives until they have signed in, the code expires, or
    /// the person asks to stop. Nothing is asked of the service when the code cannot be
    /// shown (a [`Watch`] with nowhere to tell).
    pub(super) fn device_code(
        &mut self,
        tenant: &str,
        client_id: &str,
        scope: &str,
        watch: &mut dyn Watch,
    ) -> Result<Value> {
        if !watch.can_tell() {
            return Err(Error::Invalid(
                "device-code sign-in needs somewhere to show its code".into(),
            ));
        }
        let (status, start) = self.post_form(
            &self.endpoint(tenant, "devicecode")?,
            &[("client_id", client_id), ("scope", scope)],
            &mut *watch,
        )?;
        if status != 200 {
            return Err(sign_in_failed(tenant, status, &start));
        }
        let field = |k: &str| start.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        let device = field("device_code");
        let message = match field("message") {
            m if m.is_empty() => format!(
                "To sign in, open {} and enter the code {}",
                field("verification_uri"),
                field("user_code")
            ),
            m => m,
        };
        watch.tell(&message);
        let mut interval = start.get("interval").and_then(Value::as_u64).unwrap_or(5).max(1);
        let deadline =
            Instant::now() + Duration::from_secs(start.get("expires_in").and_then(Value::as_u64).unwrap_or(900));
        let url = self.endpoint(tenant, "token")?;
        loop {
            if self.pause(Duration::from_secs(interval), &*watch) {
                return Err(Error::Cancelled {
                    what: "device-code sign-in".into(),
                });
            }
            let form = [
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("client_id", client_id),
                ("device_code", device.as_str()),
            ];
            let (status, body) = self.post_form(&url, &form, &mut *watch)?;
            if status == 200 {
                return Ok(body);
            }
            match body.get("error").and_then(Value::as_str) {
                Some("authorization_pending") if Instant::now() < deadline => {}
                Some("slow_down") => interval += 5,
                Some("authorization_pending" | "expired_token" | "code_expired") => {
                    return Err(Error::service(
                        "Microsoft sign-in",
                        format!(
                            "the device code for tenant {tenant} expired before sign-in was completed; run the cell again for a new code"
                        ),
                    ));
                }
                _ => return Err(sign_in_failed(tenant, status, &body)),
            }
        }
    }

    /// A token from the Azure CLI (`az account get-access-token --resource R`), as the
    /// person signed in there. The CLI's own message (its first `ERROR:` line) is the error
    /// when it refuses; the token is never part of one.
    pub(super) fn azure_cli(
        &self,
        resource: &str,
        tenant: Option<&str>,
        watch: &dyn Watch,
    ) -> Result<(String, Duration)> {
        // `HUNTBOOK_AZ` names a program to run instead of `az` (the tests' stand-in, which
        // reaches nothing); the real CLI reaches Entra ID, so loopback-only refuses it.
        let program = std::env::var_os("HUNTBOOK_AZ");
        if program.is_none() {
            super::azure::refuse_off_loopback("the Azure CLI")?;
        }
        let mut command = Command::new(program.unwrap_or_else(|| "az".into()));
        command.args([
            "account",
            "get-access-token",
            "--output",
            "json",
            "--resource",
            resource,
        ]);
        if let Some(t) = tenant.filter(|t| !t.trim().is_empty()) {
            command.args(["--tenant", t.trim()]);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                Error::service(
                    "Azure CLI",
                    format!(
                        "cannot run az ({e}): install the Azure CLI and run az login, or sign in another way \
                         (auth: secret, device or token)"
                    ),
                )
            })?;
        let deadline = Instant::now() + self.limits.timeout;
        let status = loop {
            if let Some(status) = child
                .try_wait()
                .map_err(|e| Error::service("Azure CLI", e.to_string()))?
            {
                break status;
            }
            if watch.cancelled() || Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(if watch.cancelled() {
                    Error::Cancelled {
                        what: "the Azure CLI sign-in".into(),
                    }
                } else {
                    Error::service("Azure CLI", "az account get-access-token did not answer in time")
                });
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let output = child
            .wait_with_output()
            .map_err(|e| Error::service("Azure CLI", e.to_string()))?;
        if !status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let why = stderr
                .lines()
                .find(|l| l.starts_with("ERROR"))
                .or_else(|| stderr.lines().find(|l| !l.trim().is_empty()))
                .unwrap_or("no message")
                .trim()
                .to_string();
            return Err(Error::service(
                "Azure CLI",
                format!("az account get-access-token failed: {why}"),
            ));
        }
        let answer: Value = serde_json::from_slice(&output.stdout)
            .map_err(|_| Error::service("Azure CLI", "az account get-access-token did not print JSON"))?;
        let token = answer
            .get("accessToken")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::service("Azure CLI", "the CLI's answer has no accessToken"))?;
        // `expires_on` (seconds since 1970) in CLI 2.54 and later; older ones give only a
        // local time, so assume the shortest lifetime Entra ID issues.
        let now = chrono::Utc::now().timestamp();
        let lifetime = answer
            .get("expires_on")
            .and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
            .map_or(Duration::from_secs(3600), |at| {
                Duration::from_secs(at.saturating_sub(now).max(0) as u64)
            });
        Ok((token.to_string(), lifetime))
    }
}

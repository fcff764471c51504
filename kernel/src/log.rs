//! Kernel logging to standard error, which Jupyter servers keep in their log.
//!
//! Only message types, ids and reasons are logged — never message contents, which can
//! hold credentials typed at a prompt or attacker-controlled log data.

use std::sync::OnceLock;

fn debug_enabled() -> bool {
    static DEBUG: OnceLock<bool> = OnceLock::new();
    *DEBUG.get_or_init(|| std::env::var("HUNTBOOK_LOG").is_ok_and(|v| v.eq_ignore_ascii_case("debug")))
}

fn write(level: &str, text: &str) {
    let now = chrono::Utc::now().format("%H:%M:%S%.3f");
    eprintln!("[huntbook {level} {now}] {text}");
}

pub fn error(text: &str) {
    write("error", text);
}

pub fn warn(text: &str) {
    write("warn", text);
}

pub fn info(text: &str) {
    write("info", text);
}

pub fn debug(text: &str) {
    if debug_enabled() {
        write("debug", text);
    }
}

/// Warnings that whoever reaches a port can trigger at will (a dropped message, say) go
/// through a throttle: at most [`Throttle::PER_MINUTE`] lines a minute, then one line that
/// says how many were held back, so a flood cannot fill the server's log or its disk.
#[derive(Debug)]
pub struct Throttle {
    window: std::time::Instant,
    shown: u32,
    held: u64,
}

impl Default for Throttle {
    fn default() -> Self {
        Self {
            window: std::time::Instant::now(),
            shown: 0,
            held: 0,
        }
    }
}

impl Throttle {
    pub const PER_MINUTE: u32 = 20;

    pub fn warn(&mut self, text: &str) {
        if self.window.elapsed() >= std::time::Duration::from_secs(60) {
            if self.held > 0 {
                warn(&format!(
                    "{} more such warnings were not logged in the last minute",
                    self.held
                ));
            }
            *self = Self::default();
        }
        if self.shown < Self::PER_MINUTE {
            self.shown += 1;
            warn(text);
        } else {
            if self.held == 0 {
                warn("further warnings of this kind are held back for up to a minute");
            }
            self.held += 1;
        }
    }
}

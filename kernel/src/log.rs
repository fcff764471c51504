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

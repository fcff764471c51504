//! How a running magic talks to the outside: streams, displays, progress, interrupts and
//! prompts. The kernel implements [`Io`] over the Jupyter channels; tests implement it by
//! recording. A magic never sees a socket.

use crate::bundle::MimeBundle;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptError {
    /// The front end cannot answer prompts (`allow_stdin` was false).
    NotSupported,
    /// The prompt was interrupted or the front end went away.
    Cancelled,
}

pub trait Io {
    fn stream(&mut self, stream: Stream, text: &str);
    /// Shows a bundle now; with a display id it can be replaced later.
    fn display(&mut self, bundle: &MimeBundle, display_id: Option<&str>);
    /// Replaces what an earlier [`Io::display`] with the same id showed (progress).
    fn update_display(&mut self, bundle: &MimeBundle, display_id: &str);
    fn clear_output(&mut self, wait: bool);
    /// Whether the user asked to stop the running cell.
    fn interrupted(&self) -> bool;
    /// Asks the user for a line of text; `password` hides what is typed.
    fn prompt(&mut self, prompt: &str, password: bool) -> Result<String, PromptError>;
}

/// One thing a magic did through [`Io`], as recorded by [`RecordingIo`].
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Stream(Stream, String),
    Display(MimeBundle, Option<String>),
    Update(MimeBundle, String),
    Clear(bool),
}

/// An [`Io`] that records everything, for tests and for headless use.
#[derive(Debug, Default)]
pub struct RecordingIo {
    pub events: Vec<Event>,
    pub interrupt: bool,
    pub answers: Vec<String>,
}

impl RecordingIo {
    /// Everything written to stdout, in order.
    pub fn stdout(&self) -> String {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Stream(Stream::Stdout, text) => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }
}

impl Io for RecordingIo {
    fn stream(&mut self, stream: Stream, text: &str) {
        self.events.push(Event::Stream(stream, text.to_string()));
    }
    fn display(&mut self, bundle: &MimeBundle, display_id: Option<&str>) {
        self.events
            .push(Event::Display(bundle.clone(), display_id.map(str::to_string)));
    }
    fn update_display(&mut self, bundle: &MimeBundle, display_id: &str) {
        self.events.push(Event::Update(bundle.clone(), display_id.to_string()));
    }
    fn clear_output(&mut self, wait: bool) {
        self.events.push(Event::Clear(wait));
    }
    fn interrupted(&self) -> bool {
        self.interrupt
    }
    fn prompt(&mut self, _prompt: &str, _password: bool) -> Result<String, PromptError> {
        if self.answers.is_empty() {
            Err(PromptError::NotSupported)
        } else {
            Ok(self.answers.remove(0))
        }
    }
}

/// A progress line that is shown once and then updated in place
/// (`display_data` with a display id, then `update_display_data`).
#[derive(Debug)]
pub struct Progress {
    id: String,
    shown: bool,
}

impl Progress {
    pub fn new(what: &str) -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Progress {
            id: format!(
                "huntbook-{what}-{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ),
            shown: false,
        }
    }

    pub fn show(&mut self, io: &mut dyn Io, text: &str) {
        let bundle = MimeBundle::text(text).with(
            "text/html",
            format!(
                "<div class=\"hb-progress\">{}</div>",
                huntbook::render::escape_html(text)
            ),
        );
        self.show_bundle(io, &bundle);
    }

    /// Shows `bundle` (first time) or puts it in place of what was shown.
    pub fn show_bundle(&mut self, io: &mut dyn Io, bundle: &MimeBundle) {
        let bundle = bundle.clone();
        if self.shown {
            io.update_display(&bundle, &self.id);
        } else {
            io.display(&bundle, Some(&self.id));
            self.shown = true;
        }
    }
}

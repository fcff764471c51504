//! What a magic shows while a service works: the device code to sign in with (updated
//! once signed in) and a progress line, both replaced in place; and the interrupt that
//! stops it.

use huntbook::remote::Watch;
use huntbook::render::escape_html;

use crate::bundle::MimeBundle;
use crate::io::{Io, Progress};
use crate::sources::RemoteSource;

/// A [`Watch`] over a cell's output.
pub struct CellWatch<'a> {
    io: &'a mut dyn Io,
    prompt: Option<Progress>,
    progress: Progress,
    /// What the progress line says, before how long the service has been waited for.
    doing: String,
}

impl<'a> CellWatch<'a> {
    pub fn new(io: &'a mut dyn Io) -> Self {
        CellWatch {
            io,
            prompt: None,
            progress: Progress::new("remote"),
            doing: String::new(),
        }
    }

    /// Shows or updates the progress line.
    pub fn status(&mut self, text: &str) {
        self.doing = text.to_string();
        self.progress.show(self.io, text);
    }

    /// Signs `source` in, saying so here: what it is doing, then that it is done (in the
    /// device-code prompt too, if one was shown) or that it failed.
    pub fn sign_in(&mut self, source: &mut RemoteSource) -> huntbook::Result<()> {
        let who = format!("{} ({})", source.name, source.sign_in_method());
        self.status(&format!("signing in for {who}…"));
        if let Err(e) = source.sign_in(self) {
            self.status(&format!("{}: not signed in", source.name));
            return Err(e);
        }
        let done = format!("signed in for {who}");
        if let Some(p) = self.prompt.as_mut() {
            p.show(self.io, &format!("✓ {done}"));
        }
        self.status(&done);
        Ok(())
    }
}

impl Watch for CellWatch<'_> {
    fn cancelled(&self) -> bool {
        self.io.interrupted()
    }

    fn can_tell(&self) -> bool {
        true
    }

    fn waiting(&mut self, waited: std::time::Duration) {
        let line = format!(
            "{} — waiting for the service: {} s",
            self.doing.trim_end_matches('…'),
            waited.as_secs()
        );
        self.progress.show(self.io, &line);
    }

    /// The service's message, with its link made a link and the code set apart.
    fn tell(&mut self, text: &str) {
        let mut html = escape_html(text);
        for word in text.split_whitespace() {
            let word = word.trim_end_matches(['.', ',']);
            if word.starts_with("https://") {
                let e = escape_html(word);
                html = html.replacen(
                    &e,
                    &format!("<a href=\"{e}\" target=\"_blank\" rel=\"noopener\">{e}</a>"),
                    1,
                );
            } else if word.len() >= 8 && word.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) {
                html = html.replacen(word, &format!("<b><code>{word}</code></b>"), 1);
            }
        }
        let bundle = MimeBundle::text(text).with("text/html", format!("<div class=\"hb-signin\">🔑 {html}</div>"));
        let prompt = self.prompt.get_or_insert_with(|| Progress::new("signin"));
        prompt.show_bundle(self.io, &bundle);
    }
}

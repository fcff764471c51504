//! The session: named frames that live as long as the kernel does.
//!
//! `name = %magic …` stores a frame under `name`; every frame result is also stored as
//! `_`. Lookups that fail say which frames exist and suggest the likely one, because a
//! mistyped frame name is the most common error in a long investigation.

use std::collections::BTreeMap;

use huntbook::Frame;

use crate::diag::{Diagnostic, did_you_mean};
use crate::parse::Spanned;

/// The name under which the last frame result is always stored.
pub const LAST: &str = "_";

#[derive(Debug, Default)]
pub struct Session {
    frames: BTreeMap<String, Frame>,
    /// When each frame was stored, counted in stores: a frame shared with code is written
    /// again only when it changed.
    generations: BTreeMap<String, u64>,
    stores: u64,
}

impl Session {
    pub fn get(&self, name: &str) -> Option<&Frame> {
        self.frames.get(name)
    }

    pub fn insert(&mut self, name: impl Into<String>, frame: Frame) {
        let name = name.into();
        self.stores += 1;
        self.generations.insert(name.clone(), self.stores);
        self.frames.insert(name, frame);
    }

    /// Which store put the frame `name` there (a later store of the name is a larger one).
    pub fn generation(&self, name: &str) -> Option<u64> {
        self.generations.get(name).copied()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Frame)> {
        self.frames.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.frames.keys().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.frames.len()
    }

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// The frame an argument names, or a diagnostic that lists what exists.
    pub fn frame(&self, arg: &Spanned) -> Result<&Frame, Diagnostic> {
        self.get(&arg.text).ok_or_else(|| self.no_frame(arg))
    }

    pub(crate) fn no_frame(&self, arg: &Spanned) -> Diagnostic {
        let d =
            Diagnostic::new("no-such-frame", format!("there is no frame named {:?}", arg.text)).at(arg.span.clone());
        if self.is_empty() {
            return d.hint("the session has no frames yet: load one with  name = %load PATH");
        }
        match did_you_mean(&arg.text, self.names()) {
            Some(s) => d.hint(format!("did you mean {s}? (%vars lists the frames)")),
            None => d.hint(format!("frames: {}", self.names().collect::<Vec<_>>().join(", "))),
        }
    }
}

//! MIME bundles: what a magic shows, as `mime type → value` plus metadata.
//!
//! `text/plain` is always present so that consoles, CI logs and nbconvert read every
//! output; the rich forms sit beside it.

use serde_json::{Map, Value};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct MimeBundle {
    pub data: Map<String, Value>,
    pub metadata: Map<String, Value>,
}

impl MimeBundle {
    pub fn text(text: impl Into<String>) -> Self {
        let mut bundle = MimeBundle::default();
        bundle.data.insert("text/plain".into(), Value::String(text.into()));
        bundle
    }

    pub fn with(mut self, mime: &str, value: impl Into<Value>) -> Self {
        self.data.insert(mime.into(), value.into());
        self
    }

    pub fn with_metadata(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    pub fn plain(&self) -> &str {
        self.data.get("text/plain").and_then(Value::as_str).unwrap_or_default()
    }
}

//! Secrets typed at a password prompt, held in memory for this kernel session only.
//!
//! Credentials never go into cells (they would be saved in the notebook); `%secret NAME`
//! asks for one over Jupyter's stdin channel with the input hidden. The value's `Debug`
//! and `Display` are masked so it cannot leak into an output, an error or a log by
//! accident; only [`Secret::expose`] gives the text, for the code that authenticates.

use std::collections::BTreeMap;
use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(value)
    }

    /// The secret's text, for the one place that sends it to a service.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // Overwrite the text before the memory is freed, so a later heap dump of the
        // kernel does not hold old credentials.
        // SAFETY: writing zero bytes keeps the String valid UTF-8.
        unsafe { self.0.as_bytes_mut().fill(0) };
    }
}

#[derive(Debug, Default)]
pub struct Secrets {
    values: BTreeMap<String, Secret>,
}

impl Secrets {
    pub fn set(&mut self, name: &str, value: Secret) {
        self.values.insert(name.to_string(), value);
    }

    pub fn get(&self, name: &str) -> Option<&Secret> {
        self.values.get(name)
    }

    pub fn remove(&mut self, name: &str) -> bool {
        self.values.remove(name).is_some()
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter2".into());
        assert_eq!(format!("{s} {s:?}"), "**** Secret(****)");
        let mut all = Secrets::default();
        all.set("vt", s);
        assert!(!format!("{all:?}").contains("hunter2"));
        assert_eq!(all.get("vt").unwrap().expose(), "hunter2");
    }
}

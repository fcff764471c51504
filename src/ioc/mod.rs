//! Indicator-of-compromise extraction: the types msticpy's IoCExtract finds, plus SHA-512,
//! CVE ids, MAC addresses, ASNs, registry keys and Bitcoin addresses.
//!
//! The shape is: refang the text once ([`refang`]), find each type's candidates, and
//! *validate* every candidate before it counts. Candidates come from hand-written scanners
//! that start from a SIMD byte search (`://`, dots, colons, backslashes, `AS`, dashes) or
//! a skip-scan for long runs (hashes, MAC addresses), each giving exactly what its
//! pattern's regex gives — the regexes are kept as test references and proptests compare
//! the two — or from a regex: over the whole text where its engine searches for a literal
//! itself (e-mail's `@`), inside the runs a scanner finds (DNS names that are not simple,
//! IPv6, MAC), or over the lines a per-line gate lets through (the path types). Validation
//! checks IPv6 by parsing (so clock times such as `10:54:40` are not IPv6, msticpy's best-known quirk), domains against the bundled public
//! suffix list, Bitcoin addresses by their checksums. Rust's regex engine has no
//! look-around, so boundaries are checked on the characters around each match instead;
//! that keeps every regex linear-time, whatever the input.
//!
//! Where the same text matches several types, the lower priority number wins, as in
//! msticpy (a URL's text is a URL, not also a path). Results come in reading order.
//!
//! Patterns are ASCII where msticpy's are Unicode, deliberately: digits in IPv4, IPv6, CVE
//! ids and AS numbers are `[0-9]` (no address or id is written in another script's
//! digits), and URL schemes and registry hive names match case-insensitively in ASCII only
//! (a Unicode case fold lets `ſ` stand for `s` and the Kelvin sign for `K`).

mod checks;
mod classes;
mod extractor;
mod frame;
#[cfg(test)]
mod gate_tests;
mod patterns;
mod refang;
#[cfg(test)]
mod reference;
mod scanners;
mod search;
mod simd;
#[cfg(test)]
mod tests;
mod types;

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::sync::{Arc, LazyLock};

use regex::Regex;

use classes::*;
use extractor::*;
use patterns::*;
#[cfg(test)]
use reference::*;
use scanners::*;
use search::*;

pub use frame::{COLUMNS, extract_frame, extract_text};
pub use refang::{defang, refang};
pub use types::IocType;

/// One indicator found in a text, as [`Extraction::iter`] gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found<'a> {
    /// The type's name.
    pub kind: &'a str,
    pub observable: &'a str,
    /// Byte offset of the first occurrence in the refanged text, for reading order.
    pub position: usize,
}

/// Every distinct indicator of one text, in reading order. The observables share one
/// buffer, so a text with thousands of indicators costs a few allocations, not thousands.
#[derive(Debug, Clone, Default)]
pub struct Extraction {
    observables: String,
    /// Per indicator: its type, where its observable ends in `observables` (it starts
    /// where the previous one ends) and its position in the text.
    items: Vec<(Kind, usize, usize)>,
    /// The extractor's custom types, when it has any.
    custom: Option<Arc<[CustomType]>>,
}

impl Extraction {
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = Found<'_>> + '_ {
        let starts = std::iter::once(0).chain(self.items.iter().map(|&(_, end, _)| end));
        self.items
            .iter()
            .zip(starts)
            .map(|(&(kind, end, position), start)| Found {
                kind: match kind {
                    Kind::Builtin(kind) => kind.name(),
                    Kind::Custom(index) => &self.custom.as_ref().expect("custom types have names")[index].name,
                },
                observable: &self.observables[start..end],
                position,
            })
    }
}

/// An indicator's type: built in, or the extractor's custom type of that index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Builtin(IocType),
    Custom(usize),
}

/// A user-defined type: a name and a regex (its first capture group, if it has one, is
/// the observable).
#[derive(Debug, Clone)]
pub struct CustomType {
    pub name: String,
    pub regex: Regex,
}

#[derive(Debug, Clone)]
pub struct Extractor {
    types: Vec<IocType>,
    /// Shared with the extractions that found a custom type, which name it.
    custom: Arc<[CustomType]>,
}

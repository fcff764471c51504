//! The file formats Huntbook reads, in one table ([`FORMATS`]): each format's names,
//! extensions, how a `.log` is recognised by its content, how a file or an archive
//! member is read whole, how a file is scanned lazily where polars can, and the table a
//! source also files its rows under. `%load`, archive members and sources all read this
//! table, so adding a format is a row here and a reader in its own file.
//!
//! The readers: [`csv`] (with the quote repair), [`json`] (JSON documents and NDJSON),
//! [`parquet`], [`evtx`], [`auditd`], [`syslog`], [`zeek`] and [`archive`] (zip, tar,
//! tar.gz members, read with this same table). [`lines`] holds what the line-oriented
//! readers share.

pub mod archive;
pub mod auditd;
pub mod csv;
pub mod dates;
pub mod evtx;
pub mod export;
pub mod json;
pub mod lines;
pub mod parquet;
pub mod syslog;
pub mod zeek;

use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use polars::prelude::{DataFrame, LazyFrame, PolarsError, PolarsResult};

use crate::error::{Error, Result};
use crate::frame::Warned;

/// What a reader reads: a file on disk, or the bytes of an archive member.
#[derive(Debug)]
pub enum Input<'a> {
    File(&'a Path),
    Bytes { bytes: Vec<u8>, name: &'a str },
}

impl Input<'_> {
    /// The file's path, or `archive!member`, for messages.
    pub fn name(&self) -> Cow<'_, str> {
        match self {
            Input::File(p) => p.to_string_lossy(),
            Input::Bytes { name, .. } => Cow::Borrowed(name),
        }
    }

    /// Whether the name ends in `.ext` (any case).
    pub fn has_extension(&self, ext: &str) -> bool {
        ends_in(&self.name().to_ascii_lowercase(), ext)
    }

    /// All of the input's bytes.
    pub fn bytes(&self) -> Result<Cow<'_, [u8]>> {
        match self {
            Input::File(p) => std::fs::read(p).map(Cow::Owned).map_err(|source| Error::Io {
                path: p.to_path_buf(),
                source,
            }),
            Input::Bytes { bytes, .. } => Ok(Cow::Borrowed(bytes)),
        }
    }

    /// The input as text (invalid UTF-8 replaced, as logs from many systems carry it).
    pub fn text(&self) -> Result<String> {
        Ok(String::from_utf8_lossy(&self.bytes()?).into_owned())
    }

    /// The file opened, for readers that stream it (an I/O error names the file).
    pub fn open(path: &Path) -> Result<File> {
        File::open(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    /// A reader's error about this input.
    pub fn bad(&self, format: &'static str, message: impl fmt::Display) -> Error {
        Error::Format {
            path: self.name().into_owned().into(),
            format,
            message: message.to_string(),
        }
    }

    /// A polars error reading this input, in a reader's words.
    pub fn polars(&self, format: &'static str) -> impl Fn(PolarsError) -> Error + '_ {
        move |e| self.bad(format, e)
    }
}

/// A lazy scan of a file: `None` when this file must be read whole after all.
pub type Scan = fn(&Path) -> Option<PolarsResult<LazyFrame>>;

/// One format Huntbook reads.
#[derive(Debug)]
pub struct Format {
    /// What `--format` takes.
    pub name: &'static str,
    /// How messages name it.
    pub title: &'static str,
    /// Other names `--format` takes.
    pub aliases: &'static [&'static str],
    /// File-name endings (lower case, no leading dot: `csv`, `tar.gz`) that name it.
    pub extensions: &'static [&'static str],
    /// For a name ending in one of `extensions` that says nothing alone (`.log`): whether
    /// the first 4 KiB are this format.
    pub sniff: Option<fn(&str) -> bool>,
    /// Reads all of it.
    pub read: fn(&Input) -> Result<Warned<DataFrame>>,
    /// Scans a file lazily (only the columns and rows a query needs), where polars can;
    /// `None` from the function means this file must be read whole after all.
    pub scan: Option<Scan>,
    /// The table a source also files this format's rows under (EVTX → WindowsEvent).
    pub table: Option<&'static str>,
    /// Whether archive members in this format are read (archives in archives are not).
    pub in_archives: bool,
}

impl Format {
    /// A format read whole, named by `extensions`; the builders below add what it has
    /// beyond that.
    pub const fn new(
        name: &'static str,
        title: &'static str,
        extensions: &'static [&'static str],
        read: fn(&Input) -> Result<Warned<DataFrame>>,
    ) -> Format {
        Format {
            name,
            title,
            aliases: &[],
            extensions,
            sniff: None,
            read,
            scan: None,
            table: None,
            in_archives: true,
        }
    }

    pub const fn aliases(self, aliases: &'static [&'static str]) -> Format {
        Format { aliases, ..self }
    }

    /// Recognised by content among the formats sharing its extension (`.log`).
    pub const fn sniff(self, sniff: fn(&str) -> bool) -> Format {
        Format {
            sniff: Some(sniff),
            ..self
        }
    }

    pub const fn scan(self, scan: Scan) -> Format {
        Format {
            scan: Some(scan),
            ..self
        }
    }

    /// Sources also file its rows under `table`.
    pub const fn table(self, table: &'static str) -> Format {
        Format {
            table: Some(table),
            ..self
        }
    }

    /// Not read inside archives.
    pub const fn not_in_archives(self) -> Format {
        Format {
            in_archives: false,
            ..self
        }
    }
}

impl PartialEq for Format {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Format {}

impl PartialOrd for Format {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Format {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.name.cmp(other.name)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.title)
    }
}

/// A format, as the rest of the engine passes it around.
pub type FileFormat = &'static Format;

/// Every format, in the order `%load --format` lists them. A `.log` is offered to the
/// formats that sniff, in this order.
const ALL: [Format; 9] = [
    csv::CSV,
    json::JSON,
    json::NDJSON,
    parquet::PARQUET,
    evtx::EVTX,
    auditd::AUDITD,
    syslog::SYSLOG,
    zeek::ZEEK,
    archive::ARCHIVE,
];

/// The table.
pub static FORMATS: [Format; ALL.len()] = ALL;

/// The names `--format` takes, from the table.
pub const NAMES: [&str; ALL.len()] = {
    let mut names = [""; ALL.len()];
    let mut i = 0;
    while i < ALL.len() {
        names[i] = ALL[i].name;
        i += 1;
    }
    names
};

/// The format called `name` (or one of its aliases), in any case.
pub fn by_name(name: &str) -> Option<FileFormat> {
    FORMATS
        .iter()
        .find(|f| f.name.eq_ignore_ascii_case(name) || f.aliases.iter().any(|a| a.eq_ignore_ascii_case(name)))
}

/// The format a file or member name says, looking at `head` (its first bytes) for names
/// that say nothing alone; `archives` says whether archive formats count.
fn detect(name: &str, head: impl FnOnce() -> Option<Vec<u8>>, archives: bool) -> Option<FileFormat> {
    let lower = name.to_ascii_lowercase();
    let mut head = Some(head);
    let mut text: Option<String> = None;
    for format in FORMATS.iter().filter(|f| archives || f.in_archives) {
        if !format.extensions.iter().any(|e| ends_in(&lower, e)) {
            continue;
        }
        let Some(sniff) = format.sniff else { return Some(format) };
        if text.is_none() {
            let bytes = head.take().and_then(|h| h()).unwrap_or_default();
            text = Some(String::from_utf8_lossy(&bytes[..bytes.len().min(SNIFF_BYTES)]).into_owned());
        }
        if sniff(text.as_deref().unwrap_or_default()) {
            return Some(format);
        }
    }
    None
}

/// Whether a lower-case file name ends in `.ext` (`ext` may hold a dot: `tar.gz`).
fn ends_in(lower_name: &str, ext: &str) -> bool {
    lower_name.strip_suffix(ext).is_some_and(|rest| rest.ends_with('.'))
}

/// How much of a file sniffing looks at.
const SNIFF_BYTES: usize = 4096;

/// The format of a file on disk, from its name (and, for a `.log`, its first bytes).
pub fn of_path(path: &Path) -> Option<FileFormat> {
    let head = || {
        let mut head = vec![0u8; SNIFF_BYTES];
        let n = File::open(path).ok()?.read(&mut head).ok()?;
        head.truncate(n);
        Some(head)
    };
    detect(&path.file_name()?.to_string_lossy(), head, true)
}

/// The format of an archive member, from its name (and, for a `.log`, its bytes).
pub fn of_member(name: &str, bytes: &[u8]) -> Option<FileFormat> {
    detect(name, || Some(bytes[..bytes.len().min(SNIFF_BYTES)].to_vec()), false)
}

/// Every extension the table knows, for messages.
fn extensions() -> String {
    let mut all: Vec<&str> = FORMATS.iter().flat_map(|f| f.extensions.iter().copied()).collect();
    all.dedup();
    all.iter().map(|e| format!(".{e}")).collect::<Vec<_>>().join(", ")
}

/// Reads `input` in `format`, or the one its name says.
pub fn read(input: &Input, format: Option<FileFormat>) -> Result<Warned<DataFrame>> {
    let format = match format {
        Some(f) => f,
        None => {
            let found = match input {
                Input::File(p) => of_path(p),
                Input::Bytes { bytes, name } => of_member(name, bytes),
            };
            found.ok_or_else(|| Error::UnknownFormat {
                path: input.name().into_owned().into(),
                reason: format!(
                    "the name does not end in one of {} (a .log must hold auditd, Zeek or syslog records); give --format",
                    extensions()
                ),
            })?
        }
    };
    (format.read)(input)
}

/// Reads one file in the given format, or the one its name says; what was skipped inside
/// it (damaged EVTX records, lines that are not audit records) comes back as warnings.
pub fn read_file(path: &Path, format: Option<FileFormat>) -> Result<Warned<DataFrame>> {
    read(&Input::File(path), format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_extensions_and_sniffing_come_from_the_table() {
        assert_eq!(NAMES.len(), FORMATS.len());
        assert_eq!(by_name("JSONL").map(|f| f.name), Some("ndjson"));
        assert_eq!(by_name("tar").map(|f| f.name), Some("archive"));
        assert_eq!(of_member("a/b.TSV", b"").map(|f| f.name), Some("csv"));
        assert_eq!(of_member("x.zip", b"PK"), None, "archives in archives are not read");
        let audit = b"type=SYSCALL msg=audit(1364481363.243:24287): arch=c000003e syscall=2";
        assert_eq!(of_member("audit.log", audit).map(|f| f.name), Some("auditd"));
        let zeek = b"#separator \\x09\n#set_separator\t,\n#fields\tts\tuid\n";
        assert_eq!(of_member("conn.log", zeek).map(|f| f.name), Some("zeek"));
        assert_eq!(of_member("notes.log", b"hello"), None);
    }
}

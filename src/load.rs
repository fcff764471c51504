//! Local files to frames: CSV, JSON (an array of records, or one record), NDJSON,
//! Parquet, Windows EVTX and Linux auditd logs — one file, a folder or a glob.
//!
//! A folder or glob is read file by file and concatenated diagonally — columns missing in
//! one file become nulls rather than an error — because evidence folders routinely mix
//! exports with slightly different schemas. Each row then carries a `SourceFile` column so
//! the analyst can still tell where it came from. Files that cannot be read in a
//! multi-file load are skipped and named in a warning; a single named file that cannot be
//! read is an error.

use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::frame::{Frame, Warned};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileFormat {
    Csv,
    Json,
    Ndjson,
    Parquet,
    Evtx,
    Auditd,
    /// RFC 3164 or RFC 5424 syslog lines.
    Syslog,
    /// Zeek TSV logs (`#fields` header).
    Zeek,
    /// zip, tar, tar.gz: read member by member.
    Archive,
}

impl FileFormat {
    pub const NAMES: &'static [&'static str] = &[
        "csv", "json", "ndjson", "parquet", "evtx", "auditd", "syslog", "zeek", "archive",
    ];

    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "csv" => Some(FileFormat::Csv),
            "json" => Some(FileFormat::Json),
            "ndjson" | "jsonl" => Some(FileFormat::Ndjson),
            "parquet" => Some(FileFormat::Parquet),
            "evtx" => Some(FileFormat::Evtx),
            "auditd" => Some(FileFormat::Auditd),
            "syslog" => Some(FileFormat::Syslog),
            "zeek" => Some(FileFormat::Zeek),
            "archive" | "zip" | "tar" => Some(FileFormat::Archive),
            _ => None,
        }
    }

    /// The format a file's extension names, if it names one Huntbook reads.
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?;
        match ext.to_ascii_lowercase().as_str() {
            "csv" | "tsv" => Some(FileFormat::Csv),
            "json" => Some(FileFormat::Json),
            "ndjson" | "jsonl" => Some(FileFormat::Ndjson),
            "parquet" | "pq" => Some(FileFormat::Parquet),
            "evtx" => Some(FileFormat::Evtx),
            "zip" | "tar" | "tgz" => Some(FileFormat::Archive),
            "gz" if path.to_string_lossy().to_ascii_lowercase().ends_with(".tar.gz") => Some(FileFormat::Archive),
            // A .log is read when its content says what it is (see `sniff`).
            "log" => sniff(path),
            _ => None,
        }
    }

    /// The format of an archive member, from its name, or for a `.log` from its first bytes.
    fn from_member(name: &str, bytes: &[u8]) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        let ext = lower.rsplit_once('.')?.1;
        match ext {
            "csv" | "tsv" => Some(FileFormat::Csv),
            "json" => Some(FileFormat::Json),
            "ndjson" | "jsonl" => Some(FileFormat::Ndjson),
            "parquet" | "pq" => Some(FileFormat::Parquet),
            "evtx" => Some(FileFormat::Evtx),
            "log" => sniff_text(&String::from_utf8_lossy(&bytes[..bytes.len().min(4096)])),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            FileFormat::Csv => "CSV",
            FileFormat::Json => "JSON",
            FileFormat::Ndjson => "NDJSON",
            FileFormat::Parquet => "Parquet",
            FileFormat::Evtx => "EVTX",
            FileFormat::Auditd => "auditd",
            FileFormat::Syslog => "syslog",
            FileFormat::Zeek => "Zeek",
            FileFormat::Archive => "archive",
        }
    }
}

impl fmt::Display for FileFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The format of a `.log` file, from its first kilobytes.
fn sniff(path: &Path) -> Option<FileFormat> {
    use std::io::Read;
    let mut head = vec![0u8; 4096];
    let n = File::open(path).ok()?.read(&mut head).ok()?;
    sniff_text(&String::from_utf8_lossy(&head[..n]))
}

fn sniff_text(head: &str) -> Option<FileFormat> {
    if crate::auditd::looks_like_auditd(head) {
        Some(FileFormat::Auditd)
    } else if crate::zeek::looks_like_zeek(head) {
        Some(FileFormat::Zeek)
    } else if crate::syslog::looks_like_syslog(head) {
        Some(FileFormat::Syslog)
    } else {
        None
    }
}

/// The name of the column that says which file a row came from in a multi-file load.
pub const SOURCE_FILE_COLUMN: &str = "SourceFile";

/// Loads `spec` — a file, a folder, or a glob pattern — into one frame.
pub fn load(spec: &str, format: Option<FileFormat>) -> Result<Warned<Frame>> {
    load_with_progress(spec, format, &mut |_, _| true)
}

/// [`load`], calling `progress(files_done, files_total)` before each file of a folder or
/// glob and once at the end; returning `false` stops the load with [`Error::Cancelled`].
pub fn load_with_progress(
    spec: &str,
    format: Option<FileFormat>,
    progress: &mut dyn FnMut(usize, usize) -> bool,
) -> Result<Warned<Frame>> {
    let path = Path::new(spec);
    if path.is_file() {
        let read = read_file(path, format)?;
        return Ok(Warned {
            value: Frame::new(read.value, spec),
            warnings: read.warnings,
        });
    }
    let files = if path.is_dir() {
        folder_files(path, format)?
    } else if spec.contains(['*', '?', '[']) {
        glob_files(spec)?
    } else {
        return Err(Error::NoMatch {
            pattern: spec.to_string(),
        });
    };
    load_many(spec, &files, format, progress)
}

fn folder_files(dir: &Path, format: Option<FileFormat>) -> Result<Vec<PathBuf>> {
    let io_err = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io_err)? {
        let path = entry.map_err(io_err)?.path();
        // With an explicit format every regular file is taken; without one, only files
        // whose extension names a readable format, so READMEs and licences are ignored.
        let wanted = path.is_file() && (format.is_some() || FileFormat::from_path(&path).is_some());
        if wanted {
            files.push(path);
        }
    }
    if files.is_empty() {
        return Err(Error::EmptyFolder {
            path: dir.to_path_buf(),
        });
    }
    files.sort();
    Ok(files)
}

fn glob_files(pattern: &str) -> Result<Vec<PathBuf>> {
    let paths = glob::glob(pattern).map_err(|e| Error::NoMatch {
        pattern: format!("{pattern} (bad pattern: {e})"),
    })?;
    let mut files: Vec<PathBuf> = paths.filter_map(|p| p.ok()).filter(|p| p.is_file()).collect();
    if files.is_empty() {
        return Err(Error::NoMatch {
            pattern: pattern.to_string(),
        });
    }
    files.sort();
    Ok(files)
}

fn load_many(
    spec: &str,
    files: &[PathBuf],
    format: Option<FileFormat>,
    progress: &mut dyn FnMut(usize, usize) -> bool,
) -> Result<Warned<Frame>> {
    let mut frames = Vec::with_capacity(files.len());
    let mut warnings = Vec::new();
    for (done, file) in files.iter().enumerate() {
        if !progress(done, files.len()) {
            return Err(Error::Cancelled {
                what: format!("loading {spec} after {done} of {} files", files.len()),
            });
        }
        match read_file(file, format) {
            Ok(Warned {
                value: df,
                warnings: read_warnings,
            }) => {
                warnings.extend(read_warnings);
                frames.push((file.display().to_string(), df));
            }
            Err(e) => warnings.push(format!("skipped {}: {e}", file.display())),
        }
    }
    if frames.is_empty() {
        return Err(Error::Format {
            path: PathBuf::from(spec),
            format: "data",
            message: format!(
                "none of its {} files could be read: {}",
                files.len(),
                warnings.join("; ")
            ),
        });
    }
    let df = stack(frames)?;
    progress(files.len(), files.len());
    Ok(Warned {
        value: Frame::new(df, spec),
        warnings,
    })
}

/// Reads one file in the given format, or the one its extension names; what was skipped
/// inside the file (damaged EVTX records, lines that are not audit records) comes back as
/// warnings.
pub fn read_file(path: &Path, format: Option<FileFormat>) -> Result<Warned<DataFrame>> {
    let format = match format.or_else(|| FileFormat::from_path(path)) {
        Some(f) => f,
        None => {
            return Err(Error::UnknownFormat {
                path: path.to_path_buf(),
                reason: "the extension is not one of .csv, .tsv, .json, .ndjson, .jsonl, .parquet, .evtx, \
                         .zip, .tar, .tar.gz, or a .log of auditd, syslog or Zeek records; give --format"
                    .into(),
            });
        }
    };
    let open = || {
        File::open(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })
    };
    let bad = |e: PolarsError| Error::Format {
        path: path.to_path_buf(),
        format: format.name(),
        message: e.to_string(),
    };
    let clean = |r: Result<DataFrame>| r.map(Warned::clean);
    match format {
        FileFormat::Evtx => crate::evtx::read_evtx(path, 0),
        FileFormat::Archive => read_archive(path),
        FileFormat::Auditd | FileFormat::Syslog | FileFormat::Zeek => {
            let text = std::fs::read(path).map_err(|source| Error::Io {
                path: path.to_path_buf(),
                source,
            })?;
            parse_text_log(&String::from_utf8_lossy(&text), format, &path.display().to_string())
        }
        // Opening first gives a clean I/O error for missing or unreadable files.
        FileFormat::Csv => {
            let first = read_csv(open()?, is_tsv(path));
            repair_or(first, is_tsv(path), &path.display().to_string(), || {
                std::fs::read(path).ok()
            })
            .map_err(bad)
        }
        FileFormat::Json => clean(read_json(open()?, || open().ok()).map_err(bad)),
        FileFormat::Ndjson => clean(read_ndjson(open()?).map_err(bad)),
        FileFormat::Parquet => clean(ParquetReader::new(open()?).finish().map_err(bad)),
    }
}

fn is_tsv(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("tsv"))
}

fn read_csv<R: polars::io::mmap::MmapBytesReader + 'static>(reader: R, tsv: bool) -> PolarsResult<DataFrame> {
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(10_000))
        .map_parse_options(|o| {
            o.with_separator(if tsv { b'\t' } else { b',' })
                .with_try_parse_dates(true)
        })
        .into_reader_with_file_handle(reader)
        .finish()
}

/// A CSV polars refused, read again after repairing quotes that were not doubled inside
/// quoted fields (`"-c "REDACTED"",` from hand-edited or redacted exports), which Python's
/// csv module and spreadsheet tools accept. The repair is said in a warning; if there was
/// nothing to repair, or the repaired text still does not read, polars' error stands.
fn repair_or(
    first: PolarsResult<DataFrame>,
    tsv: bool,
    name: &str,
    bytes: impl FnOnce() -> Option<Vec<u8>>,
) -> PolarsResult<Warned<DataFrame>> {
    let error = match first {
        Ok(df) => return Ok(Warned::clean(df)),
        Err(e) => e,
    };
    let Some((repaired, lines)) = bytes().and_then(|b| repair_quotes(&b, if tsv { b'\t' } else { b',' })) else {
        return Err(error);
    };
    match read_csv(std::io::Cursor::new(repaired), tsv) {
        Ok(df) => Ok(Warned {
            value: df,
            warnings: vec![format!(
                "{name}: {} line{} (first: line {}) had a quote inside a quoted field that was not doubled; \
                 it was read as a literal quote",
                lines.len(),
                if lines.len() == 1 { "" } else { "s" },
                lines[0]
            )],
        }),
        Err(_) => Err(error),
    }
}

/// Re-writes CSV with every quote inside a quoted field doubled unless it closes the field
/// (followed by the separator, a line end or the end). Returns the text and the 1-based
/// lines repaired, or `None` when nothing needed it.
fn repair_quotes(bytes: &[u8], sep: u8) -> Option<(Vec<u8>, Vec<usize>)> {
    let mut out = Vec::with_capacity(bytes.len() + 64);
    let mut repaired = Vec::new();
    let (mut line, mut quoted, mut at_field_start) = (1usize, false, true);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if quoted {
            if b == b'"' {
                match bytes.get(i + 1) {
                    Some(b'"') => {
                        out.extend_from_slice(b"\"\"");
                        i += 2;
                        continue;
                    }
                    None | Some(b'\n') | Some(b'\r') => quoted = false,
                    Some(&next) if next == sep => quoted = false,
                    Some(_) => {
                        // A stray quote: keep it as a literal.
                        out.push(b'"');
                        if repaired.last() != Some(&line) {
                            repaired.push(line);
                        }
                    }
                }
            } else if b == b'\n' {
                line += 1;
            }
            out.push(b);
        } else {
            if b == b'"' && at_field_start {
                quoted = true;
            }
            if b == b'\n' {
                line += 1;
            }
            out.push(b);
        }
        at_field_start = !quoted && (b == sep || b == b'\n');
        i += 1;
    }
    (!repaired.is_empty()).then_some((out, repaired))
}

fn read_ndjson<R: polars::io::mmap::MmapBytesReader>(reader: R) -> PolarsResult<DataFrame> {
    JsonReader::new(reader)
        .with_json_format(JsonFormat::JsonLines)
        .infer_schema_len(std::num::NonZeroUsize::new(10_000))
        .finish()
}

/// Archive members larger than this are not read (an export of this size belongs on disk).
const MAX_MEMBER_BYTES: u64 = 4 << 30;

/// A zip, tar or tar.gz of evidence files (as OTRF Security-Datasets ships them): every
/// member in a readable format is read from the archive and stacked like a folder, with
/// `SourceFile` naming `archive!member`. A damaged archive whose members can still be
/// listed loses only the damaged members, each named in a warning.
fn read_archive(path: &Path) -> Result<Warned<DataFrame>> {
    let bad = |message: String| Error::Format {
        path: path.to_path_buf(),
        format: "archive",
        message,
    };
    let file = File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut members: Vec<(String, std::result::Result<Vec<u8>, String>)> = Vec::new();
    let name = path.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".zip") {
        let mut zip = ::zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| bad(e.to_string()))?;
        for i in 0..zip.len() {
            let mut entry = match zip.by_index(i) {
                Ok(e) => e,
                Err(e) => {
                    members.push((format!("member {i}"), Err(e.to_string())));
                    continue;
                }
            };
            if entry.is_dir() {
                continue;
            }
            let member = entry.name().map_or_else(|_| format!("member {i}"), |n| n.to_string());
            let size = entry.size();
            members.push((member, read_member(&mut entry, size)));
        }
    } else {
        let reader: Box<dyn std::io::Read> = if name.ends_with(".gz") || name.ends_with(".tgz") {
            Box::new(flate2::read::GzDecoder::new(std::io::BufReader::new(file)))
        } else {
            Box::new(std::io::BufReader::new(file))
        };
        let mut tar = tar::Archive::new(reader);
        let entries = tar.entries().map_err(|e| bad(e.to_string()))?;
        for entry in entries {
            let mut entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    members.push(("(the rest of the archive)".into(), Err(e.to_string())));
                    break;
                }
            };
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let member = entry.path().map(|p| p.display().to_string()).unwrap_or_default();
            let size = entry.size();
            members.push((member, read_member(&mut entry, size)));
        }
    }
    let mut frames = Vec::new();
    let mut warnings = Vec::new();
    for (member, bytes) in members {
        // A member that could not be read is reported whatever its name; one that was read
        // is parsed only when its name (or a .log's content) says it is a format we read.
        let read = match bytes {
            Err(e) => Err(e),
            Ok(bytes) => match FileFormat::from_member(&member, &bytes) {
                None => continue,
                Some(format) => parse_member(bytes, format, &member).map_err(|e| e.to_string()),
            },
        };
        match read {
            Ok(mut w) => {
                warnings.append(&mut w.warnings);
                frames.push((format!("{}!{member}", path.display()), w.value));
            }
            Err(e) => warnings.push(format!("{}: member {member} skipped: {e}", path.display())),
        }
    }
    if frames.is_empty() {
        return Err(bad(if warnings.is_empty() {
            "it holds no member in a format Huntbook reads".to_string()
        } else {
            warnings.join("; ")
        }));
    }
    Ok(Warned {
        value: stack(frames)?,
        warnings,
    })
}

/// Frames read from several places, each tagged with where it came from in
/// [`SOURCE_FILE_COLUMN`] and stacked diagonally (a column one lacks becomes nulls).
fn stack(parts: Vec<(String, DataFrame)>) -> Result<DataFrame> {
    let mut frames = Vec::with_capacity(parts.len());
    for (source, mut df) in parts {
        df.with_column(Column::new(SOURCE_FILE_COLUMN.into(), vec![source; df.height()]))?;
        frames.push(df.lazy());
    }
    Ok(concat_lf_diagonal(frames, UnionArgs::default())?.collect()?)
}

fn read_member(reader: &mut dyn std::io::Read, size: u64) -> std::result::Result<Vec<u8>, String> {
    use std::io::Read;
    if size > MAX_MEMBER_BYTES {
        return Err(format!(
            "{size} bytes is over the {MAX_MEMBER_BYTES}-byte limit for one member"
        ));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    reader
        .take(MAX_MEMBER_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("damaged: {e}"))?;
    if bytes.len() as u64 > MAX_MEMBER_BYTES {
        return Err(format!("over the {MAX_MEMBER_BYTES}-byte limit for one member"));
    }
    Ok(bytes)
}

fn parse_member(bytes: Vec<u8>, format: FileFormat, member: &str) -> Result<Warned<DataFrame>> {
    let bad = |e: PolarsError| Error::Format {
        path: PathBuf::from(member),
        format: format.name(),
        message: e.to_string(),
    };
    let cursor = |b: Vec<u8>| std::io::Cursor::new(b);
    Ok(match format {
        FileFormat::Csv => {
            let tsv = member.to_ascii_lowercase().ends_with(".tsv");
            let again = bytes.clone();
            repair_or(read_csv(cursor(bytes), tsv), tsv, member, move || Some(again)).map_err(bad)?
        }
        FileFormat::Json => {
            let again = bytes.clone();
            Warned::clean(read_json(cursor(bytes), move || Some(cursor(again))).map_err(bad)?)
        }
        FileFormat::Ndjson => Warned::clean(read_ndjson(cursor(bytes)).map_err(bad)?),
        FileFormat::Parquet => Warned::clean(ParquetReader::new(cursor(bytes)).finish().map_err(bad)?),
        FileFormat::Auditd | FileFormat::Syslog | FileFormat::Zeek => {
            parse_text_log(&String::from_utf8_lossy(&bytes), format, member)?
        }
        FileFormat::Evtx => crate::evtx::read_evtx_bytes(bytes, member, 0)?,
        FileFormat::Archive => {
            return Err(Error::Format {
                path: PathBuf::from(member),
                format: "archive",
                message: "archives inside archives are not opened".into(),
            });
        }
    })
}

/// Lines a line-oriented reader could not parse: how many, and the first one's number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Unparsed {
    pub count: usize,
    pub first_line: usize,
}

/// Parses every non-blank line of `text` with `parse` (given the line and its 1-based
/// number), keeping what parses and counting what does not.
pub(crate) fn parse_lines<T>(text: &str, mut parse: impl FnMut(&str, usize) -> Option<T>) -> (Vec<T>, Unparsed) {
    let mut parsed = Vec::new();
    let mut unparsed = Unparsed::default();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match parse(line, i + 1) {
            Some(item) => parsed.push(item),
            None => {
                if unparsed.count == 0 {
                    unparsed.first_line = i + 1;
                }
                unparsed.count += 1;
            }
        }
    }
    (parsed, unparsed)
}

/// The line-oriented text logs: auditd, syslog and Zeek.
fn parse_text_log(text: &str, format: FileFormat, name: &str) -> Result<Warned<DataFrame>> {
    match format {
        FileFormat::Auditd => crate::auditd::read_auditd_text(text, name),
        FileFormat::Syslog => crate::syslog::read_syslog_text(text, name, chrono::Utc::now()),
        _ => crate::zeek::read_zeek_text(text, name),
    }
}

/// JSON documents hold either an array of records or a single record; a single record
/// becomes a one-row frame. A `.json` that is really one record per line (as OTRF
/// Security-Datasets and many SIEM exports name them) is read as NDJSON.
fn read_json<R: polars::io::mmap::MmapBytesReader>(
    reader: R,
    again: impl FnOnce() -> Option<R>,
) -> PolarsResult<DataFrame> {
    let first = JsonReader::new(reader)
        .with_json_format(JsonFormat::Json)
        .infer_schema_len(std::num::NonZeroUsize::new(10_000))
        .finish();
    match first {
        Ok(df) => Ok(df),
        Err(e) => match again() {
            Some(reader) => read_ndjson(reader).map_err(|_| e),
            None => Err(e),
        },
    }
}

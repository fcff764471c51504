//! zip, tar and tar.gz archives of evidence files (as OTRF Security-Datasets ships them):
//! every member in a format of the table is read and stacked like a folder.

use std::path::PathBuf;

use polars::prelude::*;

use super::{Format, Input, of_member};
use crate::error::{Error, Result};
use crate::frame::Warned;
use crate::load::stack;

pub const ARCHIVE: Format = Format::new("archive", "archive", &["zip", "tar", "tgz", "tar.gz"], read)
    .aliases(&["zip", "tar"])
    .not_in_archives();

fn read(input: &Input) -> Result<Warned<DataFrame>> {
    match input {
        Input::File(path) => read_archive(path),
        Input::Bytes { name, .. } => Err(Error::Format {
            path: PathBuf::from(name),
            format: "archive",
            message: "archives inside archives are not opened".into(),
        }),
    }
}

/// Bytes read from one member, and from all the members of one archive: past these a
/// member is skipped with a warning (an export of this size belongs on disk, unpacked).
const MAX_MEMBER_BYTES: u64 = 1 << 30;
const MAX_ARCHIVE_BYTES: u64 = 4 << 30;
/// What a member's declared size may reserve up front; the rest grows as it is read, so
/// a header that lies costs nothing.
const MAX_RESERVE: u64 = 64 << 20;

/// A zip, tar or tar.gz of evidence files (as OTRF Security-Datasets ships them): every
/// member in a readable format is read from the archive and stacked like a folder, with
/// `SourceFile` naming `archive!member`. Members are taken one at a time — the format from
/// the name and the first bytes, then the member read and parsed before the next is opened
/// — so memory holds one member's bytes at most; members of no format are never read
/// whole. A damaged archive whose members can still be listed loses only the damaged
/// members, each named in a warning.
fn read_archive(path: &std::path::Path) -> Result<Warned<DataFrame>> {
    let bad = |message: String| Error::Format {
        path: path.to_path_buf(),
        format: "archive",
        message,
    };
    let file = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut taken = Taken::new(path);
    let name = path.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".zip") {
        let mut zip = ::zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| bad(e.to_string()))?;
        for i in 0..zip.len() {
            let mut entry = match zip.by_index(i) {
                Ok(e) => e,
                Err(e) => {
                    taken.skipped(&format!("member {i}"), &e.to_string());
                    continue;
                }
            };
            if entry.is_dir() {
                continue;
            }
            let member = entry.name().map_or_else(|_| format!("member {i}"), |n| n.to_string());
            let size = entry.size();
            taken.member(&member, size, &mut entry);
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
                    taken.skipped("(the rest of the archive)", &e.to_string());
                    break;
                }
            };
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let member = entry.path().map(|p| p.display().to_string()).unwrap_or_default();
            let size = entry.size();
            taken.member(&member, size, &mut entry);
        }
    }
    let Taken { frames, warnings, .. } = taken;
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

/// The frames read from one archive so far, its warnings, and the bytes read.
struct Taken<'a> {
    archive: &'a std::path::Path,
    frames: Vec<(String, DataFrame)>,
    warnings: Vec<String>,
    read: u64,
}

impl<'a> Taken<'a> {
    fn new(archive: &'a std::path::Path) -> Self {
        Taken {
            archive,
            frames: Vec::new(),
            warnings: Vec::new(),
            read: 0,
        }
    }

    fn skipped(&mut self, member: &str, why: &str) {
        self.warnings
            .push(format!("{}: member {member} skipped: {why}", self.archive.display()));
    }

    /// Reads and parses one member if its name (or, for a .log, its first bytes) says it is
    /// a format of the table; skips it unread otherwise.
    fn member(&mut self, member: &str, declared: u64, reader: &mut dyn std::io::Read) {
        use std::io::Read;
        let mut head = Vec::new();
        if let Err(e) = reader.take(super::SNIFF_BYTES as u64).read_to_end(&mut head) {
            return self.skipped(member, &format!("damaged: {e}"));
        }
        let Some(format) = of_member(member, &head) else {
            return;
        };
        let limit = MAX_MEMBER_BYTES.min(MAX_ARCHIVE_BYTES.saturating_sub(self.read));
        let over = |size: u64| {
            if limit < MAX_MEMBER_BYTES {
                format!(
                    "{size} bytes would take the archive past the {MAX_ARCHIVE_BYTES}-byte limit on what one archive may unpack"
                )
            } else {
                format!("{size} bytes is over the {MAX_MEMBER_BYTES}-byte limit for one member")
            }
        };
        if declared > limit {
            return self.skipped(member, &over(declared));
        }
        let mut bytes = head;
        bytes.reserve(declared.min(MAX_RESERVE) as usize);
        if let Err(e) = reader.take(limit + 1 - bytes.len() as u64).read_to_end(&mut bytes) {
            return self.skipped(member, &format!("damaged: {e}"));
        }
        self.read += bytes.len() as u64;
        if bytes.len() as u64 > limit {
            return self.skipped(member, &over(bytes.len() as u64));
        }
        match (format.read)(&Input::Bytes { bytes, name: member }) {
            Ok(mut w) => {
                self.warnings.append(&mut w.warnings);
                self.frames
                    .push((format!("{}!{member}", self.archive.display()), w.value));
            }
            Err(e) => self.skipped(member, &e.to_string()),
        }
    }
}
